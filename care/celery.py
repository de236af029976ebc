"""The Celery app: broker from REDIS_URL, or an embedded filesystem broker for the demo.

Configuration lives in care/settings.py (the CELERY_* names). Each worker reports
it is alive every CARE_HEARTBEAT_SECONDS through a bootstep; /healthz reads it.
"""

from __future__ import annotations

import logging
import os
import socket
from pathlib import Path
from typing import Any

from celery import Celery, bootsteps

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "care.settings")

logger = logging.getLogger(__name__)

app = Celery("care")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


def ensure_broker_folders() -> None:
    """The filesystem transport expects its folders to exist."""
    if not str(app.conf.broker_url).startswith("filesystem"):
        return
    options = app.conf.broker_transport_options or {}
    for key in ("data_folder_in", "data_folder_out", "control_folder"):
        if key in options:
            Path(options[key]).mkdir(parents=True, exist_ok=True)


ensure_broker_folders()


def _beat_worker(hostname: str) -> None:
    from django.db import DatabaseError, connections

    from care.services import record_heartbeat

    try:
        record_heartbeat(service="worker", hostname=hostname)
    except DatabaseError:
        # A busy or unreachable database must not kill the worker; /healthz
        # will report the stale heartbeat.
        logger.warning("could not record the worker heartbeat", exc_info=True)
    finally:
        # This runs in the worker's parent process: close, so no connection is
        # left open to be inherited by the pool processes it forks.
        connections.close_all()


class WorkerHeartbeat(bootsteps.StartStopStep):
    """Writes this worker's heartbeat from the worker's own timer."""

    requires = ("celery.worker.components:Timer",)

    def __init__(self, worker: Any, **kwargs: Any) -> None:
        super().__init__(worker, **kwargs)
        self.tref: Any = None

    def start(self, worker: Any) -> None:
        from django.conf import settings

        hostname = worker.hostname or socket.gethostname()
        _beat_worker(hostname)
        self.tref = worker.timer.call_repeatedly(
            settings.CARE_HEARTBEAT_SECONDS, _beat_worker, (hostname,), priority=10
        )

    def stop(self, worker: Any) -> None:
        if self.tref is not None:
            self.tref.cancel()


app.steps["worker"].add(WorkerHeartbeat)
