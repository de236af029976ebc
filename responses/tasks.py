"""Celery entry points for what goes out. Thin: each calls one service."""

from __future__ import annotations

from celery import shared_task
from celery.app.task import Task


@shared_task(acks_late=True)
def post_reply_task(reply_id: int) -> str:
    from responses.services.outbox import deliver_reply

    # No Celery retries: the outbox row schedules the next attempt itself.
    return deliver_reply(reply_id)


@shared_task
def relay_outbox_task() -> int:
    from responses.services.outbox import relay_outbox

    return relay_outbox()


@shared_task
def sync_personas_task(agent_id: int) -> int:
    from care.models import Agent
    from responses.services.personas import sync_personas

    agent = Agent.objects.filter(pk=agent_id).first()
    return sync_personas(agent) if agent is not None else 0


@shared_task
def send_follow_ups_task() -> int:
    from responses.services.follow_ups import send_due_follow_ups

    return send_due_follow_ups()


@shared_task(bind=True, max_retries=5)
def like_message_task(self: Task, message_id: int) -> str:
    from inbox.channels.base import ChannelError
    from responses.services.praise import like_message

    try:
        last_try = self.request.retries >= (self.max_retries or 0)
        return like_message(message_id, last_try=last_try)
    except ChannelError as exc:
        # Passing errors only (the service records refusals): a like is idempotent, so
        # another try is safe.
        countdown = exc.retry_after or min(600, 30 * 2**self.request.retries)
        raise self.retry(exc=exc, countdown=countdown) from exc


@shared_task(acks_late=True)
def acknowledge_task(conversation_id: int, canned_id: int, agent_id: int) -> int | None:
    from responses.services.case_replies import auto_acknowledge

    reply = auto_acknowledge(
        conversation_id=conversation_id, canned_id=canned_id, agent_id=agent_id
    )
    return reply.pk if reply is not None else None
