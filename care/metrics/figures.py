"""The dashboard's figures, read from the rollups (docs/metrics.md defines each one).

`dashboard_figures` returns plain JSON-ready data: the page draws it (and redraws it
every 30 seconds), `/api/v1/metrics/` serves it, and `exports.rows` turns any chart of it
into CSV. `cached_figures` computes it once per rollup refresh.
Durations are seconds. Response-time percentiles are read from the days' duration
buckets (`durations.py`: within a second or 2 % of the exact value); the others
interpolate linearly between the two nearest values (PostgreSQL's `percentile_cont`).
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from itertools import pairwise
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.cache import cache
from django.db.models import Count, Q, Sum
from django.db.models.functions import TruncHour
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from care.metrics.durations import (
    BAR_EDGES,
    CLOCKS,
    COLUMNS,
    add_up,
    bars,
    percentiles,
)
from care.metrics.models import (
    CaseFact,
    DurationDay,
    RollupState,
    TopicHour,
    VolumeDay,
    VolumeHour,
)
from care.models import Agent
from inbox.models import (
    ChannelAccount,
    Conversation,
    Department,
    Escalation,
    Message,
    Topic,
    VolumeAlert,
)

MAX_DAYS = 366
# Upper bounds (seconds) of the first-response distribution's bars; the last is open.
FRT_BUCKETS = BAR_EDGES
BACKLOG_BUCKETS = (3600, 4 * 3600, 24 * 3600, 3 * 86400)
DIMENSIONS = ("channel", "department", "priority", "agent", "hour")


@dataclass(frozen=True)
class Period:
    """[since, until): whole local days, `until` exclusive."""

    since: datetime
    until: datetime

    @property
    def days(self) -> int:
        return max(1, round((self.until - self.since).total_seconds() / 86400))

    def previous(self) -> Period:
        return Period(self.since - (self.until - self.since), self.since)

    @classmethod
    def of_days(cls, first: date, last: date) -> Period:
        zone = ZoneInfo(settings.TIME_ZONE)
        since = datetime.combine(first, time(), zone)
        until = datetime.combine(last + timedelta(days=1), time(), zone)
        return cls(since, until)

    @classmethod
    def last_days(cls, days: int, today: date | None = None) -> Period:
        today = today or timezone.localdate()
        return cls.of_days(today - timedelta(days=days - 1), today)


class BadPeriod(ValueError):
    pass


def parse_period(params: dict[str, str]) -> Period:
    """`from`/`to` (YYYY-MM-DD, inclusive) or `days`; the last 7 days by default."""
    try:
        if params.get("from") or params.get("to"):
            last = date.fromisoformat(params.get("to") or timezone.localdate().isoformat())
            first = date.fromisoformat(params.get("from") or (last - timedelta(6)).isoformat())
            if first > last:
                raise BadPeriod(_("The start date is after the end date."))
            period = Period.of_days(first, last)
        else:
            days = int(params.get("days") or 7)
            if days < 1:
                raise BadPeriod(_("The number of days must be 1 or more."))
            period = Period.last_days(min(days, MAX_DAYS))
    except ValueError as exc:
        if isinstance(exc, BadPeriod):
            raise
        raise BadPeriod(_("Dates are written YYYY-MM-DD, days as a whole number.")) from exc
    if period.days > MAX_DAYS:
        raise BadPeriod(_("A range is at most %(days)s days.") % {"days": MAX_DAYS})
    return period


def percentile(values: Sequence[float], q: float) -> float | None:
    """Linear interpolation between the closest ranks; `values` sorted."""
    if not values:
        return None
    position = (len(values) - 1) * q
    low = math.floor(position)
    high = min(low + 1, len(values) - 1)
    return values[low] + (values[high] - values[low]) * (position - low)


def _share(part: int, whole: int) -> float | None:
    return round(100 * part / whole, 1) if whole else None


# --- Response times -------------------------------------------------------------------


@dataclass
class Group:
    """Cases of one group: how many, how many measured (answered, resolved), the median
    and p90 of the measured ones, how many flagged (SLA breached), reopened, and the
    first-response distribution's bars."""

    key: Any = None
    cases: int = 0
    count: int = 0
    median: float | None = None
    p90: float | None = None
    flagged: int = 0
    reopened: int = 0
    distribution: list[int] = field(default_factory=lambda: [0] * (len(FRT_BUCKETS) + 1))


def case_groups(
    period: Period, clock: str, measure: str, *, by: bool = True
) -> tuple[Group, dict[str, list[Group]]]:
    """The whole period's group and, with `by`, one list of groups per dimension: the
    period's `DurationDay` rows added up, so a quarter costs about what a day does."""
    zone = ZoneInfo(settings.TIME_ZONE)
    first, until = period.since.astimezone(zone).date(), period.until.astimezone(zone).date()
    index: dict[tuple[str, Any], int] = {("all", None): 0}
    counts: list[list[int]] = [[0, 0, 0, 0]]
    days: list[tuple[list[int], bytes | memoryview]] = []
    longest = 0.0
    for groups, tallies, cells, top in DurationDay.objects.filter(
        measure=measure, clock=clock, day__gte=first, day__lt=until
    ).values_list("groups", "tallies", "cells", "longest"):
        rows = []
        for (dimension, key), tally in zip(groups, tallies, strict=True):
            row = index.setdefault((dimension, key), len(index))
            if row == len(counts):
                counts.append([0, 0, 0, 0])
            counts[row] = [a + b for a, b in zip(counts[row], tally, strict=True)]
            rows.append(row)
        days.append((rows, cells))
        longest = max(longest, top or 0.0)
    sums = add_up(days, len(index))

    def group(row: int, key: Any) -> Group:
        median, p90 = percentiles(sums[row], (0.5, 0.9), longest)
        cases, measured, flagged, reopened = counts[row]
        return Group(key, cases, measured, median, p90, flagged, reopened)

    total = group(0, None)
    total.distribution = bars(sums[0])
    if not by:
        return total, {}
    split: dict[str, list[Group]] = {name: [] for name in COLUMNS}
    for (dimension, key), row in index.items():
        if dimension in split:
            split[dimension].append(group(row, key))
    for items in split.values():
        items.sort(key=lambda g: (g.key is None, g.key))
    return total, split


def _summary(group: Group) -> dict[str, Any]:
    return {"count": group.count, "median": group.median, "p90": group.p90}


def response_times(period: Period, clock: str, *, by: bool = True) -> dict[str, Any]:
    """First response over cases opened in the period; resolution over cases resolved in it."""
    answers, answers_by = case_groups(period, clock, "first_response", by=by)
    resolutions, resolutions_by = case_groups(period, clock, "resolution", by=by)
    return {
        "opened": answers.cases,
        "unanswered": answers.cases - answers.count,
        "first_response": _summary(answers),
        "resolution": _summary(resolutions),
        "sla_answer": _share(answers.cases - answers.flagged, answers.cases),
        "sla_resolution": _share(resolutions.cases - resolutions.flagged, resolutions.cases),
        "breaches": answers.flagged + resolutions.flagged,
        "reopened": answers.reopened,
        "distribution": answers.distribution,
        "answers_by": answers_by,
        "resolutions_by": resolutions_by,
    }


def distribution_labels() -> list[str]:
    def short(seconds: int) -> str:
        return f"{seconds // 3600} h" if seconds >= 3600 else f"{seconds // 60} min"

    labels = [f"< {short(FRT_BUCKETS[0])}"]
    labels += [f"{short(a)}–{short(b)}" for a, b in pairwise(FRT_BUCKETS)]
    return [*labels, f"≥ {short(FRT_BUCKETS[-1])}"]


def _by(groups: list[Group]) -> list[dict[str, Any]]:
    return [{"key": g.key, "cases": g.cases, **_summary(g)} for g in groups]


def _names() -> dict[str, dict[Any, str]]:
    return {
        "channel": {c.pk: str(c) for c in ChannelAccount.objects.all()},
        "department": {d.pk: d.name for d in Department.objects.all()},
        "priority": {value: str(label) for value, label in Conversation.Priority.choices},
        "agent": dict(Agent.objects.values_list("pk", "display_name")),
        "hour": {h: f"{h:02d}:00" for h in range(24)},
    }


# --- Volumes ----------------------------------------------------------------------------


def _buckets(period: Period) -> tuple[list[datetime], str]:
    """Hourly points for up to two days, else daily: starts of the local buckets."""
    zone = ZoneInfo(settings.TIME_ZONE)
    step, unit = (timedelta(hours=1), "hour") if period.days <= 2 else (timedelta(days=1), "day")
    starts, at = [], period.since.astimezone(zone)
    while at < period.until:
        starts.append(at)
        at = (at + step).astimezone(zone) if unit == "hour" else _next_day(at, zone)
    return starts, unit


def _next_day(at: datetime, zone: ZoneInfo) -> datetime:
    return datetime.combine(at.date() + timedelta(days=1), time(), zone)


def volumes(period: Period) -> dict[str, Any]:
    """Messages in per channel, out, and in by sentiment, per local hour or day; replies
    per agent. From the hourly rollups, or their daily sums."""
    starts, unit = _buckets(period)
    zone = ZoneInfo(settings.TIME_ZONE)
    fmt = "%d %b %H:%M" if unit == "hour" else "%a %d %b"
    channels = {c.pk: str(c) for c in ChannelAccount.objects.all()}
    inbound: dict[int, list[int]] = {}
    outbound = [0] * len(starts)
    sentiment: dict[str, list[int]] = {
        s: [0] * len(starts) for s in ("negative", "neutral", "positive")
    }
    replies: dict[int | None, int] = defaultdict(int)
    total_in = total_out = 0
    # One pass: the hourly rows for up to two days, else the daily ones.
    columns = ("direction", "channel_account_id", "sentiment", "agent_id")
    rows: Iterable[tuple[Any, ...]]
    index: dict[Any, int]  # a bucket's start (an hour, or a local day) -> its position
    if unit == "hour":
        index = {start: i for i, start in enumerate(starts)}
        rows = (
            VolumeHour.objects.filter(hour__gte=period.since, hour__lt=period.until)
            .order_by()
            .values(*columns, at=TruncHour("hour", tzinfo=zone))
            .annotate(n=Sum("count"))
            .values_list(*columns, "at", "n")
        )
    else:
        index = {start.date(): i for i, start in enumerate(starts)}
        rows = VolumeDay.objects.filter(
            day__gte=starts[0].date(), day__lte=starts[-1].date()
        ).values_list(*columns, "day", "count")
    for direction, channel, mood, agent, when, n in rows:
        i = index[when]
        if direction == Message.Direction.INBOUND:
            inbound.setdefault(channel, [0] * len(starts))[i] += n
            total_in += n
            if mood in sentiment:
                sentiment[mood][i] += n
        else:
            outbound[i] += n
            total_out += n
            replies[agent] += n
    return {
        "unit": unit,
        "labels": [s.strftime(fmt) for s in starts],
        "inbound": [
            {"label": channels.get(pk, str(pk)), "data": data} for pk, data in inbound.items()
        ],
        "outbound": outbound,
        "sentiment": sentiment,
        "total_in": total_in,
        "total_out": total_out,
        "replies": dict(replies),
    }


# --- Workload right now ----------------------------------------------------------------


def backlog(now: datetime) -> dict[str, Any]:
    """Open cases by how long ago they opened, and the oldest still unanswered."""
    open_cases = Conversation.objects.filter(
        status__in=Conversation.OPEN_STATUSES, merged_into__isnull=True
    )
    edges = [now - timedelta(seconds=s) for s in BACKLOG_BUCKETS]
    buckets = {"b0": Count("pk", filter=Q(opened_at__gt=edges[0]))}
    for i in range(1, len(edges)):
        buckets[f"b{i}"] = Count(
            "pk", filter=Q(opened_at__lte=edges[i - 1], opened_at__gt=edges[i])
        )
    buckets[f"b{len(edges)}"] = Count("pk", filter=Q(opened_at__lte=edges[-1]))
    counts = open_cases.aggregate(**buckets)
    waiting = (
        open_cases.filter(response_started_at__isnull=False)
        .select_related("customer", "assignee", "channel_account")
        .order_by("response_started_at")[:10]
    )
    return {
        "counts": [counts[f"b{i}"] for i in range(len(edges) + 1)],
        "unanswered": [
            {
                "id": c.pk,
                "url": reverse("inbox:conversation", args=[c.pk]),
                "customer": str(c.customer),
                "channel": str(c.channel_account),
                "preview": c.preview,
                "waiting_seconds": (now - c.response_started_at).total_seconds(),
                "assignee": c.assignee.display_name if c.assignee else "",
            }
            for c in waiting
            if c.response_started_at is not None
        ],
    }


def escalations(period: Period) -> list[dict[str, Any]]:
    """Per department: open now, handed back in the period, median time to hand back."""
    open_now = dict(
        Escalation.objects.filter(handed_back_at__isnull=True)
        .values("department_id")
        .annotate(n=Count("pk"))
        .values_list("department_id", "n")
    )
    back: dict[int, list[float]] = defaultdict(list)
    for department_id, raised, handed in Escalation.objects.filter(
        handed_back_at__gte=period.since, handed_back_at__lt=period.until
    ).values_list("department_id", "created_at", "handed_back_at"):
        if handed is not None:
            back[department_id].append((handed - raised).total_seconds())
    rows = []
    for department in Department.objects.filter(pk__in={*open_now, *back}).order_by("name"):
        times = sorted(back.get(department.pk, []))
        rows.append(
            {
                "department": department.name,
                "open": open_now.get(department.pk, 0),
                "handed_back": len(times),
                "median_hand_back": percentile(times, 0.5),
            }
        )
    return rows


# --- Early warning ----------------------------------------------------------------------


def topic_levels(period: Period) -> list[dict[str, Any]]:
    """Each topic's messages in the period against its usual level: the median of the
    same-length periods 1 to 4 whole weeks earlier."""
    weeks = math.ceil(period.days / 7)
    windows = [period] + [
        Period(period.since - timedelta(weeks=weeks * k), period.until - timedelta(weeks=weeks * k))
        for k in range(1, 5)
    ]
    counts: dict[int, list[int]] = defaultdict(lambda: [0] * len(windows))
    for i, window in enumerate(windows):
        for topic_id, n in (
            TopicHour.objects.filter(hour__gte=window.since, hour__lt=window.until)
            .values("topic_id")
            .annotate(n=Sum("count"))
            .values_list("topic_id", "n")
            .order_by()
        ):
            counts[topic_id][i] = n
    names = dict(Topic.objects.values_list("pk", "name"))
    rows: list[dict[str, Any]] = []
    for topic_id, series in counts.items():
        usual = sorted(series[1:])
        rows.append(
            {
                "topic": names.get(topic_id, str(topic_id)),
                "count": series[0],
                "usual": percentile(usual, 0.5),
            }
        )
    rows.sort(key=lambda r: -r["count"])
    return rows[:12]


def alerts(period: Period) -> list[dict[str, Any]]:
    raised = VolumeAlert.objects.filter(
        created_at__gte=period.since, created_at__lt=period.until
    ).select_related("topic", "channel_account")[:20]
    return [
        {
            "id": a.pk,
            "headline": a.headline(),
            "raised_at": a.created_at.isoformat(),
            "open": a.closed_at is None,
            "url": reverse("inbox:alert", args=[a.pk]),
        }
        for a in raised
    ]


# --- Serving them ----------------------------------------------------------------------

# The periods the page offers in one click, computed ahead by the rollup task.
STANDARD_DAYS = (1, 7, 30, 90)  # the "Last …" links of templates/care/dashboard.html
CACHE_SECONDS = 120


def cached_figures(period: Period, clock: str) -> dict[str, Any]:
    """The figures, computed once per rollup refresh: every supervisor polling the page
    (and the API) reads the same result until the rollups move on."""
    span = f"{period.since.isoformat()}:{period.until.isoformat()}:{clock}"
    figures = _once_per_refresh(span, lambda: dashboard_figures(period, clock))
    return localize(figures, period)


def current_backlog() -> dict[str, Any]:
    """Open cases by age, once per rollup refresh: it is the same whatever the period, so
    a page for a new range reuses what the refresh task's warm-up computed."""
    return _once_per_refresh("backlog", lambda: backlog(timezone.now()))


def _once_per_refresh(name: str, compute: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    """`compute()`, kept in the cache until the rollups' next refresh (before their first
    run there is nothing to key it by: computed each time)."""
    state = RollupState.objects.filter(name="rollups").values_list("refreshed_at", flat=True)
    version = state.first()
    if version is None:
        return compute()
    key = f"care:dashboard:{name}:{version.timestamp()}"
    found: dict[str, Any] | None = cache.get(key)
    if found is None:
        found = compute()
        cache.set(key, found, CACHE_SECONDS)
    return found


def localize(figures: dict[str, Any], period: Period) -> dict[str, Any]:
    """The words, in the reader's language: the cached numbers are the same for all."""
    names = _names()
    none = _("none")
    for dim, measures in figures["response"]["by"].items():
        for groups in measures.values():
            for g in groups:
                g["label"] = names[dim].get(g["key"], none if g["key"] is None else str(g["key"]))
    for b in figures["response"]["breaches"]:
        b["clocks"] = [
            str(label)
            for flag, label in ((b["answer"], _("answer")), (b["resolution"], _("resolution")))
            if flag
        ]
    figures["workload"]["backlog"]["labels"] = [
        _("under 1 h"),
        _("1–4 h"),
        _("4–24 h"),
        _("1–3 days"),
        _("over 3 days"),
    ]
    figures["warning"]["alerts"] = alerts(period)  # a few rows; their headlines are worded
    return figures


def warm_standard_periods() -> int:
    """After a refresh: the one-click periods, so no page view waits for them."""
    for days in STANDARD_DAYS:
        for clock in CLOCKS:
            cached_figures(Period.last_days(days), clock)
    return len(STANDARD_DAYS) * len(CLOCKS)


# --- Everything -----------------------------------------------------------------------


def dashboard_figures(period: Period, clock: str = "business") -> dict[str, Any]:
    from responses.selectors import survey_results

    current = response_times(period, clock)
    previous = response_times(period.previous(), clock, by=False)
    volume = volumes(period)
    previous_volume = volumes(period.previous())
    survey = survey_results(since=period.since, until=period.until)
    previous_survey = survey_results(since=period.previous().since, until=period.since)
    agents = _agent_rows(current["answers_by"]["agent"], volume["replies"], survey)
    state = RollupState.objects.filter(name="rollups").first()

    def tile(now_value: Any, before: Any) -> dict[str, Any]:
        return {"value": now_value, "previous": before}

    return {
        "period": {
            "from": period.since.date().isoformat(),
            "to": (period.until - timedelta(days=1)).date().isoformat(),
            "previous_from": period.previous().since.date().isoformat(),
            "previous_to": (period.since - timedelta(days=1)).date().isoformat(),
            "clock": clock,
            "current_as_of": state.covered_until.isoformat() if state else None,
        },
        "tiles": {
            "frt_median": tile(
                current["first_response"]["median"], previous["first_response"]["median"]
            ),
            "frt_p90": tile(current["first_response"]["p90"], previous["first_response"]["p90"]),
            "resolution_median": tile(
                current["resolution"]["median"], previous["resolution"]["median"]
            ),
            "sla_answer": tile(current["sla_answer"], previous["sla_answer"]),
            "sla_resolution": tile(current["sla_resolution"], previous["sla_resolution"]),
            "opened": tile(current["opened"], previous["opened"]),
            "csat": tile(survey.totals.csat, previous_survey.totals.csat),
            "reopened": tile(current["reopened"], previous["reopened"]),
            "volume_in": tile(volume["total_in"], previous_volume["total_in"]),
            "volume_out": tile(volume["total_out"], previous_volume["total_out"]),
        },
        "response": {
            "first_response": current["first_response"],
            "resolution": current["resolution"],
            "unanswered": current["unanswered"],
            "distribution": {
                "labels": distribution_labels(),
                "current": current["distribution"],
                "previous": previous["distribution"],
            },
            "by": {
                dim: {
                    "first_response": _by(current["answers_by"][dim]),
                    "resolution": _by(current["resolutions_by"][dim]),
                }
                for dim in DIMENSIONS
            },
            "breaches": _breaches(period),
        },
        "workload": {
            "backlog": current_backlog(),
            "volume": {k: volume[k] for k in ("unit", "labels", "inbound", "outbound")},
            "previous_in": [
                sum(x) for x in zip(*[s["data"] for s in previous_volume["inbound"]], strict=False)
            ],
            "escalations": escalations(period),
        },
        "quality": {
            "csat": survey.totals.csat,
            "answered": survey.totals.answered,
            "sent": survey.totals.sent,
            "response_rate": survey.totals.response_rate,
            "trust": {
                "more": survey.totals.trust_more,
                "same": survey.totals.trust_same,
                "less": survey.totals.trust_less,
            },
            "sentiment": {"labels": volume["labels"], **volume["sentiment"]},
            "reopened": current["reopened"],
            "agents": agents,
        },
        "warning": {"topics": topic_levels(period)},
    }


def _breaches(period: Period) -> list[dict[str, Any]]:
    facts = (
        CaseFact.objects.filter(started_at__gte=period.since, started_at__lt=period.until)
        .filter(Q(answer_breached=True) | Q(resolution_breached=True))
        .order_by("-started_at")
        .values_list("conversation_id", "started_at", "answer_breached", "resolution_breached")[:20]
    )
    return [
        {
            "id": pk,
            "url": reverse("inbox:conversation", args=[pk]),
            "started_at": started.isoformat(),
            "answer": answer,
            "resolution": resolution,
        }
        for pk, started, answer, resolution in facts
    ]


def _agent_rows(
    first_responders: list[Group], replies: dict[int | None, int], survey: Any
) -> list[dict[str, Any]]:
    answered = {g.key: g for g in first_responders if g.key is not None}
    csat = {a.agent.pk: a.counts for a in survey.per_agent if a.agent is not None}
    ids = {pk for pk in [*answered, *replies, *csat] if pk is not None}
    rows = []
    for agent in Agent.objects.filter(pk__in=ids).order_by("display_name"):
        group = answered.get(agent.pk) or Group()
        counts = csat.get(agent.pk)
        rows.append(
            {
                "id": agent.pk,
                "name": agent.display_name,
                "initials": agent.initials,
                "photo": reverse("agent-photo", args=[agent.pk]) if agent.photo else "",
                "replies": replies.get(agent.pk, 0),
                "first_responses": group.count,
                "frt_median": group.median,
                "csat": counts.csat if counts else None,
                "surveys": counts.answered if counts else 0,
            }
        )
    return rows
