"""Benchmark: webhook deliveries and polling, through real web, worker and beat processes.

Starts gunicorn, a Celery worker and Celery beat against a scratch PostgreSQL database
and Redis, with the platform simulator in this process, then measures:

1. replay: N distinct Messenger deliveries, each POSTed 3 times (all 3N shuffled, 16
   at a time, so duplicates are in flight together); every POST must answer 200 and
   exactly N messages must be stored once all deliveries are processed;
2. webhook latency: one delivery at a time, from the POST to its message in the
   database (target p95 <= 1 s);
3. polling latency: one X mention at a time injected on the simulator, from then to its
   message in the database, with a 5 s poll interval (target p95 <= interval + 2 s).

Usage (a scratch database is created and dropped; the Redis db is flushed):
    .venv/bin/python bench/webhooks.py \
        --postgres postgres://postgres@127.0.0.1:5432/care_bench_hooks \
        --redis redis://127.0.0.1:6379/10 [--deliveries 10000] [--latency-samples 200] \
        [--poll-samples 10]
"""

from __future__ import annotations

import argparse
import base64
import copy
import hashlib
import hmac
import json
import os
import platform
import random
import re
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import redis
import requests

if TYPE_CHECKING:
    from simulator.server import RunningSimulator

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
BIN = Path(sys.executable).parent
FIXTURE = ROOT / "tests" / "fixtures" / "facebook" / "messaging-message-basic.json"
POLL_INTERVAL = 5  # seconds, the X account's polling schedule
WEBHOOK_P95_TARGET_MS = 1000.0
POLL_OVER_INTERVAL_TARGET_S = 2.0

TEXTS = (
    "Halo kak, pesanan {n} belum sampai, sudah 5 hari. Mohon dicek ya",
    "Hi, my order {n} still shows 'processing'. Any update?",
    "Kak, saya mau retur barang dari pesanan {n}, caranya gimana?",
    "The charger from order {n} stopped working after two days :(",
    "Min, nomor resi untuk {n} kok tidak bisa dilacak?",
    "Can I change the delivery address for order {n}?",
    "Terima kasih, masalah {n} sudah beres 🙏",
    "Apakah garansi berlaku untuk pesanan {n}? Layarnya bergaris",
    "I was charged twice for order {n}, please refund one",
    "Halo, voucher untuk pesanan {n} tidak terpakai, bisa dikembalikan?",
)
FIRST_NAMES = ("Ayu", "Budi", "Citra", "Dewi", "Eko", "Fajar", "Gita", "Hendra", "Intan", "Joko")
LAST_NAMES = ("Santoso", "Wijaya", "Putri", "Saputra", "Lestari", "Nugroho", "Hidayat", "Kusuma")

# What counts as a problem in the services' logs (warnings, errors and the exceptions
# in their tracebacks), and the timestamps to strip first.
PROBLEM = re.compile(r"WARNING|ERROR|CRITICAL|^[\w.]+(Error|Exception|Lost): ")
TASK_ID = re.compile(r"\[[0-9a-f]{8}-[0-9a-f-]{27}\]")
TIMESTAMP = re.compile(r"^\[?\d{4}-\d\d-\d\d[ T][\d:,.]+:?\s*")


# --- helpers -------------------------------------------------------------------------------
def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def percentile(values: list[float], share: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(values)
    rank = max(1, round(share * len(ordered) + 0.4999))
    return ordered[min(rank, len(ordered)) - 1]


class Results(list[str]):
    """The result lines, also shown as they come (a later phase may fail)."""

    def append(self, line: str) -> None:
        print(line, file=sys.stderr, flush=True)
        super().append(line)


def wait_for(what: str, check: Callable[[], bool], *, timeout: float, every: float = 0.01) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise TimeoutError(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(every)


def stored(**lookup: Any) -> Callable[[], bool]:
    """A check: is the message matching `lookup` in the database?"""
    from inbox.models import Message

    return lambda: Message.objects.filter(**lookup).exists()


class Services:
    """The web, worker and beat subprocesses, each in its own process group."""

    def __init__(self, scratch: Path, env: dict[str, str]) -> None:
        self.scratch = scratch
        self.env = env
        self.procs: dict[str, subprocess.Popen[bytes]] = {}

    def start(self, name: str, command: list[str]) -> None:
        with (self.scratch / f"{name}.log").open("wb") as log:
            self.procs[name] = subprocess.Popen(
                command,
                cwd=self.scratch,  # nothing they write lands in the repository
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def check_alive(self) -> None:
        for name, proc in self.procs.items():
            if proc.poll() is not None:
                raise RuntimeError(f"{name} exited with {proc.returncode}:\n{self.tail(name)}")

    def tail(self, name: str, chars: int = 3000) -> str:
        path = self.scratch / f"{name}.log"
        return path.read_text(errors="replace")[-chars:] if path.exists() else ""

    def stop(self) -> None:
        # The main process only: it stops its own children (a warm shutdown for Celery,
        # a graceful one for gunicorn); the whole group is killed only if that hangs.
        for name in ("beat", "web", "worker"):
            proc = self.procs.get(name)
            if proc is not None and proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        for proc in self.procs.values():
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()

    def problems(self) -> Counter[str]:
        """Warnings, errors and the exceptions they carry, by kind (digits blanked)."""
        found: Counter[str] = Counter()
        for name in self.procs:
            path = self.scratch / f"{name}.log"
            for line in path.read_text(errors="replace").splitlines():
                line = TIMESTAMP.sub("", line).strip()
                if PROBLEM.search(line):
                    line = TASK_ID.sub("[…]", line)
                    found[f"{name}: {re.sub(r'[0-9]+', '#', line)[:220]}"] += 1
        return found


class Deliveries:
    """Signed Messenger deliveries in the recorded shape, for one Page."""

    def __init__(self, *, page_id: str, app_secret: str) -> None:
        self.page_id = int(page_id)
        self.secret = app_secret.encode()
        self.template = json.loads(FIXTURE.read_text())
        self.nonce = os.urandom(4).hex()
        self.clock_ms = int(time.time() * 1000) - 3_600_000

    def mid(self, n: int) -> str:
        # The simulator's (and Messenger's) shape: m_ + url-safe base64.
        digest = hashlib.sha256(f"{self.nonce}:mid:{n}".encode()).digest()
        return "m_" + base64.urlsafe_b64encode(digest[:36]).decode().rstrip("=")

    @staticmethod
    def psid(customer: int) -> int:
        """The page-scoped id of customer number `customer`."""
        return 6_100_000_000_000_000 + customer

    def build(self, n: int, customer: int) -> tuple[str, bytes, str]:
        """(mid, body, signature header) of the n-th message, from customer number `customer`."""
        self.clock_ms += 7
        payload = copy.deepcopy(self.template)
        entry = payload["entry"][0]
        entry["id"] = self.page_id
        entry["time"] = self.clock_ms + 350
        messaging = entry["messaging"][0]
        messaging["sender"]["id"] = self.psid(customer)
        messaging["recipient"]["id"] = self.page_id
        messaging["timestamp"] = self.clock_ms
        mid = self.mid(n)
        messaging["message"].update(
            mid=mid, seq=n, text=TEXTS[n % len(TEXTS)].format(n=f"NT-{240000 + n}")
        )
        body = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()
        signature = "sha256=" + hmac.new(self.secret, body, hashlib.sha256).hexdigest()
        return mid, body, signature


def register_customers(sim: RunningSimulator, count: int) -> None:
    """Make customers 0..count-1 Messenger users the simulated User Profile API knows.

    On Facebook every sender has a profile; the simulator only knows people it created,
    and it has no public call to create one without also creating a message (which the
    Page's polling would then fetch), hence its private helper.
    """
    rng = random.Random(5)
    with sim.sim.lock:
        for k in range(count):
            name = f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}"
            sim.facebook._customer({"id": str(Deliveries.psid(k)), "name": name})


class Poster:
    """POSTs deliveries, one requests.Session per thread."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.local = threading.local()

    def post(self, body: bytes, signature: str) -> int:
        session = getattr(self.local, "session", None)
        if session is None:
            session = self.local.session = requests.Session()
        try:
            response = session.post(
                self.url,
                data=body,
                headers={"Content-Type": "application/json", "X-Hub-Signature-256": signature},
                timeout=60,
            )
        except requests.RequestException:
            return 0
        return response.status_code


# --- the three measurements ----------------------------------------------------------------
def replay(
    n: int,
    customers: int,
    deliveries: Deliveries,
    poster: Poster,
    services: Services,
    queued: Callable[[], int],
    out: list[str],
) -> list[str]:
    from inbox.models import CustomerIdentity, Message, WebhookDelivery

    failures: list[str] = []
    rng = random.Random(2026)
    built = [deliveries.build(i, rng.randrange(customers)) for i in range(n)]
    senders = {json.loads(body)["entry"][0]["messaging"][0]["sender"]["id"] for _, body, _ in built}
    posts = [i for i in range(n) for _ in range(3)]
    rng.shuffle(posts)

    def send(i: int) -> int:
        _, body, signature = built[i]
        return poster.post(body, signature)

    started = time.monotonic()
    with ThreadPoolExecutor(max_workers=16) as pool:
        statuses = Counter(pool.map(send, posts))
    posted = time.monotonic() - started
    if statuses != Counter({200: len(posts)}):
        failures.append(f"replay: POST answers {dict(statuses)} (expected all 200)")

    total = len(posts)
    Status = WebhookDelivery.Status
    last_report = time.monotonic()

    def all_processed() -> bool:
        nonlocal last_report
        services.check_alive()
        pending = WebhookDelivery.objects.filter(status=Status.RECEIVED).count()
        if time.monotonic() - last_report > 15:
            print(f"  ... {pending} deliveries still to process", file=sys.stderr)
            last_report = time.monotonic()
        return pending == 0 and WebhookDelivery.objects.count() >= statuses[200]

    wait_for("all deliveries processed", all_processed, timeout=1800, every=0.05)
    processed_in = time.monotonic() - started
    # Tasks still waiting once every delivery is processed: the beat relay re-enqueues
    # deliveries received over 2 min ago. Drained before the latency is measured.
    leftover = queued()
    wait_for("the broker queue to drain", lambda: queued() == 0, timeout=900, every=0.1)
    drained_in = time.monotonic() - started - processed_in
    by_status = dict(
        Counter(WebhookDelivery.objects.values_list("status", flat=True)).most_common()
    )
    stored = Message.objects.count()
    distinct = Message.objects.values("external_id").distinct().count()
    ours = set(Message.objects.values_list("external_id", flat=True)) == {m for m, _, _ in built}
    identities = CustomerIdentity.objects.filter(platform="facebook").count()
    named = CustomerIdentity.objects.filter(platform="facebook").exclude(name="").count()
    if by_status != {Status.PROCESSED: total}:
        failures.append(f"replay: deliveries by status {by_status} (expected {total} processed)")
    if stored != n or distinct != n or not ours:
        failures.append(
            f"replay: {stored} messages, {distinct} distinct, same ids as sent: {ours}"
            f" (expected {n})"
        )
    if identities != len(senders):
        failures.append(f"replay: {identities} customer identities for {len(senders)} senders")
    out.append(
        f"replay: {n} deliveries x3 = {total} POSTs in {posted:.1f} s "
        f"({total / posted:,.0f} POSTs/s accepted, {statuses[200]} x 200)"
    )
    out.append(
        f"  all {total} processed {processed_in:.1f} s after the first POST; "
        f"{stored} messages ({distinct} distinct, {identities} customers for "
        f"{len(senders)} senders): {stored / processed_in:,.0f} messages/s"
    )
    out.append(f"  customers named by the User Profile API lookup: {named} of {identities}")
    out.append(
        f"  tasks still queued when all were processed: {leftover}, "
        f"drained {drained_in:.1f} s later"
    )
    return failures


def webhook_latency(
    samples: int,
    customers: int,
    deliveries: Deliveries,
    poster: Poster,
    services: Services,
    out: list[str],
) -> list[str]:
    from inbox.models import WebhookDelivery

    rng = random.Random(7)
    latencies: list[float] = []
    answered: list[float] = []  # of each latency, the part until the POST was answered
    mids: list[str] = []
    failures: list[str] = []
    for k in range(samples):
        mid, body, signature = deliveries.build(1_000_000 + k, rng.randrange(customers))
        started = time.monotonic()
        status = poster.post(body, signature)
        answered.append((time.monotonic() - started) * 1000)
        mids.append(mid)
        if status != 200:
            failures.append(f"webhook latency: POST answered {status}")
            break
        services.check_alive()
        wait_for(
            f"message {mid}",
            stored(external_id=mid),
            timeout=120,
        )
        latencies.append((time.monotonic() - started) * 1000)
    if latencies:
        p95 = percentile(latencies, 0.95)
        verdict = "ok" if p95 <= WEBHOOK_P95_TARGET_MS else "MISSED"
        out.append(
            f"webhook latency ({len(latencies)} one at a time, POST -> message stored): "
            f"p50 {percentile(latencies, 0.5):.0f} ms, p95 {p95:.0f} ms, "
            f"max {max(latencies):.0f} ms  [target p95 <= {WEBHOOK_P95_TARGET_MS:.0f} ms: "
            f"{verdict}]"
        )
        slowest = latencies.index(max(latencies))
        delivery = WebhookDelivery.objects.filter(body__contains=mids[slowest]).first()
        worker_ms = (
            (delivery.processed_at - delivery.received_at).total_seconds() * 1000
            if delivery is not None and delivery.processed_at is not None
            else float("nan")
        )
        out.append(
            f"  slowest: POST answered after {answered[slowest]:.0f} ms; delivery received -> "
            f"processed {worker_ms:.0f} ms; POSTs answered p50 {percentile(answered, 0.5):.0f} "
            f"ms, max {max(answered):.0f} ms"
        )
        if p95 > WEBHOOK_P95_TARGET_MS:
            failures.append(f"webhook latency: p95 {p95:.0f} ms over target")
    return failures


def polling_latency(
    samples: int, sim: RunningSimulator, services: Services, out: list[str]
) -> list[str]:
    from inbox.models import ChannelAccount
    from inbox.services.channels import connect_channel

    config = sim.sim.config
    account = connect_channel(
        platform="x",
        external_id=config.x_user_id,
        name=config.x_username,
        credentials={
            "bearer_token": config.x_bearer_token,
            "consumer_key": config.x_consumer_key,
            "consumer_secret": config.x_consumer_secret,
            "access_token": config.x_access_token,
            "access_token_secret": config.x_access_token_secret,
        },
        by=None,
        poll_interval_seconds=POLL_INTERVAL,
    )
    # Beat notices the new schedule entry and the first poll succeeds.
    connected = time.monotonic()
    wait_for(
        "the first X poll",
        lambda: ChannelAccount.objects.filter(
            pk=account.pk, last_success_at__isnull=False
        ).exists(),
        timeout=120,
        every=0.1,
    )
    first_poll = time.monotonic() - connected
    x = sim.x
    rng = random.Random(11)
    latencies: list[float] = []
    for k in range(samples):
        # Arrive at a random point of the poll cycle, as real mentions do.
        time.sleep(rng.uniform(0, POLL_INTERVAL))
        services.check_alive()
        tweet = x.add_mention(
            text=TEXTS[k % len(TEXTS)].format(n=f"NT-{990000 + k}"),
            author={"username": f"pelanggan_{k % 4}"},
        )
        started = time.monotonic()
        wait_for(
            f"mention {tweet['id']}",
            stored(channel_account=account, external_id=tweet["id"]),
            timeout=120,
        )
        latencies.append(time.monotonic() - started)
    p95 = percentile(latencies, 0.95)
    over = [value - POLL_INTERVAL for value in latencies]
    verdict = "ok" if p95 - POLL_INTERVAL <= POLL_OVER_INTERVAL_TARGET_S else "MISSED"
    out.append(
        f"polling latency ({samples} mentions, poll every {POLL_INTERVAL} s, first poll "
        f"{first_poll:.1f} s after connecting): p50 {percentile(latencies, 0.5):.2f} s, "
        f"p95 {p95:.2f} s, max {max(latencies):.2f} s"
    )
    out.append(
        f"  minus the {POLL_INTERVAL} s interval: p50 {percentile(over, 0.5):+.2f} s, "
        f"p95 {percentile(over, 0.95):+.2f} s, max {max(over):+.2f} s  "
        f"[target p95 <= interval + {POLL_OVER_INTERVAL_TARGET_S:.0f} s: {verdict}]"
    )
    if verdict != "ok":
        return [f"polling latency: p95 {p95:.2f} s over interval + target"]
    return []


# --- setup and teardown --------------------------------------------------------------------
def run(
    args: argparse.Namespace, scratch: Path, sim: RunningSimulator, out: list[str]
) -> list[str]:
    config = sim.sim.config
    env = {
        **os.environ,
        "CARE_VAR_DIR": str(scratch),
        "DJANGO_DEBUG": "1",
        "DATABASE_URL": args.postgres,
        "REDIS_URL": args.redis,
        "FACEBOOK_APP_SECRET": config.fb_app_secret,
        "X_API_BASE_URL": sim.x_base_url,
        "GRAPH_API_BASE_URL": sim.graph_base_url,
        "X_CONSUMER_KEY": config.x_consumer_key,
        "X_CONSUMER_SECRET": config.x_consumer_secret,
        "DJANGO_SETTINGS_MODULE": "care.settings",
        "PYTHONPATH": str(ROOT),
    }
    os.environ.update(env)
    subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), "migrate", "--verbosity=0"],
        cwd=ROOT,
        env=env,
        check=True,
    )
    import django

    django.setup()
    from care.celery import app
    from inbox.services.channels import connect_channel

    services = Services(scratch, env)
    port = free_port()
    try:
        services.start(
            "web",
            [
                str(BIN / "gunicorn"),
                "care.wsgi",
                "--bind",
                f"127.0.0.1:{port}",
                "--workers",
                "2",
                "--threads",
                "4",
                "--log-level",
                "warning",
            ],
        )
        celery = [str(BIN / "celery"), "-A", "care"]
        services.start(
            "worker",
            [*celery, "worker", "--concurrency=2", "--loglevel=WARNING", "--hostname=bench@%h"],
        )
        services.start("beat", [*celery, "beat", "--loglevel=INFO"])

        base = f"http://127.0.0.1:{port}"

        def healthy() -> bool:
            services.check_alive()
            try:
                return requests.get(f"{base}/healthz", timeout=2).status_code == 200
            except requests.RequestException:
                return False

        wait_for("/healthz (web, worker and beat up)", healthy, timeout=120, every=0.5)
        wait_for(
            "a worker to answer a ping", lambda: bool(app.control.ping(timeout=1.0)), timeout=60
        )

        connect_channel(
            platform="facebook",
            external_id=config.fb_page_id,
            name=config.fb_page_name,
            credentials={"page_access_token": config.fb_page_token},
            by=None,
        )
        deliveries = Deliveries(page_id=config.fb_page_id, app_secret=config.fb_app_secret)
        poster = Poster(f"{base}/webhooks/facebook")
        print(f"replaying {args.deliveries} deliveries x3 ...", file=sys.stderr)
        customers = max(1, args.deliveries // 3)
        register_customers(sim, customers)
        broker = redis.Redis.from_url(args.redis)

        def queued() -> int:
            # Celery's default queue is a Redis list named "celery" (+ priority lists).
            return sum(
                int(broker.llen(key))
                for key in broker.scan_iter(match="celery*")
                if broker.type(key) == b"list"
            )

        failures = replay(args.deliveries, customers, deliveries, poster, services, queued, out)
        print(f"measuring webhook latency x{args.latency_samples} ...", file=sys.stderr)
        failures += webhook_latency(
            args.latency_samples, customers, deliveries, poster, services, out
        )
        print(f"measuring polling latency x{args.poll_samples} ...", file=sys.stderr)
        failures += polling_latency(args.poll_samples, sim, services, out)
    except BaseException:
        for name in services.procs:
            print(f"--- {name} log tail ---\n{services.tail(name)}", file=sys.stderr)
        raise
    finally:
        services.stop()
    problems = services.problems()
    out.append(
        f"service log warnings/errors/exceptions: {sum(problems.values())} lines "
        f"(logs in {scratch})"
    )
    out.extend(f"  {count} x {line}" for line, count in problems.most_common(8))
    return failures


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--deliveries", type=int, default=10_000)
    parser.add_argument("--latency-samples", type=int, default=200)
    parser.add_argument("--poll-samples", type=int, default=10)
    parser.add_argument("--postgres", required=True, help="URL of a scratch database to create")
    parser.add_argument("--redis", required=True, help="Redis URL (this db is flushed)")
    args = parser.parse_args()

    scratch = Path(tempfile.mkdtemp(prefix="care-webhooks-"))
    dbname = args.postgres.rsplit("/", 1)[1]
    admin_url = args.postgres.rsplit("/", 1)[0] + "/postgres"
    subprocess.run(["psql", admin_url, "-qc", f"DROP DATABASE IF EXISTS {dbname}"], check=True)
    subprocess.run(["psql", admin_url, "-qc", f"CREATE DATABASE {dbname}"], check=True)
    broker = redis.Redis.from_url(args.redis)
    broker.flushdb()

    import logging

    from simulator.core import SimConfig
    from simulator.server import start_in_thread

    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # one log line per request
    # Real rate limits: a 5 s poll stays well inside X's 450 mention reads per 15 min.
    sim = start_in_thread(SimConfig(enforce_rate_limits=True), port=0)
    out = Results()
    try:
        failures = run(args, scratch, sim, out)
    finally:
        sim.stop()
        if "django" in sys.modules and "django.db" in sys.modules:
            from django.db import connections

            connections.close_all()
        subprocess.run(["psql", admin_url, "-qc", f"DROP DATABASE IF EXISTS {dbname}"], check=False)
        broker.flushdb()
    print(
        f"machine: {platform.node()} {platform.processor() or platform.machine()}, "
        f"{os.cpu_count()} cores; {datetime.now(UTC):%Y-%m-%d}"
    )
    print("\n".join(out))
    if failures:
        raise SystemExit("FAILED: " + "; ".join(failures))
    print("all checks passed")


if __name__ == "__main__":
    main()
