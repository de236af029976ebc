"""The ingest pipeline: store once, thread, upsert the customer, keep edits and deletions."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone

from inbox.channels.base import InboundAuthor, InboundEvent
from inbox.models import Conversation, Customer, CustomerIdentity, Message
from inbox.services.ingest import ingest_events
from tests.factories import ChannelAccountFactory

pytestmark = pytest.mark.django_db

T0 = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
ANI = InboundAuthor(
    external_id="2244994945", handle="ani_w", name="Ani W", followers_count=120, verified=False
)


def mention(external_id: str, text: str = "@NusantaraCares laptop mati", **kwargs) -> InboundEvent:
    defaults = {"kind": "mention", "created_at": T0, "customer": ANI}
    return InboundEvent(external_id=external_id, text=text, **{**defaults, **kwargs})


@pytest.fixture
def account():
    return ChannelAccountFactory.create(platform="x", external_id="1600000000000000001")


def test_a_new_mention_opens_a_conversation_with_its_customer(account):
    result = ingest_events(account=account, events=[mention("1")])

    assert result.stored == 1
    message = Message.objects.get()
    assert message.direction == "inbound"
    assert message.conversation.status == Conversation.Status.NEW
    identity = message.author_identity
    assert identity is not None
    assert (identity.handle, identity.followers_count) == ("ani_w", 120)
    assert message.conversation.customer == identity.customer


def test_a_batch_delivered_twice_is_stored_once(account):
    events = [mention("1"), mention("2", created_at=T0 + timedelta(minutes=1))]

    ingest_events(account=account, events=events)
    again = ingest_events(account=account, events=events)

    assert Message.objects.count() == 2
    assert again.stored == 0
    assert again.duplicates == 2
    assert Conversation.objects.count() == 1


def test_the_same_event_twice_in_one_batch_is_stored_once(account):
    ingest_events(account=account, events=[mention("1"), mention("1")])

    assert Message.objects.count() == 1


def test_a_customer_writing_again_joins_their_open_conversation(account):
    ingest_events(account=account, events=[mention("1")])
    ingest_events(
        account=account, events=[mention("2", "any update?", created_at=T0 + timedelta(hours=1))]
    )

    assert Conversation.objects.count() == 1
    assert Conversation.objects.get().messages.count() == 2


def test_writing_again_within_the_window_reopens_a_resolved_case(account, settings):
    settings.CARE_REOPEN_WINDOW_HOURS = 72
    ingest_events(account=account, events=[mention("1")])
    Conversation.objects.update(status="resolved", resolved_at=T0 + timedelta(hours=1))

    result = ingest_events(
        account=account, events=[mention("2", "still broken", created_at=T0 + timedelta(days=2))]
    )

    conversation = Conversation.objects.get()
    assert result.reopened == 1
    assert conversation.status == Conversation.Status.OPEN
    assert conversation.resolved_at is None


def test_writing_again_after_the_window_opens_a_new_conversation(account, settings):
    settings.CARE_REOPEN_WINDOW_HOURS = 72
    ingest_events(account=account, events=[mention("1")])
    Conversation.objects.update(status="resolved", resolved_at=T0 + timedelta(hours=1))

    ingest_events(
        account=account, events=[mention("2", "new problem", created_at=T0 + timedelta(days=5))]
    )

    first, second = Conversation.objects.order_by("opened_at")
    assert first.status == "resolved"
    assert second.status == "new"
    assert list(second.messages.values_list("external_id", flat=True)) == ["2"]


def test_the_brands_own_reply_joins_the_case_it_answers_as_outbound(account):
    ingest_events(account=account, events=[mention("1")])
    own = InboundEvent(
        kind="reply",
        external_id="9",
        created_at=T0 + timedelta(minutes=5),
        text="@ani_w Maaf ya kak, kami cek ^BS",
        direction="outbound",
        in_reply_to_external_id="1",
    )

    ingest_events(account=account, events=[own])

    reply = Message.objects.get(external_id="9")
    assert reply.direction == "outbound"
    assert reply.author_identity is None
    assert reply.conversation == Message.objects.get(external_id="1").conversation
    assert Customer.objects.count() == 1


def test_the_brands_post_that_answers_nothing_known_is_not_a_customer_message(account):
    own = InboundEvent(
        kind="reply", external_id="9", created_at=T0, text="Promo!", direction="outbound"
    )

    result = ingest_events(account=account, events=[own])

    assert result.unplaced == 1
    assert not Message.objects.exists()
    assert not Conversation.objects.exists()


@pytest.mark.parametrize(
    "text",
    [
        "Laptop 💻🔥 mati total!!! 😡👍🏽",
        "مرحبا، الطلب لم يصل",  # right-to-left
        "zero\u200bwidth\u200djoiner\ufeff",
        "<script>alert('x')</script> & <b>bold</b>",
        "x" * 10_240,
    ],
    ids=["emoji", "rtl", "zero-width", "html", "10kB"],
)
def test_customer_text_is_stored_exactly(account, text):
    ingest_events(account=account, events=[mention("1", text)])

    assert Message.objects.get().text == text


def test_an_edited_comment_keeps_its_earlier_text(account):
    comment = InboundEvent(
        kind="comment", external_id="c1", created_at=T0, text="order late", customer=ANI
    )
    ingest_events(account=account, events=[comment])
    edit = InboundEvent(
        kind="comment", external_id="c1", created_at=T0, text="order VERY late", action="edit"
    )

    ingest_events(account=account, events=[edit])
    ingest_events(account=account, events=[edit])  # redelivered

    message = Message.objects.get()
    assert message.text == "order VERY late"
    assert [v["text"] for v in message.previous_texts] == ["order late"]
    assert message.edited_at is not None


def test_an_edit_that_arrives_before_its_comment_loses_nothing(account):
    edit = InboundEvent(
        kind="comment",
        external_id="c1",
        created_at=T0,
        text="edited text",
        action="edit",
        customer=ANI,
    )
    add = InboundEvent(
        kind="comment", external_id="c1", created_at=T0, text="first text", customer=ANI
    )

    ingest_events(account=account, events=[edit])
    ingest_events(account=account, events=[add])

    assert Message.objects.get().text == "edited text"


def test_a_deleted_comment_is_marked_not_removed(account):
    ingest_events(account=account, events=[mention("1")])
    delete = InboundEvent(kind="mention", external_id="1", created_at=T0, action="delete")

    result = ingest_events(account=account, events=[delete])

    message = Message.objects.get()
    assert result.deleted == 1
    assert message.deleted_at is not None
    assert message.text == "@NusantaraCares laptop mati"


def test_a_known_customer_profile_is_refreshed_not_duplicated(account):
    ingest_events(account=account, events=[mention("1")])
    grown = InboundAuthor(
        external_id=ANI.external_id, handle="ani_w", name="Ani Wijaya", followers_count=5000
    )

    ingest_events(account=account, events=[mention("2", customer=grown)])

    identity = CustomerIdentity.objects.get()
    assert (identity.name, identity.followers_count) == ("Ani Wijaya", 5000)
    assert Customer.objects.count() == 1


def test_a_stored_message_records_when_the_channel_last_heard_from_a_customer(account):
    ingest_events(account=account, events=[mention("1")])

    account.refresh_from_db()
    assert account.last_inbound_at is not None
    assert timezone.now() - account.last_inbound_at < timedelta(minutes=1)


def test_indonesian_from_x_is_recorded_as_id(account):
    ingest_events(account=account, events=[mention("1", language="in")])

    assert Conversation.objects.get().language == "id"


def test_an_event_survives_the_round_trip_through_a_kept_page():
    event = mention("1", "Halo 😡 <b>", language="in", attachments=({"type": "photo"},))

    assert InboundEvent.from_json(event.as_json()) == event


def test_a_customer_another_batch_created_meanwhile_is_used_not_duplicated(monkeypatch):
    from inbox.services.ingest import upsert_identities

    other = Customer.objects.create(display_name="Created by the other batch")
    CustomerIdentity.objects.create(
        customer=other, platform="x", external_id=ANI.external_id, handle="ani_w"
    )
    real_filter = CustomerIdentity.objects.filter
    calls = {"n": 0}

    def blind_first_look(*args, **kwargs):
        # The first look happens before the other batch commits: it sees nothing.
        calls["n"] += 1
        found = real_filter(*args, **kwargs)
        return found.none() if calls["n"] == 1 else found

    monkeypatch.setattr(CustomerIdentity.objects, "filter", blind_first_look)

    found = upsert_identities(platform="x", authors=[ANI])

    assert found[ANI.external_id].customer_id == other.pk
    assert Customer.objects.count() == 1  # our spare customer was removed


def test_the_list_preview_is_the_latest_messages_first_line(account):
    ingest_events(account=account, events=[mention("1", text="\n@NusantaraCares halo\nline two")])
    assert Conversation.objects.get().preview == "@NusantaraCares halo"
    later = mention("2", text="still waiting", created_at=T0 + timedelta(minutes=3))
    ingest_events(account=account, events=[later])
    assert Conversation.objects.get().preview == "still waiting"


def test_an_answer_is_due_from_the_customers_first_unanswered_message(account, settings):
    settings.CARE_RESPONSE_TARGET_MINUTES = 45
    ingest_events(account=account, events=[mention("1")])
    ingest_events(account=account, events=[mention("2", created_at=T0 + timedelta(minutes=10))])
    conversation = Conversation.objects.get()
    assert conversation.response_due_at == T0 + timedelta(minutes=45)
    own = InboundEvent(
        kind="reply",
        external_id="9",
        created_at=T0 + timedelta(minutes=20),
        text="@ani_w kami bantu ya ^BS",
        direction="outbound",
        in_reply_to_external_id="2",
    )
    ingest_events(account=account, events=[own])
    conversation.refresh_from_db()
    assert conversation.response_due_at is None
    assert conversation.first_response_at == T0 + timedelta(minutes=20)


def test_a_new_conversation_is_given_to_an_available_agent(account, settings, eager_tasks):
    from django.test import TestCase

    from tests.factories import make_agent

    settings.CARE_AUTO_ASSIGN = True
    agent = make_agent(initials="RR")
    account.agents.add(agent)
    with TestCase.captureOnCommitCallbacks(execute=True):
        ingest_events(account=account, events=[mention("1")])
    assert Conversation.objects.get().assignee == agent
