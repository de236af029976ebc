"""Sending a task after commit, for work whose input is already stored in the database."""

from __future__ import annotations

import logging
from typing import Any

from celery.app.task import Task
from django.db import transaction

log = logging.getLogger(__name__)


def enqueue_on_commit(task: Task, *args: Any) -> None:
    """Send `task` once the transaction commits; a broker outage is logged, not raised.

    Use it only where the row the task works on is already stored and a beat relay
    re-sends what was never processed: a webhook must still get its 200, and a poll must
    still move its cursor, while Redis is down.
    """

    def send() -> None:
        try:
            task.delay(*args)
        except Exception:
            log.warning("could not send %s%s; the relay will", task.name, args, exc_info=True)

    transaction.on_commit(send)
