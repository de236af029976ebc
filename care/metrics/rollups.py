"""Keeping the dashboard's rollups current (docs/metrics.md says what each row means).

Every run recomputes, from the messages, conversations and events themselves:

- the `CaseFact` of every conversation changed since the last run, with the
  `DurationDay` rows of the days its case counts on (then and now), and
- the `VolumeHour` and `TopicHour` rows of every hour that received messages since then,
  with the `VolumeDay` rows of their local days.

Recomputing (not adding to counters) makes a run idempotent: a run that dies half-way is
made right by the next, which starts from the same point (one exception, a case moved to
another day, is in docs/metrics.md); a lock lets one run at a time. Rows are looked at from a
little before the last run (`LAG`), because a transaction may commit a while after the
timestamps it wrote. `rebuild` recomputes any range from scratch (`manage.py
rebuild_metrics`, and nightly for the last days, so agents' corrections of old labels
reach the charts).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from time import monotonic
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Count, Min, Q, Sum
from django.db.models.functions import TruncDate, TruncHour
from django.utils import timezone

from care.locks import try_lock
from care.metrics.durations import CLOCKS, COLUMNS, MEASURES, Tally, encode, value_column
from care.metrics.figures import Period
from care.metrics.models import (
    CaseFact,
    DurationDay,
    RollupState,
    TopicHour,
    VolumeDay,
    VolumeHour,
)
from inbox.business_hours import Schedule, business_minutes_between
from inbox.models import Conversation, ConversationEvent, Message
from inbox.services import sla
from inbox.services.conversations import SPAM_TAG

LAG = timedelta(minutes=2)
BATCH = 2000
STATE = "rollups"
LOCK = "metrics-rollups"  # one run at a time: refreshes and rebuilds write the same rows


@dataclass
class Refresh:
    cases: int = 0
    hours: int = 0
    covered_until: datetime | None = None


def refresh_rollups(now: datetime | None = None) -> Refresh | None:
    """Bring the rollups up to `now`. None when another run holds the lock."""
    with try_lock(LOCK, expires_after=600) as lease:
        if not lease:
            return None
        began = monotonic()
        now = now or timezone.now()
        state = RollupState.objects.filter(name=STATE).first()
        if state is None:
            outcome = rebuild()
        else:
            since = state.covered_until - LAG
            changed = Conversation.objects.filter(updated_at__gte=since).values_list(
                "pk", flat=True
            )
            outcome = Refresh(
                cases=refresh_case_facts(changed.iterator(chunk_size=BATCH)),
                hours=refresh_hours(since, now),
            )
        RollupState.objects.update_or_create(
            name=STATE,
            defaults={
                "covered_until": now,
                "refreshed_at": timezone.now(),
                "last_duration_ms": int((monotonic() - began) * 1000),
            },
        )
        outcome.covered_until = now
        return outcome


def rebuild_when_free(
    since: datetime | None = None, progress: Callable[[int, int], None] | None = None
) -> Refresh | None:
    """`rebuild` under the rollups' lock; None when a refresh holds it (try again)."""
    with try_lock(LOCK, expires_after=3600) as lease:
        if not lease:
            return None
        return rebuild(since, progress)


def rebuild(
    since: datetime | None = None, progress: Callable[[int, int], None] | None = None
) -> Refresh:
    """Recompute everything from `since` (default: the first message). The caller holds
    the lock (`rebuild_when_free`)."""
    whole = since is None
    if since is None:
        first = Message.objects.order_by("received_at").values_list("received_at", flat=True)
        since = first.first() or timezone.now()
    conversations = Conversation.objects.values_list("pk", flat=True)
    if not whole:
        conversations = conversations.filter(Q(updated_at__gte=since) | Q(opened_at__gte=since))
    total = conversations.count()
    done = 0

    def counted(ids: Iterable[int]) -> Iterator[int]:
        nonlocal done
        for pk in ids:
            done += 1
            if progress and done % BATCH == 0:
                progress(done, total)
            yield pk

    began = timezone.now()
    ids = counted(conversations.order_by("pk").iterator(chunk_size=BATCH))
    cases = refresh_case_facts(ids, days_later=whole)
    if whole:  # every day once, and none left over from facts that are gone
        days = _days_of(CaseFact.objects.values_list("started_at", "resolved_at").iterator())
        days |= set(DurationDay.objects.values_list("measure", "day"))
        refresh_duration_days(days)
    if progress:
        progress(total, total)
    outcome = Refresh(cases=cases, hours=refresh_hours(since, began))
    if whole:
        if connection.vendor == "postgresql":
            # Fresh statistics, so the planner sorts these rows in memory, not on disk.
            with connection.cursor() as cursor:
                tables = (CaseFact, VolumeHour, DurationDay)
                cursor.execute(f"ANALYZE {', '.join(t._meta.db_table for t in tables)}")
        # Everything is recomputed up to when we began: the next refresh goes on from there.
        RollupState.objects.update_or_create(
            name=STATE, defaults={"covered_until": began, "refreshed_at": timezone.now()}
        )
    return outcome


# --- Cases ---------------------------------------------------------------------------


def refresh_case_facts(conversation_ids: Iterable[int], *, days_later: bool = False) -> int:
    """Recompute the facts of these conversations, then the days their cases were and
    are counted on (`DurationDay`); returns how many are counted.

    `days_later`: leave the days to the caller (a whole rebuild does every day once)."""
    rules = sla.load_rules()
    counted = 0
    days: set[tuple[str, date]] = set()
    for chunk in _chunks(conversation_ids, BATCH):
        facts = case_facts(chunk, rules)
        with transaction.atomic():
            old = CaseFact.objects.filter(conversation_id__in=chunk)
            days |= _days_of(old.values_list("started_at", "resolved_at"))
            old.delete()
            CaseFact.objects.bulk_create(facts)
        days |= _days_of((f.started_at, f.resolved_at) for f in facts)
        counted += len(facts)
    # Once per run, not per chunk: a burst of new cases all lands on today.
    if not days_later:
        refresh_duration_days(days)
    return counted


def _days_of(times: Iterable[tuple[datetime, datetime | None]]) -> set[tuple[str, date]]:
    """The (measure, local day) pairs cases with these (started, resolved) times count on."""
    zone = ZoneInfo(settings.TIME_ZONE)
    days: set[tuple[str, date]] = set()
    for started, resolved in times:
        days.add(("first_response", started.astimezone(zone).date()))
        if resolved is not None:
            days.add(("resolution", resolved.astimezone(zone).date()))
    return days


def refresh_duration_days(days: Iterable[tuple[str, date]]) -> int:
    """Recompute these (measure, day) rows from the case facts; returns rows written."""
    written = 0
    for measure, day in sorted(days):
        when, flag = MEASURES[measure]
        local = Period.of_days(day, day)
        facts = list(
            CaseFact.objects.filter(**{f"{when}__gte": local.since, f"{when}__lt": local.until})
            .order_by()
            .values_list(
                *COLUMNS.values(),
                *(value_column(measure, clock) for clock in CLOCKS),
                flag,
                "reopens",
            )
        )
        rows = [_duration_day(day, measure, clock, facts) for clock in CLOCKS] if facts else []
        with transaction.atomic():
            DurationDay.objects.filter(measure=measure, day=day).delete()
            DurationDay.objects.bulk_create(rows)
        written += len(rows)
    return written


def _duration_day(day: date, measure: str, clock: str, facts: list[tuple[Any, ...]]) -> DurationDay:
    n = len(COLUMNS)
    value_at = n + CLOCKS.index(clock)
    groups: dict[tuple[str, Any], Tally] = {("all", None): Tally()}
    for fact in facts:
        seconds, flagged, reopened = fact[value_at], fact[n + 2], fact[n + 3] > 0
        groups["all", None].add(seconds, flagged, reopened)
        for i, dimension in enumerate(COLUMNS):
            tally = groups.get((dimension, fact[i]))
            if tally is None:
                tally = groups[dimension, fact[i]] = Tally()
            tally.add(seconds, flagged, reopened)
    measured = [f[value_at] for f in facts if f[value_at] is not None]
    return DurationDay(
        day=day,
        measure=measure,
        clock=clock,
        groups=[list(key) for key in groups],
        tallies=[[t.cases, t.measured, t.flagged, t.reopened] for t in groups.values()],
        cells=encode(list(groups.values())),
        longest=max(measured, default=None),
    )


def case_facts(conversation_ids: list[int], rules: sla.SlaRules) -> list[CaseFact]:
    """The facts of the counted cases among these (docs/metrics.md, "Which cases count")."""
    conversations = list(
        Conversation.objects.filter(pk__in=conversation_ids, merged_into__isnull=True)
        .exclude(intent="spam")
        .exclude(tags__name=SPAM_TAG)
        .values(
            "pk",
            "channel_account_id",
            "department_id",
            "priority",
            "status",
            "resolved_at",
        )
    )
    ids = [c["pk"] for c in conversations]
    if not ids:
        return []
    started = dict(
        Message.objects.filter(conversation_id__in=ids, direction=Message.Direction.INBOUND)
        .exclude(intent="spam")
        .values("conversation_id")
        .annotate(first=Min("platform_created_at"))
        .values_list("conversation_id", "first")
    )
    answers: dict[int, list[tuple[datetime, int | None]]] = defaultdict(list)
    for conversation_id, at, agent_id in Message.objects.filter(
        conversation_id__in=ids, direction=Message.Direction.OUTBOUND
    ).values_list("conversation_id", "platform_created_at", "author_agent_id"):
        answers[conversation_id].append((at, agent_id))
    breaches: dict[int, list[tuple[str, datetime]]] = defaultdict(list)
    reopens: dict[int, int] = defaultdict(int)
    for conversation_id, kind, data, at in ConversationEvent.objects.filter(
        conversation_id__in=ids,
        kind__in=[
            ConversationEvent.Kind.SLA,
            ConversationEvent.Kind.REOPENED,
            ConversationEvent.Kind.STATUS,
        ],
    ).values_list("conversation_id", "kind", "data", "created_at"):
        if kind == ConversationEvent.Kind.SLA and data.get("state") == sla.BREACHED:
            breaches[conversation_id].append((data.get("clock", ""), at))
        elif kind == ConversationEvent.Kind.REOPENED or (
            data.get("from") in Conversation.DONE_STATUSES
            and data.get("to") not in Conversation.DONE_STATUSES
        ):
            reopens[conversation_id] += 1
    zone = ZoneInfo(settings.TIME_ZONE)
    facts = []
    for c in conversations:
        start = started.get(c["pk"])
        if start is None:
            continue  # nothing a customer wrote: the brand's own thread
        schedule = rules.team_schedule(c["department_id"])
        fact = CaseFact(
            conversation_id=c["pk"],
            channel_account_id=c["channel_account_id"],
            department_id=c["department_id"],
            priority=c["priority"],
            started_at=start,
            local_hour=start.astimezone(zone).hour,
            reopens=reopens.get(c["pk"], 0),
        )
        first = min((a for a in answers.get(c["pk"], []) if a[0] >= start), default=None)
        if first is not None:
            fact.first_response_at, fact.responder_id = first
            fact.first_response_seconds = (first[0] - start).total_seconds()
            fact.first_response_business_seconds = _business_seconds(schedule, start, first[0])
        if (
            c["status"] in Conversation.DONE_STATUSES
            and c["resolved_at"] is not None
            and c["resolved_at"] >= start
        ):
            fact.resolved_at = c["resolved_at"]
            fact.resolution_seconds = (c["resolved_at"] - start).total_seconds()
            fact.resolution_business_seconds = _business_seconds(schedule, start, c["resolved_at"])
        for clock, at in breaches.get(c["pk"], []):
            if clock == "response" and (first is None or at <= first[0]):
                fact.answer_breached = True
            elif clock == "resolution":
                fact.resolution_breached = True
        facts.append(fact)
    return facts


def _business_seconds(schedule: Schedule, start: datetime, end: datetime) -> float:
    return business_minutes_between(schedule, start, end) * 60


# --- Hours ---------------------------------------------------------------------------


def refresh_hours(since: datetime, until: datetime) -> int:
    """Recompute the volume rows of every hour from the one holding `since` to the one
    holding `until`: three grouped queries over the range, whatever its length."""
    first = since.astimezone(UTC).replace(minute=0, second=0, microsecond=0)
    end = until.astimezone(UTC).replace(minute=0, second=0, microsecond=0) + timedelta(hours=1)
    hour = TruncHour("received_at", tzinfo=UTC)
    messages = Message.objects.filter(received_at__gte=first, received_at__lt=end)
    spam_cases = Conversation.objects.filter(tags__name=SPAM_TAG).values("pk")
    inbound = (
        messages.filter(direction=Message.Direction.INBOUND)
        .exclude(intent="spam")
        .exclude(conversation_id__in=spam_cases)
    )
    volume = [
        VolumeHour(
            hour=row["at"],
            channel_account_id=row["channel_account_id"],
            direction=Message.Direction.INBOUND,
            sentiment=row["sentiment"],
            count=row["n"],
        )
        for row in inbound.values("channel_account_id", "sentiment", at=hour)
        .annotate(n=Count("pk"))
        .order_by()
    ]
    volume += [
        VolumeHour(
            hour=row["at"],
            channel_account_id=row["channel_account_id"],
            direction=Message.Direction.OUTBOUND,
            agent_id=row["author_agent_id"],
            count=row["n"],
        )
        for row in messages.filter(direction=Message.Direction.OUTBOUND)
        .values("channel_account_id", "author_agent_id", at=hour)
        .annotate(n=Count("pk"))
        .order_by()
    ]
    topics = [
        TopicHour(hour=row["at"], topic_id=row["topics"], count=row["n"])
        for row in inbound.filter(topics__isnull=False)
        .values("topics", at=hour)
        .annotate(n=Count("pk"))
        .order_by()
    ]
    with transaction.atomic():
        VolumeHour.objects.filter(hour__gte=first, hour__lt=end).delete()
        VolumeHour.objects.bulk_create(volume, batch_size=BATCH)
        TopicHour.objects.filter(hour__gte=first, hour__lt=end).delete()
        TopicHour.objects.bulk_create(topics, batch_size=BATCH)
        _refresh_volume_days(first, end)
    return len({v.hour for v in volume})


def _refresh_volume_days(first: datetime, end: datetime) -> None:
    """The local days holding these hours, added up again from their hours."""
    zone = ZoneInfo(settings.TIME_ZONE)
    first_day = first.astimezone(zone).date()
    last_day = (end - timedelta(microseconds=1)).astimezone(zone).date()
    local = Period.of_days(first_day, last_day)
    hours = VolumeHour.objects.filter(hour__gte=local.since, hour__lt=local.until)
    days = [
        VolumeDay(
            channel_account_id=channel,
            direction=direction,
            sentiment=mood,
            agent_id=agent,
            day=day,
            count=n,
        )
        for channel, direction, mood, agent, day, n in hours.values(
            "channel_account_id",
            "direction",
            "sentiment",
            "agent_id",
            day=TruncDate("hour", tzinfo=zone),
        )
        .annotate(n=Sum("count"))
        .values_list("channel_account_id", "direction", "sentiment", "agent_id", "day", "n")
        .order_by()
    ]
    VolumeDay.objects.filter(day__gte=first_day, day__lte=last_day).delete()
    VolumeDay.objects.bulk_create(days, batch_size=BATCH)


def _chunks(ids: Iterable[int], size: int) -> Iterator[list[int]]:
    chunk: list[int] = []
    for pk in ids:
        chunk.append(pk)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk
