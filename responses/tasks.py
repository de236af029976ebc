"""Celery entry points for what goes out. Thin: each calls one service."""

from __future__ import annotations

from celery import shared_task


@shared_task(acks_late=True)
def post_reply_task(reply_id: int) -> str:
    from responses.services.outbox import deliver_reply

    # No Celery retries: the outbox row schedules the next attempt itself.
    return deliver_reply(reply_id)


@shared_task
def relay_outbox_task() -> int:
    from responses.services.outbox import relay_outbox

    return relay_outbox()
