"""The reply box warns before an agent answers over something they have not seen, and
only the case's agent sends on it."""

from __future__ import annotations

import uuid

import pytest
from django.urls import reverse

from care.errors import CareError
from responses.models import Reply
from responses.services.outbox import send_reply
from tests.factories import MessageFactory, make_agent

pytestmark = pytest.mark.django_db


def save_reply_draft(**kwargs):
    return send_reply(idempotency_key=uuid.uuid4(), **kwargs)


def test_a_reply_over_a_new_customer_message_is_held_until_confirmed(agent):
    first = MessageFactory.create()
    conversation = first.conversation
    newer = MessageFactory.create(conversation=conversation, text="Hello?? anyone")
    with pytest.raises(CareError) as held:
        save_reply_draft(
            conversation=conversation,
            by=agent,
            text="On it!",
            seen_message_id=first.pk,
            seen_reply_id=0,
        )
    assert held.value.code == "new_activity"
    assert held.value.extra["message_ids"] == [newer.pk]
    assert not Reply.objects.exists()
    save_reply_draft(
        conversation=conversation,
        by=agent,
        text="On it!",
        seen_message_id=newer.pk,
        seen_reply_id=0,
        confirmed=True,
    )
    assert Reply.objects.get().text == "On it!"


def test_another_agents_reply_is_shown_before_sending(login, agent):
    bob = make_agent(display_name="Bob Agent", initials="BB")
    message = MessageFactory.create()
    conversation = message.conversation
    bobs = save_reply_draft(
        conversation=conversation,
        by=bob,
        text="Bob answers first",
        seen_message_id=message.pk,
        seen_reply_id=0,
    )
    response = login(agent).post(
        reverse("inbox:reply", args=[conversation.pk]),
        {
            "text": "Alice answers too",
            "seen_message_id": message.pk,
            "seen_reply_id": 0,
            "idempotency_key": str(uuid.uuid4()),
        },
    )
    assert response.status_code == 409
    body = response.content.decode()
    assert "New since you opened this conversation" in body
    assert "Bob answers first" in body
    assert "Alice answers too" in body  # the agent's text is kept
    assert "Send anyway" in body
    confirm = login(agent).post(
        reverse("inbox:reply", args=[conversation.pk]),
        {
            "text": "Alice answers too",
            "seen_message_id": message.pk,
            "seen_reply_id": bobs.pk,
            "confirmed": "True",
            "idempotency_key": str(uuid.uuid4()),
        },
    )
    # Bob's answer made the case his: the customer does not get two answers.
    assert confirm.status_code == 400
    assert "Bob Agent (^BB) holds this conversation" in confirm.content.decode()
    assert Reply.objects.count() == 1


def test_my_own_earlier_reply_does_not_warn_me(agent):
    message = MessageFactory.create()
    save_reply_draft(
        conversation=message.conversation,
        by=agent,
        text="one",
        seen_message_id=message.pk,
        seen_reply_id=0,
    )
    save_reply_draft(
        conversation=message.conversation,
        by=agent,
        text="two",
        seen_message_id=message.pk,
        seen_reply_id=0,
    )
    assert Reply.objects.count() == 2


def test_an_empty_reply_is_refused(login, agent):
    message = MessageFactory.create()
    response = login(agent).post(
        reverse("inbox:reply", args=[message.conversation_id]),
        {
            "text": "   ",
            "seen_message_id": message.pk,
            "seen_reply_id": 0,
            "idempotency_key": str(uuid.uuid4()),
        },
    )
    assert response.status_code == 400
    assert not Reply.objects.exists()
