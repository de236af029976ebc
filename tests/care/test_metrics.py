"""The dashboard's figures against a recomputation from the raw rows (docs/metrics.md).

The recomputation here is written from the definitions, not from the rollups' code: it
walks the messages, events and conversations itself, counts business time minute by
minute, and takes percentiles with the standard library.
"""

from __future__ import annotations

import random
import statistics
from collections import defaultdict
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from care.metrics.figures import FRT_BUCKETS, Period, dashboard_figures
from care.metrics.models import CaseFact, DurationDay, VolumeHour
from care.metrics.rollups import refresh_rollups
from care.models import Agent
from inbox.models import (
    BusinessCalendar,
    Conversation,
    ConversationEvent,
    Holiday,
    Message,
    Tag,
    Topic,
)
from responses.models import FollowUp, Reply, SurveyAnswer
from tests.factories import (
    ChannelAccountFactory,
    ConversationFactory,
    DepartmentFactory,
    MessageFactory,
    make_agent,
)

pytestmark = pytest.mark.django_db

JAKARTA = ZoneInfo("Asia/Jakarta")
FIRST_DAY = date(2026, 11, 2)  # a Monday
DAYS = 7
HOLIDAY = date(2026, 11, 5)


def at(day: int, hour: float) -> datetime:
    base = datetime.combine(FIRST_DAY, datetime.min.time(), JAKARTA)
    return base + timedelta(days=day, hours=hour)


def build_cases(seed: int = 7) -> dict[str, Any]:
    """Three weeks of cases: answered, unanswered, resolved, reopened, breached, spam,
    merged, the brand's own thread; two channels, two departments (one with a calendar)."""
    rng = random.Random(seed)  # noqa: S311 -- repeatable test data
    calendar = BusinessCalendar.objects.create(
        name="Jakarta office",
        time_zone="Asia/Jakarta",
        hours={str(d): "09:00-17:00" for d in range(1, 6)},
        is_default=True,
    )
    Holiday.objects.create(calendar=calendar, date=HOLIDAY, name="A holiday")
    billing = DepartmentFactory.create(name="Billing")
    night = BusinessCalendar.objects.create(name="Night desk", hours={"1": "20:00-23:00"})
    delivery = DepartmentFactory.create(name="Delivery", calendar=night)
    agents = [make_agent(display_name=n) for n in ("Budi", "Dewi", "Alex")]
    x, fb = ChannelAccountFactory.create(), ChannelAccountFactory.create(platform="facebook")
    topic = Topic.objects.create(name="battery", phrases=["battery"])
    spam = Tag.objects.create(name="spam")
    for n in range(60):
        day = rng.randrange(-DAYS, DAYS)  # the previous period too
        start = at(day, rng.uniform(0, 24))
        conversation = ConversationFactory.create(
            channel_account=rng.choice([x, fb]),
            department=rng.choice([None, billing, delivery]),
            priority=rng.choice(list(Conversation.Priority.values)),
            opened_at=start,
        )
        first = MessageFactory.create(
            conversation=conversation,
            platform_created_at=start,
            received_at=start + timedelta(seconds=rng.randrange(0, 600)),
            sentiment=rng.choice(["negative", "neutral", "positive"]),
        )
        if n % 4 == 0:
            first.topics.add(topic)
        if n % 9 == 0:  # the customer wrote twice
            MessageFactory.create(
                conversation=conversation,
                platform_created_at=start + timedelta(minutes=3),
                received_at=start + timedelta(minutes=3),
            )
        answered = n % 7 != 0
        if answered:
            when = start + timedelta(minutes=rng.choice([2, 9, 25, 50, 130, 300, 900, 2000, 4000]))
            MessageFactory.create(
                conversation=conversation,
                direction=Message.Direction.OUTBOUND,
                author_agent=rng.choice([*agents, None]),
                platform_created_at=when,
                received_at=when,
            )
            if n % 3 == 0:
                resolved = when + timedelta(hours=rng.uniform(0.5, 60))
                conversation.status = Conversation.Status.RESOLVED
                conversation.resolved_at = resolved
        if n % 11 == 0:
            ConversationEvent.objects.create(
                conversation=conversation,
                kind=ConversationEvent.Kind.SLA,
                data={"clock": "response", "state": "breached"},
                created_at=start + timedelta(minutes=1),
            )
        if n % 13 == 0:
            ConversationEvent.objects.create(
                conversation=conversation,
                kind=ConversationEvent.Kind.REOPENED,
                data={"by": "customer"},
                created_at=start + timedelta(hours=2),
            )
        if n == 5:
            conversation.tags.add(spam)
        if n == 10:
            conversation.intent = "spam"
        if n == 15:
            conversation.merged_into = ConversationFactory.create(channel_account=x)
        conversation.save()
    # The brand's own thread: no customer message, not a case.
    own = ConversationFactory.create(channel_account=x, opened_at=at(1, 10))
    MessageFactory.create(
        conversation=own, direction=Message.Direction.OUTBOUND, platform_created_at=at(1, 10)
    )
    # Two survey answers on follow-ups sent in the period.
    for agent, score, trust in ((agents[0], 5, "more"), (agents[1], 2, "less")):
        case = ConversationFactory.create(channel_account=x)
        reply = Reply.objects.create(
            conversation=case,
            author=agent,
            text="Is it solved?",
            purpose=Reply.Purpose.FOLLOW_UP,
            status=Reply.Status.SENT,
            platform_id="1",
        )
        follow_up = FollowUp.objects.create(
            conversation=case,
            agent=agent,
            status=FollowUp.Status.ANSWERED,
            resolved_at=at(1, 10),
            due_at=at(2, 10),
            sent_at=at(2, 10),
            reply=reply,
        )
        SurveyAnswer.objects.create(follow_up=follow_up, satisfaction=score, trust=trust)
    return {"agents": agents}


# --- The recomputation --------------------------------------------------------------


def business_seconds(start: datetime, end: datetime, department: str | None) -> float:
    """Hour by hour (these calendars open and close on whole hours): the department's
    calendar, else the default one."""
    seconds = 0.0
    minute = start
    while minute < end:
        next_hour = minute.replace(minute=0, second=0, microsecond=0) + timedelta(hours=1)
        step = min(next_hour - minute, end - minute)
        local = minute.astimezone(JAKARTA)
        if department == "Delivery":
            open_now = local.isoweekday() == 1 and 20 <= local.hour < 23
        else:
            open_now = local.isoweekday() <= 5 and 9 <= local.hour < 17 and local.date() != HOLIDAY
        if open_now:
            seconds += step.total_seconds()
        minute += step
    return seconds


def p(values: list[float], q: float) -> float | None:
    if not values:
        return None
    if len(values) == 1:
        return values[0]
    if q == 0.5:
        return statistics.median(values)
    return statistics.quantiles(values, n=10, method="inclusive")[round(q * 10) - 1]


def recompute(period: Period, clock: str) -> dict[str, Any]:
    cases: list[dict[str, Any]] = []
    for conversation in Conversation.objects.filter(merged_into__isnull=True).exclude(
        intent="spam"
    ):
        if conversation.tags.filter(name="spam").exists():
            continue
        messages = sorted(conversation.messages.all(), key=lambda m: m.platform_created_at)
        inbound = [m for m in messages if m.direction == "inbound" and m.intent != "spam"]
        if not inbound:
            continue
        start = inbound[0].platform_created_at
        answers = [
            m for m in messages if m.direction == "outbound" and m.platform_created_at >= start
        ]
        department = conversation.department.name if conversation.department else None

        def span(
            end: datetime, start: datetime = start, department: str | None = department
        ) -> float:
            if clock == "business":
                return business_seconds(start, end, department)
            return (end - start).total_seconds()

        first = answers[0] if answers else None
        events = conversation.events.all()
        breached = any(
            e.kind == "sla"
            and e.data.get("state") == "breached"
            and e.data.get("clock") == "response"
            and (first is None or e.created_at <= first.platform_created_at)
            for e in events
        )
        cases.append(
            {
                "start": start,
                "frt": span(first.platform_created_at) if first else None,
                "responder": first.author_agent_id if first else None,
                "resolved_at": conversation.resolved_at
                if conversation.status in ("resolved", "closed")
                else None,
                "resolution": span(conversation.resolved_at)
                if conversation.status in ("resolved", "closed") and conversation.resolved_at
                else None,
                "breached": breached,
                "reopened": any(e.kind == "reopened" for e in events),
                "channel": conversation.channel_account_id,
            }
        )
    started = [c for c in cases if period.since <= c["start"] < period.until]
    frts = sorted(c["frt"] for c in started if c["frt"] is not None)
    resolved = sorted(
        c["resolution"]
        for c in cases
        if c["resolved_at"] and period.since <= c["resolved_at"] < period.until
    )
    per_agent: dict[int, list[float]] = defaultdict(list)
    for c in started:
        if c["responder"] and c["frt"] is not None:
            per_agent[c["responder"]].append(c["frt"])
    buckets = [0] * (len(FRT_BUCKETS) + 1)
    for v in frts:
        buckets[sum(1 for b in FRT_BUCKETS if v >= b)] += 1
    received = (
        Message.objects.filter(
            direction="inbound", received_at__gte=period.since, received_at__lt=period.until
        )
        .exclude(intent="spam")
        .exclude(conversation__tags__name="spam")
    )
    return {
        "opened": len(started),
        "unanswered": sum(1 for c in started if c["frt"] is None),
        "frt_median": p(frts, 0.5),
        "frt_p90": p(frts, 0.9),
        "resolution_median": p(resolved, 0.5),
        "sla_answer": round(100 * sum(1 for c in started if not c["breached"]) / len(started), 1),
        "reopened": sum(1 for c in started if c["reopened"]),
        "distribution": buckets,
        "volume_in": received.count(),
        "volume_out": Message.objects.filter(
            direction="outbound", received_at__gte=period.since, received_at__lt=period.until
        ).count(),
        "negative": received.filter(sentiment="negative").count(),
        "topic": received.filter(topics__name="battery").count(),
        "per_agent": {pk: p(sorted(v), 0.5) for pk, v in per_agent.items()},
    }


def near(exact: float | None) -> Any:
    """A response-time percentile as the dashboard reads it from duration buckets: within
    a second plus 2 % of the exact value (docs/metrics.md, "Percentiles")."""
    return None if exact is None else pytest.approx(exact, abs=1 + 0.02 * exact)


@pytest.mark.parametrize("clock", ["business", "calendar"])
def test_every_figure_matches_a_recomputation_from_the_raw_messages(clock):
    build_cases()
    assert refresh_rollups() is not None
    period = Period.of_days(FIRST_DAY, FIRST_DAY + timedelta(days=DAYS - 1))
    for window in (period, period.previous()):
        figures = dashboard_figures(window, clock)
        expected = recompute(window, clock)
        tiles, response = figures["tiles"], figures["response"]
        assert expected["opened"] > 10  # the data is not trivially empty
        assert tiles["opened"]["value"] == expected["opened"]
        assert response["unanswered"] == expected["unanswered"]
        assert tiles["frt_median"]["value"] == near(expected["frt_median"])
        assert tiles["frt_p90"]["value"] == near(expected["frt_p90"])
        assert tiles["resolution_median"]["value"] == near(expected["resolution_median"])
        assert tiles["sla_answer"]["value"] == expected["sla_answer"]
        assert tiles["reopened"]["value"] == expected["reopened"]
        assert response["distribution"]["current"] == expected["distribution"]
        assert tiles["volume_in"]["value"] == expected["volume_in"]
        assert tiles["volume_out"]["value"] == expected["volume_out"]
        assert sum(figures["quality"]["sentiment"]["negative"]) == expected["negative"]
        topics = {t["topic"]: t["count"] for t in figures["warning"]["topics"]}
        assert topics.get("battery", 0) == expected["topic"]
        agents = {a["id"]: a["frt_median"] for a in figures["quality"]["agents"]}
        for pk, median in expected["per_agent"].items():
            assert agents[pk] == near(median)
    # The previous period is the one compared against.
    current = dashboard_figures(period, clock)["tiles"]["opened"]
    assert current["previous"] == recompute(period.previous(), clock)["opened"]


def test_business_hours_leave_out_nights_weekends_and_holidays():
    build_cases()
    refresh_rollups()
    period = Period.of_days(FIRST_DAY, FIRST_DAY + timedelta(days=DAYS - 1))
    business = dashboard_figures(period, "business")["tiles"]["frt_p90"]["value"]
    calendar = dashboard_figures(period, "calendar")["tiles"]["frt_p90"]["value"]
    assert business < calendar


def test_csat_and_trust_come_from_the_survey_answers():
    build_cases()
    refresh_rollups()
    figures = dashboard_figures(Period.of_days(FIRST_DAY, FIRST_DAY + timedelta(days=6)))
    assert figures["quality"]["csat"] == 50.0  # one 5 and one 2
    assert figures["quality"]["trust"] == {"more": 1, "same": 0, "less": 1}


def test_a_refresh_picks_up_new_messages_and_recomputes_the_same_rows_when_run_again():
    agent = make_agent(display_name="Budi")
    refresh_rollups()  # the first run: nothing yet
    now = timezone.now()
    conversation = ConversationFactory.create(opened_at=now)
    MessageFactory.create(
        conversation=conversation, platform_created_at=now - timedelta(minutes=10)
    )
    MessageFactory.create(
        conversation=conversation,
        direction=Message.Direction.OUTBOUND,
        author_agent=agent,
        platform_created_at=now - timedelta(minutes=4),
    )
    outcome = refresh_rollups()
    assert outcome is not None and outcome.cases == 1
    fact = CaseFact.objects.get()
    assert fact.first_response_seconds == pytest.approx(360)
    assert fact.responder_id == agent.pk
    rows = sorted(VolumeHour.objects.values_list("direction", "count"))
    refresh_rollups()
    refresh_rollups()
    assert (
        sorted(VolumeHour.objects.values_list("direction", "count"))
        == rows
        == [
            ("inbound", 1),
            ("outbound", 1),
        ]
    )
    assert CaseFact.objects.count() == 1
    figures = dashboard_figures(Period.last_days(1))
    assert figures["tiles"]["frt_median"]["value"] == near(360)
    assert figures["quality"]["agents"][0]["initials"] == Agent.objects.get(pk=agent.pk).initials


def test_a_case_marked_spam_after_it_was_counted_leaves_the_figures():
    refresh_rollups()
    conversation = ConversationFactory.create()
    MessageFactory.create(conversation=conversation)
    refresh_rollups()
    assert CaseFact.objects.count() == 1
    conversation.tags.add(Tag.objects.create(name="spam"))
    Conversation.objects.filter(pk=conversation.pk).update(updated_at=timezone.now())
    refresh_rollups()
    assert CaseFact.objects.count() == 0
    assert dashboard_figures(Period.last_days(1))["tiles"]["volume_in"]["value"] == 0


def test_figures_are_computed_once_per_rollup_refresh(monkeypatch):
    from care.metrics import figures
    from care.metrics.tasks import refresh_rollups_task

    computed: list[tuple[Any, ...]] = []
    real = figures.dashboard_figures

    def counting(*args: Any) -> dict[str, Any]:
        computed.append(args)
        return real(*args)

    monkeypatch.setattr(figures, "dashboard_figures", counting)
    refresh_rollups_task()  # the beat task warms the one-click periods at once
    warmed = len(figures.STANDARD_DAYS) * len(figures.CLOCKS)
    assert warmed == 8  # last 1, 7, 30 and 90 days, in both clocks
    assert len(computed) == warmed
    period = Period.last_days(7)
    first = figures.cached_figures(period, "business")
    figures.cached_figures(period, "business")  # another supervisor, the live refresh
    assert len(computed) == warmed
    conversation = ConversationFactory.create()
    MessageFactory.create(conversation=conversation)
    refresh_rollups()
    again = figures.cached_figures(period, "business")
    assert len(computed) == warmed + 1
    assert again["tiles"]["opened"]["value"] == first["tiles"]["opened"]["value"] + 1


def test_one_computation_serves_both_languages_each_in_its_own_words(monkeypatch):
    from django.utils import translation

    from care.metrics import figures

    conversation = ConversationFactory.create()
    MessageFactory.create(conversation=conversation)
    refresh_rollups()
    computed: list[Period] = []
    real = figures.dashboard_figures

    def counting(period: Period, clock: str = "business") -> dict[str, Any]:
        computed.append(period)
        return real(period, clock)

    monkeypatch.setattr(figures, "dashboard_figures", counting)
    period = Period.last_days(7)
    with translation.override("en"):
        english = figures.cached_figures(period, "business")
    with translation.override("id"):
        indonesian = figures.cached_figures(period, "business")
    assert len(computed) == 1
    assert english["workload"]["backlog"]["labels"][0] == "under 1 h"
    assert indonesian["workload"]["backlog"]["labels"][0] == "di bawah 1 jam"
    assert english["tiles"] == indonesian["tiles"]


def test_a_case_solved_again_on_another_day_moves_to_that_day():
    refresh_rollups()
    now = timezone.now()
    two_days_ago = now - timedelta(days=2)
    conversation = ConversationFactory.create(opened_at=two_days_ago)
    MessageFactory.create(
        conversation=conversation, platform_created_at=two_days_ago - timedelta(hours=1)
    )
    Conversation.objects.filter(pk=conversation.pk).update(
        status=Conversation.Status.RESOLVED, resolved_at=two_days_ago, updated_at=now
    )
    refresh_rollups()
    before = Period.of_days(two_days_ago.date(), two_days_ago.date())
    assert dashboard_figures(before)["response"]["resolution"]["count"] == 1
    # Reopened by the customer and solved again today: it counts on today only.
    Conversation.objects.filter(pk=conversation.pk).update(resolved_at=now, updated_at=now)
    refresh_rollups()
    assert dashboard_figures(before)["response"]["resolution"]["count"] == 0
    today = Period.last_days(1)
    assert dashboard_figures(today)["response"]["resolution"]["count"] == 1
    assert DurationDay.objects.filter(measure="resolution").count() == 2  # both clocks, today


def test_a_rebuild_waits_for_a_running_refresh(monkeypatch):
    from celery.exceptions import Retry
    from django.core.management import CommandError, call_command

    from care.locks import try_lock
    from care.metrics.management.commands import rebuild_metrics
    from care.metrics.rollups import LOCK, rebuild_when_free
    from care.metrics.tasks import rebuild_recent_task

    monkeypatch.setattr(rebuild_metrics, "WAIT_SECONDS", 0)
    conversation = ConversationFactory.create()
    MessageFactory.create(conversation=conversation)
    with try_lock(LOCK, expires_after=60) as held:
        assert held
        # Both write the same day rows as the refresh: neither runs beside it.
        assert rebuild_when_free() is None
        with pytest.raises(CommandError, match="held the lock"):
            call_command("rebuild_metrics", verbosity=0)
        asked: list[dict[str, Any]] = []

        def retry(**options: Any) -> Retry:
            asked.append(options)
            return Retry()

        monkeypatch.setattr(rebuild_recent_task, "retry", retry)
        with pytest.raises(Retry):
            rebuild_recent_task()  # the nightly task: again in 30 s
        assert asked == [{"countdown": 30}]
        assert CaseFact.objects.count() == 0
    call_command("rebuild_metrics", verbosity=0)
    assert CaseFact.objects.count() == 1
