"""What /healthz checks: the database, the broker, and fresh worker and beat heartbeats."""

from __future__ import annotations

import os
from dataclasses import asdict, dataclass
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import DatabaseError, connection
from django.utils import timezone

from care.models import ServiceHeartbeat


@dataclass
class Check:
    ok: bool
    detail: str
    last_seen: str | None = None


def check_database() -> Check:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except DatabaseError as exc:
        return Check(False, f"unreachable: {exc.__class__.__name__}")
    return Check(True, connection.vendor)


def check_broker() -> Check:
    from care.celery import app

    url = str(app.conf.broker_url)
    if url.startswith("filesystem"):
        folder = app.conf.broker_transport_options["data_folder_in"]
        ok = os.path.isdir(folder) and os.access(folder, os.W_OK)
        return Check(ok, "filesystem" if ok else f"folder {folder} is not writable")
    try:
        with app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, timeout=2)
    except Exception as exc:  # kombu raises many kinds; any of them means "down"
        return Check(False, f"unreachable: {exc.__class__.__name__}")
    return Check(True, url.split(":", 1)[0])


def check_heartbeat(service: str) -> Check:
    latest = ServiceHeartbeat.objects.filter(service=service).order_by("-beat_at").first()
    if latest is None:
        return Check(False, "never seen")
    age = timezone.now() - latest.beat_at
    ok = age <= timedelta(seconds=settings.CARE_HEARTBEAT_MAX_AGE)
    detail = f"{latest.hostname}, {int(age.total_seconds())} s ago"
    return Check(ok, detail if ok else f"silent: {detail}", latest.beat_at.isoformat())


def health_report() -> tuple[bool, dict[str, Any]]:
    checks = {"database": check_database(), "broker": check_broker()}
    if checks["database"].ok:
        checks["worker"] = check_heartbeat("worker")
        checks["beat"] = check_heartbeat("beat")
    else:
        checks["worker"] = checks["beat"] = Check(False, "unknown: the database is down")
    failing = [name for name, check in checks.items() if not check.ok]
    return not failing, {
        "status": "ok" if not failing else "fail",
        "failing": failing,
        "checks": {name: asdict(check) for name, check in checks.items()},
    }
