"""SLA clocks in business hours: first and next answers, the resolution clock that pauses
while waiting on the customer, the team's own calendar, and the 75 % / 100 % alerts."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine

from care.models import Notification
from inbox.channels.base import InboundAuthor, InboundEvent
from inbox.models import (
    BusinessCalendar,
    Conversation,
    ConversationEvent,
    Holiday,
    RoutingRule,
    SlaPolicy,
)
from inbox.services import sla
from inbox.services.conversations import change_status
from inbox.services.ingest import ingest_events
from tests.factories import ChannelAccountFactory, DepartmentFactory

pytestmark = pytest.mark.django_db

JKT = ZoneInfo("Asia/Jakarta")
WEEKDAYS = {str(day): "09:00-17:00" for day in range(1, 6)}
FRIDAY_1645 = datetime(2026, 11, 27, 16, 45, tzinfo=JKT)
RINA = InboundAuthor(external_id="8801", handle="rina", name="Rina", followers_count=10)


def customer_writes(account, external_id: str, at: datetime, text: str = "where is my order?"):
    event = InboundEvent(
        kind="mention", external_id=external_id, text=text, created_at=at, customer=RINA
    )
    ingest_events(account=account, events=[event])
    return Conversation.objects.get(messages__external_id=external_id)


def brand_replies(account, external_id: str, to: str, at: datetime):
    event = InboundEvent(
        kind="reply",
        external_id=external_id,
        text="We are on it ^AB",
        created_at=at,
        direction="outbound",
        in_reply_to_external_id=to,
    )
    ingest_events(account=account, events=[event])


@pytest.fixture
def account():
    return ChannelAccountFactory.create(platform="x")


@pytest.fixture
def calendar():
    return BusinessCalendar.objects.create(
        name="Jakarta office", time_zone="Asia/Jakarta", hours=WEEKDAYS, is_default=True
    )


@pytest.fixture
def policy(calendar):
    return SlaPolicy.objects.create(
        name="Everyone", first_response_minutes=60, next_response_minutes=240,
        resolution_minutes=8 * 60,
    )  # fmt: skip


def test_the_first_answer_is_due_in_business_hours_over_the_weekend(account, policy):
    conversation = customer_writes(account, "1", FRIDAY_1645)
    # 15 minutes on Friday, 45 on Monday.
    assert conversation.response_due_at == datetime(2026, 11, 30, 9, 45, tzinfo=JKT)
    assert conversation.response_warn_at == datetime(2026, 11, 30, 9, 30, tzinfo=JKT)
    assert conversation.sla_policy == policy
    # 8 business hours from Friday 16:45: 15 minutes on Friday, 7 h 45 on Monday.
    assert conversation.resolution_due_at == datetime(2026, 11, 30, 16, 45, tzinfo=JKT)


def test_a_holiday_moves_the_due_time(account, policy, calendar):
    Holiday.objects.create(calendar=calendar, date=date(2026, 11, 30), name="Team day")
    conversation = customer_writes(account, "1", FRIDAY_1645)
    assert conversation.response_due_at == datetime(2026, 12, 1, 9, 45, tzinfo=JKT)


def test_after_the_first_answer_the_next_answer_target_applies(account, policy):
    monday_10 = datetime(2026, 11, 30, 10, 0, tzinfo=JKT)
    customer_writes(account, "1", monday_10)
    brand_replies(account, "2", to="1", at=monday_10 + timedelta(minutes=20))
    conversation = Conversation.objects.get()
    assert conversation.response_due_at is None
    assert conversation.first_response_at == monday_10 + timedelta(minutes=20)

    conversation = customer_writes(account, "3", monday_10 + timedelta(hours=1))
    assert conversation.response_due_at == monday_10 + timedelta(hours=5)  # 240 minutes


def test_waiting_on_the_customer_pauses_the_resolution_clock(account, policy, agent):
    monday_10 = datetime(2026, 11, 30, 10, 0, tzinfo=JKT)
    conversation = customer_writes(account, "1", monday_10)
    due = conversation.resolution_due_at
    assert due == datetime(2026, 12, 1, 10, 0, tzinfo=JKT)
    with time_machine.travel(monday_10 + timedelta(minutes=30), tick=False):
        change_status(conversation=conversation, status="waiting_on_customer", by=agent)
    # The customer answers two business hours later.
    conversation = customer_writes(account, "2", monday_10 + timedelta(hours=2, minutes=30))
    assert conversation.status == Conversation.Status.OPEN
    assert conversation.paused_minutes == 120
    assert conversation.resolution_due_at == due + timedelta(hours=2)


def test_the_most_specific_policy_applies(account, calendar):
    SlaPolicy.objects.create(name="Any", first_response_minutes=240, next_response_minutes=240)
    SlaPolicy.objects.create(name="X", channel=account, first_response_minutes=120,
                             next_response_minutes=120)  # fmt: skip
    urgent_x = SlaPolicy.objects.create(
        name="Urgent on X", channel=account, priority=Conversation.Priority.URGENT,
        first_response_minutes=15, next_response_minutes=15, business_hours=False,
    )  # fmt: skip
    monday_10 = datetime(2026, 11, 30, 10, 0, tzinfo=JKT)
    calm = customer_writes(account, "1", monday_10)
    assert calm.sla_policy.name == "X"
    angry = InboundAuthor(external_id="8802", handle="budi", name="Budi", followers_count=10)
    event = InboundEvent(kind="mention", external_id="2", created_at=monday_10, customer=angry,
                         text="Kecewa banget, paket belum sampai! Saya minta refund")  # fmt: skip
    ingest_events(account=account, events=[event])
    urgent = Conversation.objects.get(messages__external_id="2")
    assert urgent.priority == Conversation.Priority.URGENT
    assert urgent.sla_policy == urgent_x
    assert urgent.response_due_at == monday_10 + timedelta(minutes=15)


def test_without_a_policy_the_flat_target_applies(account, settings):
    settings.CARE_RESPONSE_TARGET_MINUTES = 60
    conversation = customer_writes(account, "1", FRIDAY_1645)
    assert conversation.response_due_at == FRIDAY_1645 + timedelta(hours=1)
    assert conversation.resolution_due_at is None


def test_a_routed_case_counts_in_its_departments_calendar(account, policy):
    evenings = BusinessCalendar.objects.create(
        name="Billing", time_zone="Asia/Jakarta", hours={"5": "09:00-22:00"}
    )
    billing = DepartmentFactory.create(name="Billing", calendar=evenings)
    RoutingRule.objects.create(name="All to billing", position=1, department=billing)
    conversation = customer_writes(account, "1", FRIDAY_1645)
    assert conversation.department == billing
    assert conversation.response_due_at == FRIDAY_1645 + timedelta(hours=1)  # still Friday


def test_resolving_stops_every_clock(account, policy, agent):
    conversation = customer_writes(account, "1", FRIDAY_1645)
    change_status(conversation=conversation, status="resolved", by=agent)
    conversation.refresh_from_db()
    assert conversation.response_due_at is None
    assert conversation.resolution_warn_at is None


# --- The beat job: 75 % and 100 % -----------------------------------------------------


def test_a_clock_at_75_percent_warns_the_assignee_then_breaches_to_supervisors(
    account, policy, agent, supervisor
):
    monday_10 = datetime(2026, 11, 30, 10, 0, tzinfo=JKT)
    conversation = customer_writes(account, "1", monday_10)
    conversation.assignee = agent
    conversation.save()

    assert sla.check_sla(monday_10 + timedelta(minutes=44)).warned == 0
    warned = sla.check_sla(monday_10 + timedelta(minutes=46))
    assert (warned.warned, warned.breached) == (1, 0)
    assert sla.check_sla(monday_10 + timedelta(minutes=50)).warned == 0  # once
    note = Notification.objects.get(recipient=agent.user)
    assert note.verb == "sla_answer_warned"
    assert f"#{conversation.pk}" in note.text and note.url.endswith(f"/{conversation.pk}/")

    breached = sla.check_sla(monday_10 + timedelta(minutes=61))
    assert breached.breached == 1
    assert Notification.objects.filter(recipient=supervisor.user, verb="sla_answer_breached")
    conversation.refresh_from_db()
    assert conversation.response_sla == sla.BREACHED
    states = list(
        conversation.events.filter(kind=ConversationEvent.Kind.SLA).values_list("data", flat=True)
    )
    assert states == [{"clock": "response", "state": "warned"},
                      {"clock": "response", "state": "breached"}]  # fmt: skip


def test_an_unassigned_case_warns_the_supervisors(account, policy, supervisor):
    monday_10 = datetime(2026, 11, 30, 10, 0, tzinfo=JKT)
    customer_writes(account, "1", monday_10)
    sla.check_sla(monday_10 + timedelta(minutes=46))
    assert Notification.objects.filter(recipient=supervisor.user, verb="sla_answer_warned")


def test_a_case_waiting_on_the_customer_does_not_breach_its_resolution(account, policy, agent):
    monday_10 = datetime(2026, 11, 30, 10, 0, tzinfo=JKT)
    conversation = customer_writes(account, "1", monday_10)
    brand_replies(account, "2", to="1", at=monday_10 + timedelta(minutes=5))
    conversation.refresh_from_db()  # as the page loads it
    with time_machine.travel(monday_10 + timedelta(minutes=10), tick=False):
        change_status(conversation=conversation, status="waiting_on_customer", by=agent)
    done = sla.check_sla(datetime(2026, 12, 5, 10, 0, tzinfo=UTC))
    assert done.breached == 0


def test_the_beat_schedule_runs_the_check_every_minute(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["check-sla"]
    assert (entry["task"], entry["schedule"]) == ("inbox.tasks.check_sla_task", 60.0)


def test_a_status_change_does_not_overwrite_a_clock_it_did_not_touch(account, policy, agent):
    monday_10 = datetime(2026, 11, 30, 10, 0, tzinfo=JKT)
    stale = customer_writes(account, "1", monday_10)  # loaded before the brand answered
    brand_replies(account, "2", to="1", at=monday_10 + timedelta(minutes=5))
    with time_machine.travel(monday_10 + timedelta(minutes=10), tick=False):
        change_status(conversation=stale, status="waiting_on_customer", by=agent)
    assert Conversation.objects.get().response_due_at is None


def test_a_policy_can_escalate_a_breached_case_on_its_own(account, calendar, supervisor):
    from inbox.models import Escalation
    from tests.factories import DepartmentFactory

    tech = DepartmentFactory.create(name="Technical Support")
    SlaPolicy.objects.create(
        name="Escalating", first_response_minutes=30, next_response_minutes=30,
        escalate_on_breach=tech,
    )  # fmt: skip
    monday_10 = datetime(2026, 11, 30, 10, 0, tzinfo=JKT)
    conversation = customer_writes(account, "1", monday_10)

    done = sla.check_sla(monday_10 + timedelta(minutes=31))

    assert (done.breached, done.escalated) == (1, 1)
    escalation = Escalation.objects.get()
    assert (escalation.department, escalation.raised_by) == (tech, None)
    assert "Automatic: the answer target" in escalation.summary
    conversation.refresh_from_db()
    assert conversation.status == Conversation.Status.ESCALATED
    assert sla.check_sla(monday_10 + timedelta(minutes=40)).escalated == 0  # once
