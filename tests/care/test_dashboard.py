"""The dashboard's pages: who sees them, what they show, exports and bad periods."""

import csv
import io
import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from care.metrics.rollups import refresh_rollups
from care.tokens import create_api_token
from inbox.models import Message, Topic
from tests.factories import ConversationFactory, MessageFactory, make_agent

pytestmark = pytest.mark.django_db


def an_answered_case(minutes: int = 12, text: str = "My laptop battery died"):
    now = timezone.now()
    agent = make_agent(display_name="Budi Santoso", initials="BS")
    conversation = ConversationFactory.create()
    message = MessageFactory.create(
        conversation=conversation, text=text, platform_created_at=now - timedelta(minutes=30)
    )
    MessageFactory.create(
        conversation=conversation,
        direction=Message.Direction.OUTBOUND,
        author_agent=agent,
        platform_created_at=now - timedelta(minutes=30 - minutes),
    )
    return conversation, message


def test_an_empty_dashboard_explains_itself(login, supervisor):
    body = login(supervisor).get(reverse("dashboard")).content.decode()
    assert "No conversations to measure in this period" in body
    assert "vendor/chartjs/chart.umd.min.js" in body


def test_the_dashboard_shows_the_team_s_figures_with_the_agent(login, supervisor):
    an_answered_case(minutes=12)
    refresh_rollups()
    response = login(supervisor).get(reverse("dashboard"), {"clock": "calendar"})
    body = response.content.decode()
    assert response.status_code == 200
    assert "12 min" in body  # the first-response median tile
    assert "Budi Santoso" in body and "^BS" in body
    assert "No conversations to measure" not in body
    assert 'id="dashboard-figures"' in body


def test_user_text_on_the_dashboard_is_escaped(login, supervisor):
    _, message = an_answered_case()
    topic = Topic.objects.create(name="<b>battery</b>", phrases=["battery"])
    message.topics.add(topic)
    refresh_rollups()
    body = login(supervisor).get(reverse("dashboard")).content.decode()
    assert "<b>battery</b>" not in body


def test_the_live_refresh_gets_the_body_alone(login, supervisor):
    body = login(supervisor).get(reverse("dashboard"), {"partial": "1"}).content.decode()
    assert "<html" not in body and 'id="dashboard-figures"' in body


def test_a_bad_period_is_refused_with_the_reason(login, supervisor):
    client = login(supervisor)
    response = client.get(reverse("dashboard"), {"from": "2026-11-20", "to": "2026-11-01"})
    assert response.status_code == 400
    assert "The start date is after the end date." in response.content.decode()
    response = client.get(reverse("dashboard"), {"from": "yesterday"})
    assert response.status_code == 400
    assert "YYYY-MM-DD" in response.content.decode()


def test_each_chart_exports_its_rows_as_csv(login, supervisor):
    an_answered_case(minutes=12)
    refresh_rollups()
    client = login(supervisor)
    response = client.get(reverse("dashboard-export", args=["agents"]), {"clock": "calendar"})
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0][:3] == ["agent", "initials", "replies"]
    assert rows[1][:3] == ["Budi Santoso", "BS", "1"]
    assert float(rows[1][4]) == pytest.approx(720)
    response = client.get(reverse("dashboard-export", args=["first-response"]))
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert [r[:2] for r in rows[1:3]] == [["< 5 min", "0"], ["5 min–15 min", "1"]]
    assert client.get(reverse("dashboard-export", args=["nothing"])).status_code == 404


def test_a_csv_cell_a_spreadsheet_would_run_is_quoted(login, supervisor):
    _, message = an_answered_case()
    message.topics.add(Topic.objects.create(name="=HYPERLINK(1)", phrases=["battery"]))
    refresh_rollups()
    response = login(supervisor).get(reverse("dashboard-export", args=["topics"]))
    assert "'=HYPERLINK(1)" in response.content.decode()


def test_agents_cannot_see_the_dashboard_or_its_exports(login, agent):
    client = login(agent)
    assert client.get(reverse("dashboard")).status_code == 403
    assert client.get(reverse("dashboard-export", args=["agents"])).status_code == 403
    assert client.get(reverse("metrics-definitions")).status_code == 403


def test_every_chart_links_to_its_definition(login, supervisor):
    client = login(supervisor)
    definitions = client.get(reverse("metrics-definitions")).content.decode()
    dashboard = client.get(reverse("dashboard")).content.decode()

    anchors = set(re.findall(r'metrics-definitions"?[^"]*#([a-z-]+)', dashboard))
    anchors |= set(re.findall(r"/dashboard/definitions#([a-z-]+)", dashboard))
    assert len(anchors) >= 8
    for anchor in anchors:
        assert f'id="{anchor}"' in definitions, anchor


def test_the_metrics_api_gives_supervisors_the_same_figures(client, supervisor):
    an_answered_case(minutes=12)
    refresh_rollups()
    token = create_api_token(agent=supervisor, name="BI", scope="read")[1]
    response = client.get(
        reverse("api:metrics"),
        {"clock": "calendar", "days": 1},
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )
    assert response.status_code == 200
    assert response.json()["tiles"]["frt_median"]["value"] == pytest.approx(720)
    bad = client.get(
        reverse("api:metrics"), {"clock": "lunar"}, HTTP_AUTHORIZATION=f"Bearer {token}"
    )
    assert bad.status_code == 400
    assert bad.json()["extra"]["fields"]["clock"] == ["business or calendar"]
