"""Per-user notification preferences: in-app always, e-mail per kind, for agents and for
department members who are not agents."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.core import mail
from django.urls import reverse

from care.models import Agent, Notification
from care.notifications import email_preferences, kind_of
from care.services import notify_role

pytestmark = pytest.mark.django_db


def test_every_kind_is_emailed_until_the_user_says_otherwise(supervisor):
    assert email_preferences(supervisor.user) == ["escalations", "sla", "alerts", "channels"]


def test_verbs_map_to_kinds():
    assert [kind_of(v) for v in ("sla_answer_warned", "spike", "escalation", "token_expired")] == [
        "sla", "alerts", "escalations", "channels",
    ]  # fmt: skip


def test_a_supervisor_turns_off_spike_emails_but_keeps_the_bell(
    login, supervisor, django_capture_on_commit_callbacks
):
    supervisor.user.email = "sari@example.com"
    supervisor.user.save()
    client = login(supervisor)
    response = client.post(
        reverse("notification-settings"), {"email_on": ["escalations", "sla"]}, follow=True
    )
    assert "Your notification settings are saved." in response.content.decode()
    assert email_preferences(supervisor.user) == ["escalations", "sla"]

    with django_capture_on_commit_callbacks(execute=True):
        notify_role(roles=(Agent.Role.SUPERVISOR,), verb="spike", text="Spike: battery")
        notify_role(roles=(Agent.Role.SUPERVISOR,), verb="sla_answer_breached", text="Late #4")
    assert Notification.objects.filter(recipient=supervisor.user).count() == 2
    assert [m.subject for m in mail.outbox] == ["[care] Late #4"]


def test_a_department_member_who_is_not_an_agent_has_settings_too(client):
    clerk = User.objects.create_user("clerk", "clerk@example.com", "pw-clerk-2026")
    client.force_login(clerk)
    page = client.get(reverse("notification-settings"))
    assert page.status_code == 200
    assert "Escalations and their reminders" in page.content.decode()
    client.post(reverse("notification-settings"), {"email_on": []})
    assert email_preferences(clerk) == []


def test_an_unknown_kind_is_refused(login, agent):
    response = login(agent).post(reverse("notification-settings"), {"email_on": ["gossip"]})
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    assert email_preferences(agent.user) == ["escalations", "sla", "alerts", "channels"]


def test_the_bell_count_is_json_for_the_user_only(login, agent, supervisor):
    Notification.objects.create(recipient=agent.user, verb="spike", text="one")
    Notification.objects.create(recipient=supervisor.user, verb="spike", text="not yours")
    response = login(agent).get(reverse("notifications-count"))
    assert response.json() == {"unread": 1}
    assert "no-cache" in response.headers["Cache-Control"]


def test_the_bell_count_needs_a_login(client):
    response = client.get(reverse("notifications-count"))
    assert response.status_code == 302 and "/accounts/login/" in response.headers["Location"]
