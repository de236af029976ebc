"""Business hours: adding and counting working minutes on a team's calendar.

A schedule is the team's working hours per ISO weekday, in the team's time zone, and its
holidays. Hours are wall-clock times ("08:00-17:00"), so a day that changes its clocks
(daylight saving) still opens at 08:00 local; what is counted is real elapsed time
between UTC instants. A schedule with no hours at all is open around the clock.
Plain functions, no database: inbox/services/sla.py builds schedules from the models.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from itertools import pairwise
from zoneinfo import ZoneInfo

# How far ahead a due time is looked for: a schedule with holidays for a whole year
# still answers; one with no working day at all (all holidays) raises.
MAX_DAYS = 800

Interval = tuple[int, int]  # minutes from local midnight, end exclusive; 1440 = 24:00

_RANGE = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*$")


@dataclass(frozen=True)
class Schedule:
    time_zone: ZoneInfo
    hours: Mapping[int, tuple[Interval, ...]] = field(default_factory=dict)  # ISO weekday
    holidays: frozenset[date] = frozenset()

    @property
    def always_open(self) -> bool:
        return not any(self.hours.values())

    def intervals(self, day: date) -> tuple[Interval, ...]:
        if day in self.holidays:
            return ()
        return self.hours.get(day.isoweekday(), ())


def parse_hours(text: str) -> tuple[Interval, ...]:
    """ "08:00-12:00, 13:00-17:00" -> ((480, 720), (780, 1020)); "" -> closed.

    Raises ValueError with a reason a person can act on.
    """
    intervals: list[Interval] = []
    for part in filter(None, (p.strip() for p in text.split(","))):
        match = _RANGE.match(part)
        if not match:
            raise ValueError(f"“{part}” is not a range like 08:00-17:00")
        h1, m1, h2, m2 = (int(g) for g in match.groups())
        start, end = h1 * 60 + m1, h2 * 60 + m2
        if m1 > 59 or m2 > 59 or start > 1440 or end > 1440:
            raise ValueError(f"“{part}” is not a time of day")
        if end <= start:
            raise ValueError(f"“{part}” ends before it starts")
        intervals.append((start, end))
    intervals.sort()
    for (_, end), (start, _) in pairwise(intervals):
        if start < end:
            raise ValueError(f"“{text}” has overlapping ranges")
    return tuple(intervals)


def format_hours(intervals: tuple[Interval, ...]) -> str:
    return ", ".join(f"{_hhmm(a)}-{_hhmm(b)}" for a, b in intervals)


def _hhmm(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def _local(day: date, minutes: int, tz: ZoneInfo) -> datetime:
    # Wall-clock arithmetic on purpose: 08:00 is 08:00 local on a daylight-saving day too.
    return datetime.combine(day, time(0), tzinfo=tz) + timedelta(minutes=minutes)


def working_periods(schedule: Schedule, start: datetime) -> Iterator[tuple[datetime, datetime]]:
    """The working periods from `start` on, as UTC instants, in order (at most MAX_DAYS)."""
    tz = schedule.time_zone
    start = start.astimezone(UTC)
    day = start.astimezone(tz).date() - timedelta(days=1)  # a period may start the day before
    for _ in range(MAX_DAYS):
        for a, b in schedule.intervals(day):
            begin = _local(day, a, tz).astimezone(UTC)
            end = _local(day, b, tz).astimezone(UTC)
            if end <= start or end <= begin:
                continue
            yield max(begin, start), end
        day += timedelta(days=1)


def add_business_minutes(schedule: Schedule, start: datetime, minutes: float) -> datetime:
    """When `minutes` of working time after `start` have passed."""
    if schedule.always_open or minutes <= 0:
        return start + timedelta(minutes=max(0.0, minutes))
    left = timedelta(minutes=minutes)
    for begin, end in working_periods(schedule, start):
        if end - begin >= left:
            return begin + left
        left -= end - begin
    raise ValueError("the calendar has no working time in the next two years")


def business_minutes_between(schedule: Schedule, start: datetime, end: datetime) -> float:
    """Working minutes between two instants (0 if `end` is not after `start`)."""
    if end <= start:
        return 0.0
    if schedule.always_open:
        return (end - start).total_seconds() / 60
    total = timedelta()
    end = end.astimezone(UTC)
    for begin, stop in working_periods(schedule, start):
        if begin >= end:
            break
        total += min(stop, end) - begin
    return total.total_seconds() / 60


def minutes_left(schedule: Schedule, now: datetime, due: datetime) -> float:
    """Working minutes until `due`; negative, counted the same way, once it has passed."""
    if now <= due:
        return business_minutes_between(schedule, now, due)
    return -business_minutes_between(schedule, due, now)


def is_open(schedule: Schedule, at: datetime) -> bool:
    if schedule.always_open:
        return True
    local = at.astimezone(schedule.time_zone)
    minute = local.hour * 60 + local.minute
    return any(a <= minute < b for a, b in schedule.intervals(local.date()))
