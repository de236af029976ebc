"""Counting working time: across a weekend, a holiday, a daylight-saving change and a
change of time zone. Every instant is written out, so each test is a worked example."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from inbox.business_hours import (
    Schedule,
    add_business_minutes,
    business_minutes_between,
    format_hours,
    is_open,
    parse_hours,
)

JAKARTA = ZoneInfo("Asia/Jakarta")  # UTC+7, no daylight saving
WEEKDAYS_9_TO_5 = {day: ((9 * 60, 17 * 60),) for day in range(1, 6)}


def jkt(year: int, month: int, day: int, hour: int, minute: int) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=JAKARTA)


def test_an_answer_due_friday_afternoon_rolls_over_the_weekend():
    schedule = Schedule(JAKARTA, WEEKDAYS_9_TO_5)
    # Friday 27 Nov 2026, 16:00 Jakarta; a 2-hour target: 1 h on Friday, 1 h on Monday.
    due = add_business_minutes(schedule, jkt(2026, 11, 27, 16, 0), 120)
    assert due == jkt(2026, 11, 30, 10, 0)
    assert business_minutes_between(schedule, jkt(2026, 11, 27, 16, 0), due) == 120


def test_a_message_at_night_starts_counting_at_opening_time():
    schedule = Schedule(JAKARTA, WEEKDAYS_9_TO_5)
    assert add_business_minutes(schedule, jkt(2026, 11, 24, 22, 30), 30) == jkt(2026, 11, 25, 9, 30)


def test_a_holiday_is_skipped():
    # Christmas 2026 is a Friday in Indonesia's calendar of holidays.
    schedule = Schedule(JAKARTA, WEEKDAYS_9_TO_5, frozenset({date(2026, 12, 25)}))
    due = add_business_minutes(schedule, jkt(2026, 12, 24, 16, 30), 60)
    assert due == jkt(2026, 12, 28, 9, 30)  # Thursday 30 min, then Monday


def test_split_hours_skip_the_lunch_break():
    schedule = Schedule(JAKARTA, {3: parse_hours("08:00-12:00, 13:00-17:00")})
    # Wednesday 25 Nov 2026, 11:30 + 60 min = 30 before lunch, 30 after.
    assert add_business_minutes(schedule, jkt(2026, 11, 25, 11, 30), 60) == jkt(
        2026, 11, 25, 13, 30
    )


def test_daylight_saving_day_opens_at_local_time_and_counts_real_minutes():
    amsterdam = ZoneInfo("Europe/Amsterdam")  # clocks go forward 29 Mar 2026, 02:00 -> 03:00
    schedule = Schedule(amsterdam, {7: ((0, 1440),), 1: ((9 * 60, 17 * 60),)})
    saturday_night = datetime(2026, 3, 28, 23, 0, tzinfo=UTC)  # Sunday 00:00 in Amsterdam
    # Sunday is open all day but is only 23 hours long.
    assert business_minutes_between(
        schedule, saturday_night, datetime(2026, 3, 30, 0, 0, tzinfo=amsterdam)
    ) == (23 * 60)
    # Monday opens at 09:00 summer time = 07:00 UTC.
    due = add_business_minutes(schedule, saturday_night, 23 * 60 + 30)
    assert due == datetime(2026, 3, 30, 7, 30, tzinfo=UTC)


def test_the_same_hours_in_another_time_zone_are_other_instants():
    makassar = ZoneInfo("Asia/Makassar")  # UTC+8: a team that moves from Jakarta to Makassar
    start = datetime(2026, 11, 25, 1, 0, tzinfo=UTC)  # 08:00 Jakarta, 09:00 Makassar
    in_jakarta = add_business_minutes(Schedule(JAKARTA, WEEKDAYS_9_TO_5), start, 60)
    in_makassar = add_business_minutes(Schedule(makassar, WEEKDAYS_9_TO_5), start, 60)
    assert in_jakarta == datetime(2026, 11, 25, 3, 0, tzinfo=UTC)  # 09:00-10:00 Jakarta
    assert in_makassar == datetime(2026, 11, 25, 2, 0, tzinfo=UTC)  # 09:00-10:00 Makassar


def test_no_hours_means_open_around_the_clock():
    schedule = Schedule(JAKARTA)
    start = jkt(2026, 11, 28, 23, 0)  # a Saturday night
    assert add_business_minutes(schedule, start, 90) == jkt(2026, 11, 29, 0, 30)
    assert is_open(schedule, start)


def test_is_open_follows_the_hours_and_holidays():
    schedule = Schedule(JAKARTA, WEEKDAYS_9_TO_5, frozenset({date(2026, 11, 26)}))
    assert is_open(schedule, jkt(2026, 11, 25, 9, 0))
    assert not is_open(schedule, jkt(2026, 11, 25, 17, 0))
    assert not is_open(schedule, jkt(2026, 11, 26, 10, 0))  # the holiday
    assert not is_open(schedule, jkt(2026, 11, 28, 10, 0))  # Saturday


def test_a_calendar_of_only_holidays_says_so():
    schedule = Schedule(JAKARTA, {1: ((540, 600),)}, frozenset())
    everything = frozenset(
        date.fromordinal(date(2026, 11, 23).toordinal() + n) for n in range(0, 900)
    )
    closed = Schedule(JAKARTA, schedule.hours, everything)
    with pytest.raises(ValueError, match="no working time"):
        add_business_minutes(closed, jkt(2026, 11, 23, 8, 0), 30)


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ("9-17", "not a range"),
        ("08:00-25:00", "not a time of day"),
        ("17:00-09:00", "ends before it starts"),
        ("08:00-12:00, 11:00-13:00", "overlapping"),
    ],
)
def test_hours_are_checked_with_a_reason(text, why):
    with pytest.raises(ValueError, match=why):
        parse_hours(text)


def test_hours_read_back_as_written():
    assert format_hours(parse_hours(" 13:00-17:00 ,08:00-12:00")) == "08:00-12:00, 13:00-17:00"
    assert parse_hours("") == ()
    assert parse_hours("00:00-24:00") == ((0, 1440),)
