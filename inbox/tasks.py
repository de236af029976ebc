"""Celery entry points for what comes in. Thin: each calls one service."""

from __future__ import annotations

from celery import shared_task
from celery.app.task import Task

from inbox.channels.base import ChannelError


@shared_task(bind=True, max_retries=4, acks_late=True)
def poll_channel_task(self: Task, account_id: int) -> dict[str, int | str]:
    from inbox.services.polling import poll_channel

    try:
        # Pages are kept and ingested by every worker in parallel.
        outcome = poll_channel(account_id=account_id, in_parallel=True)
    except ChannelError as exc:
        if exc.permanent or exc.retry_after is not None:
            # Recorded on the account: a token waits for a person, a limit for its reset.
            return {"error": str(exc)}
        # A 5xx or a timeout: retry with backoff; the schedule goes on meanwhile.
        raise self.retry(exc=exc, countdown=min(300, 5 * 2**self.request.retries)) from exc
    return {"stored": outcome.stored, "fetched": outcome.fetched, "skipped": outcome.skipped}


@shared_task(bind=True, max_retries=5, acks_late=True)
def ingest_batch_task(self: Task, batch_id: int) -> int:
    from inbox.services.ingest import ingest_batch

    try:
        return ingest_batch(batch_id=batch_id).stored
    except Exception as exc:
        raise self.retry(exc=exc, countdown=min(300, 5 * 2**self.request.retries)) from exc


@shared_task
def relay_inbound_batches_task() -> int:
    from inbox.services.ingest import relay_stuck_batches

    return relay_stuck_batches()


@shared_task(bind=True, max_retries=5, acks_late=True)
def process_webhook_delivery_task(self: Task, delivery_id: int) -> int:
    from inbox.services.webhooks import process_webhook_delivery

    try:
        return process_webhook_delivery(delivery_id=delivery_id).stored
    except Exception as exc:
        raise self.retry(exc=exc, countdown=min(300, 5 * 2**self.request.retries)) from exc


@shared_task
def relay_webhook_deliveries_task() -> int:
    from inbox.services.webhooks import relay_stuck_deliveries

    return relay_stuck_deliveries()


@shared_task
def check_quiet_channels_task() -> int:
    from inbox.services.channels import check_quiet_channels

    return len(check_quiet_channels())


@shared_task
def auto_assign_task() -> int:
    from inbox.services.assignment import auto_assign_conversations

    return auto_assign_conversations()


@shared_task
def check_sla_task() -> dict[str, int]:
    from inbox.services.sla import check_sla

    done = check_sla()
    return {"warned": done.warned, "breached": done.breached, "escalated": done.escalated}


@shared_task
def detect_spikes_task() -> dict[str, int]:
    from inbox.services.alerts import detect_spikes

    found = detect_spikes()
    return {"raised": len(found.raised), "updated": len(found.updated)}


@shared_task(bind=True, max_retries=8)
def post_alert_webhook_task(self: Task, alert_id: int) -> int:
    """Tell the other tools; retried with backoff (5 s … about 20 min) if they are down."""
    from inbox.models import VolumeAlert
    from inbox.services.alerts import post_webhook

    alert = VolumeAlert.objects.filter(pk=alert_id).select_related("topic", "channel_account")
    found = alert.first()
    if found is None:
        return 0
    try:
        return post_webhook(found)
    except Exception as exc:
        raise self.retry(exc=exc, countdown=min(1200, 5 * 2**self.request.retries)) from exc


@shared_task
def remind_escalations_task() -> dict[str, int]:
    from inbox.services.departments import remind_escalations

    done = remind_escalations()
    return {"department": done.department, "lead": done.lead, "agent": done.agent}


@shared_task
def rescore_waiting_task() -> int:
    from django.utils import timezone

    from inbox.services.triage import rescore_waiting

    return rescore_waiting(timezone.now())


@shared_task
def prune_presence_task() -> int:
    from inbox.services.presence import prune_presence

    return prune_presence()
