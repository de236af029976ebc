"""What each row of the inbox list says: compact ages, the answer clock, both languages."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from inbox.list_rows import short_duration
from tests.factories import ConversationFactory


@pytest.mark.parametrize(
    ("seconds", "text"),
    [(0, "now"), (59, "now"), (60, "1 min"), (3599, "59 min"), (3600, "1 h"), (86399, "23 h"),
     (86400, "1 d"), (40 * 86400, "40 d")],
)  # fmt: skip
def test_ages_are_compact(seconds, text):
    with translation.override("en"):
        assert short_duration(seconds) == text


def test_ages_in_indonesian():
    with translation.override("id"):
        assert [short_duration(s) for s in (30, 300, 7200, 172800)] == [
            "baru saja",
            "5 mnt",
            "2 jam",
            "2 hr",
        ]


@pytest.mark.django_db
def test_a_row_says_when_the_answer_is_due_or_how_late_it_is(login, agent):
    now = timezone.now()
    ConversationFactory.create(response_due_at=now + timedelta(minutes=30, seconds=30))
    ConversationFactory.create(response_due_at=now - timedelta(hours=2, minutes=1))
    body = login(agent).get(reverse("inbox:list")).content.decode()
    assert "Answer due in 30 min" in body
    assert 'class="due small sla-breached overdue">Answer overdue by 2 h' in body


@pytest.mark.django_db
def test_a_resolved_case_owes_no_answer(login, agent):
    ConversationFactory.create(
        status="resolved", response_due_at=timezone.now() - timedelta(hours=1)
    )
    body = login(agent).get(reverse("inbox:list"), {"view": "resolved"}).content.decode()
    assert "Answer overdue" not in body


@pytest.mark.django_db
def test_rows_in_indonesian(login, agent):
    ConversationFactory.create(
        last_activity_at=timezone.now() - timedelta(minutes=3),
        response_due_at=timezone.now() + timedelta(minutes=57, seconds=30),
    )
    client = login(agent)
    client.cookies["django_language"] = "id"
    body = client.get(reverse("inbox:list"), HTTP_ACCEPT_LANGUAGE="id").content.decode()
    assert "Batas jawaban dalam 57 mnt" in body
    assert ">3 mnt</time>" in body
