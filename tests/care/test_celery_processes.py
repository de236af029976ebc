"""Real Celery worker and beat processes, on the configured broker and database."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest
from django.db import connection
from django.utils import timezone

from care.celery import app
from care.health import health_report
from care.models import ServiceHeartbeat
from care.tasks import prune_heartbeats_task

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]

ROOT = Path(__file__).resolve().parents[2]


def _database_url() -> str:
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{db['NAME']}"
    auth = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


@pytest.fixture
def celery_processes(tmp_path, settings):
    """Start `celery worker` and `celery beat` as `make demo` does; stop them after."""
    env = {
        **os.environ,
        "DATABASE_URL": _database_url(),
        "CARE_HEARTBEAT_SECONDS": "1",
        "CARE_VAR_DIR": str(tmp_path / "var"),
        "SECRET_KEY": settings.SECRET_KEY,
        "CARE_ENCRYPTION_KEYS": ",".join(settings.CARE_ENCRYPTION_KEYS),
    }
    # With no Redis both sides must share the embedded broker's folders.
    original_options = app.conf.broker_transport_options
    if not settings.REDIS_URL:
        folder = tmp_path / "var" / "broker"
        app.conf.broker_transport_options = {
            "data_folder_in": str(folder / "messages"),
            "data_folder_out": str(folder / "messages"),
            "control_folder": str(folder / "control"),
            "store_processed": False,
        }
        for sub in ("messages", "control"):
            (folder / sub).mkdir(parents=True, exist_ok=True)
    celery = [sys.executable, "-m", "celery", "-A", "care"]
    logs = tmp_path / "logs"
    logs.mkdir()
    procs = [
        subprocess.Popen(
            [*celery, "worker", "--concurrency=1", "--loglevel=INFO", "--hostname=test@%h"],
            cwd=ROOT,
            env=env,
            stdout=(logs / "worker.log").open("w"),
            stderr=subprocess.STDOUT,
        ),
        subprocess.Popen(
            [*celery, "beat", "--loglevel=INFO", f"--pidfile={tmp_path / 'beat.pid'}"],
            cwd=ROOT,
            env=env,
            stdout=(logs / "beat.log").open("w"),
            stderr=subprocess.STDOUT,
        ),
    ]
    yield logs
    for proc in procs:
        proc.send_signal(signal.SIGTERM)
    for proc in procs:
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
    app.conf.broker_transport_options = original_options


def _wait_for(predicate, timeout: float, logs: Path) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.5)
    output = "\n".join(f"--- {p.name}\n{p.read_text()[-3000:]}" for p in logs.iterdir())
    pytest.fail(f"timed out after {timeout} s\n{output}")


def test_worker_and_beat_report_alive_and_the_worker_runs_tasks(celery_processes):
    logs = celery_processes

    def alive() -> bool:
        _, report = health_report()
        return report["checks"]["worker"]["ok"] and report["checks"]["beat"]["ok"]

    _wait_for(alive, timeout=90, logs=logs)
    assert ServiceHeartbeat.objects.filter(service="worker", hostname__startswith="test@").exists()

    # A task sent through the real broker is run by the real worker.
    ServiceHeartbeat.objects.create(
        service="worker", hostname="gone@long-ago", beat_at=timezone.now() - timedelta(days=3)
    )
    prune_heartbeats_task.delay()
    _wait_for(
        lambda: not ServiceHeartbeat.objects.filter(hostname="gone@long-ago").exists(),
        timeout=30,
        logs=logs,
    )
    # The worker answers a ping over the broker, as `celery inspect ping` does.
    replies = app.control.ping(timeout=5) or []
    assert any(name.startswith("test@") for reply in replies for name in reply)
