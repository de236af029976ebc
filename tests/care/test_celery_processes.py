"""Real Celery worker and beat processes, on the configured broker and database."""

from __future__ import annotations

import signal
import subprocess
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone

from care.celery import app
from care.health import health_report
from care.models import ServiceHeartbeat
from care.tasks import prune_heartbeats_task
from tests.processes import process_env, start_celery, use_broker_options, wait_for

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def celery_processes(tmp_path, settings):
    """Start `celery worker` and `celery beat` as `make demo` does; stop them after."""
    original_options = app.conf.broker_transport_options
    env = process_env(tmp_path / "var", CARE_HEARTBEAT_SECONDS="1")
    logs = tmp_path / "logs"
    logs.mkdir()
    procs = [
        start_celery(
            ["worker", "--concurrency=1", "--loglevel=INFO", "--hostname=test@%h"],
            env=env,
            log=logs / "worker.log",
        ),
        start_celery(
            ["beat", "--loglevel=INFO", f"--pidfile={tmp_path / 'beat.pid'}"],
            env=env,
            log=logs / "beat.log",
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
    use_broker_options(original_options)


def test_worker_and_beat_report_alive_and_the_worker_runs_tasks(celery_processes):
    logs = celery_processes

    def alive() -> bool:
        _, report = health_report()
        return report["checks"]["worker"]["ok"] and report["checks"]["beat"]["ok"]

    wait_for(alive, timeout=90, logs=logs)
    assert ServiceHeartbeat.objects.filter(service="worker", hostname__startswith="test@").exists()

    # A task sent through the real broker is run by the real worker.
    ServiceHeartbeat.objects.create(
        service="worker", hostname="gone@long-ago", beat_at=timezone.now() - timedelta(days=3)
    )
    prune_heartbeats_task.delay()
    wait_for(
        lambda: not ServiceHeartbeat.objects.filter(hostname="gone@long-ago").exists(),
        timeout=30,
        logs=logs,
    )
    # The worker answers a ping over the broker, as `celery inspect ping` does.
    replies = app.control.ping(timeout=5) or []
    assert any(name.startswith("test@") for reply in replies for name in reply)
