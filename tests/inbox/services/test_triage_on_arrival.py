"""Every customer message is classified as it arrives; a failure never loses it; agents'
corrections are kept; supervisors' topic rules are checked when saved."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import time_machine

from care.errors import CareError
from care.models import AuditEvent
from inbox.channels.base import InboundAuthor, InboundEvent
from inbox.models import Conversation, Message, Topic, TriageCorrection
from inbox.services import triage
from inbox.services.ingest import ingest_events
from tests.factories import ChannelAccountFactory

pytestmark = pytest.mark.django_db

T0 = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
SARI = InboundAuthor(external_id="5501", handle="sari_k", name="Sari K", followers_count=300)
ANGRY_ID = "Kecewa banget, paket saya belum sampai sudah seminggu! Saya minta refund"
THANKS_ID = "Terima kasih banyak, pelayanannya cepat sekali!"
BROKEN_ID = "@NusantaraCares kecewa banget, laptop saya rusak lagi"


def mention(external_id: str, text: str, created_at: datetime = T0) -> InboundEvent:
    return InboundEvent(
        kind="mention", external_id=external_id, text=text, created_at=created_at, customer=SARI
    )


@pytest.fixture
def account():
    return ChannelAccountFactory.create(platform="x")


def test_a_complaint_lands_labelled_with_reasons_and_raises_the_priority(account):
    Topic.objects.create(name="delivery", phrases=["paket", "parcel"])

    ingest_events(account=account, events=[mention("1", ANGRY_ID)])

    message = Message.objects.get()
    assert (message.language, message.sentiment, message.intent) == ("id", "negative", "complaint")
    assert "kecewa" in message.triage["sentiment"]["why"]
    assert [t.name for t in message.topics.all()] == ["delivery"]
    assert message.triage["topics"][0]["why"] == "phrase: “paket”"
    conversation = message.conversation
    assert (conversation.sentiment, conversation.intent) == ("negative", "complaint")
    assert [t.name for t in conversation.topics.all()] == ["delivery"]
    assert conversation.priority == Conversation.Priority.URGENT
    assert "urgent words: refund +25" in conversation.priority_reasons


def test_a_later_calm_message_does_not_lower_the_priority_but_updates_the_mood(account):
    ingest_events(account=account, events=[mention("1", ANGRY_ID)])
    ingest_events(account=account, events=[mention("2", THANKS_ID, T0.replace(minute=30))])

    conversation = Conversation.objects.get()
    assert conversation.priority == Conversation.Priority.URGENT
    assert (conversation.sentiment, conversation.intent) == ("positive", "praise")


def test_a_vip_customer_is_served_first(account):
    ingest_events(account=account, events=[mention("1", "How do I reset my router password?")])
    normal = Conversation.objects.get()
    normal.customer.is_vip = True
    normal.customer.save()
    normal.status = Conversation.Status.RESOLVED
    normal.save()
    # Past the reopen window: a new case.
    vip_event = mention("2", "How do I change my delivery address?", T0.replace(day=28))

    ingest_events(account=account, events=[vip_event])

    vip_case = Conversation.objects.exclude(pk=normal.pk).get()
    assert vip_case.priority > Conversation.Priority.NORMAL
    assert "VIP customer +30" in vip_case.priority_reasons


def test_a_failing_classifier_never_blocks_ingest(account, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("model file unreadable")

    monkeypatch.setattr("inbox.triage.classify_sentiment", broken)

    result = ingest_events(account=account, events=[mention("1", ANGRY_ID)])

    assert result.stored == 1
    message = Message.objects.get()
    assert message.text == ANGRY_ID
    assert message.sentiment == "" and message.intent == ""
    assert message.triage_error.startswith("classification failed: RuntimeError")
    assert message.language == "id"  # the steps before the failure are kept


def test_a_crash_around_the_classifier_is_caught_too(account, monkeypatch):
    def broken(*args, **kwargs):
        raise MemoryError("out of memory")

    monkeypatch.setattr(triage, "classify_text", broken)

    ingest_events(account=account, events=[mention("1", ANGRY_ID)])

    message = Message.objects.get()
    assert message.triage_error == "classification failed: MemoryError: out of memory"
    assert message.conversation.status == Conversation.Status.NEW


def test_triage_can_be_turned_off(account, settings):
    settings.CARE_TRIAGE = False
    ingest_events(account=account, events=[mention("1", ANGRY_ID)])
    message = Message.objects.get()
    assert (message.sentiment, message.intent, message.triage) == ("", "", {})


def test_the_brands_own_posts_are_not_classified(account):
    ingest_events(account=account, events=[mention("1", ANGRY_ID)])
    reply = InboundEvent(
        kind="reply",
        external_id="2",
        text="Mohon maaf kak, kami cek ya ^AB",
        created_at=T0,
        direction="outbound",
        in_reply_to_external_id="1",
    )
    ingest_events(account=account, events=[reply])
    outbound = Message.objects.get(external_id="2")
    assert outbound.sentiment == "" and outbound.triage == {}


# --- Corrections ----------------------------------------------------------------------


def test_a_message_in_the_inbox_was_sent_to_the_brand_even_without_a_handle(account):
    # A Page comment or a DM names no one; "addressed to no one" is for remarks about
    # life found elsewhere, not for what reached the inbox.
    ingest_events(account=account, events=[mention("1", "My laptop battery died, terrible")])
    message = Message.objects.get()
    assert message.intent == "complaint"
    assert message.triage["intent"]["why"].startswith("complaint: negative")


def test_an_agents_correction_is_kept_for_retraining_and_shown(account, agent):
    ingest_events(account=account, events=[mention("1", "My laptop battery died, terrible")])
    message = Message.objects.get()
    assert message.intent == "complaint"

    # The agent reads it as a remark, not a case to solve.
    correction = triage.correct_label(message=message, field="intent", value="other", by=agent)

    message.refresh_from_db()
    assert message.intent == "other"
    assert message.conversation.intent == "other"
    assert correction is not None
    assert (correction.before, correction.after, correction.corrected_by) == (
        "complaint",
        "other",
        agent,
    )
    assert AuditEvent.objects.filter(verb="label_corrected").exists()
    # The same correction again records nothing new.
    again = triage.correct_label(message=message, field="intent", value="other", by=agent)
    assert again is None
    assert TriageCorrection.objects.count() == 1


def test_a_correction_to_an_unknown_label_is_refused(account, agent):
    ingest_events(account=account, events=[mention("1", ANGRY_ID)])
    message = Message.objects.get()
    with pytest.raises(CareError) as refused:
        triage.correct_label(message=message, field="sentiment", value="furious", by=agent)
    assert refused.value.code == "invalid_label"


def test_topics_can_be_corrected(account, agent):
    battery = Topic.objects.create(name="laptop battery", phrases=["battery"])
    Topic.objects.create(name="delivery", phrases=["paket"])
    ingest_events(account=account, events=[mention("1", ANGRY_ID)])
    message = Message.objects.get()

    triage.correct_label(message=message, field="topics", value=["laptop battery"], by=agent)

    assert list(message.topics.all()) == [battery]
    correction = TriageCorrection.objects.get()
    assert (correction.before, correction.after) == (["delivery"], ["laptop battery"])


# --- Topic rules ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("pattern", "why"),
    [
        ("(refund", "not a valid regular expression"),
        ("(a+)+$", "repeated group contains another repeat"),
        ("x*", "matches empty text"),
    ],
)
def test_a_topic_with_a_bad_pattern_is_refused_with_the_reason(agent, pattern, why):
    with pytest.raises(CareError) as refused:
        triage.save_topic(
            topic=None, name="billing", phrases=[], pattern=pattern, is_active=True, by=agent
        )
    assert why in refused.value.message
    assert not Topic.objects.exists()


def test_topics_are_saved_in_order_and_names_are_unique(agent):
    first = triage.save_topic(
        topic=None, name="billing", phrases=["tagihan", "invoice"], pattern="", is_active=True,
        by=agent,
    )  # fmt: skip
    second = triage.save_topic(
        topic=None, name="delivery", phrases=["paket"], pattern="", is_active=True, by=agent
    )
    assert second.position > first.position
    with pytest.raises(CareError) as refused:
        triage.save_topic(
            topic=None, name="Billing", phrases=["bill"], pattern="", is_active=True, by=agent
        )
    assert refused.value.code == "duplicate"


def test_phrases_are_cleaned_from_the_form():
    assert triage.clean_phrases("refund,  Refund\n kartu   kredit \n\n") == [
        "refund",
        "kartu kredit",
    ]


# --- Waiting raises the priority ---------------------------------------------------------


def test_a_complaint_left_waiting_an_hour_becomes_high(account):
    from datetime import timedelta

    from inbox.models import ConversationEvent

    with time_machine.travel(T0, tick=False):  # the customer wrote just now
        ingest_events(account=account, events=[mention("1", BROKEN_ID)])
    conversation = Conversation.objects.get()
    assert conversation.priority == Conversation.Priority.NORMAL  # 45: complaint, negative

    assert triage.rescore_waiting(T0 + timedelta(minutes=50)) == 0
    assert triage.rescore_waiting(T0 + timedelta(minutes=61)) == 1

    conversation.refresh_from_db()
    assert conversation.priority == Conversation.Priority.HIGH
    assert conversation.priority_reasons[-1] == "waiting 1.0 h +5.1"
    assert "intent complaint +20" in conversation.priority_reasons
    event = conversation.events.get(kind=ConversationEvent.Kind.PRIORITY)
    assert event.actor is None and event.data == {"from": 20, "to": 30, "auto": True}
    assert triage.rescore_waiting(T0 + timedelta(minutes=70)) == 0


def test_an_agents_priority_is_not_overridden_by_waiting(account, agent):
    from datetime import timedelta

    from inbox.services.conversations import set_priority

    with time_machine.travel(T0, tick=False):
        ingest_events(account=account, events=[mention("1", BROKEN_ID)])
    conversation = Conversation.objects.get()
    set_priority(conversation=conversation, priority=Conversation.Priority.LOW, by=agent)

    assert triage.rescore_waiting(T0 + timedelta(hours=5)) == 0
    conversation.refresh_from_db()
    assert conversation.priority == Conversation.Priority.LOW


def test_the_brands_answer_stops_the_climb(account):
    from datetime import timedelta

    with time_machine.travel(T0, tick=False):
        ingest_events(account=account, events=[mention("1", BROKEN_ID)])
    reply = InboundEvent(
        kind="reply", external_id="2", text="On it ^AB", created_at=T0 + timedelta(minutes=5),
        direction="outbound", in_reply_to_external_id="1",
    )  # fmt: skip
    ingest_events(account=account, events=[reply])
    assert triage.rescore_waiting(T0 + timedelta(hours=5)) == 0


def test_beat_rescores_waiting_cases_every_five_minutes(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["rescore-waiting"]
    assert (entry["task"], entry["schedule"]) == ("inbox.tasks.rescore_waiting_task", 300.0)
