"""The inbox search reads one document per conversation, kept by ingest, edits, deletions
and merges: whatever path a message took, the agent finds the conversation by its words."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.urls import reverse

from inbox import search
from inbox.channels.base import InboundAuthor, InboundEvent
from inbox.models import Conversation
from inbox.services.conversations import merge_conversations
from inbox.services.ingest import ingest_events
from tests.factories import ChannelAccountFactory, ConversationFactory, MessageFactory

pytestmark = pytest.mark.django_db

T0 = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
RINA = InboundAuthor(external_id="3301", handle="rina_w", name="Rina W", followers_count=80)


def comment(external_id: str, text: str, minutes: int = 0, **kwargs) -> InboundEvent:
    return InboundEvent(
        kind="comment",
        external_id=external_id,
        text=text,
        created_at=T0 + timedelta(minutes=minutes),
        customer=RINA,
        **kwargs,
    )


def found(client, q: str) -> list[int]:
    response = client.get(reverse("inbox:list"), {"q": q})
    return [row["id"] for row in response.context["conversations"]]


@pytest.fixture
def account():
    return ChannelAccountFactory.create(platform="x")


def test_every_message_of_a_conversation_is_searchable_not_only_the_latest(account, login, agent):
    ingest_events(account=account, events=[comment("1", "my invoice shows a double charge")])
    ingest_events(account=account, events=[comment("2", "any news?", minutes=5)])
    conversation = Conversation.objects.get()

    client = login(agent)
    assert found(client, "invoice") == [conversation.pk]
    assert found(client, "news") == [conversation.pk]
    assert conversation.preview == "any news?"


def test_an_edited_post_is_found_by_its_new_words_only(account, login, agent):
    ingest_events(account=account, events=[comment("1", "paket belum sampai")])
    ingest_events(account=account, events=[comment("1", "paket rusak", action="edit")])

    client = login(agent)
    assert found(client, "rusak") == [Conversation.objects.get().pk]
    assert found(client, "sampai") == []


def test_a_post_its_author_deleted_is_no_longer_found(account, login, agent):
    ingest_events(account=account, events=[comment("1", "my address is on jalan melati")])
    ingest_events(account=account, events=[comment("2", "please help", minutes=1)])
    ingest_events(account=account, events=[comment("1", "", action="delete")])

    client = login(agent)
    assert found(client, "melati") == []
    assert found(client, "help") == [Conversation.objects.get().pk]


def test_after_a_merge_the_sources_words_find_the_target(agent, login):
    source = MessageFactory.create(text="refund for the broken charger").conversation
    target = MessageFactory.create(
        text="hello again",
        conversation__customer=source.customer,
        conversation__channel_account=source.channel_account,
    ).conversation

    merge_conversations(source=source, target=target, by=agent)

    assert found(login(agent), "charger") == [target.pk]


def test_rebuilding_every_document_gives_what_ingest_kept(account):
    ingest_events(
        account=account,
        events=[comment("1", "baterai cepat habis"), comment("2", "sudah coba reset", minutes=2)],
    )
    kept = Conversation.objects.get().search_text
    Conversation.objects.update(search_text="")

    search.rebuild_search_text()

    assert Conversation.objects.get().search_text == kept == "baterai cepat habis\nsudah coba reset"


def test_a_very_long_thread_keeps_its_newest_words():
    document = ""
    for n in range(2_000):
        document = search.appended(document, f"message number {n}")
    assert len(document) <= search.SEARCH_TEXT_LIMIT
    assert document.endswith("message number 1999")
    assert "message number 5\n" not in document


def test_a_handle_search_does_not_need_the_at_sign(login, agent):
    conversation = ConversationFactory.create()
    conversation.customer.identities.create(platform="x", external_id="77", handle="budi_s")
    assert found(login(agent), "budi_s") == [conversation.pk]
