"""Benchmark: storing inbound messages once, at the database level.

Inserts N messages in batches with `bulk_create(ignore_conflicts=True)`, re-sending
a share of them as duplicate deliveries, and reports messages/s and that exactly N
distinct messages were stored. This is the write path the ingest pipeline builds on
(issue "Channels" targets >= 2,000 messages/s end to end).

Usage (a scratch database is created and dropped; your data is never touched):
    .venv/bin/python bench/store_once.py                       # SQLite in a temp dir
    .venv/bin/python bench/store_once.py --postgres postgres://postgres@127.0.0.1:5432/care_bench
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=100_000)
    parser.add_argument("--batch", type=int, default=1_000)
    parser.add_argument("--duplicates", type=float, default=0.3, help="share re-delivered")
    parser.add_argument("--postgres", help="URL of a scratch PostgreSQL database to create")
    args = parser.parse_args()

    scratch = tempfile.mkdtemp(prefix="care-bench-")
    os.environ["CARE_VAR_DIR"] = scratch
    os.environ["DJANGO_DEBUG"] = "1"
    if args.postgres:
        dbname = args.postgres.rsplit("/", 1)[1]
        admin_url = args.postgres.rsplit("/", 1)[0] + "/postgres"
        subprocess.run(["psql", admin_url, "-qc", f"DROP DATABASE IF EXISTS {dbname}"], check=True)
        subprocess.run(["psql", admin_url, "-qc", f"CREATE DATABASE {dbname}"], check=True)
        os.environ["DATABASE_URL"] = args.postgres
    else:
        os.environ["DATABASE_URL"] = f"sqlite:///{scratch}/bench.sqlite3"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "care.settings")

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0)
    from inbox.models import ChannelAccount, Conversation, Customer, Message

    account = ChannelAccount.objects.create(platform="x", external_id="1", name="BenchCares")
    customer = Customer.objects.create(display_name="Bench")
    conversation = Conversation.objects.create(channel_account=account, customer=customer)
    now = datetime.now(UTC)

    def message(n: int) -> Message:
        return Message(
            conversation=conversation,
            channel_account=account,
            direction="inbound",
            kind="mention",
            external_id=str(1_460_000_000_000_000_000 + n),
            text=f"@BenchCares my order {n} has not arrived, can you help?",
            platform_created_at=now,
            raw={"id": str(n)},
        )

    sent = 0
    started = time.perf_counter()
    redeliver = int(args.batch * args.duplicates)
    for start in range(0, args.messages, args.batch):
        batch = [message(n) for n in range(start, min(start + args.batch, args.messages))]
        # Duplicates: part of the previous batch arrives again with this one.
        batch += [message(n) for n in range(max(0, start - redeliver), start)]
        Message.objects.bulk_create(batch, ignore_conflicts=True)
        sent += len(batch)
        done = min(start + args.batch, args.messages)
        print(f"\r  {done:>9,}/{args.messages:,} stored", end="", file=sys.stderr)
    elapsed = time.perf_counter() - started
    print(file=sys.stderr)
    stored = Message.objects.count()
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"database:     {connection.vendor} ({connection.settings_dict['NAME']})")
    python = platform.python_version()
    print(f"machine:      {platform.node()}, {os.cpu_count()} cores, Python {python}")
    print(f"deliveries:   {sent:,} ({sent - args.messages:,} duplicates)")
    print(f"stored:       {stored:,} (expected {args.messages:,})")
    print(f"time:         {elapsed:.2f} s")
    rate, delivery_rate = args.messages / elapsed, sent / elapsed
    print(f"throughput:   {rate:,.0f} messages/s ({delivery_rate:,.0f} deliveries/s)")
    print(f"peak RSS:     {peak_mb:.0f} MB")
    connection.close()
    if args.postgres:
        subprocess.run(["psql", admin_url, "-qc", f"DROP DATABASE IF EXISTS {dbname}"], check=True)
    if stored != args.messages:
        sys.exit("FAIL: stored count differs from distinct messages sent")


if __name__ == "__main__":
    main()
