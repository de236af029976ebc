"""Settings → SLA: calendars, holidays (Indonesian public holidays imported), policies;
and the clocks as agents see them, counted down in business hours."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse

from inbox.models import BusinessCalendar, Holiday, SlaPolicy
from tests.factories import ChannelAccountFactory, ConversationFactory

pytestmark = pytest.mark.django_db
JKT = ZoneInfo("Asia/Jakarta")


def test_only_supervisors_manage_slas(login, agent, supervisor):
    for name in ("settings:sla", "settings:calendar-new", "settings:policy-new"):
        assert login(agent).get(reverse(name)).status_code == 403
    assert login(supervisor).get(reverse("settings:sla")).status_code == 200


def test_a_supervisor_sets_the_teams_hours(login, supervisor):
    client = login(supervisor)
    response = client.post(
        reverse("settings:calendar-new"),
        {
            "name": "Jakarta care",
            "time_zone": "Asia/Jakarta",
            "day_1": "08:00-12:00,13:00-17:00",
            "day_6": "09:00-13:00",
        },
        follow=True,
    )
    assert "Calendar “Jakarta care” saved." in response.content.decode()
    calendar = BusinessCalendar.objects.get()
    assert calendar.hours == {"1": "08:00-12:00, 13:00-17:00", "6": "09:00-13:00"}
    assert calendar.is_default  # the first calendar serves the central queue
    body = client.get(reverse("settings:sla")).content.decode()
    assert "08:00-12:00, 13:00-17:00" in body and "closed" in body


@pytest.mark.parametrize(
    ("field", "value", "why"),
    [
        ("time_zone", "Mars/Olympus", "is not a time zone"),
        ("day_2", "17:00-09:00", "Tuesday: “17:00-09:00” ends before it starts"),
    ],
)
def test_bad_hours_or_zones_are_refused_with_the_reason(login, supervisor, field, value, why):
    data = {"name": "x", "time_zone": "Asia/Jakarta", field: value}
    body = login(supervisor).post(reverse("settings:calendar-new"), data).content.decode()
    assert why in body
    assert not BusinessCalendar.objects.exists()


def test_indonesian_public_holidays_are_imported_once(login, supervisor):
    calendar = BusinessCalendar.objects.create(name="Jakarta", hours={"1": "09:00-17:00"})
    client = login(supervisor)
    url = reverse("settings:holidays", args=[calendar.pk])
    response = client.post(url, {"import_year": "2026"}, follow=True)
    holidays = dict(Holiday.objects.values_list("date", "name"))
    assert holidays[date(2026, 8, 17)] == "Hari Kemerdekaan Republik Indonesia"
    assert holidays[date(2026, 1, 1)] == "Tahun Baru Masehi"
    assert f"{len(holidays)} Indonesian public holidays of 2026 added." in response.content.decode()
    client.post(url, {"import_year": "2026"})
    assert Holiday.objects.count() == len(holidays)
    client.post(url, {"date": "2026-12-31", "name": "Team day off"})
    assert Holiday.objects.filter(name="Team day off").exists()
    client.post(url, {"remove": Holiday.objects.get(name="Team day off").pk})
    assert not Holiday.objects.filter(name="Team day off").exists()


def test_a_policy_is_added_and_a_duplicate_refused(login, supervisor):
    client = login(supervisor)
    data = {
        "name": "Urgent",
        "priority": "40",
        "first_response_minutes": "15",
        "next_response_minutes": "30",
        "resolution_minutes": "240",
        "business_hours": "on",
    }
    client.post(reverse("settings:policy-new"), data)
    assert SlaPolicy.objects.get().first_response_minutes == 15
    body = client.post(reverse("settings:policy-new"), {**data, "name": "Again"}).content.decode()
    assert "Another policy already covers this priority and channel" in body
    assert SlaPolicy.objects.count() == 1


def test_the_conversation_counts_down_in_business_hours(login, agent):
    BusinessCalendar.objects.create(
        name="Jakarta", time_zone="Asia/Jakarta", is_default=True,
        hours={str(d): "09:00-17:00" for d in range(1, 6)},
    )  # fmt: skip
    policy = SlaPolicy.objects.create(name="All", first_response_minutes=60,
                                      next_response_minutes=60, resolution_minutes=480)  # fmt: skip
    friday_1645 = datetime(2026, 11, 27, 16, 45, tzinfo=JKT)
    conversation = ConversationFactory.create(
        channel_account=ChannelAccountFactory.create(), sla_policy=policy,
        response_started_at=friday_1645, response_due_at=datetime(2026, 11, 30, 9, 45, tzinfo=JKT),
        resolution_due_at=datetime(2026, 11, 30, 16, 45, tzinfo=JKT),
    )  # fmt: skip
    client = login(agent)
    # Saturday noon: 45 working minutes left, though the due time is two days away.
    with time_machine.travel(datetime(2026, 11, 28, 12, 0, tzinfo=JKT), tick=False):
        body = client.get(reverse("inbox:conversation", args=[conversation.pk])).content.decode()
        assert "answer due in 45 min" in body
        assert "resolve within 7 h" in body
        assert "outside business hours: the clocks wait" in body
        listing = client.get(reverse("inbox:list")).content.decode()
        assert "Answer due in 45 min" in listing
    with time_machine.travel(datetime(2026, 11, 30, 10, 45, tzinfo=JKT), tick=False):
        body = client.get(reverse("inbox:conversation", args=[conversation.pk])).content.decode()
        assert "answer overdue by 1 h" in body


def test_a_case_waiting_on_the_customer_shows_its_clock_paused(login, agent):
    conversation = ConversationFactory.create(
        status="waiting_on_customer",
        resolution_due_at=datetime(2026, 12, 1, 9, 0, tzinfo=JKT),
    )
    with time_machine.travel(datetime(2026, 11, 30, 9, 0, tzinfo=JKT) - timedelta(hours=1)):
        body = login(agent).get(reverse("inbox:conversation", args=[conversation.pk]))
    assert "resolution clock paused: waiting on the customer" in body.content.decode()
