"""Early warning: a topic far above its usual level for the time of the week raises one
alert, tells the supervisors and other tools, and its conversations are answered together."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
from django.urls import reverse

from care.errors import CareError
from care.models import Notification
from inbox import spikes
from inbox.models import Topic, VolumeAlert
from inbox.services import alerts
from responses.models import Reply
from tests.factories import ChannelAccountFactory, MessageFactory

NOW = datetime(2026, 11, 25, 14, 0, tzinfo=UTC)  # a Wednesday afternoon


# --- The statistic ---------------------------------------------------------------------


def test_a_quiet_topic_needs_the_minimum_count():
    level = spikes.usual_level([0] * 36)
    assert (level.median, level.threshold) == (0, 10)
    assert not spikes.is_spike(9, level) and spikes.is_spike(10, level)


def test_a_busy_topic_must_rise_far_above_its_spread():
    history = [20, 22, 18, 25, 19, 21, 23, 20, 24] * 4
    level = spikes.usual_level(history)
    assert level.median == 21
    assert level.threshold == 3 * 21  # tripling beats median + 6 spreads (≈ 48) here
    assert not spikes.is_spike(45, level) and spikes.is_spike(63, level)


def test_one_past_spike_does_not_raise_the_usual_level():
    calm = [3, 4, 2, 3, 5, 3, 4, 3, 2] * 4
    with_old_spike = [*calm[:-1], 400]
    assert spikes.usual_level(with_old_spike).threshold == spikes.usual_level(calm).threshold


# --- Detection on stored messages -------------------------------------------------------


@pytest.fixture
def battery(db):
    return Topic.objects.create(name="laptop battery", phrases=["battery"])


@pytest.fixture
def account(db):
    return ChannelAccountFactory.create(platform="x")


def customer_messages(account, topic, at: datetime, n: int, spread_minutes: int = 10) -> None:
    for i in range(n):
        message = MessageFactory.create(
            conversation__channel_account=account,
            platform_created_at=at - timedelta(minutes=spread_minutes * i / max(n, 1)),
            text="my battery died",
        )
        message.topics.add(topic)


def usual_weeks(account, topic, per_window: int = 2) -> None:
    for week in range(1, 5):
        customer_messages(account, topic, NOW - timedelta(weeks=week, minutes=1), per_window)


@pytest.mark.django_db
def test_a_usual_afternoon_raises_nothing(account, battery):
    usual_weeks(account, battery)
    customer_messages(account, battery, NOW - timedelta(minutes=1), 3)
    assert alerts.detect_spikes(NOW).raised == []


@pytest.mark.django_db
def test_a_spike_raises_one_alert_and_tells_the_supervisors(account, battery, supervisor, agent):
    usual_weeks(account, battery)
    customer_messages(account, battery, NOW - timedelta(minutes=1), 25)

    found = alerts.detect_spikes(NOW)

    topic_alerts = [a for a in found.raised if a.kind == "topic"]
    assert len(topic_alerts) == 1
    alert = topic_alerts[0]
    assert (alert.topic, alert.count, alert.usual, alert.threshold) == (battery, 25, 0, 10)
    assert alert.headline() == "Spike: “laptop battery”, 25 messages in 15 minutes (usually 0)"
    assert Notification.objects.filter(recipient=supervisor.user, verb="spike").count() >= 1
    assert not Notification.objects.filter(recipient=agent.user).exists()
    # The same spike a minute later updates the open alert instead of raising another.
    customer_messages(account, battery, NOW, 5, spread_minutes=1)
    again = alerts.detect_spikes(NOW + timedelta(minutes=1))
    assert again.raised == [] and alert.pk in [a.pk for a in again.updated]
    alert.refresh_from_db()
    assert alert.peak_count == 30
    assert VolumeAlert.objects.filter(kind="topic").count() == 1


@pytest.mark.django_db
def test_a_channel_spike_is_caught_without_any_topic(account):
    no_topic = Topic.objects.create(name="unused", phrases=["zzz"])
    for _ in range(12):
        MessageFactory.create(conversation__channel_account=account, platform_created_at=NOW)
    found = alerts.detect_spikes(NOW + timedelta(minutes=1))
    assert [(a.kind, a.channel_account) for a in found.raised] == [("channel", account)]
    assert no_topic.alerts.count() == 0


@pytest.mark.django_db
def test_spam_does_not_make_a_spike(account, battery):
    for _ in range(30):
        message = MessageFactory.create(
            conversation__channel_account=account, platform_created_at=NOW, intent="spam"
        )
        message.topics.add(battery)
    assert alerts.detect_spikes(NOW + timedelta(minutes=1)).raised == []


# --- The outbound webhook, received by a real HTTP server ------------------------------


class Receiver(BaseHTTPRequestHandler):
    received: list[tuple[dict[str, str], bytes]] = []

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        Receiver.received.append((dict(self.headers), body))
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


@pytest.mark.django_db
def test_other_tools_get_a_signed_webhook(
    account, battery, settings, eager_tasks, django_capture_on_commit_callbacks
):
    server = HTTPServer(("127.0.0.1", 0), Receiver)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    settings.CARE_ALERT_WEBHOOK_URL = f"http://127.0.0.1:{server.server_port}/hooks/care"
    settings.CARE_ALERT_WEBHOOK_SECRET = "s3cret"
    Receiver.received.clear()
    try:
        customer_messages(account, battery, NOW - timedelta(minutes=1), 15)
        with django_capture_on_commit_callbacks(execute=True):
            alerts.detect_spikes(NOW)
    finally:
        server.shutdown()
    topic_posts = [(h, b) for h, b in Receiver.received if json.loads(b)["alert"]["topic"]]
    headers, body = topic_posts[0]
    assert json.loads(body)["alert"]["count"] == 15
    timestamp = headers["X-Care-Signature"].split(",")[0].removeprefix("t=")
    expected = hmac.new(b"s3cret", f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    assert headers["X-Care-Signature"] == f"t={timestamp},v1={expected}"


class FlakyReceiver(Receiver):
    """Down twice (503), then up: the alert must still arrive, once."""

    calls = 0

    def do_POST(self) -> None:
        FlakyReceiver.calls += 1
        if FlakyReceiver.calls <= 2:
            self.rfile.read(int(self.headers["Content-Length"]))
            self.send_response(503)
            self.end_headers()
            return
        super().do_POST()


@pytest.mark.django_db
def test_a_webhook_receiver_that_is_down_gets_the_alert_when_it_is_back(account, battery, settings):
    from inbox.tasks import post_alert_webhook_task

    server = HTTPServer(("127.0.0.1", 0), FlakyReceiver)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    settings.CARE_ALERT_WEBHOOK_URL = f"http://127.0.0.1:{server.server_port}/hooks/care"
    Receiver.received.clear()
    FlakyReceiver.calls = 0
    try:
        customer_messages(account, battery, NOW - timedelta(minutes=1), 15)
        alert = alerts.detect_spikes(NOW).raised[0]  # its task waits for a commit: none here
        # Each refusal asks Celery for a later try (run at once here, without the backoff).
        outcome = post_alert_webhook_task.apply(args=(alert.pk,))
    finally:
        server.shutdown()
    assert outcome.state == "SUCCESS"
    assert FlakyReceiver.calls == 3  # refused, refused, delivered
    assert len(Receiver.received) == 1


# --- Incidents and the pages ------------------------------------------------------------


@pytest.mark.django_db
def test_a_supervisor_groups_the_spike_and_answers_everyone_personally(
    account, battery, supervisor, login
):
    customer_messages(account, battery, NOW - timedelta(minutes=1), 12)
    alert = alerts.detect_spikes(NOW).raised[0]
    client = login(supervisor)

    client.post(reverse("inbox:alert-incident", args=[alert.pk]), {"name": "Battery recall"})
    incident = alert.incidents.get()
    assert incident.conversations.count() == 12

    client.post(
        reverse("inbox:incident-answer", args=[incident.pk]),
        {"template": "Hi {name}, a fix is coming for {case}."},
    )
    replies = Reply.objects.filter(conversation__incident=incident)
    assert replies.count() == 12
    reply = replies.earliest("id")
    first_name = reply.conversation.customer.display_name.split()[0]
    assert reply.text == f"Hi {first_name}, a fix is coming for #{reply.conversation.pk}."


@pytest.mark.django_db
def test_a_bad_template_is_refused_with_the_reason(account, battery, supervisor):
    customer_messages(account, battery, NOW - timedelta(minutes=1), 12)
    alert = alerts.detect_spikes(NOW).raised[0]
    incident = alerts.open_incident(alert=alert, name="x", by=supervisor)
    with pytest.raises(CareError) as refused:
        alerts.answer_incident(incident=incident, template="Hi {customer}", by=supervisor)
    assert "Only {name} and {case}" in str(refused.value.message)
    assert not Reply.objects.exists()


@pytest.mark.django_db
def test_the_inbox_shows_the_banner_and_only_supervisors_act(
    account, battery, agent, supervisor, login
):
    customer_messages(account, battery, NOW - timedelta(minutes=1), 12)
    alert = alerts.detect_spikes(NOW).raised[0]
    body = login(agent).get(reverse("inbox:list")).content.decode()
    assert "Early warning" in body and "Spike: “laptop battery”, 12 messages" in body
    page = login(agent).get(reverse("inbox:alert", args=[alert.pk])).content.decode()
    assert "12 open conversations in this spike" in page
    assert "Group these conversations" not in page
    assert login(agent).post(reverse("inbox:alert-close", args=[alert.pk])).status_code == 403
    login(supervisor).post(reverse("inbox:alert-close", args=[alert.pk]))
    assert (
        f'data-alert="{alert.pk}"' not in login(agent).get(reverse("inbox:list")).content.decode()
    )


def test_the_beat_schedule_looks_every_minute(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["detect-spikes"]
    assert (entry["task"], entry["schedule"]) == ("inbox.tasks.detect_spikes_task", 60.0)


def test_the_noise_of_counts_is_at_least_poisson():
    # Mean 2.5 a window and a MAD of 1: ten messages are within chance, thirteen are not.
    level = spikes.usual_level([2, 3, 2, 3, 2, 3, 1, 4, 2, 3, 3, 2] * 3)
    assert round(level.threshold, 1) == round(2.5 + 6 * 2.5**0.5, 1)
    assert not spikes.is_spike(10, level) and spikes.is_spike(13, level)
