"""/webhooks/facebook and /webhooks/x: verified, kept, processed once, dead letters."""

from __future__ import annotations

import hashlib
import hmac
import json
from pathlib import Path

import pytest
from django.test import Client

from inbox.models import Message, WebhookDelivery
from inbox.services.webhooks import process_webhook_delivery
from tests.factories import ChannelAccountFactory

pytestmark = pytest.mark.django_db
FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "facebook"
SECRET = "app-secret"


@pytest.fixture(autouse=True)
def _secrets(settings):
    settings.FACEBOOK_APP_SECRET = SECRET
    settings.FACEBOOK_VERIFY_TOKEN = "verify-me"
    settings.X_CONSUMER_SECRET = "consumer-secret"
    # Profile look-ups fail at once here (nothing listens): the message is stored anyway.
    settings.GRAPH_API_BASE_URL = "http://127.0.0.1:9/graph"


@pytest.fixture
def page():
    account = ChannelAccountFactory.create(platform="facebook", external_id="12345654332")
    account.set_credentials({"page_access_token": "t"})
    account.save()
    return account


def signed(body: bytes, secret: str = SECRET) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def post(body: bytes, signature: str | None = None):
    return Client().post(
        "/webhooks/facebook",
        data=body,
        content_type="application/json",
        headers={"X-Hub-Signature-256": signature if signature is not None else signed(body)},
    )


def messenger_body() -> bytes:
    return (FIXTURES / "messaging-message-basic.json").read_bytes()


def test_the_subscription_handshake_echoes_the_challenge():
    ok = Client().get(
        "/webhooks/facebook",
        {"hub.mode": "subscribe", "hub.verify_token": "verify-me", "hub.challenge": "1158201444"},
    )
    wrong = Client().get(
        "/webhooks/facebook",
        {"hub.mode": "subscribe", "hub.verify_token": "guess", "hub.challenge": "1158201444"},
    )

    assert (ok.status_code, ok.content) == (200, b"1158201444")
    assert wrong.status_code == 403


def test_a_signed_delivery_is_kept_and_its_message_stored(
    page, eager_tasks, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = post(messenger_body())

    assert response.status_code == 200
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == WebhookDelivery.Status.PROCESSED
    assert delivery.body == messenger_body().decode()
    message = Message.objects.get()
    assert (message.text, message.kind) == ("hello, world!", "messenger")


def test_a_bad_signature_is_refused_and_nothing_is_stored(page):
    response = post(messenger_body(), signature=signed(messenger_body(), "wrong"))

    assert response.status_code == 403
    assert not WebhookDelivery.objects.exists()
    assert not Message.objects.exists()


def test_a_missing_signature_is_refused(page):
    assert post(messenger_body(), signature="").status_code == 403


def test_a_malformed_body_gets_400_and_is_kept_as_a_dead_letter(page):
    body = b'{"object": "page", "entry": '

    response = post(body)

    assert response.status_code == 400
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == WebhookDelivery.Status.DEAD
    assert delivery.body == body.decode()
    assert "not JSON" in delivery.error


def test_a_delivery_sent_three_times_stores_one_message(
    page, eager_tasks, django_capture_on_commit_callbacks
):
    for _ in range(3):
        with django_capture_on_commit_callbacks(execute=True):
            assert post(messenger_body()).status_code == 200

    assert WebhookDelivery.objects.count() == 3
    assert Message.objects.count() == 1


def test_processing_a_delivery_twice_changes_nothing(page):
    post(messenger_body())
    delivery = WebhookDelivery.objects.get()

    first = process_webhook_delivery(delivery_id=delivery.pk)
    second = process_webhook_delivery(delivery_id=delivery.pk)

    assert (first.stored, second.stored) == (1, 0)
    assert Message.objects.count() == 1


def test_a_delivery_for_an_unknown_page_is_acknowledged_and_logged(
    eager_tasks, django_capture_on_commit_callbacks, caplog
):
    with django_capture_on_commit_callbacks(execute=True):
        response = post(messenger_body())

    assert response.status_code == 200
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == WebhookDelivery.Status.IGNORED
    assert "12345654332" in delivery.error
    assert "unknown account" in caplog.text


def test_a_processing_failure_keeps_the_delivery_for_retry_then_dead_letter(page, monkeypatch):
    from inbox.services import webhooks

    post(messenger_body())
    delivery = WebhookDelivery.objects.get()
    monkeypatch.setattr(webhooks, "ingest_events", _explode)

    for _ in range(webhooks.MAX_ATTEMPTS):
        with pytest.raises(RuntimeError):
            process_webhook_delivery(delivery_id=delivery.pk)

    delivery.refresh_from_db()
    assert delivery.status == WebhookDelivery.Status.DEAD
    assert "database went away" in delivery.error
    assert not Message.objects.exists()


def test_a_replayed_dead_letter_is_processed(
    page, supervisor, monkeypatch, eager_tasks, django_capture_on_commit_callbacks
):
    from inbox.services import webhooks

    post(messenger_body())
    delivery = WebhookDelivery.objects.get()
    WebhookDelivery.objects.filter(pk=delivery.pk).update(status="dead", error="bug")
    delivery.refresh_from_db()

    with django_capture_on_commit_callbacks(execute=True):
        webhooks.replay_webhook_delivery(delivery=delivery, by=supervisor.user)

    delivery.refresh_from_db()
    assert delivery.status == WebhookDelivery.Status.PROCESSED
    assert Message.objects.count() == 1


def test_a_lost_task_is_relayed(page, eager_tasks):
    from datetime import timedelta

    from django.utils import timezone

    from inbox.services.webhooks import relay_stuck_deliveries

    post(messenger_body())  # no on_commit run: the task was never enqueued
    WebhookDelivery.objects.update(enqueued_at=timezone.now() - timedelta(minutes=15))

    assert relay_stuck_deliveries() == 1
    assert Message.objects.count() == 1


def test_a_delivery_waiting_in_a_long_queue_is_not_sent_again(page):
    from inbox.services.webhooks import relay_stuck_deliveries

    post(messenger_body())  # its task is queued (never run here): just enqueued

    assert relay_stuck_deliveries() == 0
    assert WebhookDelivery.objects.get().status == WebhookDelivery.Status.RECEIVED


def test_a_new_messenger_customer_is_looked_up_once_not_per_duplicate(
    page, eager_tasks, django_capture_on_commit_callbacks, monkeypatch
):
    from inbox.channels.base import InboundAuthor
    from inbox.channels.facebook import FacebookAdapter

    calls = []

    def lookup(self, *, external_ids):
        calls.append(set(external_ids))
        return {i: InboundAuthor(external_id=i, name="Citra Dewi") for i in external_ids}

    monkeypatch.setattr(FacebookAdapter, "lookup_customers", lookup)
    for _ in range(3):
        with django_capture_on_commit_callbacks(execute=True):
            post(messenger_body())

    assert calls == [{"987654321432"}]
    identity = Message.objects.get().author_identity
    assert identity is not None and identity.name == "Citra Dewi"


def test_a_throttled_profile_lookup_stores_the_message_and_waits(
    page, eager_tasks, django_capture_on_commit_callbacks, monkeypatch
):
    from inbox.channels.base import ChannelError
    from inbox.channels.facebook import FacebookAdapter

    def throttled(self, *, external_ids):
        raise ChannelError("Facebook rate limit: (#32) Page request limit reached", retry_after=600)

    monkeypatch.setattr(FacebookAdapter, "lookup_customers", throttled)
    with django_capture_on_commit_callbacks(execute=True):
        post(messenger_body())

    page.refresh_from_db()
    assert Message.objects.count() == 1
    assert page.rate_limited_until is not None


def test_x_crc_check_is_answered_with_the_consumer_secret():
    response = Client().get("/webhooks/x", {"crc_token": "abc"})

    assert response.status_code == 200
    assert response.json()["response_token"].startswith("sha256=")


def test_an_x_delivery_with_a_bad_signature_is_refused():
    body = json.dumps({"for_user_id": "1"}).encode()
    response = Client().post(
        "/webhooks/x",
        data=body,
        content_type="application/json",
        headers={"X-Twitter-Webhooks-Signature": "sha256=AAAA"},
    )

    assert response.status_code == 403
    assert not WebhookDelivery.objects.exists()


def _explode(**kwargs):
    raise RuntimeError("database went away")


@pytest.mark.django_db(transaction=True)
def test_the_simulators_signed_deliveries_flow_into_the_inbox(live_server, settings, eager_tasks):
    """End to end: the simulator posts real-shaped, signed webhooks to the running app."""
    from dataclasses import replace

    from inbox.services.channels import connect_channel
    from simulator.core import SimConfig
    from simulator.server import start_in_thread

    running = start_in_thread(
        replace(SimConfig(), facebook_webhook_url=f"{live_server.url}/webhooks/facebook")
    )
    try:
        config = running.sim.config
        settings.GRAPH_API_BASE_URL = running.graph_base_url
        settings.FACEBOOK_APP_SECRET = config.fb_app_secret
        connect_channel(
            platform="facebook",
            external_id=config.fb_page_id,
            name=config.fb_page_name,
            credentials={"page_access_token": config.fb_page_token},
            by=None,
        )
        facebook = running.facebook
        comment = facebook.add_comment(
            message="Kapan refund saya cair?", author={"id": "7001", "name": "Ani"}
        )
        facebook.edit_comment(comment_id=comment["id"], message="Kapan refund saya cair??")
        facebook.add_messenger_message(text="Halo min", sender={"id": "8001", "name": "Citra Dewi"})
        facebook.webhooks.flush(10)

        stored = Message.objects.get(external_id=comment["id"])
        assert stored.text == "Kapan refund saya cair??"
        assert [v["text"] for v in stored.previous_texts] == ["Kapan refund saya cair?"]
        messenger = Message.objects.get(kind="messenger")
        assert messenger.author_identity is not None
        assert messenger.author_identity.name == "Citra Dewi"  # looked up by PSID
        assert WebhookDelivery.objects.filter(status="processed").exists()
    finally:
        running.stop()


def test_with_the_broker_down_a_delivery_still_gets_200_and_waits_for_the_relay(
    page, monkeypatch, django_capture_on_commit_callbacks, caplog
):
    from kombu.exceptions import OperationalError

    from inbox.tasks import process_webhook_delivery_task

    def broker_down(*args):
        raise OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr(process_webhook_delivery_task, "apply_async", broker_down)

    with django_capture_on_commit_callbacks(execute=True):
        response = post(messenger_body())

    assert response.status_code == 200
    assert WebhookDelivery.objects.get().status == WebhookDelivery.Status.RECEIVED
    assert "the relay will" in caplog.text
