"""Celery entry points of the project as a whole. Thin: the work is in services."""

from __future__ import annotations

from celery import shared_task
from celery.app.task import Task

from care import services


@shared_task
def prune_heartbeats_task() -> int:
    """Forget processes that stopped long ago (each restart brings a new hostname)."""
    return services.prune_heartbeats()


# No max_retries: the delivery counts its tries (CARE_WEBHOOK_MAX_ATTEMPTS), and a replay
# starts the count again.
@shared_task(bind=True, max_retries=None, acks_late=True)
def send_webhook_delivery_task(self: Task, delivery_id: int) -> None:
    from care.outbound_webhooks import WebhookAttemptFailed, send_webhook_delivery

    try:
        send_webhook_delivery(delivery_id=delivery_id)
    except WebhookAttemptFailed as exc:
        raise self.retry(exc=exc, countdown=exc.retry_in) from exc


@shared_task(acks_late=True)
def queue_webhook_deliveries_task(delivery_ids: list[int]) -> int:
    from care.outbound_webhooks import queue_webhook_deliveries

    return queue_webhook_deliveries(delivery_ids)


@shared_task
def relay_outbound_webhooks_task() -> int:
    from care.outbound_webhooks import relay_webhook_deliveries

    return relay_webhook_deliveries()
