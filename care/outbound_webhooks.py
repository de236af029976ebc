"""Outbound webhooks: other tools subscribe to events and get a signed POST for each.

What it guarantees (docs/webhooks.md):

* `emit` runs inside the caller's transaction: a rolled-back change tells nobody, and a
  committed one has its deliveries stored before any POST is tried;
* while no active subscription listens to an event, `emit` costs a lookup in a
  process-local set (refreshed every SUBSCRIBED_TTL seconds), not a query;
* each delivery keeps one event id through retries and replays (X-Care-Delivery), so a
  receiver can drop what it has already seen;
* a failed POST (network error, non-2xx) is tried again 10 s, 30 s, 90 s … later, up to
  CARE_WEBHOOK_MAX_ATTEMPTS tries; each try is recorded on the delivery.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import secrets
import time
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.contrib.auth.models import AnonymousUser, User
from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.core.validators import URLValidator
from django.db import transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from care import crypto
from care.audit import record_audit
from care.errors import CareError
from care.models import WebhookDelivery, WebhookSubscription

if TYPE_CHECKING:
    from inbox.models import Conversation

log = logging.getLogger(__name__)

EVENTS = {
    "conversation.created": gettext_lazy("A conversation is opened"),
    "message.received": gettext_lazy("A customer message arrives"),
    "reply.sent": gettext_lazy("A reply is posted on the platform"),
    "conversation.escalated": gettext_lazy("A conversation is escalated to a department"),
    "sla.breached": gettext_lazy("An SLA target is missed"),
    "alert.raised": gettext_lazy("An early-warning alert is raised"),
}
# Sent by "Send a test event" only; nobody subscribes to it.
PING = "ping"
# Another process sees a new, paused or resumed subscription this many seconds later at most.
SUBSCRIBED_TTL = 5.0
TIMEOUT_SECONDS = 10
BACKOFF_FIRST_SECONDS = 10
BACKOFF_FACTOR = 3
BACKOFF_MAX_SECONDS = 3600
# A pending try this late is taken for lost (relay_webhook_deliveries).
RELAY_GRACE_SECONDS = 120
Status = WebhookDelivery.Status

Payload = dict[str, Any]


class WebhookAttemptFailed(Exception):
    """This try failed and tries remain: the task asks Celery for another in `retry_in` s."""

    def __init__(self, message: str, *, retry_in: int) -> None:
        super().__init__(message)
        self.retry_in = retry_in


# --- Signing --------------------------------------------------------------------------------


def sign(body: bytes, secret: str, timestamp: int) -> str:
    """HMAC-SHA256 over "timestamp.body", as the receiving tool recomputes it."""
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"t={timestamp},v1={mac.hexdigest()}"


# --- Emitting -------------------------------------------------------------------------------

_subscribed: tuple[float, frozenset[str]] = (0.0, frozenset())


def subscribed_events() -> frozenset[str]:
    """The events some active subscription listens to, at most SUBSCRIBED_TTL old.

    Process-local on purpose: ingest asks once per batch at thousands of messages a
    second, and a dictionary lookup costs nothing where even a Redis GET would not.
    """
    global _subscribed
    expires, events = _subscribed
    if time.monotonic() < expires:
        return events
    events = frozenset(
        event
        for listened in WebhookSubscription.objects.filter(is_active=True).values_list(
            "events", flat=True
        )
        for event in listened
    )
    _subscribed = (time.monotonic() + SUBSCRIBED_TTL, events)
    return events


def forget_subscribed_events() -> None:
    """This process sees a subscription change at once (after commit, too: another
    request must not cache the set as it was before the change)."""
    global _subscribed
    _subscribed = (0.0, frozenset())


def _changed() -> None:
    forget_subscribed_events()
    transaction.on_commit(forget_subscribed_events)


def emit(event: str, payload: Payload) -> int:
    """One delivery per active subscription to `event`, sent after commit: how many."""
    return emit_many(event, [payload])


def emit_many(event: str, payloads: Sequence[Payload]) -> int:
    """`emit` for a batch (ingest): one INSERT for all the deliveries."""
    if not payloads or event not in subscribed_events():
        return 0
    # Few subscriptions, and JSON "contains" differs per database: filtered here.
    listeners = [
        subscription
        for subscription in WebhookSubscription.objects.filter(is_active=True).only("events")
        if event in subscription.events
    ]
    deliveries = WebhookDelivery.objects.bulk_create(
        [
            WebhookDelivery(subscription=subscription, event=event, payload=payload)
            for subscription in listeners
            for payload in payloads
        ]
    )
    _send_on_commit([d.pk for d in deliveries])
    return len(deliveries)


def _send_on_commit(delivery_ids: list[int]) -> None:
    if not delivery_ids:
        return
    from care.tasks import queue_webhook_deliveries_task, send_webhook_delivery_task

    def send() -> None:
        try:
            if len(delivery_ids) == 1:
                send_webhook_delivery_task.delay(delivery_ids[0])
            else:
                # One message on the broker for a batch: publishing a task costs ~1-3 ms,
                # too much per message on the ingest path; a worker fans them out.
                queue_webhook_deliveries_task.delay(delivery_ids)
        except Exception:
            # The change is committed and must stay so; the deliveries stay pending in the
            # log, where a replay sends them.
            log.warning("could not queue webhook deliveries %s", delivery_ids, exc_info=True)

    transaction.on_commit(send)


def queue_webhook_deliveries(delivery_ids: Sequence[int]) -> int:
    """A task per delivery, so a slow receiver delays only its own; one broker connection."""
    from care.celery import app
    from care.tasks import send_webhook_delivery_task

    with app.producer_or_acquire() as producer:
        for pk in delivery_ids:
            send_webhook_delivery_task.apply_async((pk,), producer=producer)
    return len(delivery_ids)


def relay_webhook_deliveries(now: datetime | None = None, *, limit: int = 1000) -> int:
    """Queue again the pending deliveries whose task seems lost: Redis was down at
    commit, or a worker died holding a retry. "Lost" is a try that should have happened
    `RELAY_GRACE_SECONDS` ago. A duplicate of a task still alive posts nothing (each try
    is claimed). Returns how many were queued (beat, every minute)."""
    now = now or timezone.now()
    lost = [
        pk
        for pk, attempts, created_at, last_attempt_at in WebhookDelivery.objects.filter(
            status=Status.PENDING,
            subscription__is_active=True,
            created_at__lt=now - timedelta(seconds=RELAY_GRACE_SECONDS),
        )
        .order_by("created_at")
        .values_list("pk", "attempts", "created_at", "last_attempt_at")[:limit]
        if (last_attempt_at or created_at)
        + timedelta(seconds=(backoff(attempts) if attempts else 0) + RELAY_GRACE_SECONDS)
        < now
    ]
    if lost:
        queue_webhook_deliveries(lost)
    return len(lost)


def link(path: str) -> str:
    """A page of care, as the team opens it from another tool."""
    return settings.SITE_URL.rstrip("/") + path


def conversation_payload(conversation: Conversation) -> Payload:
    """How every event names a conversation: ids only, no query."""
    return {
        "id": conversation.pk,
        "url": link(reverse("inbox:conversation", args=[conversation.pk])),
        "status": conversation.status,
        "channel_account_id": conversation.channel_account_id,
        "customer_id": conversation.customer_id,
    }


# --- Sending ----------------------------------------------------------------------------------


def backoff(attempt: int) -> int:
    """Seconds to wait after the attempt-th try failed: 10, 30, 90, 270, 810, then at most
    an hour."""
    return int(min(BACKOFF_MAX_SECONDS, BACKOFF_FIRST_SECONDS * BACKOFF_FACTOR ** (attempt - 1)))


def webhook_body(delivery: WebhookDelivery) -> bytes:
    """The same bytes on every try: only the signature's timestamp changes."""
    envelope = {
        "id": str(delivery.event_id),
        "event": delivery.event,
        "created_at": delivery.created_at,  # as the payload's times: ISO 8601, in UTC
        "data": delivery.payload,
    }
    return json.dumps(envelope, separators=(",", ":"), cls=DjangoJSONEncoder).encode()


def send_webhook_delivery(*, delivery_id: int) -> WebhookDelivery | None:
    """One try at POSTing a pending delivery, recorded on it.

    Raises WebhookAttemptFailed while tries remain; after the last one the delivery is
    failed. A delivery already delivered or failed, or a try another worker has taken,
    is left alone: a duplicate task posts nothing.
    """
    import requests

    delivery = WebhookDelivery.objects.select_related("subscription").filter(pk=delivery_id).first()
    if delivery is None or delivery.status != Status.PENDING:
        return delivery
    subscription = delivery.subscription
    if not subscription.is_active:
        # Paused since the event: not sent now; a replay after resuming sends it.
        _record(delivery, Status.FAILED, error=_("Not sent: the subscription is paused."))
        return delivery
    try:
        secret = subscription.secret
    except crypto.CredentialsUnreadable:
        _record(
            delivery,
            Status.FAILED,
            error=_("The secret cannot be decrypted: check CARE_ENCRYPTION_KEYS."),
        )
        return delivery
    # Claim this try; a second task for the same delivery finds `attempts` moved on.
    now = timezone.now()
    claimed = WebhookDelivery.objects.filter(
        pk=delivery.pk, status=Status.PENDING, attempts=delivery.attempts
    ).update(attempts=F("attempts") + 1, last_attempt_at=now)
    if claimed != 1:
        return None
    delivery.attempts += 1
    delivery.last_attempt_at = now
    body = webhook_body(delivery)
    headers = {
        "Content-Type": "application/json",
        "User-Agent": "care-webhooks/1",
        "X-Care-Event": delivery.event,
        "X-Care-Delivery": str(delivery.event_id),
        "X-Care-Signature": sign(body, secret, int(time.time())),
    }
    code: int | None = None
    try:
        # No redirects: a 3xx is an answer to fix at the receiver, not a hop to follow.
        response = requests.post(
            subscription.url,
            data=body,
            headers=headers,
            timeout=TIMEOUT_SECONDS,
            allow_redirects=False,
        )
    except requests.RequestException as exc:
        error = f"{type(exc).__name__}: {exc}"
    else:
        code = response.status_code
        if 200 <= code < 300:
            _record(delivery, Status.DELIVERED, code=code)
            return delivery
        error = f"HTTP {code} {response.reason or ''}".strip()
    if delivery.attempts >= settings.CARE_WEBHOOK_MAX_ATTEMPTS:
        _record(delivery, Status.FAILED, code=code, error=error)
        return delivery
    _record(delivery, Status.PENDING, code=code, error=error)
    raise WebhookAttemptFailed(error, retry_in=backoff(delivery.attempts))


def _record(
    delivery: WebhookDelivery, status: str, *, code: int | None = None, error: str = ""
) -> None:
    delivery.status = status
    delivery.last_status_code = code
    delivery.last_error = error[:300]
    delivery.delivered_at = timezone.now() if status == Status.DELIVERED else None
    delivery.save(update_fields=["status", "last_status_code", "last_error", "delivered_at"])


# --- Managing subscriptions (Settings → Webhooks) ---------------------------------------------

Actor = User | AnonymousUser | None


def validate_webhook_url(url: str) -> str:
    """http or https only: no file:, ftp: or javascript: addresses."""
    url = url.strip()
    try:
        URLValidator(schemes=["http", "https"])(url)
    except ValidationError:
        raise CareError(_("Enter an http:// or https:// address."), code="bad_url") from None
    return url


@transaction.atomic
def create_webhook_subscription(
    *, name: str, url: str, events: Sequence[str], by: Actor
) -> tuple[WebhookSubscription, str]:
    """A new subscription; its secret is returned here and never again."""
    name = " ".join(name.split())
    if not name:
        raise CareError(_("Give the webhook a name."), code="empty")
    url = validate_webhook_url(url)
    unknown = set(events) - set(EVENTS)
    if unknown:
        raise CareError(
            _("Unknown event: %(events)s") % {"events": ", ".join(sorted(unknown))},
            code="bad_event",
        )
    if not events:
        raise CareError(_("Choose at least one event."), code="no_events")
    secret = "whsec_" + secrets.token_urlsafe(32)
    subscription = WebhookSubscription(
        name=name[:80],
        url=url,
        events=[event for event in EVENTS if event in events],
        created_by=by if isinstance(by, User) else None,
    )
    subscription.set_secret(secret)
    subscription.save()
    record_audit(
        actor=by, verb="webhook_created", target=subscription, url=url, events=subscription.events
    )
    _changed()
    return subscription, secret


@transaction.atomic
def set_webhook_active(
    *, subscription: WebhookSubscription, active: bool, by: Actor
) -> WebhookSubscription:
    """Pause (nothing more is sent, retries stop) or resume."""
    if subscription.is_active != active:
        subscription.is_active = active
        subscription.save(update_fields=["is_active"])
        record_audit(
            actor=by, verb="webhook_resumed" if active else "webhook_paused", target=subscription
        )
        _changed()
    return subscription


@transaction.atomic
def delete_webhook_subscription(*, subscription: WebhookSubscription, by: Actor) -> None:
    """Gone with its delivery log; the audit row keeps its name and address."""
    record_audit(
        actor=by,
        verb="webhook_deleted",
        target=subscription,
        url=subscription.url,
        deliveries=subscription.deliveries.count(),
    )
    subscription.delete()
    _changed()


def _refuse_paused(subscription: WebhookSubscription) -> None:
    if not subscription.is_active:
        raise CareError(_("Resume the webhook first."), code="paused")


@transaction.atomic
def send_test_event(*, subscription: WebhookSubscription, by: Actor) -> WebhookDelivery:
    """A "ping" to this subscription alone, logged like any delivery."""
    _refuse_paused(subscription)
    delivery = WebhookDelivery.objects.create(
        subscription=subscription,
        event=PING,
        payload={"webhook": {"id": subscription.pk, "name": subscription.name}},
    )
    _send_on_commit([delivery.pk])
    return delivery


@transaction.atomic
def replay_webhook_delivery(*, delivery: WebhookDelivery, by: Actor) -> WebhookDelivery:
    """Send the delivery again, with the same event id, from the first try."""
    _refuse_paused(delivery.subscription)
    delivery.status = Status.PENDING
    delivery.attempts = 0
    delivery.last_status_code = None
    delivery.last_error = ""
    delivery.delivered_at = None
    delivery.save(
        update_fields=["status", "attempts", "last_status_code", "last_error", "delivered_at"]
    )
    record_audit(
        actor=by,
        verb="webhook_replayed",
        target=delivery.subscription,
        delivery=delivery.pk,
        event=delivery.event,
        event_id=str(delivery.event_id),
    )
    _send_on_commit([delivery.pk])
    return delivery
