"""Benchmark: a firestorm of mentions on the simulator, ingested end to end by real workers.

N mentions appear on the platform simulator at once (X's rate limits and 800-mention
reach lifted, so the run measures care, not X's quotas). Real Celery worker processes
poll them through tweepy and store them in PostgreSQL. Reports messages/s from the
first poll to the last message committed, the peak memory of each worker process, and
that exactly N distinct messages were stored. With --crash it also kills a worker with
-9 mid-batch and restarts it, and checks nothing was lost or stored twice.

Usage (a scratch database is created and dropped; Redis must run):
    .venv/bin/python bench/firestorm.py --postgres postgres://postgres@127.0.0.1:5432/care_bench \
        --redis redis://127.0.0.1:6379/9 [--mentions 100000] [--workers 2]
"""

from __future__ import annotations

import argparse
import os
import platform
import secrets
import signal
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography.fernet import Fernet

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def peak_rss_mb(pid: int) -> float:
    """VmHWM (peak resident set) of a process, in MB."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except FileNotFoundError:
        pass
    return 0.0


def children(pid: int) -> list[int]:
    try:
        text = Path(f"/proc/{pid}/task/{pid}/children").read_text()
    except FileNotFoundError:
        return []
    return [int(p) for p in text.split()]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mentions", type=int, default=100_000)
    parser.add_argument("--workers", type=int, default=2, help="worker processes")
    parser.add_argument("--postgres", required=True, help="URL of a scratch database to create")
    parser.add_argument("--redis", required=True, help="Redis URL for broker and locks")
    parser.add_argument("--crash", action="store_true", help="kill -9 a worker mid-batch")
    args = parser.parse_args()

    scratch = Path(tempfile.mkdtemp(prefix="care-firestorm-"))
    dbname = args.postgres.rsplit("/", 1)[1]
    admin_url = args.postgres.rsplit("/", 1)[0] + "/postgres"
    subprocess.run(["psql", admin_url, "-qc", f"DROP DATABASE IF EXISTS {dbname}"], check=True)
    subprocess.run(["psql", admin_url, "-qc", f"CREATE DATABASE {dbname}"], check=True)
    subprocess.run(["redis-cli", "-u", args.redis, "FLUSHDB"], check=True, capture_output=True)

    import logging

    from simulator.core import SimConfig
    from simulator.server import start_in_thread

    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # one log line per request

    sim = start_in_thread(
        SimConfig(enforce_rate_limits=False, x_mentions_reach=args.mentions), port=0
    )
    env = {
        **os.environ,
        "CARE_VAR_DIR": str(scratch),
        # Production settings: with debug on, Django keeps every query in memory.
        "DJANGO_DEBUG": "0",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "CARE_ENCRYPTION_KEYS": Fernet.generate_key().decode(),
        "SECURE_SSL_REDIRECT": "0",
        "DATABASE_URL": args.postgres,
        "REDIS_URL": args.redis,
        "X_API_BASE_URL": sim.x_base_url,
        "X_CONSUMER_KEY": sim.sim.config.x_consumer_key,
        "X_CONSUMER_SECRET": sim.sim.config.x_consumer_secret,
        "CARE_POLL_LOCK_SECONDS": "5",
        "DJANGO_SETTINGS_MODULE": "care.settings",
    }
    os.environ.update(env)
    import django

    django.setup()
    from django.core.management import call_command
    from django.db.models import Sum

    from inbox.models import ChannelAccount, InboundBatch, Message
    from inbox.services.ingest import relay_stuck_batches
    from inbox.tasks import poll_channel_task

    call_command("migrate", verbosity=0)
    config = sim.sim.config
    sim.x.add_mentions(count=args.mentions)
    account = ChannelAccount(platform="x", external_id=config.x_user_id, name=config.x_username)
    account.set_credentials(
        {
            "bearer_token": config.x_bearer_token,
            "access_token": config.x_access_token,
            "access_token_secret": config.x_access_token_secret,
        }
    )
    account.save()
    accounts = [account]

    logs = scratch / "worker.log"
    command = [
        sys.executable,
        "-m",
        "celery",
        "-A",
        "care",
        "worker",
        f"--concurrency={args.workers}",
        "--loglevel=WARNING",
        "--hostname=bench@%h",
    ]
    worker = subprocess.Popen(
        command,
        cwd=ROOT,
        env=env,
        stdout=logs.open("w"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    time.sleep(4)  # let the pool start before the clock starts
    pool = children(worker.pid)
    started = time.monotonic()
    for account in accounts:
        poll_channel_task.delay(account.pk)
    crashed = False
    fetched_in: float | None = None  # when the poller had fetched and kept every page
    last_asked = time.monotonic()
    while True:
        # Progress from the small batches table: counting the messages table every half
        # second would cost the machine as much as a worker.
        stored = InboundBatch.objects.filter(status="done").aggregate(n=Sum("stored"))["n"] or 0
        if fetched_in is None and "mentions" in ChannelAccount.objects.get(pk=account.pk).cursors:
            fetched_in = time.monotonic() - started
        if stored >= args.mentions:
            break
        if args.crash and not crashed and stored >= args.mentions // 3:
            os.killpg(worker.pid, signal.SIGKILL)
            worker.wait()
            crashed = True
            print(f"killed the worker with -9 at {stored} messages; restarting")
            worker = subprocess.Popen(
                command,
                cwd=ROOT,
                env=env,
                stdout=logs.open("a"),
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
            time.sleep(4)
            pool = children(worker.pid)
        if time.monotonic() - last_asked > 10:
            # What beat does on schedule: ask again (a lost or finished poll).
            for account in accounts:
                poll_channel_task.delay(account.pk)
            if crashed:
                # Beat's relay re-sends pages whose task died with the killed worker
                # (after 10 minutes by default; sooner here, to end the run).
                relay_stuck_batches(older_than=timedelta(seconds=20))
            last_asked = time.monotonic()
        if time.monotonic() - started > 1800:
            print(logs.read_text()[-3000:])
            raise SystemExit("timed out")
        time.sleep(0.5)  # counting a growing table costs the machine CPU too
    elapsed = time.monotonic() - started
    memory = [peak_rss_mb(pid) for pid in pool]
    total = Message.objects.count()
    distinct = Message.objects.values("external_id", "channel_account").distinct().count()
    os.killpg(worker.pid, signal.SIGTERM)
    worker.wait(timeout=60)
    sim.stop()

    print(
        f"machine: {platform.node()} {platform.processor() or platform.machine()}, "
        f"{os.cpu_count()} cores; {datetime.now(UTC):%Y-%m-%d}"
    )
    print(
        f"mentions {args.mentions}, worker processes {args.workers}"
        f"{', one kill -9 mid-batch' if crashed else ''}"
    )
    print(
        f"stored {total} messages ({distinct} distinct) in {elapsed:.1f} s: "
        f"{total / elapsed:,.0f} messages/s end to end"
    )
    if fetched_in is not None:
        print(f"the poller fetched and kept all pages in {fetched_in:.1f} s")
    print("peak memory per worker process: " + ", ".join(f"{m:.0f} MB" for m in memory))
    if total != args.mentions or distinct != args.mentions:
        raise SystemExit("FAILED: lost or duplicated messages")
    from django.db import connections

    connections.close_all()
    subprocess.run(["psql", admin_url, "-qc", f"DROP DATABASE IF EXISTS {dbname}"], check=True)


if __name__ == "__main__":
    main()
