"""Bulk actions on many conversations, and their undo."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from care.errors import CareError
from inbox.models import BulkChange, Conversation, Tag
from inbox.services.bulk import apply_bulk_action, undo_bulk_action
from inbox.services.conversations import add_note
from tests.factories import ChannelAccountFactory, ConversationFactory, make_agent

pytestmark = pytest.mark.django_db
Status = Conversation.Status


def test_two_hundred_spam_mentions_are_closed_in_chunks_and_undone_together(agent):
    account = ChannelAccountFactory.create()
    conversations = [ConversationFactory.create(channel_account=account) for _ in range(200)]
    group = uuid.uuid4()
    ids = [c.pk for c in conversations]
    for start in range(0, 200, 50):
        outcome = apply_bulk_action(
            agent=agent, group=group, action="spam", conversation_ids=ids[start : start + 50]
        )
        assert outcome.changed == 50
    assert Conversation.objects.filter(status=Status.CLOSED, tags__name="spam").count() == 200
    assert undo_bulk_action(agent=agent, group=group) == 200
    assert Conversation.objects.filter(status=Status.NEW).count() == 200
    assert not Conversation.objects.filter(tags__name="spam").exists()


def test_undo_leaves_a_conversation_someone_touched_since(agent):
    kept, touched = ConversationFactory.create(), ConversationFactory.create()
    group = uuid.uuid4()
    apply_bulk_action(
        agent=agent, group=group, action="resolve", conversation_ids=[kept.pk, touched.pk]
    )
    add_note(conversation=Conversation.objects.get(pk=touched.pk), text="customer called", by=agent)
    assert undo_bulk_action(agent=agent, group=group) == 1
    assert Conversation.objects.get(pk=kept.pk).status == Status.NEW
    assert Conversation.objects.get(pk=touched.pk).status == Status.RESOLVED


def test_undo_is_offered_for_a_short_time_only(agent):
    conversation = ConversationFactory.create()
    group = uuid.uuid4()
    apply_bulk_action(agent=agent, group=group, action="close", conversation_ids=[conversation.pk])
    BulkChange.objects.update(created_at=timezone.now() - timedelta(minutes=5))
    with pytest.raises(CareError) as refused:
        undo_bulk_action(agent=agent, group=group)
    assert refused.value.code == "too_late"


def test_tag_and_assign_in_bulk(agent, supervisor):
    bob = make_agent(initials="BB")
    conversations = [ConversationFactory.create() for _ in range(3)]
    ids = [c.pk for c in conversations]
    apply_bulk_action(
        agent=agent, group=uuid.uuid4(), action="tag", conversation_ids=ids, tag="Battery"
    )
    assert Tag.objects.get(name="battery").conversations.count() == 3
    apply_bulk_action(
        agent=supervisor, group=uuid.uuid4(), action="assign", conversation_ids=ids, assignee=bob
    )
    assert set(Conversation.objects.values_list("assignee__initials", flat=True)) == {"BB"}


def test_an_agent_cannot_bulk_reassign_other_agents_cases(agent):
    bob = make_agent(initials="BB")
    held = ConversationFactory.create(assignee=bob)
    with pytest.raises(CareError) as refused:
        apply_bulk_action(
            agent=agent,
            group=uuid.uuid4(),
            action="assign",
            conversation_ids=[held.pk],
            assignee=agent,
        )
    assert refused.value.code == "not_yours"


def test_conversations_of_other_channels_are_skipped(agent):
    hidden = ConversationFactory.create(channel_account=ChannelAccountFactory.create(agents=[]))
    outcome = apply_bulk_action(
        agent=agent, group=uuid.uuid4(), action="close", conversation_ids=[hidden.pk]
    )
    assert (outcome.changed, outcome.skipped) == (0, 1)
    assert Conversation.objects.get(pk=hidden.pk).status == Status.NEW


def test_the_bulk_endpoint_answers_json_and_refuses_bad_input(login, agent):
    conversation = ConversationFactory.create()
    client = login(agent)
    group = str(uuid.uuid4())
    ok = client.post(
        reverse("inbox:bulk"), {"group": group, "action": "resolve", "ids": [conversation.pk]}
    )
    assert ok.json() == {"changed": 1, "skipped": 0}
    assert client.post(reverse("inbox:bulk"), {"group": "nope", "ids": ["x"]}).status_code == 400
    bad = client.post(reverse("inbox:bulk"), {"group": group, "action": "explode", "ids": [1]})
    assert bad.status_code == 400 and bad.json()["code"] == "bad_action"
    undo = client.post(reverse("inbox:bulk-undo", args=[group]))
    assert undo.json() == {"restored": 1}
