"""Benchmark: the outbox, replies posted by real Celery workers to the simulated X.

Issue 6's three targets, on PostgreSQL, Redis and real `celery worker` (and `celery beat`)
processes, with the platform simulator in this process (X's rate limits off, so the run
measures care, not X's 100-replies-per-15-minutes user limit):

1. send latency, worker idle: N replies one after the other, each a real POST to
   `inbox:reply` through Django's test Client (the view, the form, `send_reply`, the task
   sent to Redis after commit); timed from just before the POST until the reply is on the
   simulator. Target p95 <= 2 s.
2. a burst: 1,000 replies on 1,000 conversations queued in one transaction; timed until
   every Reply is sent. Target: all posted exactly once.
3. crash + outage: N replies queued, the worker killed with -9 while it posts (X answers
   each call after 0.4 s, so calls are in flight), then the benchmark's own redis-server
   killed for 30 s; both restarted, Celery beat's relay re-sends what was lost. Target:
   every reply posted exactly once within 60 s after both are back.

Usage (a scratch database is created and dropped; the Redis db is flushed; phase 3 runs its
own redis-server on a free port):
    .venv/bin/python bench/outbox.py \
        --postgres postgres://postgres@127.0.0.1:5432/care_bench_outbox \
        --redis redis://127.0.0.1:6379/12 [--latency-samples 50] [--burst 1000] \
        [--crash-replies 200] [--outage 30] [--concurrency 4]
"""

from __future__ import annotations

import argparse
import contextlib
import os
import platform
import re
import secrets
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import redis
from cryptography.fernet import Fernet

if TYPE_CHECKING:
    from care.models import Agent
    from inbox.models import ChannelAccount, Conversation
    from simulator.server import RunningSimulator
    from tests.redis_server import OwnRedis

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

LATENCY_TARGET_S = 2.0
RECOVERY_TARGET_S = 60.0
# Every reply carries a tag, so the simulator's posts can be counted per phase and reply.
PHASES = {"L": "phase 1", "B": "phase 2", "C": "phase 3"}  # tag letter -> phase
TAG = re.compile(r"\[(?P<phase>[A-Z])-(?P<n>\d+)\]")


# --- helpers -------------------------------------------------------------------------------
def percentile(values: list[float], share: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(values)
    rank = max(1, round(share * len(ordered) + 0.4999))
    return ordered[min(rank, len(ordered)) - 1]


def say(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


def progress(label: str, done: int, total: int) -> None:
    print(f"\r  {label}: {done:,}/{total:,}", end="", file=sys.stderr, flush=True)


def wait_for(
    what: str,
    check: Callable[[], bool],
    *,
    timeout: float,
    every: float = 0.01,
    alive: Callable[[], None] | None = None,
) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if alive is not None:
            alive()
        if time.monotonic() > deadline:
            raise TimeoutError(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(every)


class Processes:
    """Worker and beat subprocesses, each in its own process group, logs in the scratch dir."""

    def __init__(self, scratch: Path) -> None:
        self.scratch = scratch
        self.procs: dict[str, subprocess.Popen[bytes]] = {}

    def start(self, name: str, args: list[str], env: dict[str, str]) -> None:
        with (self.scratch / f"{name}.log").open("ab") as log:
            self.procs[name] = subprocess.Popen(
                [sys.executable, "-m", "celery", "-A", "care", *args],
                cwd=self.scratch,  # nothing they write lands in the repository
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def running(self, name: str) -> bool:
        proc = self.procs.get(name)
        return proc is not None and proc.poll() is None

    def check_alive(self, *names: str) -> None:
        for name in names:
            proc = self.procs.get(name)
            if proc is not None and proc.poll() is not None:
                raise RuntimeError(f"{name} exited with {proc.returncode}:\n{self.tail(name)}")

    def kill9(self, name: str) -> None:
        """The whole group (the worker's pool processes too), as abruptly as a crash."""
        proc = self.procs.pop(name)
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)

    def stop(self, name: str) -> None:
        proc = self.procs.pop(name, None)
        if proc is None:
            return
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)  # a warm shutdown: tasks in hand finish
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.wait(timeout=30)
        # Whatever is left of the group (a pool process that outlived its parent).
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)

    def stop_all(self) -> None:
        for name in list(self.procs):
            self.stop(name)

    def tail(self, name: str, chars: int = 3000) -> str:
        path = self.scratch / f"{name}.log"
        return path.read_text(errors="replace")[-chars:] if path.exists() else ""


def worker_args(concurrency: int) -> list[str]:
    return ["worker", f"--concurrency={concurrency}", "--loglevel=INFO", "--hostname=outbox@%h"]


def wait_for_worker(processes: Processes) -> None:
    from care.celery import app

    wait_for(
        "a worker to answer a ping",
        lambda: bool(app.control.ping(timeout=0.5)),
        timeout=120,
        every=0.2,
        alive=lambda: processes.check_alive("worker"),
    )


# --- data ----------------------------------------------------------------------------------
def ingest(
    sim: RunningSimulator, account: ChannelAccount, phase: str, count: int, first_author: int
) -> list[Conversation]:
    """`count` mentions from as many customers on the simulator, polled into conversations."""
    from inbox.models import Conversation, Message
    from inbox.services.polling import poll_channel

    config = sim.sim.config
    ids = [
        sim.x.add_mention(
            text=f"@{config.x_username} order {phase}-{n} has not arrived, can you check?",
            author={"id": str(first_author + n)},
        )["id"]
        for n in range(count)
    ]
    say(f"{PHASES[phase]}: polling {count:,} mentions into conversations ...")
    poll_channel(account_id=account.pk)
    by_mention = dict(
        Message.objects.filter(channel_account=account, external_id__in=ids).values_list(
            "external_id", "conversation_id"
        )
    )
    if len(by_mention) != count:
        raise RuntimeError(f"{PHASES[phase]}: {len(by_mention)} of {count} mentions stored")
    conversations = Conversation.objects.in_bulk([by_mention[i] for i in ids])
    return [conversations[by_mention[i]] for i in ids]


def reply_text(phase: str, n: int) -> str:
    return f"Sorry for the wait on your order: it left our warehouse today. [{phase}-{n:04d}]"


def posts_by_tag(sim: RunningSimulator, phase: str) -> Counter[int]:
    """How many times the simulator holds each reply of `phase` (the brand's replies)."""
    found: Counter[int] = Counter()
    for post in sim.x.latest_brand_replies(10**9):
        match = TAG.search(post["text"])
        if match and match["phase"] == phase:
            found[int(match["n"])] += 1
    return found


def outcome_checks(
    sim: RunningSimulator, phase: str, reply_ids: list[int], expected: int
) -> dict[str, Any]:
    """Posts on the simulator against Reply rows and outbound messages, for one phase."""
    from inbox.models import Message
    from responses.models import Reply

    posts = posts_by_tag(sim, phase)
    replies = Reply.objects.filter(pk__in=reply_ids)
    platform_ids = list(replies.exclude(platform_id="").values_list("platform_id", flat=True))
    conversations = replies.values("conversation_id")
    outbound = Message.objects.filter(
        conversation_id__in=conversations, direction=Message.Direction.OUTBOUND
    ).count()
    status = Counter(replies.values_list("status", flat=True))
    on_sim = {
        p["id"]
        for p in sim.x.latest_brand_replies(10**9)
        if (m := TAG.search(p["text"])) and m["phase"] == phase
    }
    checks = {
        "posts": sum(posts.values()),
        "replies posted": len(posts),
        "duplicates": sum(c - 1 for c in posts.values() if c > 1),
        "platform ids": len(platform_ids),
        "distinct platform ids": len(set(platform_ids)),
        "ids match the simulator": set(platform_ids) == on_sim,
        "outbound messages": outbound,
        "status": dict(status),
    }
    checks["ok"] = (
        checks["posts"] == expected
        and checks["replies posted"] == expected
        and checks["distinct platform ids"] == expected
        and checks["ids match the simulator"]
        and outbound == expected
        and status == Counter({Reply.Status.SENT: expected})
    )
    return checks


def queue_in_one_transaction(
    conversations: list[Conversation], agent: Agent, phase: str
) -> tuple[list[int], float, float]:
    """send_reply for each conversation in one transaction; returns the reply ids, the
    seconds the transaction took to commit and the moment it committed (perf_counter)."""
    from django.db import transaction

    from responses.services.outbox import send_reply

    marks: dict[str, float] = {}
    started = time.perf_counter()
    with transaction.atomic():
        # Registered first, so it runs before the 1,000 task sends that follow the commit.
        transaction.on_commit(lambda: marks.setdefault("commit", time.perf_counter()))
        ids = []
        for n, conversation in enumerate(conversations):
            reply = send_reply(
                conversation=conversation,
                by=agent,
                text=reply_text(phase, n),
                idempotency_key=uuid.uuid4(),
                confirmed=True,
            )
            ids.append(reply.pk)
            if n % 50 == 0 or n == len(conversations) - 1:
                progress(f"{PHASES[phase]}: queueing", n + 1, len(conversations))
    print(file=sys.stderr)
    return ids, marks["commit"] - started, marks["commit"]


def count_sent(reply_ids: list[int]) -> tuple[int, int]:
    """(sent, failed) among `reply_ids`."""
    from responses.models import Reply

    status = Counter(Reply.objects.filter(pk__in=reply_ids).values_list("status", flat=True))
    return status[Reply.Status.SENT], status[Reply.Status.FAILED]


def failed_reasons(reply_ids: list[int]) -> str:
    from responses.models import Reply

    reasons = Counter(
        Reply.objects.filter(pk__in=reply_ids, status=Reply.Status.FAILED).values_list(
            "error_code", "error"
        )
    )
    return "; ".join(f"{n} x {code}: {error}" for (code, error), n in reasons.most_common(3))


def wait_all_sent(
    reply_ids: list[int], label: str, *, timeout: float, alive: Callable[[], None]
) -> None:
    deadline = time.monotonic() + timeout
    while True:
        sent, failed = count_sent(reply_ids)
        progress(label, sent, len(reply_ids))
        if failed:
            print(file=sys.stderr)
            raise RuntimeError(f"{failed} replies failed: {failed_reasons(reply_ids)}")
        if sent == len(reply_ids):
            print(file=sys.stderr)
            return
        if time.monotonic() > deadline:
            print(file=sys.stderr)
            raise TimeoutError(f"{label}: {sent} of {len(reply_ids)} sent after {timeout:.0f} s")
        alive()
        time.sleep(0.05)


# --- the three measurements ----------------------------------------------------------------
def send_latency(
    sim: RunningSimulator,
    account: ChannelAccount,
    agent: Agent,
    samples: int,
    processes: Processes,
    results: dict[str, Any],
) -> None:
    from django.test import Client
    from django.urls import reverse

    from inbox.models import Message
    from responses.models import Reply

    conversations = ingest(sim, account, "L", samples, first_author=8_000_000)
    client = Client()
    client.force_login(agent.user)
    latencies: list[float] = []
    answered: list[float] = []  # of each latency, the POST (view, commit, task to Redis)
    for n, conversation in enumerate(conversations):
        seen = Message.objects.filter(conversation=conversation).order_by("-pk").first()
        tag = f"[L-{n:04d}]"
        data = {
            "text": reply_text("L", n),
            "seen_message_id": seen.pk if seen else 0,
            "seen_reply_id": 0,
            "idempotency_key": str(uuid.uuid4()),
        }
        url = reverse("inbox:reply", args=[conversation.pk])
        started = time.perf_counter()
        response = client.post(url, data)
        answered.append(time.perf_counter() - started)
        if response.status_code != 302:
            raise RuntimeError(
                f"POST {url} answered {response.status_code}: {response.content[:2000]!r}"
            )

        def on_x(tag: str = tag) -> bool:
            latest = sim.x.latest_brand_replies(1)
            return bool(latest) and tag in latest[0]["text"]

        wait_for(
            f"reply {tag} on the simulator",
            on_x,
            timeout=60,
            every=0.01,
            alive=lambda: processes.check_alive("worker"),
        )
        latencies.append(time.perf_counter() - started)
        progress("phase 1: one at a time", n + 1, samples)
    print(file=sys.stderr)
    # The worker records "sent" just after X answers; give it that moment before checking.
    ids = list(Reply.objects.filter(conversation__in=conversations).values_list("pk", flat=True))
    wait_all_sent(ids, "phase 1: recorded sent", timeout=30, alive=lambda: None)
    checks = outcome_checks(sim, "L", ids, samples)
    results["latency"] = {
        "samples": samples,
        "p50": statistics.median(latencies),
        "p95": percentile(latencies, 0.95),
        "max": max(latencies),
        "first": latencies[0],
        "post_p50": statistics.median(answered),
        "post_max": max(answered),
        "checks": checks,
    }


def burst(
    sim: RunningSimulator,
    account: ChannelAccount,
    agent: Agent,
    count: int,
    processes: Processes,
    results: dict[str, Any],
) -> None:
    conversations = ingest(sim, account, "B", count, first_author=9_000_000)
    ids, transaction_s, committed = queue_in_one_transaction(conversations, agent, "B")
    wait_all_sent(
        ids,
        "phase 2: sent",
        timeout=max(600.0, count * 0.5),
        alive=lambda: processes.check_alive("worker"),
    )
    elapsed = time.perf_counter() - committed
    results["burst"] = {
        "replies": count,
        "transaction": transaction_s,
        "elapsed": elapsed,
        "rate": count / elapsed,
        "checks": outcome_checks(sim, "B", ids, count),
    }


def crash_and_outage(
    sim: RunningSimulator,
    account: ChannelAccount,
    agent: Agent,
    args: argparse.Namespace,
    env: dict[str, str],
    scratch: Path,
    processes: Processes,
    own_redis: OwnRedis,
    results: dict[str, Any],
) -> None:
    from simulator.core import Fault
    from tests.processes import point_producer_at

    count = args.crash_replies
    conversations = ingest(sim, account, "C", count, first_author=10_000_000)
    own_redis.start()
    point_producer_at(own_redis.url)
    env = {**env, "REDIS_URL": own_redis.url}
    beat_args = ["beat", "--loglevel=INFO", f"--pidfile={scratch / 'beat.pid'}"]
    processes.start("worker", worker_args(args.concurrency), env)
    processes.start("beat", beat_args, env)
    wait_for_worker(processes)
    # Every call waits at X: the worker is always in the middle of some when it is killed.
    sim.sim.faults.add(
        Fault(platform="x", kind="latency", latency_ms=args.x_latency_ms, remaining=None)
    )
    ids, _, _ = queue_in_one_transaction(conversations, agent, "C")
    kill_at = max(1, count // 10)

    def enough_sent() -> bool:
        sent, _ = count_sent(ids)
        progress("phase 3: sent before the kill", sent, kill_at)
        return sent >= kill_at

    wait_for(
        "replies to be sent before the kill",
        enough_sent,
        timeout=120,
        every=0.05,
        alive=lambda: processes.check_alive("worker"),
    )
    print(file=sys.stderr)
    processes.kill9("worker")  # mid-post: its calls are in flight at X
    own_redis.stop()
    at_crash, _ = count_sent(ids)
    from responses.models import Reply

    in_flight = Reply.objects.filter(pk__in=ids, status=Reply.Status.SENDING).count()
    say(
        f"phase 3: worker killed with -9 at {at_crash} sent ({in_flight} marked sending), "
        f"Redis stopped; waiting {args.outage:g} s"
    )
    over = time.monotonic() + args.outage
    while (left := over - time.monotonic()) > 0:
        print(f"\r  outage: {left:>4.0f} s left", end="", file=sys.stderr, flush=True)
        time.sleep(min(1.0, left))
    print(file=sys.stderr)
    own_redis.start()
    processes.start("worker", worker_args(args.concurrency), env)
    back = time.perf_counter()
    beat_restarted = not processes.running("beat")
    if beat_restarted:  # beat may give up on a broker that went away
        processes.stop("beat")
        processes.start("beat", beat_args, env)
    wait_all_sent(
        ids,
        "phase 3: sent after both are back",
        timeout=600,
        alive=lambda: processes.check_alive("worker", "beat"),
    )
    recovered = time.perf_counter() - back
    processes.stop("beat")
    processes.stop("worker")
    sim.sim.faults.clear()
    attempts = list(Reply.objects.filter(pk__in=ids).values_list("attempts", flat=True))
    results["crash"] = {
        "replies": count,
        "at_crash": at_crash,
        "in_flight": in_flight,
        "outage": args.outage,
        "recovered": recovered,
        "beat_restarted": beat_restarted,
        "attempts": Counter(attempts),
        "checks": outcome_checks(sim, "C", ids, count),
    }


# --- setup, teardown, report ---------------------------------------------------------------
def report(args: argparse.Namespace, results: dict[str, Any]) -> bool:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        pg_version = cursor.fetchone()[0].split()[0]
    redis_version = redis.Redis.from_url(args.redis).info()["redis_version"]
    ok = True
    print()
    print(
        f"machine: {platform.node()}, {os.cpu_count()} cores, Python "
        f"{platform.python_version()}, PostgreSQL {pg_version}, Redis {redis_version}; "
        f"{datetime.now(UTC):%Y-%m-%d}; worker --concurrency={args.concurrency}; "
        "X rate limits off"
    )
    before, after = results["load"], os.getloadavg()[0]
    print(f"1-minute load average: {before:.2f} at the start, {after:.2f} at the end")
    print()
    print("| measurement | result | target | |")
    print("|---|---|---|---|")
    if "latency" in results:
        r = results["latency"]
        met = r["p95"] <= LATENCY_TARGET_S and r["checks"]["ok"]
        ok &= met
        print(
            f"| send latency, {r['samples']} POSTs one at a time, POST → on X | p50 "
            f"{r['p50'] * 1000:.0f} ms, p95 **{r['p95'] * 1000:.0f} ms**, max "
            f"{r['max'] * 1000:.0f} ms (first {r['first'] * 1000:.0f} ms; the POST itself p50 "
            f"{r['post_p50'] * 1000:.0f} ms) | p95 ≤ 2 s | {'ok' if met else '**missed**'} |"
        )
    if "burst" in results:
        r = results["burst"]
        c = r["checks"]
        ok &= c["ok"]
        print(
            f"| {r['replies']:,} replies queued in one transaction | all sent "
            f"{r['elapsed']:.1f} s after the commit, **{r['rate']:.0f} replies/s** (the "
            f"transaction {r['transaction']:.1f} s); posts on X {c['posts']:,}, distinct "
            f"platform ids {c['distinct platform ids']:,}, outbound messages "
            f"{c['outbound messages']:,}, duplicates {c['duplicates']} | all posted exactly "
            f"once | {'ok' if c['ok'] else '**missed**'} |"
        )
    if "crash" in results:
        r = results["crash"]
        c = r["checks"]
        met = c["ok"] and r["recovered"] <= RECOVERY_TARGET_S
        ok &= met
        print(
            f"| {r['replies']} replies, worker `kill -9` at {r['at_crash']} sent "
            f"({r['in_flight']} in flight), Redis down {r['outage']:g} s | all sent "
            f"**{r['recovered']:.1f} s** after both were back; posts on X {c['posts']}, "
            f"distinct platform ids {c['distinct platform ids']}, outbound messages "
            f"{c['outbound messages']}, duplicates **{c['duplicates']}** | exactly once "
            f"within 60 s | {'ok' if met else '**missed**'} |"
        )
    print()
    for name, r in results.items():
        if name == "load":
            continue
        print(f"{name} checks: {r['checks']}")
    if "crash" in results:
        print(
            f"crash: attempts per reply {dict(sorted(results['crash']['attempts'].items()))}; "
            f"beat restarted: {results['crash']['beat_restarted']}"
        )
    return ok


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--postgres", required=True, help="URL of a scratch database to create")
    parser.add_argument("--redis", required=True, help="Redis URL for phases 1-2 (flushed)")
    parser.add_argument("--latency-samples", type=int, default=50)
    parser.add_argument("--burst", type=int, default=1000, help="replies queued at once")
    parser.add_argument("--crash-replies", type=int, default=200)
    parser.add_argument("--outage", type=float, default=30.0, help="seconds Redis is down")
    parser.add_argument("--x-latency-ms", type=int, default=400, help="X's delay in phase 3")
    parser.add_argument("--concurrency", type=int, default=4, help="worker processes")
    parser.add_argument("--phases", default="123", help="which phases to run (default all: 123)")
    args = parser.parse_args()

    scratch = Path(tempfile.mkdtemp(prefix="care-outbox-"))
    dbname = args.postgres.rsplit("/", 1)[1]
    admin_url = args.postgres.rsplit("/", 1)[0] + "/postgres"
    subprocess.run(["psql", admin_url, "-qc", f"DROP DATABASE IF EXISTS {dbname}"], check=True)
    subprocess.run(["psql", admin_url, "-qc", f"CREATE DATABASE {dbname}"], check=True)
    redis.Redis.from_url(args.redis).flushdb()

    import logging

    from simulator.core import SimConfig
    from simulator.server import start_in_thread

    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # one log line per request
    total = args.latency_samples + args.burst + args.crash_replies
    sim = start_in_thread(SimConfig(enforce_rate_limits=False, x_mentions_reach=total + 100))
    config = sim.sim.config
    env = {
        **os.environ,
        "CARE_VAR_DIR": str(scratch),
        # Production settings: with debug on, Django keeps every query in memory.
        "DJANGO_DEBUG": "0",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "CARE_ENCRYPTION_KEYS": Fernet.generate_key().decode(),
        "SECURE_SSL_REDIRECT": "0",
        "ALLOWED_HOSTS": "testserver,127.0.0.1,localhost",
        "DATABASE_URL": args.postgres,
        "REDIS_URL": args.redis,
        "X_API_BASE_URL": sim.x_base_url,
        "X_CONSUMER_KEY": config.x_consumer_key,
        "X_CONSUMER_SECRET": config.x_consumer_secret,
        # Inbound cases are not assigned by the worker: sending claims them (one agent).
        "CARE_AUTO_ASSIGN": "0",
        "LOG_LEVEL": "WARNING",
        "DJANGO_SETTINGS_MODULE": "care.settings",
        "PYTHONPATH": str(ROOT),
    }
    os.environ.update(env)
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connections

    from care.models import Agent
    from care.services import create_agent
    from inbox.models import ChannelAccount
    from tests.redis_server import OwnRedis

    processes = Processes(scratch)
    own_redis = OwnRedis(scratch)
    results: dict[str, Any] = {"load": os.getloadavg()[0]}
    ok = False
    try:
        call_command("migrate", verbosity=0)
        account = ChannelAccount(platform="x", external_id=config.x_user_id, name=config.x_username)
        account.set_credentials(
            {
                "bearer_token": config.x_bearer_token,
                "consumer_key": config.x_consumer_key,
                "consumer_secret": config.x_consumer_secret,
                "access_token": config.x_access_token,
                "access_token_secret": config.x_access_token_secret,
            }
        )
        account.save()
        agent = create_agent(
            username="bench-agent", display_name="Sari Agent", initials="SA", role=Agent.Role.AGENT
        )
        account.agents.add(agent)

        if "1" in args.phases or "2" in args.phases:
            processes.start("worker", worker_args(args.concurrency), env)
            wait_for_worker(processes)
            if "1" in args.phases:
                say(f"phase 1: send latency, {args.latency_samples} POSTs one at a time")
                send_latency(sim, account, agent, args.latency_samples, processes, results)
            if "2" in args.phases:
                say(f"phase 2: {args.burst:,} replies queued in one transaction")
                burst(sim, account, agent, args.burst, processes, results)
            processes.stop("worker")
        if "3" in args.phases:
            say(
                f"phase 3: {args.crash_replies} replies, kill -9 of the worker, "
                f"Redis down {args.outage:g} s"
            )
            crash_and_outage(sim, account, agent, args, env, scratch, processes, own_redis, results)
        ok = report(args, results)
    except BaseException:
        for name in ("worker", "beat"):
            say(f"--- {name} log tail ---\n{processes.tail(name)}")
        raise
    finally:
        processes.stop_all()
        own_redis.stop()
        sim.stop()
        connections.close_all()
        subprocess.run(
            ["psql", admin_url, "-qc", f"DROP DATABASE IF EXISTS {dbname} WITH (FORCE)"],
            check=False,
        )
        redis.Redis.from_url(args.redis).flushdb()
        say(f"logs: {scratch}")
    if not ok:
        raise SystemExit("FAILED: a target was missed (see above)")


if __name__ == "__main__":
    main()
