"""Escalation to a department: members (not necessarily agents) are told, read the case,
answer the care team and hand it back; beat reminds them, their lead, and the agent."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.auth.models import User
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from care.models import Notification
from inbox.models import Conversation, ConversationEvent, EscalationComment
from inbox.services import departments
from inbox.services.escalation import escalate_conversation
from tests.factories import ConversationFactory, DepartmentFactory, MessageFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def billing():
    department = DepartmentFactory.create(name="Billing", contact_emails=["billing@example.com"])
    clerk = User.objects.create_user("clerk", "clerk@example.com", "pw-clerk-2026")
    lead = User.objects.create_user("lead", "lead@example.com", "pw-lead-2026")
    department.members.add(clerk, lead)
    department.lead = lead
    department.save()
    return department


@pytest.fixture
def escalated(billing, agent, django_capture_on_commit_callbacks):
    conversation = MessageFactory.create(text="I was charged twice for my order").conversation
    with django_capture_on_commit_callbacks(execute=True):
        return escalate_conversation(
            conversation=conversation,
            department=billing,
            by=agent,
            summary="Double charge on invoice 4411; card statement attached.",
            due_at=timezone.now() + timedelta(hours=4),
        )


def test_the_department_is_told_in_the_app_and_by_email(escalated):
    clerk = User.objects.get(username="clerk")
    note = Notification.objects.get(recipient=clerk, verb="escalation")
    assert note.url == reverse("inbox:escalation", args=[escalated.pk])
    sent = mail.outbox[-1]
    assert set(sent.to) == {"billing@example.com", "clerk@example.com", "lead@example.com"}
    assert "Double charge on invoice 4411" in sent.body
    assert f"/inbox/escalations/{escalated.pk}/" in sent.body


def test_a_member_who_is_not_an_agent_reads_and_answers_the_case(client, escalated, agent):
    client.force_login(User.objects.get(username="clerk"))
    assert client.get(reverse("inbox:list")).status_code == 403  # no inbox for them
    page = client.get(reverse("inbox:escalation", args=[escalated.pk])).content.decode()
    assert "Double charge on invoice 4411" in page
    assert "I was charged twice for my order" in page  # the customer's own words

    client.post(
        reverse("inbox:escalation-comment", args=[escalated.pk]),
        {"text": "Refund issued; 3 working days."},
    )
    assert EscalationComment.objects.get().text == "Refund issued; 3 working days."
    assert Notification.objects.filter(recipient=agent.user, verb="escalation_answer").exists()


def test_handing_back_reopens_the_case_for_the_care_team(client, escalated, agent):
    client.force_login(User.objects.get(username="clerk"))
    client.post(
        reverse("inbox:escalation-hand-back", args=[escalated.pk]), {"note": "Refunded 4411."}
    )
    escalated.refresh_from_db()
    conversation = escalated.conversation
    assert escalated.handed_back_at is not None and escalated.hand_back_note == "Refunded 4411."
    assert conversation.status == Conversation.Status.OPEN
    assert conversation.events.filter(kind=ConversationEvent.Kind.HANDED_BACK).exists()
    assert conversation.notes.filter(text__contains="Refunded 4411.").exists()
    assert Notification.objects.filter(recipient=agent.user, verb="escalation_handed_back").exists()
    # Nothing more can be written on a handed-back escalation.
    with pytest.raises(Exception, match="handed back"):
        departments.comment(escalation=escalated, author=agent.user, text="more?")


def test_outsiders_cannot_see_an_escalation(client, escalated):
    stranger = User.objects.create_user("stranger", "s@example.com", "pw-stranger-2026")
    client.force_login(stranger)
    assert client.get(reverse("inbox:escalation", args=[escalated.pk])).status_code == 403
    response = client.post(
        reverse("inbox:escalation-hand-back", args=[escalated.pk]), {"note": "done"}
    )
    assert response.status_code == 403


def test_an_agent_without_the_channel_cannot_see_it(client, billing, agent):
    from tests.factories import ChannelAccountFactory

    hidden = ConversationFactory.create(channel_account=ChannelAccountFactory.create(agents=[]))
    other = DepartmentFactory.create()
    escalation = escalate_conversation(conversation=hidden, department=other, by=agent, summary="x")
    client.force_login(agent.user)
    assert client.get(reverse("inbox:escalation", args=[escalation.pk])).status_code == 403


def test_the_department_inbox_lists_open_escalations(client, escalated):
    client.force_login(User.objects.get(username="clerk"))
    body = client.get(reverse("inbox:escalations")).content.decode()
    assert f"#{escalated.conversation_id}" in body and "Billing" in body


def test_reminders_before_due_then_the_lead_then_the_agent(escalated, agent):
    clerk, lead = User.objects.get(username="clerk"), User.objects.get(username="lead")
    now = timezone.now()
    assert departments.remind_escalations(now).department == 0
    soon = departments.remind_escalations(now + timedelta(hours=3, minutes=30))
    assert soon.department == 1
    assert Notification.objects.filter(recipient=clerk, text__startswith="Due soon").exists()
    assert departments.remind_escalations(now + timedelta(hours=3, minutes=40)).department == 0
    late = departments.remind_escalations(now + timedelta(hours=4, minutes=1))
    assert late.lead == 1 and late.agent == 1
    assert Notification.objects.filter(recipient=lead, text__startswith="Overdue").exists()
    assert not Notification.objects.filter(recipient=clerk, text__startswith="Overdue").exists()
    assert Notification.objects.filter(recipient=agent.user, verb="update_customer").exists()
    again = departments.remind_escalations(now + timedelta(hours=6))
    assert (again.department, again.lead, again.agent) == (0, 0, 0)


def test_the_conversation_links_to_its_escalations(login, agent, escalated):
    body = login(agent).get(reverse("inbox:conversation", args=[escalated.conversation_id]))
    assert reverse("inbox:escalation", args=[escalated.pk]) in body.content.decode()


def test_the_beat_schedule_reminds_every_five_minutes(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["remind-escalations"]
    assert (entry["task"], entry["schedule"]) == ("inbox.tasks.remind_escalations_task", 300.0)
