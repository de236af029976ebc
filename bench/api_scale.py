"""Benchmark: the REST API (/api/v1/) at 1,000,000 messages in 200,000 conversations.

Uses bench/inbox_scale.py's data (its generator, its database: care_bench_inbox by
default; `--generate` makes it the first time) and measures, through the whole Django
stack with production settings (DJANGO_DEBUG=0) and DRF's APIClient with a Bearer token of
an agent who works both channels and of a supervisor:

- GET /api/v1/conversations/?page_size=100, unfiltered and with each filter (status,
  assignee, channel, priority, tag, department, updated_after, a combination), the next
  page through the `next` cursor and pages deep into the set;
- a conversation's messages (?page_size=100), customers (?page_size=100, and their next
  page), escalations and alerts;
- p50/p95/max of the wall time of `client.get` and the SQL queries of a request, against
  the target (p95 <= 50 ms), and that the queries do not grow with the rows: 1 vs 100
  rows per list, 2 vs 20 messages in a thread (PASS/FAIL).

Usage (the data is generated once by either benchmark and kept):
    .venv/bin/python bench/api_scale.py --generate         # generates if missing, measures
    .venv/bin/python bench/api_scale.py --requests 100 --explain
    .venv/bin/python bench/api_scale.py --database-url postgres://postgres@127.0.0.1:5432/x
"""

from __future__ import annotations

import argparse
import base64
import os
import random
import statistics
import sys
import time
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from tqdm import tqdm

sys.path.insert(0, str(Path(__file__).resolve().parent))

from inbox_scale import (  # bench/ is not a package: its folder is on the path above
    DEPARTMENTS,
    LIST_TARGET_MS,
    Fixtures,
    Result,
    add_data_arguments,
    captured,
    database_name,
    find_fixtures,
    machine_line,
    prepare,
)

if TYPE_CHECKING:
    from django.test import Client

    from care.models import Agent

API = "/api/v1"
PAGE = 100
LABEL = "bench/api_scale.py"  # the name of the API tokens made for the run


def cursor(position: int) -> str:
    """A cursor as DRF's CursorPagination writes it: rows after id `position` (ordering -id)."""
    return base64.b64encode(urlencode({"p": position}).encode()).decode()


def timed(client: Client, urls: Sequence[str], bar: tqdm) -> tuple[list[float], list[float]]:
    """Wall and this process's CPU seconds of each request. On a shared machine the wall
    time includes waiting for a core; the CPU time is Django's own work (not PostgreSQL's)."""
    wall, cpu = [], []
    for url in urls:
        started, started_cpu = time.perf_counter(), time.process_time()
        response = client.get(url)
        wall.append(time.perf_counter() - started)
        cpu.append(time.process_time() - started_cpu)
        if response.status_code != 200:
            raise SystemExit(f"{url}: HTTP {response.status_code}")
        bar.update()
    return wall, cpu


def count_rows(body: dict[str, Any]) -> int:
    return len(body.get("results", []))


def api_queries(client: Client, url: str) -> tuple[int, list[dict[str, str]]]:
    """The request's queries, without the token's `last_used_at` UPDATE (once a minute)."""
    _, queries = captured(client, url)
    kept = [q for q in queries if not q["sql"].startswith('UPDATE "care_apitoken"')]
    return len(kept), kept


def requests_to_measure(
    personas: dict[str, Agent], f: Fixtures, client: Client
) -> list[tuple[str, list[str]]]:
    """(label, urls): a list of one url is asked n times, a longer one goes round."""
    from django.db.models import Count

    from inbox.models import Conversation, Customer, Tag

    tags = Tag.objects.annotate(n=Count("conversations")).order_by("-n")
    common_tag, rare_tag = tags.first(), tags.last()
    assert common_tag is not None and rare_tag is not None
    department = DEPARTMENTS[0].lower().replace(" ", "-")
    agent = personas["agent"].pk
    max_id = Conversation.objects.order_by("-id").values_list("id", flat=True)[0]
    max_customer = Customer.objects.order_by("-id").values_list("id", flat=True)[0]
    since = (datetime.now(UTC) - timedelta(days=1)).isoformat()
    conversations = f"{API}/conversations/?page_size={PAGE}"
    first = client.get(conversations).json()
    customers_first = client.get(f"{API}/customers/?page_size={PAGE}").json()
    return [
        ("conversations", [conversations]),
        ("conversations ?status=open", [f"{conversations}&status=open"]),
        ("conversations ?status=resolved", [f"{conversations}&status=resolved"]),
        ("conversations ?assignee=<agent>", [f"{conversations}&assignee={agent}"]),
        ("conversations ?channel=<X>", [f"{conversations}&channel={f.x_account}"]),
        ("conversations ?priority=40", [f"{conversations}&priority=40"]),
        (f"conversations ?tag={common_tag.name}", [f"{conversations}&tag={common_tag.name}"]),
        (f"conversations ?tag={rare_tag.name}", [f"{conversations}&tag={rare_tag.name}"]),
        (f"conversations ?department={department}", [f"{conversations}&department={department}"]),
        (
            "conversations ?status=open&channel=<X>&priority=30",
            [f"{conversations}&status=open&channel={f.x_account}&priority=30"],
        ),
        (
            "conversations ?assignee=<agent>&status=resolved",
            [f"{conversations}&assignee={agent}&status=resolved"],
        ),
        (
            "conversations ?updated_after=<1 day ago>",
            [f"{conversations}&{urlencode({'updated_after': since})}"],
        ),
        ("conversations: next page (its cursor)", [first["next"]]),
        (
            "conversations: deep pages (cursor at random ids)",
            [
                f"{conversations}&cursor={cursor(random.randint(PAGE + 1, max_id))}"
                for _ in range(50)
            ],
        ),
        (
            "conversations ?status=open: deep page (middle)",
            [f"{conversations}&status=open&cursor={cursor(max_id // 2)}"],
        ),
        (
            "conversations ?tag=…: deep page (middle)",
            [f"{conversations}&tag={common_tag.name}&cursor={cursor(max_id // 2)}"],
        ),
        (
            "messages: random conversations",
            [f"{API}/conversations/{pk}/messages/?page_size={PAGE}" for pk in f.conversations],
        ),
        (
            "messages: ~20-message threads",
            [f"{API}/conversations/{pk}/messages/?page_size={PAGE}" for pk in f.long_threads],
        ),
        ("customers", [f"{API}/customers/?page_size={PAGE}"]),
        ("customers: next page (its cursor)", [customers_first["next"]]),
        (
            "customers: deep page (middle)",
            [f"{API}/customers/?page_size={PAGE}&cursor={cursor(max_customer // 2)}"],
        ),
        ("escalations", [f"{API}/escalations/"]),
        ("escalations ?page_size=100", [f"{API}/escalations/?page_size={PAGE}"]),
        ("alerts", [f"{API}/alerts/"]),
    ]


def same_queries(client: Client, label: str, small: str, large: str) -> tuple[str, bool]:
    one, _ = api_queries(client, small)
    many, _ = api_queries(client, large)
    rows = (count_rows(client.get(small).json()), count_rows(client.get(large).json()))
    return f"{label}: {rows[0]} vs {rows[1]} rows: {one} vs {many} queries", one == many


def measure(
    personas: dict[str, Agent], tokens: dict[str, str], f: Fixtures, n: int, explain: bool
) -> tuple[list[Result], list[tuple[str, bool]], dict[tuple[str, str], float]]:
    from rest_framework.test import APIClient

    results: list[Result] = []
    checks: list[tuple[str, bool]] = []
    cpu_ms: dict[tuple[str, str], float] = {}
    for persona in personas:
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {tokens[persona]}")
        for url in (f"{API}/me/", f"{API}/conversations/", f"{API}/customers/"):
            client.get(url)  # warm: connection open, code paths loaded
        measured = requests_to_measure(personas, f, client)
        with tqdm(
            total=len(measured) * n, desc=persona, unit=" req", leave=False, mininterval=2
        ) as bar:
            for label, urls in measured:
                queries, _ = api_queries(client, urls[0])
                rows = count_rows(client.get(urls[0]).json())
                round_ = [urls[i % len(urls)] for i in range(n)]
                times, cpu = timed(client, round_, bar)
                result = Result(persona, label, LIST_TARGET_MS, times, queries, rows)
                results.append(result)
                cpu_ms[persona, label] = statistics.median(cpu) * 1000
                if explain and not result.ok:
                    explain_slowest(client, result, urls[0])
        conversations = f"{API}/conversations/?status=open"
        checks.append(
            same_queries(
                client,
                f"{persona}: conversations",
                f"{conversations}&page_size=1",
                f"{conversations}&page_size={PAGE}",
            )
        )
        checks.append(
            same_queries(
                client,
                f"{persona}: messages",
                f"{API}/conversations/{f.two_messages}/messages/?page_size={PAGE}",
                f"{API}/conversations/{f.twenty_messages}/messages/?page_size={PAGE}",
            )
        )
        for name in ("customers", "escalations"):
            checks.append(
                same_queries(
                    client,
                    f"{persona}: {name}",
                    f"{API}/{name}/?page_size=1",
                    f"{API}/{name}/?page_size={PAGE}",
                )
            )
    return results, checks, cpu_ms


def explain_slowest(client: Client, result: Result, url: str) -> None:
    """EXPLAIN ANALYZE of the two slowest queries of a request that missed its target."""
    from django.db import connection

    _, queries = api_queries(client, url)
    slowest = sorted(queries, key=lambda q: float(q["time"]), reverse=True)[:2]
    print(f"\n### {result.persona} · {result.page}: p95 {result.p95:.1f} ms", file=sys.stderr)
    for query in slowest:
        print(f"-- {float(query['time']) * 1000:.1f} ms: {query['sql'][:2000]}", file=sys.stderr)
        if connection.vendor != "postgresql":
            continue
        with connection.cursor() as db:
            db.execute(f"EXPLAIN (ANALYZE, BUFFERS) {query['sql']}")
            print("\n".join(row[0] for row in db.fetchall()), file=sys.stderr)


def report(
    results: Sequence[Result],
    checks: Sequence[tuple[str, bool]],
    cpu_ms: dict[tuple[str, str], float],
    n: int,
    load: tuple[float, float],
) -> None:
    from inbox.models import ChannelAccount, Escalation, VolumeAlert

    size = ChannelAccount.objects.filter(cursors__has_key="bench").first()
    bench = size.cursors["bench"] if size is not None else {}
    print(machine_line())
    print(
        f"database: {database_name()}: "
        f"{bench.get('customers', 0):,} customers, {bench.get('conversations', 0):,} "
        f"conversations, {bench.get('messages', 0):,} messages, "
        f"{Escalation.objects.count():,} escalations, {VolumeAlert.objects.count():,} alerts"
    )
    print(
        f"requests: {n} per request and persona, DJANGO_DEBUG=0, rest_framework.test.APIClient "
        f"with a Bearer token; 1-minute load average {load[0]:.2f} before, {load[1]:.2f} after\n"
    )
    print(
        "| persona | request | rows | p50 ms | p95 ms | max ms | CPU p50 ms | queries "
        "| target p95 |"
    )
    print("|---|---|---|---|---|---|---|---|---|")
    for r in results:
        verdict = "ok" if r.ok else "**missed**"
        print(
            f"| {r.persona} | {r.page} | {r.rows} | {r.p50:.1f} | {r.p95:.1f} | {r.max:.1f} | "
            f"{cpu_ms[r.persona, r.page]:.1f} | {r.queries} | ≤ {r.target_ms:.0f} ms {verdict} |"
        )
    print()
    for text, ok in checks:
        print(f"{'PASS' if ok else 'FAIL'}  {text}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_data_arguments(parser)
    parser.add_argument("--requests", type=int, default=200, help="per request and persona")
    parser.add_argument("--explain", action="store_true", help="EXPLAIN ANALYZE slow requests")
    args = parser.parse_args()
    # What is measured is the API, not its throttle: the bench asks far more than 600/min.
    os.environ.setdefault("CARE_API_RATE_READ", "1000000/min")
    prepare(args, static=False)  # JSON only: no static files to collect
    if args.generate_only:
        return

    from care.models import Agent, ApiToken
    from care.tokens import create_api_token

    random.seed(args.seed + 2)
    fixtures = find_fixtures(random.Random(args.seed + 1), args.requests)
    personas = {
        "agent": Agent.objects.get(user__username="bench-bag"),
        "supervisor": Agent.objects.get(user__username="bench-supervisor"),
    }
    ApiToken.objects.filter(name=LABEL).delete()  # an interrupted run's
    tokens = {
        persona: create_api_token(agent=agent, name=LABEL, scope="read")[1]
        for persona, agent in personas.items()
    }
    load_before = os.getloadavg()[0]
    try:
        results, checks, cpu_ms = measure(personas, tokens, fixtures, args.requests, args.explain)
    finally:
        ApiToken.objects.filter(name=LABEL).delete()
    report(results, checks, cpu_ms, args.requests, (load_before, os.getloadavg()[0]))
    failures = [r for r in results if not r.ok]
    failed = [t for t, ok in checks if not ok]
    if failures or failed:
        raise SystemExit(f"FAILED: {len(failures)} requests over target, {len(failed)} checks")


if __name__ == "__main__":
    main()
