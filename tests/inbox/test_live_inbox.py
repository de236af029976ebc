"""The inbox updates itself: /inbox/live moves when a message is stored."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from inbox.channels.base import InboundAuthor, InboundEvent
from inbox.models import Conversation
from inbox.services.ingest import ingest_events
from tests.factories import ChannelAccountFactory, ConversationFactory, MessageFactory

pytestmark = pytest.mark.django_db


def test_an_outsider_gets_no_live_numbers(login, outsider):
    assert login(outsider).get(reverse("inbox:live")).status_code == 403


def test_an_empty_inbox_answers_zeroes(login, agent):
    data = login(agent).get(reverse("inbox:live")).json()
    assert data == {"latest_message_id": 0, "open_count": 0, "changed_at": None}


def test_the_numbers_move_when_a_message_is_stored(login, agent):
    account = ChannelAccountFactory.create()
    client = login(agent)
    before = client.get(reverse("inbox:live")).json()
    ingest_events(
        account=account,
        events=[
            InboundEvent(
                kind="mention",
                external_id="1460323737035677698",
                created_at=timezone.now(),
                text="@BrandCares my order never came",
                customer=InboundAuthor(external_id="2244994945", handle="rina"),
            )
        ],
    )
    after = client.get(reverse("inbox:live")).json()
    assert after["latest_message_id"] > before["latest_message_id"]
    assert after["open_count"] == before["open_count"] + 1
    assert after["changed_at"] is not None


def test_open_count_and_changed_at_follow_the_conversations(login, agent):
    latest = timezone.now() - timedelta(minutes=5)
    message = MessageFactory.create(conversation__last_activity_at=latest)
    ConversationFactory.create(status=Conversation.Status.CLOSED)
    data = login(agent).get(reverse("inbox:live")).json()
    assert data["latest_message_id"] == message.pk
    assert data["open_count"] == 1
    assert data["changed_at"] is not None


def test_the_live_answer_is_never_cached(login, agent):
    response = login(agent).get(reverse("inbox:live"))
    assert "no-cache" in response["Cache-Control"]


def test_the_list_page_asks_care_js_to_poll_every_three_seconds(login, agent):
    body = login(agent).get(reverse("inbox:list")).content.decode()
    assert 'data-live-url="/inbox/live"' in body
    assert 'data-partial-url="/inbox/?partial=1"' in body
    assert 'data-live-every="3"' in body


def test_the_partial_list_is_the_list_alone(login, agent):
    conversation = ConversationFactory.create()
    body = login(agent).get(reverse("inbox:list"), {"partial": 1}).content.decode()
    assert str(conversation.customer) in body
    assert f'data-key="{conversation.pk}:' in body
    assert "<html" not in body
