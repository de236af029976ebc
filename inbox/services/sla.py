"""SLA clocks: when the customer is owed an answer and the case a resolution, in business
hours, with a warning at 75 % and a breach at 100 %.

- The **answer clock** starts at the customer's first unanswered message: the policy's
  first-response target until the brand has answered once, its next-response target
  after that. The brand's reply stops it.
- The **resolution clock** runs from the conversation's opening to its resolution and
  **pauses while the case waits on the customer**; the paused business time is added back.
- Targets count in the business hours of the conversation's department's calendar (the
  default calendar for the central queue), or in calendar hours when the policy says so.
- The most specific policy applies (priority and channel, priority, channel, any). With
  no policy at all, the answer is due `CARE_RESPONSE_TARGET_MINUTES` later, around the
  clock, and there is no resolution target.
- `check_sla` (Celery beat, every minute) marks clocks that reached 75 % (warned) or
  100 % (breached), records it on the case and notifies: the assignee (or the supervisors
  when nobody has it) on a warning, the assignee and the supervisors on a breach.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from care import outbound_webhooks
from care.audit import record_audit
from care.errors import CareError
from care.models import Agent
from care.services import notify_agents, notify_role
from inbox.business_hours import (
    Schedule,
    add_business_minutes,
    business_minutes_between,
    format_hours,
    is_open,
    minutes_left,
)
from inbox.business_hours import parse_hours as _parse_hours
from inbox.models import (
    BusinessCalendar,
    Conversation,
    ConversationEvent,
    Department,
    Holiday,
    SlaPolicy,
)

WARN_AT = 0.75
WEEKDAY_NAMES = {
    1: _lazy("Monday"),
    2: _lazy("Tuesday"),
    3: _lazy("Wednesday"),
    4: _lazy("Thursday"),
    5: _lazy("Friday"),
    6: _lazy("Saturday"),
    7: _lazy("Sunday"),
}
ALWAYS_OPEN = Schedule(ZoneInfo("UTC"))
WARNED, BREACHED = "warned", "breached"


def schedule_of(calendar: BusinessCalendar) -> Schedule:
    hours = {}
    for day, text in (calendar.hours or {}).items():
        try:
            hours[int(day)] = _parse_hours(str(text))
        except ValueError:
            continue  # refused when saved; an old bad value must not stop ingest
    return Schedule(
        ZoneInfo(calendar.time_zone),
        hours,
        frozenset(h.date for h in calendar.holidays.all()),
    )


@dataclass
class SlaRules:
    """Policies and calendars, loaded once for a batch of conversations."""

    policies: list[SlaPolicy] = field(default_factory=list)
    schedules: dict[int, Schedule] = field(default_factory=dict)  # by calendar id
    department_calendars: dict[int, int] = field(default_factory=dict)  # department -> cal
    default_calendar: int | None = None

    def policy_for(self, conversation: Conversation) -> SlaPolicy | None:
        def rank(policy: SlaPolicy) -> int:
            return (policy.priority is not None) * 2 + (policy.channel_id is not None)

        fitting = [
            p
            for p in self.policies
            if p.priority in (None, conversation.priority)
            and p.channel_id in (None, conversation.channel_account_id)
        ]
        return max(fitting, key=rank, default=None)

    def stored_policy(self, conversation: Conversation) -> SlaPolicy | None:
        """The policy the clocks were started with (no query: the policies are loaded)."""
        return next((p for p in self.policies if p.pk == conversation.sla_policy_id), None)

    def schedule_for(self, conversation: Conversation, policy: SlaPolicy | None) -> Schedule:
        if policy is None or not policy.business_hours:
            return ALWAYS_OPEN
        return self.team_schedule(conversation.department_id)

    def team_schedule(self, department_id: int | None) -> Schedule:
        """The team's calendar: the department's, else the default one, else always open."""
        calendar = self.department_calendars.get(department_id or 0)
        if calendar is None:
            calendar = self.default_calendar
        return self.schedules.get(calendar or 0, ALWAYS_OPEN)


def load_rules() -> SlaRules:
    calendars = BusinessCalendar.objects.prefetch_related("holidays")
    return SlaRules(
        policies=list(SlaPolicy.objects.all()),
        schedules={c.pk: schedule_of(c) for c in calendars},
        department_calendars=dict(
            Department.objects.filter(calendar__isnull=False).values_list("pk", "calendar_id")
        ),
        default_calendar=BusinessCalendar.objects.filter(is_default=True)
        .values_list("pk", flat=True)
        .first(),
    )


# --- Starting and stopping the clocks (ingest, status changes, routing) -----------------


def start_answer_clock(conversation: Conversation, started_at: datetime, rules: SlaRules) -> None:
    policy = rules.policy_for(conversation)
    conversation.sla_policy = policy
    if policy is None:
        minutes: float = settings.CARE_RESPONSE_TARGET_MINUTES
    elif conversation.first_response_at is None:
        minutes = policy.first_response_minutes
    else:
        minutes = policy.next_response_minutes
    schedule = rules.schedule_for(conversation, policy)
    conversation.response_started_at = started_at
    conversation.response_due_at = add_business_minutes(schedule, started_at, minutes)
    conversation.response_warn_at = add_business_minutes(schedule, started_at, minutes * WARN_AT)
    conversation.response_sla = ""


def stop_answer_clock(conversation: Conversation) -> None:
    conversation.response_started_at = None
    conversation.response_due_at = None
    conversation.response_warn_at = None
    conversation.response_sla = ""


def start_resolution_clock(conversation: Conversation, rules: SlaRules) -> None:
    """(Re)compute the resolution due time from the opening, plus the paused time."""
    policy = rules.policy_for(conversation)
    conversation.sla_policy = policy
    if policy is None or not policy.resolution_minutes:
        conversation.resolution_due_at = conversation.resolution_warn_at = None
        return
    schedule = rules.schedule_for(conversation, policy)
    minutes = policy.resolution_minutes
    start = conversation.opened_at
    conversation.resolution_due_at = add_business_minutes(
        schedule, start, minutes + conversation.paused_minutes
    )
    conversation.resolution_warn_at = add_business_minutes(
        schedule, start, minutes * WARN_AT + conversation.paused_minutes
    )


def recompute(conversation: Conversation, rules: SlaRules) -> None:
    """After routing changed the priority or the team: the same clocks, other targets."""
    if conversation.response_started_at is not None:
        sla = conversation.response_sla
        start_answer_clock(conversation, conversation.response_started_at, rules)
        conversation.response_sla = sla
    start_resolution_clock(conversation, rules)


ANSWER_FIELDS = ["response_started_at", "response_due_at", "response_warn_at", "response_sla"]
RESOLUTION_FIELDS = ["sla_policy", "resolution_due_at", "resolution_warn_at"]


def status_changed(
    conversation: Conversation, previous: str, now: datetime, rules: SlaRules | None = None
) -> list[str]:
    """Pause the resolution clock while waiting on the customer; stop all on resolving.

    Returns the fields it changed, so a caller saves those and nothing stale.
    """
    status, changed = conversation.status, []
    if status == Conversation.Status.WAITING_ON_CUSTOMER and conversation.waiting_since is None:
        conversation.waiting_since = now
        changed.append("waiting_since")
    elif previous == Conversation.Status.WAITING_ON_CUSTOMER and conversation.waiting_since:
        rules = rules or load_rules()
        policy = rules.policy_for(conversation)
        schedule = rules.schedule_for(conversation, policy)
        conversation.paused_minutes += business_minutes_between(
            schedule, conversation.waiting_since, now
        )
        conversation.waiting_since = None
        changed += ["waiting_since", "paused_minutes"]
        if conversation.is_open:
            start_resolution_clock(conversation, rules)
            changed += RESOLUTION_FIELDS
    if status in Conversation.DONE_STATUSES:
        stop_answer_clock(conversation)
        conversation.resolution_warn_at = None
        changed += [*ANSWER_FIELDS, "resolution_warn_at"]
    elif previous in Conversation.DONE_STATUSES:
        start_resolution_clock(conversation, rules or load_rules())
        changed += RESOLUTION_FIELDS
    return list(dict.fromkeys(changed))


SLA_FIELDS = [
    "sla_policy",
    "response_started_at",
    "response_due_at",
    "response_warn_at",
    "response_sla",
    "resolution_due_at",
    "resolution_warn_at",
    "resolution_sla",
    "waiting_since",
    "paused_minutes",
]


# --- Watching the clocks (Celery beat) ------------------------------------------------


@dataclass
class SlaCheck:
    warned: int = 0
    breached: int = 0
    escalated: int = 0


def check_sla(now: datetime | None = None, *, limit: int = 1000) -> SlaCheck:
    """Mark and announce every clock that reached 75 % or 100 % since the last run."""
    now = now or timezone.now()
    done = SlaCheck()
    running = Conversation.objects.filter(
        merged_into__isnull=True, status__in=Conversation.OPEN_STATUSES
    )
    for clock, due_field, warn_field, state_field in (
        ("answer", "response_due_at", "response_warn_at", "response_sla"),
        ("resolution", "resolution_due_at", "resolution_warn_at", "resolution_sla"),
    ):
        paused = Q(status=Conversation.Status.WAITING_ON_CUSTOMER) if clock == "resolution" else Q()
        breached = running.exclude(paused).filter(
            **{f"{due_field}__lte": now}, **{f"{state_field}__in": ["", WARNED]}
        )
        for conversation in breached.select_related(
            "assignee__user", "sla_policy__escalate_on_breach", "customer"
        )[:limit]:
            if _mark(conversation, state_field, ["", WARNED], BREACHED):
                done.breached += 1
                _announce(conversation, clock, BREACHED)
                done.escalated += _escalate_on_breach(conversation, clock)
        warned = running.exclude(paused).filter(
            **{f"{warn_field}__lte": now}, **{f"{due_field}__gt": now, state_field: ""}
        )
        for conversation in warned.select_related("assignee__user")[:limit]:
            if _mark(conversation, state_field, [""], WARNED):
                done.warned += 1
                _announce(conversation, clock, WARNED)
    return done


def _escalate_on_breach(conversation: Conversation, clock: str) -> int:
    """A policy may send a breached case to a department on its own: 1 if it did."""
    policy = conversation.sla_policy
    department = policy.escalate_on_breach if policy else None
    if department is None or conversation.status == Conversation.Status.ESCALATED:
        return 0
    from inbox.services.escalation import escalate_conversation

    what = _("answer") if clock == "answer" else _("resolution")
    escalate_conversation(
        conversation=conversation,
        department=department,
        by=None,
        summary=_("Automatic: the %(what)s target of the SLA policy “%(policy)s” was missed.")
        % {"what": what, "policy": policy.name},  # type: ignore[union-attr]
    )
    return 1


@transaction.atomic
def _mark(conversation: Conversation, state_field: str, before: list[str], after: str) -> bool:
    # Conditional: two beat runs (or workers) never announce the same clock twice.
    changed = Conversation.objects.filter(
        pk=conversation.pk, **{f"{state_field}__in": before}
    ).update(**{state_field: after}, updated_at=timezone.now())  # the live page, the rollups
    if changed:
        ConversationEvent.objects.create(
            conversation=conversation,
            kind=ConversationEvent.Kind.SLA,
            data={"clock": state_field.split("_")[0], "state": after},
        )
        if after == BREACHED:
            clock = "answer" if state_field == "response_sla" else "resolution"
            due_at = getattr(conversation, state_field.replace("_sla", "_due_at"))
            outbound_webhooks.emit(
                "sla.breached",
                {
                    "conversation": outbound_webhooks.conversation_payload(conversation),
                    "sla": {
                        "clock": clock,
                        "due_at": due_at,
                        "policy": policy.name if (policy := conversation.sla_policy) else None,
                    },
                },
            )
    return bool(changed)


def _announce(conversation: Conversation, clock: str, state: str) -> None:
    customer = str(conversation.customer) if conversation.customer_id else ""
    url = reverse("inbox:conversation", args=[conversation.pk])
    if clock == "answer":
        text = (
            _("Answer overdue on #%(id)s (%(customer)s)")
            if state == BREACHED
            else _("Answer due soon on #%(id)s (%(customer)s): 75 %% of the time is gone")
        )
    else:
        text = (
            _("Resolution overdue on #%(id)s (%(customer)s)")
            if state == BREACHED
            else _("Resolution due soon on #%(id)s (%(customer)s): 75 %% of the time is gone")
        )
    text = text % {"id": conversation.pk, "customer": customer}
    verb = f"sla_{clock}_{state}"
    assignee: Agent | None = conversation.assignee
    if assignee is not None and assignee.user.is_active:
        notify_agents(agents=[assignee], verb=verb, text=text, url=url)
    if state == BREACHED or assignee is None:
        notify_role(roles=(Agent.Role.SUPERVISOR,), verb=verb, text=text, url=url)


def business_minutes_left(conversation: Conversation, now: datetime, rules: SlaRules) -> float:
    """Working minutes until the answer is due; negative once it is overdue."""
    due = conversation.response_due_at
    if due is None:
        return 0.0
    schedule = rules.schedule_for(conversation, rules.stored_policy(conversation))
    return minutes_left(schedule, now, due)


@dataclass
class ClockSummary:
    """What the conversation page says about the clocks."""

    policy: str = ""
    business_hours: bool = False
    open_now: bool = True
    answer_left: float | None = None  # working minutes; negative = overdue
    answer_state: str = ""
    resolution_left: float | None = None
    resolution_state: str = ""
    paused: bool = False


def clock_summary(conversation: Conversation, now: datetime) -> ClockSummary:
    rules = load_rules()
    policy = rules.stored_policy(conversation)
    schedule = rules.schedule_for(conversation, policy)
    summary = ClockSummary(
        policy=policy.name if policy else "",
        business_hours=bool(policy and policy.business_hours and not schedule.always_open),
        open_now=is_open(schedule, now),
        paused=conversation.status == Conversation.Status.WAITING_ON_CUSTOMER,
        answer_state=conversation.response_sla,
        resolution_state=conversation.resolution_sla,
    )
    if not conversation.is_open:
        return summary
    for due, attr in (
        (conversation.response_due_at, "answer_left"),
        (conversation.resolution_due_at, "resolution_left"),
    ):
        if due is not None:
            setattr(summary, attr, minutes_left(schedule, now, due))
    return summary


# --- Supervisors' side: calendars, holidays, policies ----------------------------------

WEEKDAYS = range(1, 8)  # ISO: Monday = 1


@transaction.atomic
def save_calendar(
    *,
    calendar: BusinessCalendar | None,
    name: str,
    time_zone: str,
    hours: dict[int, str],
    is_default: bool,
    by: Agent,
) -> BusinessCalendar:
    """Create or change a calendar; a bad time zone or range is refused with the reason."""
    name = " ".join(name.split())
    if not name:
        raise CareError(_("A calendar needs a name."), code="no_name")
    try:
        ZoneInfo(time_zone)
    except (ValueError, KeyError):
        raise CareError(
            _("“%(zone)s” is not a time zone; use a name like Asia/Jakarta.") % {"zone": time_zone},
            code="time_zone",
        ) from None
    clean: dict[str, str] = {}
    for day in WEEKDAYS:
        text = hours.get(day, "").strip()
        try:
            intervals = _parse_hours(text)
        except ValueError as error:
            raise CareError(
                _("%(day)s: %(why)s") % {"day": WEEKDAY_NAMES[day], "why": error}, code="hours"
            ) from None
        if intervals:
            clean[str(day)] = format_hours(intervals)
    calendar = calendar or BusinessCalendar()
    calendar.name, calendar.time_zone, calendar.hours = name, time_zone, clean
    calendar.is_default = (
        is_default or not BusinessCalendar.objects.exclude(pk=calendar.pk).exists()
    )
    calendar.save()
    if calendar.is_default:
        BusinessCalendar.objects.exclude(pk=calendar.pk).update(is_default=False)
    record_audit(actor=by.user, verb="calendar_saved", target=calendar, name=name)
    return calendar


def add_holiday(*, calendar: BusinessCalendar, day: date, name: str, by: Agent) -> Holiday:
    holiday, _created = Holiday.objects.update_or_create(
        calendar=calendar, date=day, defaults={"name": name.strip()[:120] or str(day)}
    )
    record_audit(actor=by.user, verb="holiday_added", target=calendar, date=str(day))
    return holiday


def import_public_holidays(
    *, calendar: BusinessCalendar, year: int, by: Agent, country: str = "ID"
) -> int:
    """Indonesia's public holidays for a year (the `holidays` package), in Indonesian;
    dates already on the calendar keep their names. Returns how many were added."""
    import holidays as public_holidays

    days = public_holidays.country_holidays(country, years=year, language="id")
    known = set(calendar.holidays.values_list("date", flat=True))
    new = [
        Holiday(calendar=calendar, date=day, name=str(name)[:120])
        for day, name in sorted(days.items())
        if day not in known
    ]
    Holiday.objects.bulk_create(new, ignore_conflicts=True)
    record_audit(actor=by.user, verb="holidays_imported", target=calendar, year=year, n=len(new))
    return len(new)


def remove_holiday(*, holiday: Holiday, by: Agent) -> None:
    record_audit(
        actor=by.user, verb="holiday_removed", target=holiday.calendar, date=str(holiday.date)
    )
    holiday.delete()


def save_policy(*, policy: SlaPolicy | None, data: dict[str, Any], by: Agent) -> SlaPolicy:
    """Create or change a policy; two policies for the same priority and channel are refused."""
    name = " ".join(str(data.get("name", "")).split())
    if not name:
        raise CareError(_("A policy needs a name."), code="no_name")
    clash = SlaPolicy.objects.filter(priority=data.get("priority"), channel=data.get("channel"))
    if policy is not None:
        clash = clash.exclude(pk=policy.pk)
    if clash.exists():
        raise CareError(
            _("Another policy already covers this priority and channel: change that one."),
            code="duplicate",
        )
    policy = policy or SlaPolicy()
    policy.name = name
    policy.priority = data.get("priority")
    policy.channel = data.get("channel")
    policy.first_response_minutes = data["first_response_minutes"]
    policy.next_response_minutes = data["next_response_minutes"]
    policy.resolution_minutes = data.get("resolution_minutes")
    policy.business_hours = bool(data.get("business_hours"))
    policy.escalate_on_breach = data.get("escalate_on_breach")
    policy.save()
    record_audit(actor=by.user, verb="sla_policy_saved", target=policy, name=name)
    return policy


def delete_policy(*, policy: SlaPolicy, by: Agent) -> None:
    record_audit(actor=by.user, verb="sla_policy_deleted", target=policy, name=policy.name)
    policy.delete()
