"""Outbound webhooks: each event reaches the tools subscribed to it, signed, retried with
backoff, logged, and replayable with the same event id (docs/webhooks.md)."""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from care import outbound_webhooks
from care.errors import CareError
from care.models import AuditEvent, WebhookDelivery, WebhookSubscription
from care.outbound_webhooks import (
    WebhookAttemptFailed,
    create_webhook_subscription,
    emit,
    replay_webhook_delivery,
    send_test_event,
    send_webhook_delivery,
    set_webhook_active,
)
from care.tasks import send_webhook_delivery_task
from inbox.channels.base import InboundAuthor, InboundEvent
from inbox.models import Conversation, Topic
from inbox.services import alerts, sla
from inbox.services.escalation import escalate_conversation
from inbox.services.ingest import ingest_events
from responses.services.outbox import deliver_reply
from tests.factories import (
    ChannelAccountFactory,
    ConversationFactory,
    DepartmentFactory,
    MessageFactory,
)
from tests.inbox.services.test_early_warning import customer_messages
from tests.responses.test_outbox import send, x_case

pytestmark = pytest.mark.django_db
ENCODER = DjangoJSONEncoder()

# --- A real receiver ----------------------------------------------------------------------


@dataclass
class Received:
    headers: dict[str, str]
    body: bytes
    signature_ok: bool


@dataclass
class ReceiverState:
    secret: str = ""
    # Answers to give, in turn; 200 once they run out.
    codes: list[int] = field(default_factory=list)
    received: list[Received] = field(default_factory=list)


class Receiver(BaseHTTPRequestHandler):
    state: ReceiverState

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        signature = self.headers.get("X-Care-Signature", "")
        self.state.received.append(
            Received(dict(self.headers.items()), body, verify(signature, body, self.state.secret))
        )
        self.send_response(self.state.codes.pop(0) if self.state.codes else 200)
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


def verify(header: str, body: bytes, secret: str) -> bool:
    """What docs/webhooks.md tells a receiver to do."""
    parts = dict(part.split("=", 1) for part in header.split(",") if "=" in part)
    signed = parts.get("t", "").encode() + b"." + body
    expected = hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, parts.get("v1", ""))


@dataclass
class RunningReceiver:
    url: str
    state: ReceiverState

    @property
    def received(self) -> list[Received]:
        return self.state.received


@pytest.fixture
def receiver() -> Iterator[RunningReceiver]:
    state = ReceiverState()
    handler = type("Handler", (Receiver,), {"state": state})
    server = HTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield RunningReceiver(f"http://127.0.0.1:{server.server_port}/hooks/care", state)
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture(autouse=True)
def _fresh_subscribed_events() -> Iterator[None]:
    """The process-local set would otherwise outlive each test's rolled-back rows."""
    outbound_webhooks.forget_subscribed_events()
    yield
    outbound_webhooks.forget_subscribed_events()


def subscribe(receiver: RunningReceiver, *events: str) -> WebhookSubscription:
    subscription, secret = create_webhook_subscription(
        name="CRM", url=receiver.url, events=list(events), by=None
    )
    receiver.state.secret = secret
    return subscription


def bodies(receiver: RunningReceiver) -> list[dict]:
    return [json.loads(r.body) for r in receiver.received]


# --- Signing and sending ------------------------------------------------------------------


def test_a_delivery_is_signed_with_the_subscription_secret(
    receiver, eager_tasks, django_capture_on_commit_callbacks
):
    subscription = subscribe(receiver, "message.received")
    with django_capture_on_commit_callbacks(execute=True):
        delivery = send_test_event(subscription=subscription, by=None)

    [got] = receiver.received
    assert got.signature_ok
    assert got.headers["Content-Type"] == "application/json"
    assert got.headers["X-Care-Event"] == "ping"
    assert got.headers["X-Care-Delivery"] == str(delivery.event_id)
    assert json.loads(got.body) == {
        "id": str(delivery.event_id),
        "event": "ping",
        "created_at": ENCODER.default(delivery.created_at),
        "data": {"webhook": {"id": subscription.pk, "name": "CRM"}},
    }
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == ("delivered", 1, 200)
    assert delivery.delivered_at is not None


def test_the_alert_webhook_signs_with_the_shared_function():
    assert alerts.sign is outbound_webhooks.sign
    body = b'{"a":1}'
    mac = hmac.new(b"k", b"1700000000." + body, hashlib.sha256).hexdigest()
    assert outbound_webhooks.sign(body, "k", 1700000000) == f"t=1700000000,v1={mac}"


def test_a_receiver_down_twice_gets_the_event_on_the_third_attempt(receiver):
    subscribe(receiver, "message.received")
    receiver.state.codes = [503, 503]
    emit("message.received", {"message": {"id": 1}})  # its task waits for a commit: none here
    delivery = WebhookDelivery.objects.get()

    # Each refusal asks Celery for a later try (run at once here, without the backoff).
    outcome = send_webhook_delivery_task.apply(args=(delivery.pk,))

    assert outcome.state == "SUCCESS"
    assert len(receiver.received) == 3
    assert all(r.signature_ok for r in receiver.received)
    assert {r.headers["X-Care-Delivery"] for r in receiver.received} == {str(delivery.event_id)}
    assert len({r.body for r in receiver.received}) == 1  # the same body every time
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == ("delivered", 3, 200)
    assert delivery.last_error == ""


def test_each_failed_try_is_recorded_and_waits_longer(receiver):
    subscribe(receiver, "message.received")
    receiver.state.codes = [500]
    emit("message.received", {})
    delivery = WebhookDelivery.objects.get()

    with pytest.raises(WebhookAttemptFailed) as failed:
        send_webhook_delivery(delivery_id=delivery.pk)

    assert failed.value.retry_in == 10
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == ("pending", 1, 500)
    assert delivery.last_error.startswith("HTTP 500")
    assert delivery.last_attempt_at is not None
    assert [outbound_webhooks.backoff(n) for n in range(1, 8)] == [
        10, 30, 90, 270, 810, 2430, 3600,
    ]  # fmt: skip


def test_after_the_last_attempt_the_delivery_fails(receiver, settings):
    settings.CARE_WEBHOOK_MAX_ATTEMPTS = 3
    subscribe(receiver, "message.received")
    receiver.state.codes = [500] * 10
    emit("message.received", {})
    delivery = WebhookDelivery.objects.get()

    send_webhook_delivery_task.apply(args=(delivery.pk,))

    assert len(receiver.received) == 3
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == ("failed", 3, 500)


def test_a_network_error_is_retried_then_fails(settings):
    settings.CARE_WEBHOOK_MAX_ATTEMPTS = 2
    # A port nobody listens on: connection refused.
    closed = HTTPServer(("127.0.0.1", 0), Receiver)
    port = closed.server_port
    closed.server_close()
    create_webhook_subscription(
        name="Down", url=f"http://127.0.0.1:{port}/", events=["message.received"], by=None
    )
    emit("message.received", {})
    delivery = WebhookDelivery.objects.get()

    send_webhook_delivery_task.apply(args=(delivery.pk,))

    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == ("failed", 2, None)
    assert "ConnectionError" in delivery.last_error


def test_a_duplicate_task_posts_nothing_more(receiver):
    subscription = subscribe(receiver, "message.received")
    delivery = send_test_event(subscription=subscription, by=None)
    send_webhook_delivery_task.apply(args=(delivery.pk,))
    send_webhook_delivery_task.apply(args=(delivery.pk,))
    assert len(receiver.received) == 1


def test_a_delivery_waiting_when_its_subscription_is_paused_is_not_sent(receiver):
    subscription = subscribe(receiver, "message.received")
    emit("message.received", {})
    set_webhook_active(subscription=subscription, active=False, by=None)

    send_webhook_delivery_task.apply(args=(WebhookDelivery.objects.get().pk,))

    assert receiver.received == []
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == "failed" and "paused" in delivery.last_error


# --- Who gets what ----------------------------------------------------------------------------


def test_without_subscriptions_emit_stores_nothing_and_asks_nothing():
    emit("message.received", {"message": {"id": 1}})  # the set of events is now known
    with CaptureQueriesContext(connection) as queries:
        assert emit("message.received", {"message": {"id": 2}}) == 0
    assert len(queries) == 0
    assert not WebhookDelivery.objects.exists()


def test_without_subscriptions_ingest_stores_no_delivery():
    account = ChannelAccountFactory.create(platform="x")
    ingest_events(account=account, events=[mention("1")])
    assert not WebhookDelivery.objects.exists()


def test_a_paused_subscription_gets_nothing(receiver):
    subscription = subscribe(receiver, "message.received")
    set_webhook_active(subscription=subscription, active=False, by=None)
    assert emit("message.received", {}) == 0
    assert not WebhookDelivery.objects.exists()
    set_webhook_active(subscription=subscription, active=True, by=None)
    assert emit("message.received", {}) == 1


def test_a_subscription_gets_only_its_events(receiver):
    subscribe(receiver, "sla.breached")
    assert emit("message.received", {}) == 0
    assert emit("sla.breached", {}) == 1


def test_every_subscription_to_an_event_gets_its_own_delivery(receiver):
    subscribe(receiver, "reply.sent")
    subscribe(receiver, "reply.sent", "sla.breached")
    assert emit("reply.sent", {}) == 2
    assert len({d.event_id for d in WebhookDelivery.objects.all()}) == 2


def test_a_rolled_back_change_emits_nothing(receiver, eager_tasks):
    from django.db import transaction

    subscribe(receiver, "message.received")
    with pytest.raises(RuntimeError), transaction.atomic():
        emit("message.received", {})
        raise RuntimeError("rolled back")
    assert not WebhookDelivery.objects.exists()
    assert receiver.received == []


# --- Each event from its service --------------------------------------------------------------

T0 = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
ANI = InboundAuthor(external_id="2244994945", handle="ani_w", name="Ani W")


def mention(external_id: str, text: str = "@NusantaraCares laptop mati") -> InboundEvent:
    return InboundEvent(
        external_id=external_id, text=text, kind="mention", created_at=T0, customer=ANI
    )


def test_ingest_emits_conversation_created_and_message_received(
    receiver, eager_tasks, django_capture_on_commit_callbacks, settings
):
    settings.SITE_URL = "http://127.0.0.1:8000/"
    subscribe(receiver, "conversation.created", "message.received")
    account = ChannelAccountFactory.create(platform="x")

    with django_capture_on_commit_callbacks(execute=True):
        ingest_events(account=account, events=[mention("1"), mention("2", "still dead")])

    conversation = Conversation.objects.get()
    got = {
        (b["event"], b["data"].get("message", {}).get("text")): b["data"] for b in bodies(receiver)
    }
    assert set(got) == {
        ("conversation.created", None),
        ("message.received", "@NusantaraCares laptop mati"),
        ("message.received", "still dead"),
    }
    created = got[("conversation.created", None)]
    assert created["conversation"]["id"] == conversation.pk
    assert created["conversation"]["url"] == "http://127.0.0.1:8000" + reverse(
        "inbox:conversation", args=[conversation.pk]
    )
    assert created["customer"]["handle"] == "ani_w"
    assert created["channel"] == {"id": account.pk, "platform": "x", "name": account.name}
    received = got[("message.received", "still dead")]
    assert received["message"]["id"] == conversation.messages.get(external_id="2").pk
    assert received["conversation"]["id"] == conversation.pk
    assert all(r.signature_ok for r in receiver.received)


def test_a_redelivered_batch_emits_nothing_again(receiver):
    subscribe(receiver, "message.received")
    account = ChannelAccountFactory.create(platform="x")
    ingest_events(account=account, events=[mention("1")])
    ingest_events(account=account, events=[mention("1")])
    assert WebhookDelivery.objects.count() == 1


def test_a_sent_reply_emits_reply_sent(simulator, x_account, agent, receiver):
    subscribe(receiver, "reply.sent")
    conversation = x_case(simulator, x_account)
    reply = send(conversation, agent)

    assert deliver_reply(reply.pk) == "sent"

    delivery = WebhookDelivery.objects.get(event="reply.sent")
    reply.refresh_from_db()
    assert delivery.payload["reply"]["id"] == reply.pk
    assert delivery.payload["reply"]["text"] == reply.signed_text
    assert delivery.payload["reply"]["platform_id"] == reply.platform_id
    assert delivery.payload["conversation"]["id"] == conversation.pk
    assert delivery.payload["conversation"]["status"] == "open"


def test_an_escalation_emits_conversation_escalated(receiver, agent):
    subscribe(receiver, "conversation.escalated")
    conversation = MessageFactory.create(text="charged twice").conversation
    billing = DepartmentFactory.create(name="Billing", slug="billing")

    escalate_conversation(conversation=conversation, department=billing, by=agent, summary="x2")

    delivery = WebhookDelivery.objects.get()
    assert delivery.event == "conversation.escalated"
    assert delivery.payload["conversation"]["status"] == "escalated"
    assert delivery.payload["escalation"]["department"] == {"slug": "billing", "name": "Billing"}
    assert delivery.payload["escalation"]["by"] == agent.signature


def test_a_refused_escalation_emits_nothing(receiver, agent):
    subscribe(receiver, "conversation.escalated")
    conversation = ConversationFactory.create(status=Conversation.Status.CLOSED)
    with pytest.raises(CareError):
        escalate_conversation(
            conversation=conversation, department=DepartmentFactory.create(), by=agent, summary="x"
        )
    assert not WebhookDelivery.objects.exists()


def test_a_missed_sla_target_emits_sla_breached_once(receiver):
    subscribe(receiver, "sla.breached")
    now = timezone.now()
    conversation = ConversationFactory.create(
        status=Conversation.Status.OPEN, response_due_at=now - timedelta(minutes=1)
    )

    assert sla.check_sla(now).breached == 1
    assert sla.check_sla(now + timedelta(minutes=1)).breached == 0

    delivery = WebhookDelivery.objects.get()
    assert delivery.event == "sla.breached"
    assert delivery.payload["conversation"]["id"] == conversation.pk
    assert delivery.payload["sla"]["clock"] == "answer"
    assert delivery.payload["sla"]["due_at"] == ENCODER.default(now - timedelta(minutes=1))


def test_a_spike_emits_alert_raised_and_keeps_the_alert_webhook(receiver, settings):
    settings.CARE_ALERT_WEBHOOK_URL = "http://127.0.0.1:9/unused"
    subscribe(receiver, "alert.raised")
    now = datetime(2026, 11, 25, 14, 0, tzinfo=UTC)
    account = ChannelAccountFactory.create(platform="x")
    battery = Topic.objects.create(name="laptop battery", phrases=["battery"])
    customer_messages(account, battery, now - timedelta(minutes=1), 12)

    raised = alerts.detect_spikes(now).raised

    payloads = [d.payload["alert"] for d in WebhookDelivery.objects.filter(event="alert.raised")]
    assert sorted(p["id"] for p in payloads) == sorted(a.pk for a in raised)
    topic_alert = next(p for p in payloads if p["kind"] == "topic")
    assert (topic_alert["topic"], topic_alert["count"]) == ("laptop battery", 12)
    # The CARE_ALERT_WEBHOOK_URL body is unchanged in shape.
    assert json.loads(alerts.webhook_body(raised[0]))["alert"]["id"] == raised[0].pk


# --- Replay -----------------------------------------------------------------------------------


def test_a_replay_sends_the_same_event_id_again(
    receiver, supervisor, eager_tasks, django_capture_on_commit_callbacks
):
    subscription = subscribe(receiver, "message.received")
    with django_capture_on_commit_callbacks(execute=True):
        emit("message.received", {"message": {"id": 7}})
    delivery = WebhookDelivery.objects.get()

    with django_capture_on_commit_callbacks(execute=True):
        replay_webhook_delivery(delivery=delivery, by=supervisor.user)

    first, again = receiver.received
    assert first.headers["X-Care-Delivery"] == again.headers["X-Care-Delivery"]
    assert json.loads(first.body) == json.loads(again.body)
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == ("delivered", 1)
    assert AuditEvent.objects.filter(
        verb="webhook_replayed", target_id=str(subscription.pk), actor=supervisor.user
    ).exists()


def test_a_failed_delivery_starts_its_tries_again_on_replay(receiver, settings, supervisor):
    settings.CARE_WEBHOOK_MAX_ATTEMPTS = 2
    subscribe(receiver, "message.received")
    receiver.state.codes = [500, 500]
    emit("message.received", {})
    delivery = WebhookDelivery.objects.get()
    send_webhook_delivery_task.apply(args=(delivery.pk,))
    delivery.refresh_from_db()
    assert delivery.status == "failed"

    replay_webhook_delivery(delivery=delivery, by=supervisor.user)
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.last_error) == ("pending", 0, "")
    send_webhook_delivery_task.apply(args=(delivery.pk,))

    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == ("delivered", 1)


def test_the_replay_button_posts_through_the_page(
    receiver, login, supervisor, eager_tasks, django_capture_on_commit_callbacks
):
    subscription = subscribe(receiver, "message.received")
    with django_capture_on_commit_callbacks(execute=True):
        emit("message.received", {})
    delivery = WebhookDelivery.objects.get()
    client = login(supervisor)
    url = reverse("settings:webhook-replay", args=[delivery.pk])

    assert client.get(url).status_code == 405
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url)

    assert response.status_code == 302
    assert response.url == reverse("settings:webhook", args=[subscription.pk])
    assert len(receiver.received) == 2


def test_a_paused_subscription_cannot_be_replayed_or_pinged(receiver, supervisor):
    subscription = subscribe(receiver, "message.received")
    emit("message.received", {})
    set_webhook_active(subscription=subscription, active=False, by=None)
    with pytest.raises(CareError):
        replay_webhook_delivery(delivery=WebhookDelivery.objects.get(), by=supervisor.user)
    with pytest.raises(CareError):
        send_test_event(subscription=subscription, by=supervisor.user)


# --- Settings → Webhooks ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "name", ["settings:webhooks", "settings:webhook", "settings:webhook-delete"]
)
def test_agents_are_refused(login, agent, receiver, name):
    subscription = subscribe(receiver, "message.received")
    args = [subscription.pk] if name != "settings:webhooks" else []
    assert login(agent).get(reverse(name, args=args)).status_code == 403


def test_agents_cannot_create_or_replay(login, agent, receiver):
    subscription = subscribe(receiver, "message.received")
    emit("message.received", {})
    client = login(agent)
    response = client.post(
        reverse("settings:webhooks"),
        {"name": "X", "url": "https://example.com/h", "events": ["reply.sent"]},
    )
    assert response.status_code == 403
    replay = reverse("settings:webhook-replay", args=[WebhookDelivery.objects.get().pk])
    assert client.post(replay).status_code == 403
    assert client.post(reverse("settings:webhook-pause", args=[subscription.pk])).status_code == 403
    assert WebhookSubscription.objects.count() == 1


@pytest.mark.parametrize("persona", ["supervisor", "admin_agent"])
def test_supervisors_and_admins_see_the_pages(request, login, receiver, persona):
    who = request.getfixturevalue(persona)
    subscription = subscribe(receiver, "message.received")
    client = login(who)
    assert client.get(reverse("settings:webhooks")).status_code == 200
    assert client.get(reverse("settings:webhook", args=[subscription.pk])).status_code == 200
    index = client.get(reverse("settings:index")).content.decode()
    assert reverse("settings:webhooks") in index


def test_the_settings_index_hides_the_link_from_agents(login, agent):
    assert (
        reverse("settings:webhooks")
        not in login(agent).get(reverse("settings:index")).content.decode()
    )


def test_anonymous_visitors_are_sent_to_the_login_page(client):
    response = client.get(reverse("settings:webhooks"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_the_secret_is_shown_once_and_stored_encrypted(login, supervisor, receiver):
    client = login(supervisor)
    response = client.post(
        reverse("settings:webhooks"),
        {"name": "CRM", "url": receiver.url, "events": ["message.received", "reply.sent"]},
    )
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"] or "no-cache" in response["Cache-Control"]
    secret = re.search(r"<code data-new-secret>([^<]+)</code>", response.content.decode())
    assert secret is not None
    secret_text = secret.group(1)
    subscription = WebhookSubscription.objects.get()
    assert subscription.secret == secret_text
    assert subscription.events == ["message.received", "reply.sent"]
    assert secret_text not in subscription.secret_ciphertext
    assert secret_text not in repr(subscription)
    for page in (
        reverse("settings:webhooks"),
        reverse("settings:webhook", args=[subscription.pk]),
    ):
        assert secret_text not in client.get(page).content.decode()
    assert AuditEvent.objects.filter(verb="webhook_created", actor=supervisor.user).exists()


@pytest.mark.parametrize(
    "url", ["ftp://example.com/hook", "file:///etc/passwd", "javascript:alert(1)", "not a url"]
)
def test_only_http_and_https_addresses_are_accepted(login, supervisor, url):
    response = login(supervisor).post(
        reverse("settings:webhooks"), {"name": "Bad", "url": url, "events": ["reply.sent"]}
    )
    assert response.status_code == 200
    assert "data-new-secret" not in response.content.decode()
    assert not WebhookSubscription.objects.exists()
    with pytest.raises(CareError):
        create_webhook_subscription(name="Bad", url=url, events=["reply.sent"], by=None)


def test_unknown_events_and_no_events_are_refused():
    with pytest.raises(CareError):
        create_webhook_subscription(
            name="X", url="https://example.com/", events=["ticket.created"], by=None
        )
    with pytest.raises(CareError):
        create_webhook_subscription(name="X", url="https://example.com/", events=[], by=None)


def test_pause_resume_and_test_event_from_the_page(
    login, supervisor, receiver, eager_tasks, django_capture_on_commit_callbacks
):
    subscription = subscribe(receiver, "message.received")
    client = login(supervisor)

    client.post(reverse("settings:webhook-pause", args=[subscription.pk]))
    subscription.refresh_from_db()
    assert not subscription.is_active
    client.post(reverse("settings:webhook-resume", args=[subscription.pk]))
    subscription.refresh_from_db()
    assert subscription.is_active
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("settings:webhook-test", args=[subscription.pk]))

    assert [r.headers["X-Care-Event"] for r in receiver.received] == ["ping"]
    page = client.get(reverse("settings:webhook", args=[subscription.pk])).content.decode()
    assert "ping" in page and "Delivered" in page
    verbs = set(AuditEvent.objects.values_list("verb", flat=True))
    assert {"webhook_paused", "webhook_resumed"} <= verbs


def test_the_delivery_log_is_newest_first(login, supervisor, receiver):
    subscription = subscribe(receiver, "message.received")
    emit("message.received", {})
    WebhookDelivery.objects.update(created_at=timezone.now() - timedelta(hours=1))
    newest = send_test_event(subscription=subscription, by=None)
    page = login(supervisor).get(reverse("settings:webhook", args=[subscription.pk]))
    log = list(page.context["page"].object_list)
    assert log[0] == newest and log[1].event == "message.received"


def test_delete_asks_then_removes_the_subscription_and_its_log(login, supervisor, receiver):
    subscription = subscribe(receiver, "message.received")
    emit("message.received", {})
    client = login(supervisor)
    url = reverse("settings:webhook-delete", args=[subscription.pk])

    assert "Delete the webhook" in client.get(url).content.decode()
    assert WebhookSubscription.objects.exists()
    response = client.post(url)

    assert response.status_code == 302
    assert not WebhookSubscription.objects.exists()
    assert not WebhookDelivery.objects.exists()
    assert AuditEvent.objects.filter(verb="webhook_deleted", actor=supervisor.user).exists()
    assert emit("message.received", {}) == 0


def test_the_secret_is_rotated_with_the_encryption_keys(settings):
    from cryptography.fernet import Fernet
    from django.core.management import call_command

    subscription, secret = create_webhook_subscription(
        name="CRM", url="https://example.com/", events=["reply.sent"], by=None
    )
    new_key = Fernet.generate_key().decode()
    settings.CARE_ENCRYPTION_KEYS = [new_key, *settings.CARE_ENCRYPTION_KEYS]
    call_command("rotate_credentials")
    settings.CARE_ENCRYPTION_KEYS = [new_key]
    assert WebhookSubscription.objects.get(pk=subscription.pk).secret == secret


def test_a_delivery_whose_task_was_lost_is_sent_by_the_relay(receiver, eager_tasks):
    from datetime import timedelta

    from django.utils import timezone

    from care.outbound_webhooks import relay_webhook_deliveries

    subscribe(receiver, "message.received")
    emit("message.received", {"message": {"id": 7}})  # Redis was down: no task, no commit hook
    delivery = WebhookDelivery.objects.get()
    assert relay_webhook_deliveries() == 0  # too soon: its task may still be on its way
    later = timezone.now() + timedelta(minutes=3)
    assert relay_webhook_deliveries(now=later) == 1
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == ("delivered", 1)
    assert len(receiver.received) == 1
    assert relay_webhook_deliveries(now=later) == 0  # delivered: never sent twice


def test_the_relay_waits_for_a_retry_s_backoff_before_taking_it_for_lost(receiver, eager_tasks):
    from datetime import timedelta

    from django.utils import timezone

    from care.outbound_webhooks import RELAY_GRACE_SECONDS, relay_webhook_deliveries

    subscribe(receiver, "message.received")
    receiver.state.codes = [500]
    emit("message.received", {})
    delivery = WebhookDelivery.objects.get()
    with pytest.raises(WebhookAttemptFailed):
        send_webhook_delivery(delivery_id=delivery.pk)  # its retry is due 10 s later
    tried = WebhookDelivery.objects.get().last_attempt_at
    assert tried is not None
    # Its retry may still be waiting in a worker: left alone.
    assert relay_webhook_deliveries(now=tried + timedelta(seconds=RELAY_GRACE_SECONDS)) == 0
    # Long past it: the retry was lost with its worker, and the relay makes it.
    late = max(timezone.now(), tried) + timedelta(seconds=10 + RELAY_GRACE_SECONDS + 1)
    assert relay_webhook_deliveries(now=late) == 1
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == ("delivered", 2)
