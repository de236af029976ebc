"""The inbox updates itself: /inbox/live moves when this agent's inbox changes."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone

from inbox.channels.base import InboundAuthor, InboundEvent
from inbox.services.ingest import ingest_events
from tests.factories import ChannelAccountFactory, MessageFactory

pytestmark = pytest.mark.django_db


def _mention(external_id: str = "1460323737035677698") -> InboundEvent:
    return InboundEvent(
        kind="mention",
        external_id=external_id,
        created_at=timezone.now(),
        text="@BrandCares my order never came",
        customer=InboundAuthor(external_id="2244994945", handle="rina"),
    )


def test_an_outsider_gets_no_live_numbers(login, outsider):
    assert login(outsider).get(reverse("inbox:live")).status_code == 403


def test_an_empty_inbox_answers_zeroes(login, agent):
    data = login(agent).get(reverse("inbox:live")).json()
    assert data == {"latest_message_id": 0, "changed_at": None}


def test_the_numbers_move_when_a_message_is_stored(login, agent):
    account = ChannelAccountFactory.create()
    client = login(agent)
    before = client.get(reverse("inbox:live")).json()
    ingest_events(account=account, events=[_mention()])
    after = client.get(reverse("inbox:live")).json()
    assert after["latest_message_id"] > before["latest_message_id"]
    assert after["changed_at"] is not None


def test_a_channel_the_agent_does_not_work_does_not_move_their_numbers(login, agent):
    theirs = ChannelAccountFactory.create(agents=[])
    client = login(agent)
    before = client.get(reverse("inbox:live")).json()
    ingest_events(account=theirs, events=[_mention()])
    assert client.get(reverse("inbox:live")).json() == before


def test_the_numbers_move_when_an_agent_changes_a_conversation(login, agent):
    message = MessageFactory.create()
    client = login(agent)
    before = client.get(reverse("inbox:live")).json()
    client.post(reverse("inbox:action", args=[message.conversation_id, "claim"]))
    after = client.get(reverse("inbox:live")).json()
    assert after["changed_at"] != before["changed_at"]


def test_the_live_answer_is_never_cached(login, agent):
    response = login(agent).get(reverse("inbox:live"))
    assert "no-cache" in response["Cache-Control"]


def test_the_list_page_asks_for_news_every_second_and_keeps_its_filters(login, agent):
    body = login(agent).get(reverse("inbox:list"), {"view": "mine", "q": "battery"}).content
    body = body.decode()
    assert 'data-live-url="/inbox/live"' in body
    assert 'data-partial-url="/inbox/?view=mine&amp;q=battery&amp;partial=1"' in body
    assert 'data-live-every="1"' in body


def test_the_partial_list_is_the_list_alone(login, agent):
    message = MessageFactory.create()
    body = login(agent).get(reverse("inbox:list"), {"partial": 1}).content.decode()
    assert str(message.conversation.customer) in body
    assert f'data-id="{message.conversation_id}"' in body
    assert "<html" not in body
