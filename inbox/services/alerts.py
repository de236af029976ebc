"""Early warning: a sudden spike in one topic or on one channel reaches the supervisors.

Celery beat runs `detect_spikes` every minute. It counts the customer messages of the
last window (15 minutes) per topic and per channel, compares each count with its usual
level for that time of the week (inbox/spikes.py: median and MAD of 36 past windows) and
raises a `VolumeAlert` for each spike: a banner in the inbox, a notification to the
supervisors, and a signed POST to `CARE_ALERT_WEBHOOK_URL` for other tools. An open alert
for the same topic or channel is updated rather than raised again. Supervisors group the
spike's conversations into an incident and answer them together with one personalised
template (drafts on each case, posted by "Replies").
"""

from __future__ import annotations

import json
import time
import uuid
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from care import outbound_webhooks
from care.audit import record_audit
from care.errors import CareError
from care.models import Agent
from care.outbound_webhooks import sign
from care.queue import enqueue_on_commit
from care.services import notify_role
from inbox import spikes
from inbox.models import Conversation, Incident, Message, VolumeAlert

Key = tuple[str, int]  # ("topic", topic id) or ("channel", channel account id)
NEIGHBOURS = 4  # windows either side of the same time of the week, in the history
REALERT_AFTER = timedelta(hours=1)


def _counted(since: datetime, until: datetime, via: str = "") -> Q:
    """Customer messages written in [since, until), spam left out; `via` reaches them
    from the message-topic table ("message__")."""
    return Q(
        **{
            f"{via}direction": Message.Direction.INBOUND,
            f"{via}platform_created_at__gte": since,
            f"{via}platform_created_at__lt": until,
        }
    ) & ~Q(**{f"{via}intent": "spam"})


def count_window(since: datetime, until: datetime) -> Counter[Key]:
    """Customer messages per topic and per channel in [since, until): two GROUP BYs."""
    counts: Counter[Key] = Counter()
    per_topic = (
        Message.topics.through.objects.filter(_counted(since, until, via="message__"))
        .values_list("topic_id")
        .annotate(n=Count("id"))
        .order_by()
    )
    counts.update({("topic", topic): n for topic, n in per_topic})
    per_channel = (
        Message.objects.filter(_counted(since, until))
        .values_list("channel_account_id")
        .annotate(n=Count("id"))
        .order_by()
    )
    counts.update({("channel", channel): n for channel, n in per_channel})
    return counts


def history(end: datetime, window: timedelta, weeks: int) -> dict[Key, list[int]]:
    """Per key, its counts in the same window of the week and NEIGHBOURS windows either
    side, over `weeks` past weeks (zeros included): one query per week and kind."""
    slots = 2 * NEIGHBOURS + 1
    counts: dict[Key, list[int]] = defaultdict(lambda: [0] * (slots * weeks))
    for week in range(1, weeks + 1):
        first = end - timedelta(weeks=week) - window * (NEIGHBOURS + 1)
        last = first + window * slots
        rows: Iterable[tuple[str, int, datetime]] = [
            ("topic", topic, at)
            for topic, at in Message.topics.through.objects.filter(
                _counted(first, last, via="message__")
            ).values_list("topic_id", "message__platform_created_at")
        ] + [
            ("channel", channel, at)
            for channel, at in Message.objects.filter(_counted(first, last)).values_list(
                "channel_account_id", "platform_created_at"
            )
        ]
        for kind, pk, at in rows:
            slot = int((at - first) / window)
            counts[(kind, pk)][(week - 1) * slots + slot] += 1
    return counts


@dataclass
class Detection:
    raised: list[VolumeAlert]
    updated: list[VolumeAlert]


def detect_spikes(now: datetime | None = None) -> Detection:
    now = now or timezone.now()
    window = timedelta(minutes=settings.CARE_SPIKE_WINDOW_MINUTES)
    current = count_window(now - window, now)
    if not current:
        return Detection([], [])
    past = history(now, window, settings.CARE_SPIKE_WEEKS)
    slots = (2 * NEIGHBOURS + 1) * settings.CARE_SPIKE_WEEKS
    raised: list[VolumeAlert] = []
    updated: list[VolumeAlert] = []
    for key, count in current.items():
        level = spikes.usual_level(
            past.get(key, [0] * slots),
            z=settings.CARE_SPIKE_Z,
            min_count=settings.CARE_SPIKE_MIN_COUNT,
        )
        if not spikes.is_spike(count, level):
            continue
        alert, new = _raise(key, count, level, now - window, now)
        (raised if new else updated).append(alert)
    return Detection(raised, updated)


@transaction.atomic
def _raise(
    key: Key, count: int, level: spikes.Level, since: datetime, now: datetime
) -> tuple[VolumeAlert, bool]:
    kind, pk = key
    field = "topic_id" if kind == "topic" else "channel_account_id"
    open_alert = (
        VolumeAlert.objects.select_for_update()
        .filter(**{field: pk}, closed_at__isnull=True, last_seen_at__gte=now - REALERT_AFTER)
        .first()
    )
    if open_alert is not None:
        open_alert.peak_count = max(open_alert.peak_count, count)
        open_alert.last_seen_at = now
        open_alert.save(update_fields=["peak_count", "last_seen_at"])
        return open_alert, False
    alert = VolumeAlert.objects.create(
        kind=kind,
        **{field: pk},
        window_start=since,
        window_end=now,
        count=count,
        peak_count=count,
        usual=level.median,
        spread=level.spread,
        threshold=level.threshold,
        created_at=now,
        last_seen_at=now,
    )
    url = reverse("inbox:alert", args=[alert.pk])
    notify_role(roles=(Agent.Role.SUPERVISOR,), verb="spike", text=alert.headline(), url=url)
    if settings.CARE_ALERT_WEBHOOK_URL:
        from inbox.tasks import post_alert_webhook_task

        enqueue_on_commit(post_alert_webhook_task, alert.pk)
    if "alert.raised" in outbound_webhooks.subscribed_events():
        outbound_webhooks.emit("alert.raised", {"alert": alert_payload(alert)})
    return alert, True


def open_alerts() -> list[VolumeAlert]:
    return list(
        VolumeAlert.objects.filter(closed_at__isnull=True)
        .select_related("topic", "channel_account")
        .order_by("-created_at")[:5]
    )


def close_alert(*, alert: VolumeAlert, by: Agent) -> None:
    if alert.closed_at is None:
        alert.closed_at = timezone.now()
        alert.save(update_fields=["closed_at"])
        record_audit(actor=by.user, verb="alert_closed", target=alert)


# --- The outbound webhook --------------------------------------------------------------


def alert_payload(alert: VolumeAlert) -> dict[str, Any]:
    """The alert as other tools see it: CARE_ALERT_WEBHOOK_URL and the "alert.raised" event."""
    return {
        "id": alert.pk,
        "url": outbound_webhooks.link(reverse("inbox:alert", args=[alert.pk])),
        "kind": alert.kind,
        "topic": alert.topic.name if alert.topic else None,
        "channel": str(alert.channel_account) if alert.channel_account else None,
        "count": alert.count,
        "usual": alert.usual,
        "threshold": alert.threshold,
        "window_start": alert.window_start.isoformat(),
        "window_end": alert.window_end.isoformat(),
    }


def webhook_body(alert: VolumeAlert) -> bytes:
    return json.dumps(
        {"event": "alert.raised", "alert": alert_payload(alert)}, separators=(",", ":")
    ).encode()


def post_webhook(alert: VolumeAlert) -> int:
    """POST the alert; raises on a network error or a non-2xx answer (the task retries)."""
    import requests

    body = webhook_body(alert)
    headers = {"Content-Type": "application/json"}
    if settings.CARE_ALERT_WEBHOOK_SECRET:
        headers["X-Care-Signature"] = sign(
            body, settings.CARE_ALERT_WEBHOOK_SECRET, int(time.time())
        )
    response = requests.post(
        settings.CARE_ALERT_WEBHOOK_URL, data=body, headers=headers, timeout=10
    )
    response.raise_for_status()
    return response.status_code


# --- Incidents: the spike's conversations, answered together ---------------------------


def spike_conversations(alert: VolumeAlert) -> list[Conversation]:
    """The open conversations with a customer message in the spike, newest first."""
    since = alert.window_start - timedelta(minutes=settings.CARE_SPIKE_WINDOW_MINUTES)
    messages = Message.objects.filter(
        direction=Message.Direction.INBOUND, platform_created_at__gte=since
    )
    if alert.topic_id:
        messages = messages.filter(topics=alert.topic_id)
    else:
        messages = messages.filter(channel_account_id=alert.channel_account_id)
    return list(
        Conversation.objects.filter(
            pk__in=messages.values("conversation_id"),
            merged_into__isnull=True,
            status__in=Conversation.OPEN_STATUSES,
        )
        .select_related("customer", "channel_account", "incident")
        .order_by("-last_activity_at")[:1000]
    )


@transaction.atomic
def open_incident(*, alert: VolumeAlert, name: str, by: Agent) -> Incident:
    name = " ".join(name.split()) or alert.headline()
    incident = Incident.objects.create(name=name[:120], alert=alert, created_by=by)
    grouped = Conversation.objects.filter(
        pk__in=[c.pk for c in spike_conversations(alert)], incident__isnull=True
    ).update(incident=incident, updated_at=timezone.now())
    record_audit(actor=by.user, verb="incident_opened", target=incident, conversations=grouped)
    return incident


@transaction.atomic
def answer_incident(
    *, incident: Incident, template: str, by: Agent, idempotency_key: uuid.UUID | None = None
) -> int:
    """One reply per open conversation of the incident, personalised with {name} (the
    customer's first name) and {case} (the case number), queued in the outbox. All or
    none: a reply too long for one platform refuses the lot, with the reason. The form's
    key gives each conversation its own key, so a double submit answers once."""
    from responses.services.outbox import send_reply

    if not template.strip():
        raise CareError(_("Write the answer first."), code="empty")
    try:
        template.format(name="", case="")
    except (KeyError, IndexError, ValueError):
        raise CareError(
            _("Only {name} and {case} can be filled in; write other braces twice: {{ }}."),
            code="template",
        ) from None
    drafted = 0
    for conversation in incident.conversations.filter(status__in=Conversation.OPEN_STATUSES):
        first_name = (conversation.customer.display_name or "").split(" ")[0]
        text = template.format(name=first_name, case=f"#{conversation.pk}").strip()
        send_reply(
            conversation=conversation,
            by=by,
            text=text,
            idempotency_key=(
                uuid.uuid5(idempotency_key, str(conversation.pk))
                if idempotency_key
                else uuid.uuid4()
            ),
            confirmed=True,
            on_behalf=True,
            purpose="incident",
        )
        drafted += 1
    record_audit(actor=by.user, verb="incident_answered", target=incident, drafts=drafted)
    return drafted
