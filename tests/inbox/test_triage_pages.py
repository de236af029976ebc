"""Triage in the pages: labels with their reasons on the conversation, corrections,
filters in the inbox, and the supervisors' Topics page with its "try this text" box."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.urls import reverse

from inbox.channels.base import InboundAuthor, InboundEvent
from inbox.models import ChannelAccount, Conversation, Message, Topic, TriageCorrection
from inbox.services.ingest import ingest_events
from tests.factories import ChannelAccountFactory, ConversationFactory

pytestmark = pytest.mark.django_db

T0 = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
ANGRY = "Kecewa banget, paket saya belum sampai sudah seminggu! Saya minta refund"


def _ingest(text: str, external_id: str = "1", author_id: str = "9001") -> Conversation:
    account = ChannelAccount.objects.first() or ChannelAccountFactory.create(platform="x")
    author = InboundAuthor(
        external_id=author_id, handle=f"c{author_id}", name="C", followers_count=5
    )
    event = InboundEvent(
        kind="mention", external_id=external_id, text=text, created_at=T0, customer=author
    )
    ingest_events(account=account, events=[event])
    return Message.objects.get(external_id=external_id).conversation


def test_the_conversation_shows_each_label_with_its_reason(login, agent):
    Topic.objects.create(name="delivery", phrases=["paket"])
    conversation = _ingest(ANGRY)

    body = login(agent).get(reverse("inbox:conversation", args=[conversation.pk])).content.decode()

    assert 'class="chip chip-sentiment chip-negative" title="model' in body
    assert "Complaint" in body
    assert "phrase: “paket”" in body
    assert "urgent words: refund +25" in body  # the priority's reasons


def test_an_agent_corrects_a_label_from_the_conversation(login, agent):
    conversation = _ingest("How do I reset my router password?")
    message = conversation.messages.get()

    response = login(agent).post(
        reverse("inbox:action", args=[conversation.pk, "labels"]),
        {"message": message.pk, "intent": "complaint", "sentiment": "negative"},
        follow=True,
    )

    assert "kept for retraining" in response.content.decode()
    assert sorted(TriageCorrection.objects.values_list("field", "after")) == [
        ("intent", "complaint"),
        ("sentiment", "negative"),
    ]
    body = response.content.decode()
    assert 'title="corrected by an agent"' in body


def test_a_correction_names_a_message_of_this_conversation_only(login, agent):
    conversation = _ingest("How do I reset my router password?")
    other = _ingest("Where is my parcel?", external_id="2", author_id="9002")
    foreign = other.messages.get()

    response = login(agent).post(
        reverse("inbox:action", args=[conversation.pk, "labels"]),
        {"message": foreign.pk, "intent": "complaint"},
        follow=True,
    )

    assert "not part of this conversation" in response.content.decode()
    assert not TriageCorrection.objects.exists()


def test_the_inbox_filters_by_sentiment_and_intent(login, agent):
    angry = _ingest(ANGRY)
    calm = _ingest("How do I reset my router password?", external_id="2", author_id="9002")
    client = login(agent)

    def ids(**params):
        response = client.get(reverse("inbox:list"), params)
        return [row["id"] for row in response.context["conversations"]]

    assert ids(sentiment="negative") == [angry.pk]
    assert ids(intent="question") == [calm.pk]
    assert set(ids(sentiment="furious")) == {angry.pk, calm.pk}  # unknown: no filter
    body = client.get(reverse("inbox:list")).content.decode()
    assert 'class="chip chip-intent chip-complaint">Complaint' in body


def test_the_inbox_filters_by_topic(login, agent):
    Topic.objects.create(name="delivery", phrases=["paket"])
    parcel = _ingest(ANGRY)
    _ingest("How do I reset my router password?", external_id="2", author_id="9002")
    response = login(agent).get(reverse("inbox:list"), {"topic": "delivery"})
    assert [row["id"] for row in response.context["conversations"]] == [parcel.pk]


# --- Settings → Topics ----------------------------------------------------------------


def test_only_supervisors_edit_topics(login, agent, supervisor):
    assert login(agent).get(reverse("settings:topics")).status_code == 403
    assert login(agent).post(reverse("settings:topics"), {"name": "x"}).status_code == 403
    assert login(supervisor).get(reverse("settings:topics")).status_code == 200


def test_a_supervisor_adds_a_topic_and_new_messages_get_it(login, supervisor):
    client = login(supervisor)
    response = client.post(
        reverse("settings:topics"),
        {"name": "laptop battery", "phrases": "battery\nbaterai", "pattern": "", "is_active": "on"},
        follow=True,
    )
    assert "Topic “laptop battery” saved." in response.content.decode()
    topic = Topic.objects.get()
    assert topic.phrases == ["battery", "baterai"]

    conversation = _ingest("Baterai laptop saya cepat habis")
    assert list(conversation.topics.all()) == [topic]


def test_a_topic_with_a_dangerous_pattern_is_refused_with_the_reason(login, supervisor):
    response = login(supervisor).post(
        reverse("settings:topics"), {"name": "slow", "phrases": "", "pattern": "(a+)+$"}
    )
    assert response.status_code == 200
    assert "repeated group contains another repeat" in response.content.decode()
    assert not Topic.objects.exists()


def test_supervisors_see_how_many_corrections_each_model_could_learn_from(login, agent, supervisor):
    conversation = _ingest("How do I reset my router password?")
    login(agent).post(
        reverse("inbox:action", args=[conversation.pk, "labels"]),
        {"message": conversation.messages.get().pk, "sentiment": "negative"},
    )
    # An intent correction alone is not sentiment training data.
    other = _ingest("Kapan toko buka?", external_id="2", author_id="9002")
    login(agent).post(
        reverse("inbox:action", args=[other.pk, "labels"]),
        {"message": other.messages.get().pk, "intent": "complaint"},
    )

    body = login(supervisor).get(reverse("settings:topics")).content.decode()

    section = body.split("data-corrections", 1)[1].split("</section>", 1)[0]
    assert "English</span> <strong>1</strong>" in section
    assert "Bahasa Indonesia</span> <strong>0</strong>" in section
    assert "manage.py export_corrections en" in section


def test_try_this_text_shows_every_label_and_why(login, supervisor):
    Topic.objects.create(name="delivery", phrases=["paket"])
    response = login(supervisor).get(
        reverse("settings:topics"), {"text": ANGRY, "followers": "250000", "verified": "on"}
    )
    body = response.content.decode()
    assert "Bahasa Indonesia" in body
    assert "Negative" in body and "kecewa" in body
    assert "Complaint" in body
    assert "phrase: “paket”" in body
    assert "verified account +10" in body and "reach 250,000 followers" in body
    assert "Urgent" in body


def test_a_topic_is_edited_and_deleted(login, supervisor):
    topic = Topic.objects.create(name="billing", phrases=["invoice"])
    client = login(supervisor)
    client.post(
        reverse("settings:topic-edit", args=[topic.pk]),
        {"name": "billing", "phrases": "invoice, tagihan", "pattern": "", "is_active": ""},
    )
    topic.refresh_from_db()
    assert (topic.phrases, topic.is_active) == (["invoice", "tagihan"], False)
    client.post(reverse("settings:topic-delete", args=[topic.pk]))
    assert not Topic.objects.exists()


def test_topic_names_are_shown_as_text(login, supervisor):
    Topic.objects.create(name="<b>x</b>", phrases=["x"])
    body = login(supervisor).get(reverse("settings:topics")).content.decode()
    assert "<b>x</b>" not in body and "&lt;b&gt;x&lt;/b&gt;" in body


def test_an_unclassified_message_is_flagged(login, agent, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr("inbox.triage.classify_sentiment", broken)
    conversation = _ingest(ANGRY)
    body = login(agent).get(reverse("inbox:conversation", args=[conversation.pk])).content.decode()
    assert "Unclassified" in body
    assert "classification failed: RuntimeError: boom" in body


def test_the_conversation_page_query_count_does_not_grow_with_labels(login, agent):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    Topic.objects.create(name="delivery", phrases=["paket"])
    one = _ingest(ANGRY)
    many = _ingest("paket rusak", external_id="2", author_id="9002")
    for n in range(3, 8):
        _ingest(f"paket {n} belum sampai", external_id=str(n), author_id="9002")
    client = login(agent)
    counts = []
    for conversation in (one, many):
        client.get(reverse("inbox:conversation", args=[conversation.pk]))
        with CaptureQueriesContext(connection) as queries:
            client.get(reverse("inbox:conversation", args=[conversation.pk]))
        counts.append(len(queries))
    assert many.messages.count() == 6
    assert counts[0] == counts[1]


def test_an_unknown_topic_filter_finds_nothing_and_says_so(login, agent):
    ConversationFactory.create()
    body = login(agent).get(reverse("inbox:list"), {"topic": "nothing"}).content.decode()
    assert "Nothing matches" in body
