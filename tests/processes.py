"""Real Celery processes for tests: the environment they need and a way to wait on them."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import kombu.pools
import pytest
from django.conf import settings
from django.db import connection

from care.celery import app

ROOT = Path(__file__).resolve().parents[1]


def database_url() -> str:
    """The test database, as a URL a subprocess can open."""
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{db['NAME']}"
    auth = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def process_env(var_dir: Path, **extra: str) -> dict[str, str]:
    """Environment for a worker or beat that shares this test's database and broker."""
    env = {
        **os.environ,
        "DATABASE_URL": database_url(),
        "CARE_VAR_DIR": str(var_dir),
        "SECRET_KEY": settings.SECRET_KEY,
        "CARE_ENCRYPTION_KEYS": ",".join(settings.CARE_ENCRYPTION_KEYS),
        **extra,
    }
    if not settings.REDIS_URL:
        # With no Redis both sides must share the embedded broker's folders.
        folder = var_dir / "broker"
        use_broker_options(
            {
                "data_folder_in": str(folder / "messages"),
                "data_folder_out": str(folder / "messages"),
                "control_folder": str(folder / "control"),
                "store_processed": False,
                "polling_interval": 0.1,
            }
        )
        for sub in ("messages", "control"):
            (folder / sub).mkdir(parents=True, exist_ok=True)
    return env


def use_broker_options(options: dict[str, Any]) -> None:
    """Point this process's producer at other broker folders."""
    app.conf.broker_transport_options = options
    _drop_producer_pools()


def point_producer_at(url: str) -> None:
    """Send this process's tasks to another broker (a test's or benchmark's own Redis)."""
    app.conf.update(broker_url=url)
    _drop_producer_pools()


def _drop_producer_pools() -> None:
    # A producer pool made earlier keeps its connection to the old broker: drop the
    # pools, and the next send makes them again.
    kombu.pools.reset()  # kombu's registry of connection and producer pools
    app._pool = None  # type: ignore[attr-defined]
    app.amqp._producer_pool = None  # type: ignore[attr-defined]


def start_celery(command: list[str], *, env: dict[str, str], log: Path, **kwargs: Any) -> Any:
    return subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "care", *command],
        cwd=ROOT,
        env=env,
        stdout=log.open("a"),
        stderr=subprocess.STDOUT,
        **kwargs,
    )


def wait_for(predicate: Callable[[], bool], timeout: float, logs: Path) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.2)
    output = "\n".join(f"--- {p.name}\n{p.read_text()[-3000:]}" for p in logs.iterdir())
    pytest.fail(f"timed out after {timeout} s\n{output}")
