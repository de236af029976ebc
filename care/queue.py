"""Sending a task after commit, for work whose input is already stored in the database."""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from celery.app.task import Task
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

log = logging.getLogger(__name__)


def enqueue_on_commit(task: Task, *args: Any, countdown: float | None = None) -> None:
    """Send `task` once the transaction commits; a broker outage is logged, not raised.

    Use it only where the row the task works on is already stored and a beat relay
    re-sends what was never processed: a webhook must still get its 200, and a poll must
    still move its cursor, while Redis is down.
    """

    def send() -> None:
        try:
            task.apply_async(args, countdown=countdown or 0)
        except Exception:
            log.warning("could not send %s%s; the relay will", task.name, args, exc_info=True)

    transaction.on_commit(send)


def resend_silent(waiting: QuerySet[Any], task: Task, *, older_than: timedelta) -> int:
    """Send `task` again for rows still waiting whose task was sent over `older_than` ago.

    Rows carry `enqueued_at`; it is moved to now, so each row is re-sent at most once per
    `older_than` and a row merely waiting in a long queue is not sent a second time.
    """
    now = timezone.now()
    silent = list(
        waiting.filter(enqueued_at__lt=now - older_than).values_list("pk", flat=True)[:1000]
    )
    waiting.model.objects.filter(pk__in=silent).update(enqueued_at=now)
    for pk in silent:
        task.delay(pk)
    return len(silent)
