"""Benchmark: the early warning on a replayed day of traffic with an injected spike.

Generates five weeks of customer messages for six topics and two channels: a Poisson
process whose rate follows the day (quiet at night, a peak at lunch and in the evening)
and the week (quieter on Sunday), 2,000 messages a day in all. The last day is replayed
minute by minute: `detect_spikes(now)` runs as Celery beat would, once a minute, over the
real database. At 14:00 on that day one topic ("laptop battery") gets a firestorm on top of
its usual traffic, ramping up over ten minutes to `--spike-factor` times its rate for an
hour. Reported: minutes from the spike's start to its alert, alerts on anything else that
day (false alerts), and the detection's cost per run.

Usage (a scratch database; nothing of yours is touched):
    .venv/bin/python bench/early_warning.py                     # SQLite in a temp dir
    .venv/bin/python bench/early_warning.py --postgres postgres://postgres@127.0.0.1:5432/care_bench_ew
"""

from __future__ import annotations

import argparse
import math
import os
import platform
import random
import secrets
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography.fernet import Fernet
from tqdm import tqdm

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

TOPICS = {  # share of the day's messages
    "laptop battery": 0.08,
    "late delivery": 0.18,
    "refund": 0.10,
    "billing": 0.08,
    "app bug": 0.10,
    "broken device": 0.14,
}
DAY_START = datetime(2026, 11, 2, tzinfo=UTC)  # a Monday; five weeks from here
SPIKE_TOPIC = "laptop battery"


def hourly_shape(hour: int) -> float:
    """Relative volume by hour of day (Jakarta traffic seen in UTC+7 terms)."""
    local = (hour + 7) % 24
    if local < 6:
        return 0.15
    return (
        1.0 + 0.6 * math.exp(-((local - 12.5) ** 2) / 4) + 0.8 * math.exp(-((local - 20) ** 2) / 5)
    )


def rate_per_minute(at: datetime, daily: float) -> float:
    shape = hourly_shape(at.hour)
    norm = sum(hourly_shape(h) for h in range(24)) / 24
    weekday = 0.7 if at.weekday() == 6 else 1.0
    return daily / 1440 * shape / norm * weekday


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--postgres", help="URL of a scratch PostgreSQL database to create")
    parser.add_argument("--daily", type=float, default=2000, help="messages a day, all topics")
    parser.add_argument("--spike-factor", type=float, default=8.0)
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args()

    scratch = Path(tempfile.mkdtemp(prefix="care-ew-"))
    url = f"sqlite:///{scratch / 'ew.sqlite3'}"
    if args.postgres:
        name = args.postgres.rsplit("/", 1)[1]
        admin = args.postgres.rsplit("/", 1)[0] + "/postgres"
        subprocess.run(["psql", admin, "-qc", f"DROP DATABASE IF EXISTS {name}"], check=True)
        subprocess.run(["psql", admin, "-qc", f"CREATE DATABASE {name}"], check=True)
        url = args.postgres
    os.environ.update(
        {
            "DATABASE_URL": url,
            "CARE_VAR_DIR": str(scratch),
            "DJANGO_DEBUG": "0",
            "SECRET_KEY": secrets.token_urlsafe(50),
            "CARE_ENCRYPTION_KEYS": Fernet.generate_key().decode(),
            "REDIS_URL": "",
            "LOG_LEVEL": "WARNING",
            "DJANGO_SETTINGS_MODULE": "care.settings",
        }
    )
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.db.models import signals

    from inbox.models import ChannelAccount, Conversation, Customer, Message, Topic, VolumeAlert
    from inbox.services import alerts

    call_command("migrate", verbosity=0)
    signals.post_save.receivers = []  # bulk loading: no signal work
    rng = random.Random(args.seed)
    topics = {name: Topic.objects.create(name=name, phrases=[name]) for name in TOPICS}
    accounts = [
        ChannelAccount.objects.create(platform="x", external_id="1", name="BrandCares"),
        ChannelAccount.objects.create(platform="facebook", external_id="2", name="Brand Page"),
    ]
    customer = Customer.objects.create(display_name="Bench")
    conversations = {
        a.pk: Conversation.objects.create(channel_account=a, customer=customer) for a in accounts
    }

    replay_day = DAY_START + timedelta(weeks=4, days=2)  # a Wednesday
    spike_start = replay_day + timedelta(hours=14)
    spike_end = spike_start + timedelta(hours=1)
    end = replay_day + timedelta(days=1)
    messages: list[Message] = []
    labels: list[str] = []
    minute = DAY_START
    with tqdm(total=int((end - DAY_START).total_seconds() // 60), desc="traffic", unit=" min",
              leave=False, mininterval=2) as bar:  # fmt: skip
        while minute < end:
            for name, share in TOPICS.items():
                rate = rate_per_minute(minute, args.daily * share)
                if name == SPIKE_TOPIC and spike_start <= minute < spike_end:
                    ramp = min(1.0, (minute - spike_start).total_seconds() / 600)
                    rate *= 1 + (args.spike_factor - 1) * ramp
                for _ in range(_poisson(rng, rate)):
                    account = accounts[0] if rng.random() < 0.7 else accounts[1]
                    messages.append(
                        Message(
                            conversation=conversations[account.pk],
                            channel_account=account,
                            direction="inbound",
                            kind="mention",
                            external_id=str(len(messages)),
                            text=name,
                            platform_created_at=minute + timedelta(seconds=rng.random() * 60),
                            intent="complaint",
                        )
                    )
                    labels.append(name)
            minute += timedelta(minutes=1)
            bar.update()
    Message.objects.bulk_create(messages, batch_size=5000)
    ids = dict(Message.objects.values_list("external_id", "pk"))
    links = [
        Message.topics.through(message_id=ids[str(i)], topic_id=topics[label].pk)
        for i, label in enumerate(labels)
    ]
    Message.topics.through.objects.bulk_create(links, batch_size=5000)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")

    timings = []
    first_alert: dict[str, datetime] = {}
    now = replay_day + timedelta(minutes=15)
    for _ in tqdm(range(1440 - 15), desc="replay", unit=" run", leave=False, mininterval=2):
        started = time.perf_counter()
        found = alerts.detect_spikes(now)
        timings.append((time.perf_counter() - started) * 1000)
        for alert in found.raised:
            first_alert.setdefault(alert.subject, now)
        now += timedelta(minutes=1)

    raised = list(VolumeAlert.objects.select_related("topic", "channel_account"))
    spike_alerts = [a for a in raised if a.topic and a.topic.name == SPIKE_TOPIC]
    # A channel alert during the firestorm is the same event seen from the channel.
    during = [
        a for a in raised
        if a.kind == "channel" and spike_start <= a.created_at <= spike_end + timedelta(minutes=15)
    ]  # fmt: skip
    false_alerts = [a for a in raised if a not in spike_alerts and a not in during]
    day_messages = sum(1 for m in messages if m.platform_created_at >= replay_day)
    history_messages = len(messages) - day_messages
    print(
        f"machine: {platform.node()}, {os.cpu_count()} cores, Python {platform.python_version()}; "
        f"{datetime.now(UTC):%Y-%m-%d}; database {connection.vendor}"
    )
    print(
        f"traffic: {history_messages:,} messages over 4 weeks of history, {day_messages:,} on the "
        f"replayed day; spike on “{SPIKE_TOPIC}” x{args.spike_factor:g} from 14:00 UTC for an hour"
    )
    if spike_alerts:
        delay = (spike_alerts[0].created_at - spike_start).total_seconds() / 60
        alert = spike_alerts[0]
        print(
            f"spike: alert after {delay:.0f} minutes ({alert.count} messages in the window, "
            f"usually {alert.usual:g}, threshold {alert.threshold:g})"
        )
    else:
        print("spike: NOT DETECTED")
    print(f"channel alerts during the spike (the same event): {len(during)}")
    print(f"false alerts that day: {len(false_alerts)}")
    for alert in false_alerts:
        print(f"  {alert.created_at:%H:%M} {alert.headline()}")
    print(
        f"detection per run: p50 {statistics.median(timings):.1f} ms, "
        f"p95 {statistics.quantiles(timings, n=20)[18]:.1f} ms, max {max(timings):.1f} ms"
    )


def _poisson(rng: random.Random, mean: float) -> int:
    # Knuth's method: fine for the small means of one minute.
    limit, k, p = math.exp(-mean), 0, 1.0
    while True:
        p *= rng.random()
        if p <= limit:
            return k
        k += 1


if __name__ == "__main__":
    main()
