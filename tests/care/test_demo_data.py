"""`make demo`'s data: the team, departments and channels, loaded idempotently."""

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

from care.demo import DEMO_PASSWORD
from care.models import Agent
from inbox.models import (
    BusinessCalendar,
    ChannelAccount,
    Department,
    RoutingRule,
    SlaPolicy,
    Topic,
)
from inbox.triage import match_topics

pytestmark = pytest.mark.django_db


def test_it_loads_the_demo_team_once(capsys):
    call_command("load_demo_data")
    call_command("load_demo_data")
    roles = sorted(Agent.objects.values_list("role", flat=True))
    assert roles == ["admin", "agent", "agent", "agent", "agent", "supervisor", "trainee"]
    assert all(agent.photo for agent in Agent.objects.all())
    assert set(Department.objects.values_list("name", flat=True)) == {
        "Customer Care",
        "Technical Support",
        "Billing",
        "Marketing",
        "Product Development",
    }
    assert sorted(ChannelAccount.objects.values_list("platform", flat=True)) == ["facebook", "x"]
    # The whole demo team works both channels.
    assert all(agent.channels.count() == 2 for agent in Agent.objects.all())
    # Topic rules for what the simulator's customers write about, each rule valid.
    assert Topic.objects.count() == 6
    assert RoutingRule.objects.filter(department__name="Billing").count() == 1
    # The team's hours with Indonesia's public holidays, and a target per priority.
    calendar = BusinessCalendar.objects.get(is_default=True)
    assert calendar.hours["1"] == "08:00-20:00" and "7" not in calendar.hours
    assert calendar.holidays.filter(name="Hari Kemerdekaan Republik Indonesia").count() == 2
    assert sorted(p.priority or 0 for p in SlaPolicy.objects.all()) == [10, 20, 30, 40]
    # Billing's members: its agent and a clerk who is not an agent (escalations reach her).
    billing = Department.objects.get(name="Billing")
    assert sorted(billing.members.values_list("username", flat=True)) == ["dewi", "fajar"]
    assert not Agent.objects.filter(user__username="fajar").exists()
    assert [t.value for t in match_topics("baterai laptop aku drop", Topic.objects.all())] == [
        "laptop battery"
    ]
    assert "demo data already loaded" in capsys.readouterr().out


def test_demo_logins_work_and_credentials_are_encrypted():
    call_command("load_demo_data")
    user = get_user_model().objects.get(username="budi")
    assert user.check_password(DEMO_PASSWORD)
    x = ChannelAccount.objects.get(platform="x")
    assert "sim-x-bearer-token" not in x.credentials_ciphertext
    assert x.credentials["bearer_token"] == "sim-x-bearer-token"


def test_the_demo_has_two_weeks_of_solved_cases_for_the_dashboard():
    from care.metrics.figures import Period, cached_figures
    from care.metrics.rollups import refresh_rollups
    from inbox.models import Conversation, Message

    call_command("load_demo_data")
    cases = Conversation.objects.count()
    call_command("load_demo_data")
    assert Conversation.objects.count() == cases > 14 * 15  # once, about 20 a day
    assert not Conversation.objects.filter(status__in=Conversation.OPEN_STATUSES).exists()
    # Written by care's own phrase book and labelled by the real triage.
    assert Message.objects.filter(direction="inbound").exclude(language="").count() > cases * 0.9
    refresh_rollups()
    figures = cached_figures(Period.last_days(14), "business")
    assert figures["tiles"]["opened"]["value"] > 14 * 15
    assert 60 < figures["tiles"]["frt_median"]["value"] < 3 * 3600
    assert figures["quality"]["csat"] is not None
    assert len(figures["quality"]["agents"]) == 4
    assert figures["warning"]["alerts"] and figures["workload"]["escalations"]
