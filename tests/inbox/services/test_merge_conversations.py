"""Merging two conversations of the same customer."""

from __future__ import annotations

import pytest

from care.errors import CareError
from inbox.models import Conversation, InternalNote
from inbox.services.conversations import merge_conversations
from tests.factories import ConversationFactory, MessageFactory

pytestmark = pytest.mark.django_db


def test_merge_moves_messages_notes_and_tags_and_keeps_a_pointer(agent):
    source = MessageFactory.create(text="first case").conversation
    InternalNote.objects.create(conversation=source, author=agent, text="a note")
    target = ConversationFactory.create(
        customer=source.customer, channel_account=source.channel_account
    )
    merge_conversations(source=source, target=target, by=agent)
    source.refresh_from_db()
    assert source.merged_into == target
    assert source.status == Conversation.Status.CLOSED
    assert list(target.messages.values_list("text", flat=True)) == ["first case"]
    assert target.notes.count() == 1
    assert target.events.filter(kind="merged").exists()


def test_conversations_of_two_customers_are_not_merged(agent):
    one, other = ConversationFactory.create(), ConversationFactory.create()
    with pytest.raises(CareError) as refused:
        merge_conversations(source=one, target=other, by=agent)
    assert refused.value.code == "other_customer"
