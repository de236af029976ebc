"""Benchmark: the supervisors' dashboard at 1,000,000 messages, and its rollups' freshness.

Uses bench/inbox_scale.py's data (its generator and its database, care_bench_inbox by
default) with production settings (DJANGO_DEBUG=0):

1. **Rebuild:** `care.metrics.rollups.rebuild()` over the whole data set (what the first
   beat run, or `manage.py rebuild_metrics`, does): seconds, cases counted, hours.
2. **Pages:** as a supervisor, through the whole Django stack (the test Client):
   /dashboard/ for 1, 7, 30 and 90 days in business and calendar hours, its live body
   (`?partial=1`), a CSV export and GET /api/v1/metrics/. p50/p95/max wall time and the
   SQL queries of a request, against the target (p95 <= 300 ms).
3. **Freshness under ingest** (`--freshness`): on a scratch copy of the database, one
   process ingests new mentions through `ingest_events` (triage on) at `--rate` messages/s
   while another runs the rollups' refresh every 15 s, as beat does. Every second the
   main process reads how old the newest data the dashboard can show is (now minus the
   rollups' `covered_until`); the target is that it never exceeds 60 s. At the end the
   hourly counts are compared with a count of the messages themselves.

Usage:
    .venv/bin/python bench/dashboard_scale.py                # rebuild + pages
    .venv/bin/python bench/dashboard_scale.py --freshness --rate 2000 --seconds 120
    .venv/bin/python bench/dashboard_scale.py --skip-rebuild --requests 60
"""

from __future__ import annotations

import argparse
import multiprocessing
import platform
import random
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from tqdm import tqdm

sys.path.insert(0, str(Path(__file__).resolve().parent))

from inbox_scale import (  # bench/ is not a package: its folder is on the path above
    X_ACCOUNT_ID,
    Result,
    add_data_arguments,
    captured,
    prepare,
)

PAGE_TARGET_MS = 300.0
FRESH_TARGET_S = 60.0
REFRESH_EVERY_S = 15.0


def rebuild_all() -> tuple[float, int, int]:
    from care.metrics.models import RollupState
    from care.metrics.rollups import rebuild

    RollupState.objects.all().delete()
    started = time.perf_counter()
    with tqdm(desc="rebuild", unit=" cases", mininterval=2) as bar:

        def progress(done: int, total: int) -> None:
            bar.total = total
            bar.update(done - bar.n)

        outcome = rebuild(progress=progress)
    return time.perf_counter() - started, outcome.cases, outcome.hours


def supervisor_client() -> tuple[Any, str]:
    from django.test import Client

    from care.models import Agent
    from care.tokens import create_api_token

    supervisor = Agent.objects.filter(role=Agent.Role.SUPERVISOR).first()
    if supervisor is None:
        raise SystemExit("the generated data has no supervisor")
    client = Client()
    client.force_login(supervisor.user)
    token = create_api_token(agent=supervisor, name="bench/dashboard_scale.py", scope="read")[1]
    return client, token


def timed(client: Any, url: str, requests: int, *, cold: bool, label: str) -> list[float]:
    """Wall times of `requests` GETs; `cold`: the figures cache emptied before each, as
    on the first view of a range after a refresh (whose warm-up has already counted the
    open cases, the same for every range: `current_backlog`)."""
    from django.core.cache import cache

    from care.metrics.figures import current_backlog

    times = []
    for _ in tqdm(range(requests), desc=label, leave=False):
        if cold:
            cache.clear()
            current_backlog()
        started = time.perf_counter()
        response = client.get(url)
        times.append(time.perf_counter() - started)
        if response.status_code != 200:
            raise SystemExit(f"{url}: HTTP {response.status_code}")
    return times


def measure_pages(requests: int) -> list[Result]:
    """Each page twice: as served (the rollup task computed the one-click periods ahead,
    every later view of a period reads the same result until the next refresh) and cold
    (the figures computed for this very request)."""
    from care.metrics.figures import warm_standard_periods

    client, token = supervisor_client()
    pages = [
        ("dashboard, 1 day", "/dashboard/?days=1", True),
        ("dashboard, 7 days (the default)", "/dashboard/?days=7", True),
        ("dashboard, 7 days, calendar hours", "/dashboard/?days=7&clock=calendar", True),
        ("dashboard, 30 days", "/dashboard/?days=30", True),
        ("dashboard, 90 days", "/dashboard/?days=90", True),
        ("live body (?partial=1), 7 days", "/dashboard/?days=7&partial=1", True),
        ("CSV export (by dimension), 30 days", "/dashboard/export/by-dimension.csv?days=30", True),
    ]
    results = []
    for name, url, standard in pages:
        queries, _ = captured(client, url)
        if standard:
            warm_standard_periods()
            times = timed(client, url, requests, cold=False, label=name)
            results.append(Result("served", name, PAGE_TARGET_MS, times, queries, None))
        times = timed(client, url, max(10, requests // 4), cold=True, label=name)
        results.append(Result("cold", name, PAGE_TARGET_MS, times, queries, None))
    client.defaults["HTTP_AUTHORIZATION"] = f"Bearer {token}"
    url = "/api/v1/metrics/?days=30"
    queries, _ = captured(client, url)
    warm_standard_periods()
    times = timed(client, url, requests, cold=False, label="api")
    results.append(
        Result("served", "GET /api/v1/metrics/, 30 days", PAGE_TARGET_MS, times, queries, None)
    )
    return results


# --- Freshness under ingest -----------------------------------------------------------


def _ingest(rate: int, seconds: float, counter: Any, cap: int | None = None) -> None:
    from django.db import connection
    from django.utils import timezone

    from inbox.channels.base import InboundAuthor, InboundEvent
    from inbox.models import ChannelAccount
    from inbox.services.ingest import ingest_events

    connection.close()
    account = ChannelAccount.objects.get(platform="x", external_id=X_ACCOUNT_ID)
    rng = random.Random(7)
    texts = [
        "@BenchCares my order has not arrived yet, please help",
        "@BenchCares battery drains in two hours, this is the second laptop",
        "@BenchCares pesanan saya belum sampai, tolong dicek",
        "@BenchCares thanks, the technician fixed it today!",
    ]
    batch, tick = rate // 10, 0.1
    run = int(time.time())
    started = time.perf_counter()
    n = 0
    while time.perf_counter() - started < seconds and (cap is None or n < cap):
        due = started + (n // batch + 1) * tick
        events = []
        for _ in range(batch):
            who = rng.randrange(50_000)
            events.append(
                InboundEvent(
                    kind="mention",
                    external_id=str(1_980_000_000_000_000_000 + run * 10_000_000 + n),
                    created_at=timezone.now(),
                    text=rng.choice(texts),
                    customer=InboundAuthor(
                        external_id=f"77{who}", handle=f"fresh{who}", name=f"Fresh {who}"
                    ),
                )
            )
            n += 1
        ingest_events(account=account, events=events)
        counter.value = n
        time.sleep(max(0.0, due - time.perf_counter()))
    connection.close()


def _refresh(seconds: float, durations: Any) -> None:
    from django.db import connection

    from care.metrics.rollups import refresh_rollups

    connection.close()
    started = time.perf_counter()
    i = 0
    while time.perf_counter() - started < seconds + REFRESH_EVERY_S:
        began = time.perf_counter()
        refresh_rollups()
        durations[i % len(durations)] = time.perf_counter() - began
        i += 1
        time.sleep(max(0.0, REFRESH_EVERY_S - (time.perf_counter() - began)))
    connection.close()


def freshness(rate: int, seconds: float) -> dict[str, Any]:
    from django.db import connection
    from django.db.models import Count, Sum
    from django.utils import timezone

    from care.metrics.models import RollupState, VolumeHour
    from care.metrics.rollups import refresh_rollups
    from inbox.models import Message

    refresh_rollups()
    begin = timezone.now()
    connection.close()
    fork = multiprocessing.get_context("fork")
    counter = fork.Value("q", 0)
    durations = fork.Array("d", [0.0] * 64)
    ingest = fork.Process(target=_ingest, args=(rate, seconds, counter))
    refresher = fork.Process(target=_refresh, args=(seconds, durations))
    ingest.start()
    refresher.start()
    staleness = []
    started = time.perf_counter()
    with tqdm(total=int(seconds), desc="freshness", unit=" s") as bar:
        while ingest.is_alive():
            time.sleep(1.0)
            state = RollupState.objects.get(name="rollups")
            staleness.append((timezone.now() - state.covered_until).total_seconds())
            bar.update(1)
    achieved = counter.value / (time.perf_counter() - started)
    refresher.join()
    refresh_rollups()
    first_hour = begin.replace(minute=0, second=0, microsecond=0)
    counted = VolumeHour.objects.filter(hour__gte=first_hour, direction="inbound").aggregate(
        n=Sum("count")
    )["n"]
    actual = (
        Message.objects.filter(received_at__gte=first_hour, direction="inbound")
        .exclude(intent="spam")
        .exclude(conversation__tags__name="spam")
        .aggregate(n=Count("pk"))["n"]
    )
    runs = [d for d in durations[:] if d > 0]
    return {
        "ingested": counter.value,
        "rate": achieved,
        "max_staleness": max(staleness),
        "p95_staleness": sorted(staleness)[int(0.95 * (len(staleness) - 1))],
        "refresh_max": max(runs),
        "refresh_median": sorted(runs)[len(runs) // 2],
        "counted": counted,
        "actual": actual,
    }


def burst(messages: int) -> dict[str, Any]:
    """One 15-second window of a 2,000 messages/s ingest, refreshed in one run: the
    messages land (two ingest processes, as fast as they can) while no refresh runs,
    then one refresh covers them all. The rollups stay current as long as such a run
    takes less than the 15 s between runs; they are then at most 15 s + that run old."""
    from django.db import connection

    from care.metrics.rollups import refresh_rollups

    refresh_rollups()
    connection.close()
    fork = multiprocessing.get_context("fork")
    counters = [fork.Value("q", 0) for _ in range(2)]
    workers = [
        fork.Process(target=_ingest, args=(100_000, 3600.0, counter, messages // 2))
        for counter in counters
    ]
    started = time.perf_counter()
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    landed = sum(c.value for c in counters)
    ingest_seconds = time.perf_counter() - started
    began = time.perf_counter()
    outcome = refresh_rollups()
    return {
        "messages": landed,
        "ingest_seconds": ingest_seconds,
        "refresh_seconds": time.perf_counter() - began,
        "cases": outcome.cases if outcome else 0,
    }


def scratch_copy(database_url: str) -> str:
    source = database_url.rsplit("/", 1)[1]
    admin = database_url.rsplit("/", 1)[0] + "/postgres"
    copy = f"{source}_fresh"
    subprocess.run(["psql", admin, "-qc", f"DROP DATABASE IF EXISTS {copy}"], check=True)
    subprocess.run(["psql", admin, "-qc", f"CREATE DATABASE {copy} TEMPLATE {source}"], check=True)
    return database_url.rsplit("/", 1)[0] + "/" + copy


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    add_data_arguments(parser)
    parser.add_argument("--requests", type=int, default=40, help="requests per page")
    parser.add_argument("--skip-rebuild", action="store_true", help="the rollups are current")
    parser.add_argument("--freshness", action="store_true", help="measure freshness under ingest")
    parser.add_argument("--rate", type=int, default=2000, help="messages/s for --freshness")
    parser.add_argument("--seconds", type=float, default=120.0, help="ingest time for --freshness")
    parser.add_argument(
        "--burst", type=int, default=0, help="with --freshness: N messages, then one refresh"
    )
    args = parser.parse_args()
    if args.freshness and not args.sqlite:
        print("copying the database for the freshness run (it grows) ...")
        args.database_url = scratch_copy(args.database_url)
    summary = prepare(args, static=True)
    from inbox.models import Message

    machine = platform.processor() or platform.machine()
    print(f"\n{platform.node()}: {machine}, Python {platform.python_version()}")
    print(f"data: {Message.objects.count():,} messages {summary}")
    if not args.skip_rebuild:
        seconds, cases, hours = rebuild_all()
        print(f"\nrebuild: {cases:,} cases counted, {hours:,} hours of volume, in {seconds:.1f} s")
    if args.freshness and args.burst:
        b = burst(args.burst)
        print(
            f"\nburst: {b['messages']:,} messages ingested in {b['ingest_seconds']:.0f} s; one "
            f"refresh run took {b['refresh_seconds']:.1f} s for them ({b['cases']:,} cases): "
            f"{b['messages'] / b['refresh_seconds']:,.0f} messages/s of refresh"
        )
        return
    if args.freshness:
        r = freshness(args.rate, args.seconds)
        fresh = "PASS" if r["max_staleness"] <= FRESH_TARGET_S else "FAIL"
        exact = "EXACT" if r["counted"] == r["actual"] else "MISMATCH"
        print(
            f"\nfreshness: {r['ingested']:,} messages ingested at {r['rate']:.0f}/s "
            f"(asked {args.rate}/s); dashboard data at most {r['max_staleness']:.1f} s old "
            f"(p95 {r['p95_staleness']:.1f} s; target {FRESH_TARGET_S:.0f} s): {fresh}; "
            f"refresh run median {r['refresh_median']:.2f} s, max {r['refresh_max']:.2f} s; "
            f"hourly counts {r['counted']:,} vs messages {r['actual']:,}: {exact}"
        )
        return
    pages = measure_pages(args.requests)
    print(f"\n| page | figures | p50 | p95 | max | queries | target p95 {PAGE_TARGET_MS:.0f} ms |")
    print("|---|---|---|---|---|---|---|")
    for page in pages:
        print(
            f"| {page.page} | {page.persona} | {page.p50:.0f} ms | {page.p95:.0f} ms | "
            f"{page.max:.0f} ms | {page.queries} | {'PASS' if page.ok else 'FAIL'} |"
        )


if __name__ == "__main__":
    main()
