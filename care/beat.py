"""Celery beat's scheduler: django-celery-beat's, plus a heartbeat for /healthz."""

from __future__ import annotations

import logging
import socket
import time
from typing import Any

from django.conf import settings
from django.db import DatabaseError
from django_celery_beat.schedulers import DatabaseScheduler

logger = logging.getLogger(__name__)


class HeartbeatScheduler(DatabaseScheduler):
    """Schedules live in the database (editable in the admin); beat reports it ticks."""

    _last_heartbeat = 0.0

    def tick(self, *args: Any, **kwargs: Any) -> float:
        from care.services import record_heartbeat

        now = time.monotonic()
        if now - self._last_heartbeat >= settings.CARE_HEARTBEAT_SECONDS:
            try:
                record_heartbeat(service="beat", hostname=socket.gethostname())
                self._last_heartbeat = now
            except DatabaseError:
                logger.warning("could not record the beat heartbeat", exc_info=True)
        interval: float = super().tick(*args, **kwargs)
        return min(interval, float(settings.CARE_HEARTBEAT_SECONDS))
