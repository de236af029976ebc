"""Webhook deliveries: verified on the raw body, stored durably, processed by a task.

The endpoint answers fast and does little: check the signature (mismatch → 403,
nothing stored), keep the body exactly as it came, enqueue its processing. Processing
is idempotent: the same delivery processed twice, or delivered three times, stores
each message once.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
from dataclasses import dataclass, replace
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AnonymousUser, User
from django.utils import timezone

from care.audit import record_audit
from care.queue import enqueue_on_commit, resend_silent
from inbox.channels.base import ChannelAdapter, ChannelError, InboundEvent, adapter_for
from inbox.models import ChannelAccount, CustomerIdentity, Platform, WebhookDelivery
from inbox.services.ingest import IngestResult, ingest_events

log = logging.getLogger(__name__)
Status = WebhookDelivery.Status
# Headers kept with a delivery, for inspecting dead letters (never the whole request).
KEPT_HEADERS = ("Content-Type", "User-Agent", "X-Hub-Signature-256", "X-Twitter-Webhooks-Signature")
# After this many failed processing attempts a delivery becomes a dead letter.
MAX_ATTEMPTS = 5


class MalformedWebhook(Exception):
    """The body is not the JSON a platform sends; kept as a dead letter."""


# --- verification ------------------------------------------------------------------------
def _hmac_sha256(secret: str, body: bytes) -> bytes:
    return hmac.new(secret.encode(), body, hashlib.sha256).digest()


def facebook_signature_is_valid(*, body: bytes, header: str) -> bool:
    """X-Hub-Signature-256: "sha256=" + hex HMAC-SHA256 of the raw body with the app secret."""
    secret = settings.FACEBOOK_APP_SECRET
    if not secret or not header.startswith("sha256="):
        return False
    expected = "sha256=" + _hmac_sha256(secret, body).hex()
    return hmac.compare_digest(expected, header)


def x_signature_is_valid(*, body: bytes, header: str) -> bool:
    """x-twitter-webhooks-signature: "sha256=" + base64 HMAC-SHA256 with the consumer secret."""
    secret = settings.X_CONSUMER_SECRET
    if not secret or not header.startswith("sha256="):
        return False
    expected = "sha256=" + base64.b64encode(_hmac_sha256(secret, body)).decode()
    return hmac.compare_digest(expected, header)


def x_crc_response(crc_token: str) -> dict[str, str]:
    """X's challenge-response check, answered with the consumer secret."""
    digest = _hmac_sha256(settings.X_CONSUMER_SECRET, crc_token.encode())
    return {"response_token": "sha256=" + base64.b64encode(digest).decode()}


def facebook_challenge(*, mode: str, verify_token: str, challenge: str) -> str | None:
    """The subscription handshake: echo the challenge only for our verify token."""
    expected = settings.FACEBOOK_VERIFY_TOKEN
    if mode == "subscribe" and expected and hmac.compare_digest(verify_token, expected):
        return challenge
    return None


# --- receiving ---------------------------------------------------------------------------
def receive_webhook(*, platform: str, body: bytes, headers: Any) -> WebhookDelivery:
    """Keep a verified delivery and enqueue its processing after commit.

    A body that is not a JSON object is kept as a dead letter and MalformedWebhook is
    raised, so the endpoint answers 400.
    """
    from inbox.tasks import process_webhook_delivery_task

    kept = {name: headers.get(name, "") for name in KEPT_HEADERS if headers.get(name)}
    text = body.decode("utf-8", errors="replace")
    problem = _malformed(platform, body)
    delivery = WebhookDelivery.objects.create(
        platform=platform,
        body=text,
        headers=kept,
        status=Status.DEAD if problem else Status.RECEIVED,
        error=problem or "",
    )
    if problem:
        log.warning(
            "malformed %s webhook kept as dead letter %s: %s", platform, delivery.pk, problem
        )
        raise MalformedWebhook(problem)
    enqueue_on_commit(process_webhook_delivery_task, delivery.pk)
    return delivery


def _malformed(platform: str, body: bytes) -> str | None:
    try:
        payload = json.loads(body)
    except (ValueError, UnicodeDecodeError) as exc:
        return f"not JSON: {exc}"
    if not isinstance(payload, dict):
        return "not a JSON object"
    if platform == Platform.FACEBOOK and not isinstance(payload.get("entry"), list):
        return "no entry list"
    if platform == Platform.X and "for_user_id" not in payload:
        return "no for_user_id"
    return None


# --- processing ----------------------------------------------------------------------------
@dataclass
class ProcessOutcome:
    stored: int = 0
    unknown_accounts: tuple[str, ...] = ()


def process_webhook_delivery(*, delivery_id: int) -> ProcessOutcome:
    """Ingest one stored delivery. Repeating it changes nothing."""
    delivery = WebhookDelivery.objects.get(pk=delivery_id)
    if delivery.status != Status.RECEIVED:
        return ProcessOutcome()
    payload = json.loads(delivery.body)
    account_ids = _addressed_accounts(delivery.platform, payload)
    accounts = {
        a.external_id: a
        for a in ChannelAccount.objects.filter(
            platform=delivery.platform, external_id__in=account_ids
        )
    }
    unknown = tuple(sorted(set(account_ids) - set(accounts)))
    if unknown:
        # Acknowledged (the platform must not retry for 36 hours) and logged.
        log.warning("%s webhook for unknown account(s) %s", delivery.platform, ", ".join(unknown))
    total = IngestResult()
    try:
        for account in accounts.values():
            adapter = adapter_for(account)
            events = _with_profiles(adapter, adapter.parse_webhook(payload))
            total += ingest_events(account=account, events=events)
    except Exception as exc:
        # Kept for the retry; after MAX_ATTEMPTS it is a dead letter a supervisor can replay.
        attempts = delivery.attempts + 1
        WebhookDelivery.objects.filter(pk=delivery.pk).update(
            attempts=attempts,
            error=f"{exc.__class__.__name__}: {exc}"[:2000],
            status=Status.DEAD if attempts >= MAX_ATTEMPTS else Status.RECEIVED,
        )
        raise
    WebhookDelivery.objects.filter(pk=delivery.pk, status=Status.RECEIVED).update(
        status=Status.PROCESSED if accounts else Status.IGNORED,
        processed_at=timezone.now(),
        attempts=delivery.attempts + 1,
        events_stored=total.stored,
        error=f"unknown account(s): {', '.join(unknown)}" if unknown else "",
    )
    return ProcessOutcome(stored=total.stored, unknown_accounts=unknown)


def _with_profiles(adapter: ChannelAdapter, events: list[InboundEvent]) -> list[InboundEvent]:
    """Fill in the names of customers seen for the first time, so agents see who writes.

    One profile call per new customer, never while the account is rate limited: the
    Page's call budget belongs to the replies first. Polling Messenger conversations
    brings names too, so a customer left nameless here gets one later.
    """
    account = adapter.account
    if account.rate_limited_until and account.rate_limited_until > timezone.now():
        return events
    nameless = {e.customer.external_id for e in events if e.customer and not e.customer.name}
    if not nameless:
        return events
    new = nameless - set(
        CustomerIdentity.objects.filter(
            platform=adapter.platform, external_id__in=nameless
        ).values_list("external_id", flat=True)
    )
    if not new:
        return events
    try:
        profiles = adapter.lookup_customers(external_ids=new)
    except ChannelError as exc:
        # A name is a nicety: the message is stored with the bare id, never held back.
        log.warning("no profile for new customers of %s: %s", account, exc)
        if exc.retry_after is not None:
            ChannelAccount.objects.filter(pk=account.pk).update(
                rate_limited_until=timezone.now() + timedelta(seconds=exc.retry_after)
            )
        return events
    return [
        replace(e, customer=profiles[e.customer.external_id])
        if e.customer and e.customer.external_id in profiles
        else e
        for e in events
    ]


def _addressed_accounts(platform: str, payload: dict[str, Any]) -> list[str]:
    if platform == Platform.FACEBOOK:
        return [str(entry.get("id")) for entry in payload.get("entry", []) if entry.get("id")]
    return [str(payload.get("for_user_id"))]


def replay_webhook_delivery(
    *, delivery: WebhookDelivery, by: User | AnonymousUser | None
) -> WebhookDelivery:
    """Process a dead letter again, e.g. after the bug that killed it was fixed."""
    from inbox.tasks import process_webhook_delivery_task

    problem = _malformed(delivery.platform, delivery.body.encode())
    delivery.status = Status.DEAD if problem else Status.RECEIVED
    delivery.error = problem or ""
    delivery.attempts = 0
    delivery.enqueued_at = timezone.now()
    delivery.save(update_fields=["status", "error", "attempts", "enqueued_at"])
    record_audit(actor=by, verb="webhook_replayed", target=delivery)
    if not problem:
        enqueue_on_commit(process_webhook_delivery_task, delivery.pk)
    return delivery


def relay_stuck_deliveries(*, older_than: timedelta = timedelta(minutes=10)) -> int:
    """Enqueue again deliveries whose task was lost (broker down, worker killed)."""
    from inbox.tasks import process_webhook_delivery_task

    waiting = WebhookDelivery.objects.filter(status=Status.RECEIVED)
    return resend_silent(waiting, process_webhook_delivery_task, older_than=older_than)
