"""Benchmark: the agents' inbox at 1,000,000 messages in 200,000 conversations.

Generates (once) a care team's 90 days on two channel accounts (X and Facebook): about
150,000 customers, 200,000 conversations, 1,000,000 messages written from a small
vocabulary of English and Indonesian care phrases, with their events, notes and tags.
Then measures, through the whole Django stack with production settings (DJANGO_DEBUG=0)
and the test Client, as an agent who works both channels and as a supervisor:

- the inbox list (views, filters, sorts, full-text search, `?partial=1`, `/inbox/live`)
  and the conversation page: p50/p95/max of the wall time of `client.get` and the SQL
  queries per request, against the targets (list p95 <= 50 ms, conversation p95 <= 80 ms);
- that the number of queries does not grow with the rows shown (1 vs 50 rows in the
  list, 2 vs 20 messages in a conversation): PASS/FAIL;
- live latency: from `ingest_events` committing a new mention to a poller that asks
  `/inbox/live` every second, as static/care/inbox.js does, having fetched `?partial=1`
  with the new row (a thread with its own Client, in this process).

Usage (the data is generated on the first run and kept; --regenerate starts over):
    .venv/bin/python bench/inbox_scale.py --generate
    .venv/bin/python bench/inbox_scale.py --database-url postgres://postgres@127.0.0.1:5432/x
    .venv/bin/python bench/inbox_scale.py --sqlite var/bench/inbox.sqlite3 --generate
    .venv/bin/python bench/inbox_scale.py --explain   # EXPLAIN ANALYZE of slow pages' slowest query
"""

from __future__ import annotations

import argparse
import atexit
import io
import itertools
import json
import os
import platform
import random
import secrets
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cryptography.fernet import Fernet
from tqdm import tqdm

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

if TYPE_CHECKING:
    from django.test import Client

    from care.models import Agent

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/care_bench_inbox"
X_ACCOUNT_ID = "1700000000000000001"  # the bench's X account: its presence marks the data
FB_PAGE_ID = "104700000000001"
LIST_TARGET_MS = 50.0
CONVERSATION_TARGET_MS = 80.0
LIVE_TARGET_S = 2.0
RARE_WORD = "thermostat"  # in about 1 of 25,000 first messages
COMMON_WORD = "order"

# --- The vocabulary: written for this benchmark, English and Bahasa Indonesia ---------------

FIRST_NAMES = [
    "Rina", "Budi", "Siti", "Agus", "Dewi", "Andi", "Putri", "Joko", "Ayu", "Rudi", "Nur",
    "Fajar", "Intan", "Hendra", "Lestari", "Yusuf", "Maya", "Dimas", "Wulan", "Eko", "Tasha",
    "Kevin", "Sarah", "Daniel", "Grace", "Michael", "Olivia", "Ryan", "Chloe", "Nathan",
]  # fmt: skip
LAST_NAMES = [
    "Santoso", "Wijaya", "Hartono", "Saputra", "Lestari", "Pratama", "Kusuma", "Hidayat",
    "Nugroho", "Siregar", "Tan", "Lim", "Halim", "Gunawan", "Rahman", "Putra", "Sari",
]  # fmt: skip
OPENERS = {
    "en": ["Hi", "Hello", "Hey there", "Good morning", "Excuse me"],
    "id": ["Halo min", "Min", "Permisi kak", "Selamat pagi", "Kak tolong"],
}
PROBLEMS = {
    "en": [
        "my order {ref} has not arrived yet",
        "the battery of my phone drains in two hours",
        "I was charged twice for invoice {ref}",
        "I cannot log in to the app since the last update",
        "the screen of my laptop flickers after a restart",
        "my refund for order {ref} is still pending",
        "the courier marked my parcel delivered but it is not here",
        "the charger stopped working after a week",
        "my internet package is active but there is no signal",
        "the app crashes when I open the payment page",
        "I want to change the delivery address of order {ref}",
        "the warranty claim form keeps showing an error",
        "my voucher code is not accepted at checkout",
        "the earphones I bought have no sound on the left side",
    ],
    "id": [
        "pesanan saya {ref} belum sampai",
        "baterai hp saya cepat habis dalam dua jam",
        "saya ditagih dua kali untuk tagihan {ref}",
        "tidak bisa login ke aplikasi sejak update terakhir",
        "layar laptop saya berkedip setelah restart",
        "refund untuk pesanan {ref} masih diproses terus",
        "kurir bilang paket sudah diterima tapi belum ada",
        "charger rusak setelah seminggu dipakai",
        "paket internet sudah aktif tapi tidak ada sinyal",
        "aplikasi keluar sendiri waktu buka halaman pembayaran",
        "mau ganti alamat pengiriman untuk pesanan {ref}",
        "form klaim garansi selalu error",
        "kode voucher saya tidak bisa dipakai",
        "earphone yang saya beli bunyinya cuma sebelah",
    ],
}
RARE_PROBLEMS = {
    "en": f"the {RARE_WORD} of the smart fridge I ordered shows the wrong temperature",
    "id": f"{RARE_WORD} kulkas pintar yang saya beli suhunya salah",
}
DETAILS = {
    "en": [
        "please help", "this is the third time I ask", "I already tried restarting it",
        "can you check?", "I need it before Friday", "thanks in advance", "very disappointed",
        "any update?", "is there a service center near Bandung?", "I sent the photo by DM",
    ],
    "id": [
        "tolong dibantu ya", "sudah ketiga kalinya saya tanya", "sudah saya coba restart",
        "bisa dicek?", "butuh sebelum hari Jumat", "terima kasih sebelumnya", "kecewa banget",
        "gimana kabarnya min?", "ada service center di Bandung?",
        "fotonya sudah saya kirim lewat DM",
    ],
}  # fmt: skip
FOLLOW_UPS = {
    "en": [
        "ok thanks", "still not working", "it works now, thank you!", "I sent the order number",
        "when will it be fixed?", "the courier has not called me", "done, I reinstalled it",
    ],
    "id": [
        "oke makasih min", "masih belum bisa kak", "sudah bisa, terima kasih!",
        "sudah saya kirim nomor pesanannya", "kapan beresnya min?", "kurirnya belum telepon",
        "sudah saya instal ulang",
    ],
}  # fmt: skip
ANSWERS = {
    "en": [
        "Hi {first}, sorry for the trouble. Could you send us your order number by DM?",
        "We checked with the courier, {first}: your parcel arrives tomorrow.",
        "The refund is processed and reaches your account within 3 working days.",
        "Please reinstall the app and tell us if it happens again, {first}.",
        "Thank you, {first}. We passed this to our technical team and will update you.",
        "Thanks for waiting, {first}! The issue is fixed now.",
    ],
    "id": [
        "Halo kak {first}, mohon maaf atas ketidaknyamanannya. Boleh kirim nomor pesanan via DM?",
        "Sudah kami cek ke kurir kak {first}, paketnya sampai besok ya.",
        "Refund sudah diproses dan masuk ke rekening dalam 3 hari kerja ya kak.",
        "Coba instal ulang aplikasinya ya kak {first}, kabari kami hasilnya.",
        "Terima kasih kak {first}, sudah kami teruskan ke tim teknis kami.",
        "Terima kasih sudah menunggu kak {first}, kendalanya sudah beres ya.",
    ],
}
NOTES = [
    "Customer called the hotline as well; same case.",
    "Pelanggan VIP, tolong dijawab cepat.",
    "Waiting for the courier's report before answering.",
    "Refund approved by billing, reference in the ledger.",
]
TAGS = [
    "battery", "refund", "delivery", "login", "billing", "screen", "warranty", "voucher",
    "signal", "app-crash", "complaint", "praise",
]  # fmt: skip
DEPARTMENTS = ["Technical Support", "Billing", "Logistics"]
AGENT_NAMES = [
    ("Bench Agent", "BAG"), ("Nadia Putri", "NP"), ("Alex Tan", "AT"), ("Maya Sari", "MS"),
    ("Dimas Pratama", "DP"), ("Grace Lim", "GL"), ("Rudi Hartono", "RH"), ("Ayu Kusuma", "AK"),
    ("Kevin Halim", "KH"), ("Wulan Nugroho", "WN"), ("Eko Siregar", "ES"), ("Sarah Rahman", "SR"),
]  # fmt: skip

# Shares of the 200,000 conversations; the open ones (new..escalated) are about 11.5 %.
STATUSES = [
    ("new", 0.030), ("open", 0.045), ("waiting_on_customer", 0.025), ("escalated", 0.015),
    ("resolved", 0.580), ("closed", 0.305),
]  # fmt: skip
OPEN = {"new", "open", "waiting_on_customer", "escalated"}
PRIORITIES = [(10, 0.15), (20, 0.65), (30, 0.15), (40, 0.05)]
# How likely an agent holds a conversation of each status.
ASSIGNED = {
    "new": 0.0,
    "open": 0.3,
    "waiting_on_customer": 0.6,
    "escalated": 0.7,
    "resolved": 0.95,
    "closed": 0.9,
}
RESPONSE_TARGET = timedelta(minutes=60)  # CARE_RESPONSE_TARGET_MINUTES' default


# --- Generation ----------------------------------------------------------------------------


@dataclass
class Person:
    name: str
    first: str
    handle: str
    language: str
    platforms: list[str]  # "x", "facebook": one identity each
    followers: int


@dataclass
class Thread:
    """One conversation while it is generated: its messages' times, directions and texts."""

    customer: int  # index into the people
    platform: str
    kind: str  # the inbound kind: mention, direct_message, comment, messenger
    status: str
    priority: int
    language: str
    assignee: int | None  # index into the agents
    department: int | None
    times: list[datetime] = field(default_factory=list)
    inbound: list[bool] = field(default_factory=list)
    texts: list[str] = field(default_factory=list)
    tags: list[int] = field(default_factory=list)
    note: bool = False

    @property
    def opened_at(self) -> datetime:
        return self.times[0]

    @property
    def last_at(self) -> datetime:
        return self.times[-1]


def pick(rng: random.Random, weighted: Sequence[tuple[Any, float]]) -> Any:
    return rng.choices([v for v, _ in weighted], [w for _, w in weighted])[0]


def message_counts(rng: random.Random, statuses: list[str], total: int) -> list[int]:
    """Messages per conversation: 1 to 30, mean total/len, a few long threads of ~20."""
    mean = total / len(statuses)
    counts = []
    for status in statuses:
        if status == "new":
            counts.append(rng.randint(1, 3))  # nobody answered yet: the customer wrote 1-3 times
        elif rng.random() < 0.02:
            counts.append(rng.randint(18, 24))
        else:
            counts.append(min(30, 2 + int(rng.expovariate(1 / (mean - 2.4)))))
    # Adjust to the exact total on answered threads, one message at a time.
    answered = [i for i, s in enumerate(statuses) if s != "new"]
    diff = total - sum(counts)
    while diff:
        i = rng.choice(answered)
        if diff > 0 and counts[i] < 30:
            counts[i] += 1
            diff -= 1
        elif diff < 0 and counts[i] > 2:
            counts[i] -= 1
            diff += 1
    return counts


def build_threads(
    rng: random.Random, people: list[Person], n_conversations: int, n_messages: int, now: datetime
) -> list[Thread]:
    statuses = [pick(rng, STATUSES) for _ in range(n_conversations)]
    counts = message_counts(rng, statuses, n_messages)
    # Every customer wrote once; the rest of the conversations go to a fifth of them.
    owners = list(range(len(people)))
    regulars = owners[: max(1, len(people) // 5)]
    owners += [rng.choice(regulars) for _ in range(n_conversations - len(owners))]
    rng.shuffle(owners)
    threads = []
    for status, count, owner in tqdm(
        zip(statuses, counts, owners, strict=True),
        total=n_conversations,
        desc="conversations",
        unit=" conv",
        leave=False,
        mininterval=2,
    ):
        person = people[owner]
        channel = rng.choice(person.platforms)
        if channel == "x":
            kind = "direct_message" if rng.random() < 0.2 else "mention"
        else:
            kind = "messenger" if rng.random() < 0.4 else "comment"
        assignee = rng.randrange(len(AGENT_NAMES)) if rng.random() < ASSIGNED[status] else None
        department = None
        if status == "escalated" or (status in ("resolved", "closed") and rng.random() < 0.03):
            department = rng.randrange(len(DEPARTMENTS))
        thread = Thread(
            customer=owner,
            platform=channel,
            kind=kind,
            status=status,
            priority=pick(rng, PRIORITIES),
            language=person.language,
            assignee=assignee,
            department=department,
        )
        thread.inbound = directions(rng, status, count)
        thread.times = message_times(rng, thread.inbound, status, now)
        thread.texts = [
            text_of(rng, thread, person, j, inbound) for j, inbound in enumerate(thread.inbound)
        ]
        if rng.random() < 0.3:
            thread.tags = rng.sample(range(len(TAGS)), rng.choice((1, 1, 2)))
        thread.note = rng.random() < 0.03
        threads.append(thread)
    # Conversations get their ids in the order they were opened, as in real life.
    threads.sort(key=lambda t: t.opened_at)
    return threads


def directions(rng: random.Random, status: str, count: int) -> list[bool]:
    """True for the customer's messages. The first is theirs; the last fits the status."""
    if status == "new":
        return [True] * count
    inbound = [True]
    for _ in range(count - 1):
        if inbound[-1]:
            inbound.append(rng.random() >= 0.65)
        else:
            inbound.append(rng.random() < 0.85)
    if count > 1:
        if status == "waiting_on_customer" or (
            status in ("resolved", "closed") and rng.random() < 0.85
        ):
            inbound[-1] = False
        elif status == "open" and rng.random() < 0.7:
            inbound[-1] = True
    return inbound


def message_times(
    rng: random.Random, inbound: list[bool], status: str, now: datetime
) -> list[datetime]:
    gaps = [0.0]
    for previous, current in itertools.pairwise(inbound):
        if previous and not current:
            mean = 25 * 60  # the team answers
        elif not previous and current:
            mean = 3 * 3600  # the customer answers back
        else:
            mean = 10 * 60
        gaps.append(rng.expovariate(1 / mean) + 5)
    span = sum(gaps)
    if status == "new":
        last = now - timedelta(seconds=rng.uniform(60, 12 * 3600))
    elif status in OPEN:
        last = now - timedelta(seconds=rng.uniform(60, 72 * 3600))
    else:
        earliest = now - timedelta(days=90) + timedelta(seconds=span)
        latest = now - timedelta(hours=2)
        last = earliest + (latest - earliest) * rng.random()
    t = last - timedelta(seconds=span)
    times = []
    for gap in gaps:
        t += timedelta(seconds=gap)
        times.append(t)
    return times


def text_of(rng: random.Random, thread: Thread, person: Person, j: int, inbound: bool) -> str:
    lang = thread.language
    public_x = thread.platform == "x" and thread.kind == "mention"
    if inbound:
        if j == 0:
            ref = f"NT{rng.randrange(10**7, 10**8)}"
            if rng.random() < 1 / 25_000:
                problem = RARE_PROBLEMS[lang]
            else:
                problem = rng.choice(PROBLEMS[lang]).format(ref=ref)
            text = f"{rng.choice(OPENERS[lang])}, {problem}, {rng.choice(DETAILS[lang])}"
        else:
            text = rng.choice(FOLLOW_UPS[lang])
        return f"@BenchCares {text}" if public_x else text
    signature = AGENT_NAMES[thread.assignee][1] if thread.assignee is not None else "BAG"
    text = f"{rng.choice(ANSWERS[lang]).format(first=person.first)} ^{signature}"
    return f"@{person.handle} {text}" if public_x else text


def make_people(rng: random.Random, n: int) -> list[Person]:
    people = []
    for i in range(n):
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        platforms = ["x"] if rng.random() < 0.6 else ["facebook"]
        if rng.random() < 0.07:
            platforms.append("facebook" if platforms[0] == "x" else "x")
        people.append(
            Person(
                name=f"{first} {last}",
                first=first,
                handle=f"{first}{last[:3]}{i}".lower(),
                language="id" if rng.random() < 0.45 else "en",
                platforms=platforms,
                followers=min(2_000_000, int(rng.lognormvariate(5, 1.6))),
            )
        )
    return people


def preview_of(text: str) -> str:
    for line in text.splitlines():
        if line.strip():
            return line.strip()[:200]
    return ""


class Writer:
    """Bulk inserts with explicit ids: COPY on PostgreSQL, executemany on SQLite."""

    def __init__(self) -> None:
        from django.db import connection

        self.connection = connection
        self.postgres = connection.vendor == "postgresql"

    def value(self, v: Any) -> Any:
        if isinstance(v, datetime):
            if self.postgres:
                return v.isoformat()
            return v.astimezone(UTC).replace(tzinfo=None).isoformat(" ")  # as Django stores it
        if isinstance(v, dict | list):
            return json.dumps(v)
        if isinstance(v, bool) and not self.postgres:
            return int(v)
        return v

    @staticmethod
    def defaults(table: str, columns: Sequence[str]) -> tuple[list[str], list[Any]]:
        """The table's other NOT NULL columns with the model's default ("", 0, [], {}), so
        a column added by a later migration (with no default in the database) never
        breaks the load."""
        from django.apps import apps
        from django.db.models import NOT_PROVIDED

        models = apps.get_models(include_auto_created=True)
        model = next((m for m in models if m._meta.db_table == table), None)
        if model is None:
            return [], []
        names: list[str] = []
        values: list[Any] = []
        for f in model._meta.concrete_fields:
            if f.column in columns or f.null or f.db_default is not NOT_PROVIDED:
                continue
            if getattr(f, "generated", False):  # GeneratedField: PostgreSQL computes it
                continue
            if f.has_default() or f.empty_strings_allowed:
                names.append(f.column)
                values.append(f.get_default())
        return names, values

    def copy(self, table: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> int:
        extra_columns, extra_values = self.defaults(table, columns)
        if extra_columns:
            columns = [*columns, *extra_columns]
            rows = ((*row, *extra_values) for row in rows)
        n = 0
        with self.connection.cursor() as cursor:
            if self.postgres:
                buffer = io.StringIO()
                for row in rows:
                    buffer.write("\t".join(self._pg_text(self.value(v)) for v in row))
                    buffer.write("\n")
                    n += 1
                buffer.seek(0)
                sql = f"COPY {table} ({', '.join(columns)}) FROM STDIN"
                cursor.cursor.copy_expert(sql, buffer)
            else:
                values = [[self.value(v) for v in row] for row in rows]
                marks = ", ".join("?" * len(columns))
                # The table and columns are this file's constants; values are parameters.
                sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})"  # noqa: S608
                cursor.executemany(sql, values)
                n = len(values)
        return n

    @staticmethod
    def _pg_text(v: Any) -> str:
        if v is None:
            return "\\N"
        text = v if isinstance(v, str) else str(v)
        if isinstance(v, bool):
            text = "t" if v else "f"
        return (
            text.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "")
        )

    def reset_sequences(self, tables: Sequence[str]) -> None:
        if not self.postgres:
            return  # SQLite's AUTOINCREMENT follows the largest id by itself
        with self.connection.cursor() as cursor:
            for table in tables:
                # Table names are this file's constants.
                sequence = f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), max(id))"
                cursor.execute(f"{sequence} FROM {table}")


def chunked(rows: Iterable[Sequence[Any]], size: int) -> Iterator[list[Sequence[Any]]]:
    chunk: list[Sequence[Any]] = []
    for row in rows:
        chunk.append(row)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def generate(*, scale: float, seed: int) -> None:
    """Write the dataset with explicit ids, table by table, then VACUUM ANALYZE."""
    import importlib

    from django.db import connection, transaction
    from django.utils.text import slugify

    from care import services
    from care.models import Agent
    from inbox.models import ChannelAccount, Department, Escalation, Tag
    from inbox.search import rebuild_search_text

    rng = random.Random(seed)
    now = datetime.now(UTC)
    n_customers = round(150_000 * scale)
    n_conversations = round(200_000 * scale)
    n_messages = round(1_000_000 * scale)
    started = time.perf_counter()

    x = ChannelAccount.objects.create(platform="x", external_id=X_ACCOUNT_ID, name="BenchCares")
    fb = ChannelAccount.objects.create(
        platform="facebook", external_id=FB_PAGE_ID, name="Bench Care Indonesia"
    )
    account_ids = {"x": x.pk, "facebook": fb.pk}
    departments = [Department.objects.create(name=n, slug=slugify(n)) for n in DEPARTMENTS]
    tags = [Tag.objects.create(name=n) for n in TAGS]
    # Through the real service, so groups, permissions and channels are the real ones.
    agents = [
        services.create_agent(
            username=f"bench-{initials.lower()}", display_name=name, initials=initials
        )
        for name, initials in AGENT_NAMES
    ]
    services.create_agent(
        username="bench-supervisor",
        display_name="Sari Supervisor",
        initials="SSV",
        role=Agent.Role.SUPERVISOR,
    )

    people = make_people(rng, n_customers)
    threads = build_threads(rng, people, n_conversations, n_messages, now)
    writer = Writer()

    def load(table: str, columns: Sequence[str], rows: Iterable[Sequence[Any]], total: int) -> None:
        with tqdm(total=total, desc=table, unit=" rows", leave=False, mininterval=2) as bar:
            for chunk in chunked(rows, 50_000):
                with transaction.atomic():
                    bar.update(writer.copy(table, columns, chunk))

    since = now - timedelta(days=91)
    load(
        "inbox_customer",
        ["id", "display_name", "is_vip", "created_at"],
        ((i + 1, p.name, p.followers > 100_000, since) for i, p in enumerate(people)),
        n_customers,
    )
    identity_ids: dict[tuple[int, str], int] = {}
    identities: list[tuple[Any, ...]] = []
    for i, p in enumerate(people):
        for platform_name in p.platforms:
            identity_ids[i, platform_name] = len(identities) + 1
            x_side = platform_name == "x"
            identities.append(
                (
                    len(identities) + 1,
                    i + 1,
                    platform_name,
                    str(3_000_000_000 + i) if x_side else str(7_100_000_000_000_000 + i),
                    p.handle if x_side else "",
                    p.name,
                    "",
                    p.followers if x_side else None,
                    p.followers > 100_000,
                    p.language,
                    since,
                )
            )
    load(
        "inbox_customeridentity",
        [
            "id",
            "customer_id",
            "platform",
            "external_id",
            "handle",
            "name",
            "avatar_url",
            "followers_count",
            "verified",
            "language",
            "updated_at",
        ],
        identities,
        len(identities),
    )

    def conversation_row(c: int, t: Thread) -> tuple[Any, ...]:
        first_response = next((at for at, i in zip(t.times, t.inbound, strict=True) if not i), None)
        due = None
        for at, inbound in zip(t.times, t.inbound, strict=True):
            if not inbound:
                due = None
            elif due is None:
                due = at + RESPONSE_TARGET
        resolved = None
        if t.status in ("resolved", "closed"):
            due = None  # change_status: nothing is owed on a solved case
            resolved = min(now, t.last_at + timedelta(seconds=rng.uniform(60, 7200)))
        assigned = None
        if t.assignee is not None:
            assigned = t.opened_at + timedelta(seconds=rng.uniform(60, 1800))
        updated = max(d for d in (t.last_at, resolved, assigned) if d is not None)
        return (
            c,
            account_ids[t.platform],
            t.customer + 1,
            t.status,
            t.priority,
            agents[t.assignee].pk if t.assignee is not None else None,
            departments[t.department].pk if t.department is not None else None,
            t.language,
            assigned,
            t.opened_at,
            due,
            preview_of(t.texts[-1]),
            first_response,
            resolved,
            t.last_at,
            t.opened_at,
            updated,
        )

    conversation_rows = [conversation_row(c, t) for c, t in enumerate(threads, start=1)]
    load(
        "inbox_conversation",
        [
            "id",
            "channel_account_id",
            "customer_id",
            "status",
            "priority",
            "assignee_id",
            "department_id",
            "language",
            "assigned_at",
            "opened_at",
            "response_due_at",
            "preview",
            "first_response_at",
            "resolved_at",
            "last_activity_at",
            "created_at",
            "updated_at",
        ],
        conversation_rows,
        len(conversation_rows),
    )
    tag_rows = [(c, tags[tag].pk) for c, t in enumerate(threads, start=1) for tag in t.tags]
    load(
        "inbox_conversation_tags",
        ["id", "conversation_id", "tag_id"],
        ((i, c, tag) for i, (c, tag) in enumerate(tag_rows, start=1)),
        len(tag_rows),
    )

    # Messages get their ids in the order they were written, across conversations.
    order = sorted(
        ((at, c, j) for c, t in enumerate(threads) for j, at in enumerate(t.times)),
        key=lambda m: m[0],
    )
    thread_ids: list[list[int]] = [[] for _ in threads]
    for message_id, (_, c, _) in enumerate(order, start=1):
        thread_ids[c].append(message_id)

    def external_id(t: Thread, message_id: int) -> str:
        if t.platform == "x":
            return str(1_850_000_000_000_000_000 + message_id)
        if t.kind == "comment":
            return f"{FB_PAGE_ID}_{9_000_000_000 + message_id}"
        return f"m_bench{message_id}"

    def message_rows() -> Iterator[tuple[Any, ...]]:
        for message_id, (at, c, j) in enumerate(order, start=1):
            t = threads[c]
            inbound = t.inbound[j]
            ext = external_id(t, message_id)
            public = t.kind in ("mention", "comment")
            in_reply_to = external_id(t, thread_ids[c][j - 1]) if public and j else ""
            kind = "reply" if t.kind == "mention" and not inbound else t.kind
            if t.kind == "mention":
                author = people[t.customer].handle if inbound else "BenchCares"
                permalink = f"https://x.com/{author}/status/{ext}"
            elif t.kind == "comment":
                permalink = f"https://www.facebook.com/{FB_PAGE_ID}/posts/{ext}"
            else:
                permalink = ""
            writer_agent = t.assignee if t.assignee is not None else c % len(agents)
            yield (
                message_id,
                c + 1,
                account_ids[t.platform],
                "inbound" if inbound else "outbound",
                kind,
                ext,
                in_reply_to,
                identity_ids[t.customer, t.platform] if inbound else None,
                None if inbound else agents[writer_agent].pk,
                t.texts[j],
                at,
                at + timedelta(seconds=2),
                {"id": ext},
                [],
                [],
                permalink,
            )

    search_index = importlib.import_module("inbox.migrations.0007_conversation_search")
    if connection.vendor == "postgresql":
        # Built once after the load: far faster than updating a GIN index row by row.
        with connection.cursor() as cursor:
            cursor.execute(search_index.DROP_INDEX)
    load(
        "inbox_message",
        [
            "id",
            "conversation_id",
            "channel_account_id",
            "direction",
            "kind",
            "external_id",
            "in_reply_to_external_id",
            "author_identity_id",
            "author_agent_id",
            "text",
            "platform_created_at",
            "received_at",
            "raw",
            "attachments",
            "previous_texts",
            "permalink",
        ],
        message_rows(),
        len(order),
    )
    # Ingest appends each message to its conversation's search document; here, at once.
    print("  building the search documents and their index…", file=sys.stderr)
    rebuild_search_text()
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET maintenance_work_mem = '1GB'")
            cursor.execute(search_index.CREATE_INDEX)
            cursor.execute("RESET maintenance_work_mem")

    events: list[tuple[Any, ...]] = []
    notes: list[tuple[Any, ...]] = []
    escalations: list[Escalation] = []
    for (c, t), row in zip(enumerate(threads, start=1), conversation_rows, strict=True):
        agent = agents[t.assignee] if t.assignee is not None else None
        assigned_at, resolved_at = row[8], row[13]
        if agent is not None:
            if rng.random() < 0.5:
                events.append((c, agent.pk, "claimed", {}, assigned_at))
            else:
                events.append(
                    (c, None, "assigned", {"to": agent.initials, "auto": True}, assigned_at)
                )
        if t.department is not None and t.status == "escalated":
            department = departments[t.department]
            at = t.last_at - timedelta(minutes=5)
            events.append(
                (c, agent.pk if agent else None, "escalated", {"department": department.name}, at)
            )
            escalations.append(
                Escalation(
                    conversation_id=c,
                    department=department,
                    raised_by=agent or agents[0],
                    summary="Customer needs a replacement; troubleshooting did not help.",
                    created_at=at,
                )
            )
        if resolved_at is not None:
            data = {"from": "open", "to": t.status}
            events.append((c, agent.pk if agent else None, "status", data, resolved_at))
        if t.note:
            author = agent or agents[c % len(agents)]
            notes.append((c, author.pk, rng.choice(NOTES), t.opened_at + timedelta(minutes=10)))
    load(
        "inbox_conversationevent",
        ["id", "conversation_id", "actor_id", "kind", "data", "created_at"],
        ((i, *e) for i, e in enumerate(events, start=1)),
        len(events),
    )
    load(
        "inbox_internalnote",
        ["id", "conversation_id", "author_id", "text", "created_at"],
        ((i, *n) for i, n in enumerate(notes, start=1)),
        len(notes),
    )
    Escalation.objects.bulk_create(escalations, batch_size=1000)
    writer.reset_sequences(
        [
            "inbox_customer", "inbox_customeridentity", "inbox_conversation",
            "inbox_conversation_tags", "inbox_message", "inbox_conversationevent",
            "inbox_internalnote",
        ]
    )  # fmt: skip
    print("  VACUUM ANALYZE (PostgreSQL), ANALYZE (SQLite)…", file=sys.stderr)
    with connection.cursor() as cursor:
        # What autovacuum does after a bulk load anyway; the plans and the visibility map
        # (index-only scans) are then those of a settled database.
        cursor.execute("VACUUM ANALYZE" if connection.vendor == "postgresql" else "ANALYZE")
    x.cursors = {
        "bench": {
            "customers": n_customers,
            "conversations": n_conversations,
            "messages": n_messages,
            "seed": seed,
            "generated_at": now.isoformat(),
            "seconds": round(time.perf_counter() - started),
        }
    }
    x.save(update_fields=["cursors"])
    print(
        f"generated {n_customers:,} customers ({len(identities):,} identities), "
        f"{n_conversations:,} conversations, {n_messages:,} messages, {len(events):,} events, "
        f"{len(notes):,} notes in {time.perf_counter() - started:.0f} s",
        file=sys.stderr,
    )


# --- Measurement ---------------------------------------------------------------------------


@dataclass
class Result:
    persona: str
    page: str
    target_ms: float
    times: list[float]  # seconds
    queries: int
    rows: int | None

    @property
    def p50(self) -> float:
        return statistics.median(self.times) * 1000

    @property
    def p95(self) -> float:
        return statistics.quantiles(self.times, n=100, method="inclusive")[94] * 1000

    @property
    def max(self) -> float:
        return max(self.times) * 1000

    @property
    def ok(self) -> bool:
        return self.p95 <= self.target_ms


def count_rows(body: bytes) -> int | None:
    rows = body.count(b'class="conversation-row')
    return rows if b"conversation-list" in body or rows else None


def captured(client: Client, url: str) -> tuple[int, list[dict[str, str]]]:
    """The queries of one request, with their SQL and time, once the page was seen.

    The first visit of a conversation page also creates the agent's presence row (two
    more queries, once); the count compared is that of every later visit.
    """
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.get(url)
    with CaptureQueriesContext(connection) as context:
        response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return len(context.captured_queries), context.captured_queries


def time_requests(client: Client, urls: Sequence[str], bar: tqdm) -> list[float]:
    times = []
    for url in urls:
        started = time.perf_counter()
        response = client.get(url)
        times.append(time.perf_counter() - started)
        if response.status_code != 200:
            raise SystemExit(f"{url}: HTTP {response.status_code}")
        bar.update()
    return times


@dataclass
class Fixtures:
    """What the measured pages point at, found in the generated data."""

    x_account: int
    handle: str  # an X customer with exactly one open conversation
    conversations: list[int]  # random, for the conversation page
    long_threads: list[int]  # ~20 messages
    two_messages: int  # public X threads with 2 and 20 messages, for the query-count check
    twenty_messages: int


def find_fixtures(rng: random.Random, n: int) -> Fixtures:
    from django.db.models import Count, Q

    from inbox.models import ChannelAccount, Conversation, CustomerIdentity, Message

    x = ChannelAccount.objects.get(platform="x", external_id=X_ACCOUNT_ID)
    max_id = Conversation.objects.order_by("-id").values_list("id", flat=True)[0]
    open_once = (
        Conversation.objects.filter(status__in=sorted(OPEN))
        .values("customer")
        .annotate(n=Count("id"))
        .filter(n=1)
        .values("customer")
    )
    handle = (
        CustomerIdentity.objects.filter(platform="x", customer__in=open_once)
        .exclude(handle="")
        .order_by("id")
        .values_list("handle", flat=True)[0]
    )
    lengths = dict(
        Message.objects.filter(conversation_id__lte=20_000)
        .values_list("conversation_id")
        .annotate(n=Count("id"))
        .order_by()
    )
    mention = set(
        Conversation.objects.filter(
            Q(pk__lte=20_000), channel_account=x, messages__kind="mention"
        ).values_list("pk", flat=True)
    )
    long_threads = [c for c, k in lengths.items() if k >= 18]
    return Fixtures(
        x_account=x.pk,
        handle=handle,
        conversations=[rng.randint(1, max_id) for _ in range(n)],
        long_threads=[rng.choice(long_threads) for _ in range(n)],
        two_messages=min(c for c, k in lengths.items() if k == 2 and c in mention),
        twenty_messages=min(c for c, k in lengths.items() if k == 20 and c in mention),
    )


def list_pages(f: Fixtures) -> list[tuple[str, str]]:
    return [
        ("list: all open", "/inbox/?view=all"),
        ("list: mine", "/inbox/?view=mine"),
        ("list: unassigned", "/inbox/?view=unassigned"),
        ("list: resolved", "/inbox/?view=resolved"),
        ("list: X + id + high", f"/inbox/?view=all&channel={f.x_account}&language=id&priority=30"),
        ("list: sort by priority", "/inbox/?view=all&sort=priority"),
        ("list: sort by due", "/inbox/?view=all&sort=due"),
        (f"search: common word “{COMMON_WORD}”", f"/inbox/?q={COMMON_WORD}"),
        (f"search: rare word “{RARE_WORD}”", f"/inbox/?q={RARE_WORD}"),
        ("search: @handle", f"/inbox/?q=%40{f.handle}"),
        ("list: ?partial=1", "/inbox/?partial=1"),
        ("/inbox/live", "/inbox/live"),
    ]


def measure(
    personas: dict[str, Agent], f: Fixtures, n: int, explain: bool
) -> tuple[list[Result], list[tuple[str, bool]]]:
    from django.test import Client

    results: list[Result] = []
    checks: list[tuple[str, bool]] = []
    pages = list_pages(f)
    total = len(personas) * (len(pages) + 2) * n
    with tqdm(total=total, desc="requests", unit=" req", leave=False, mininterval=2) as bar:
        for persona, agent in personas.items():
            client = Client()
            client.force_login(agent.user)
            for url in ("/inbox/", "/inbox/live", f"/inbox/{f.conversations[0]}/"):
                client.get(url)  # warm: templates compiled, connection open
            for page, url in pages:
                queries, _ = captured(client, url)
                rows = count_rows(client.get(url).content)
                times = time_requests(client, [url] * n, bar)
                results.append(Result(persona, page, LIST_TARGET_MS, times, queries, rows))
            for page, ids in (
                ("conversation: random", f.conversations),
                ("conversation: ~20 messages", f.long_threads),
            ):
                queries, _ = captured(client, f"/inbox/{ids[0]}/")
                times = time_requests(client, [f"/inbox/{pk}/" for pk in ids[:n]], bar)
                results.append(Result(persona, page, CONVERSATION_TARGET_MS, times, queries, None))
            # The query count must not depend on how much the page shows.
            # Two searches (a search looks the handle up first): 1 row and 50 rows.
            one = captured(client, f"/inbox/?q=%40{f.handle}")[0]
            fifty = captured(client, f"/inbox/?q={COMMON_WORD}")[0]
            checks.append(
                (f"{persona}: list with 1 row vs 50 rows: {one} vs {fifty} queries", one == fifty)
            )
            two = captured(client, f"/inbox/{f.two_messages}/")[0]
            twenty = captured(client, f"/inbox/{f.twenty_messages}/")[0]
            checks.append(
                (
                    f"{persona}: conversation with 2 vs 20 messages: {two} vs {twenty} queries",
                    two == twenty,
                )
            )
            if explain:
                explain_slow(client, [r for r in results if r.persona == persona], pages, f)
    return results, checks


def explain_slow(
    client: Client, results: list[Result], pages: list[tuple[str, str]], f: Fixtures
) -> None:
    """EXPLAIN ANALYZE of the slowest query of each page that missed its target."""
    from django.db import connection

    urls = dict(pages)
    urls["conversation: random"] = f"/inbox/{f.conversations[0]}/"
    urls["conversation: ~20 messages"] = f"/inbox/{f.twenty_messages}/"
    for result in results:
        if result.ok or result.page not in urls:
            continue
        _, queries = captured(client, urls[result.page])
        slowest = sorted(queries, key=lambda q: float(q["time"]), reverse=True)[:2]
        print(f"\n### {result.persona} · {result.page}: p95 {result.p95:.1f} ms", file=sys.stderr)
        for query in slowest:
            print(
                f"-- {float(query['time']) * 1000:.1f} ms: {query['sql'][:2000]}", file=sys.stderr
            )
            if connection.vendor != "postgresql":
                continue
            with connection.cursor() as cursor:
                cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {query['sql']}")
                print("\n".join(row[0] for row in cursor.fetchall()), file=sys.stderr)


def live_latency(agent: Agent, samples: int, rng: random.Random) -> list[float]:
    """Seconds from ingest_events' commit to the poller holding the new row."""
    from django.db import connection
    from django.test import Client
    from django.utils import timezone

    from inbox.channels.base import InboundAuthor, InboundEvent
    from inbox.models import ChannelAccount
    from inbox.services.ingest import ingest_events

    account = ChannelAccount.objects.get(platform="x", external_id=X_ACCOUNT_ID)
    expect: dict[str, Any] = {"marker": None, "seen_at": 0.0}
    found = threading.Event()
    stop = threading.Event()

    def poller() -> None:
        # As static/care/inbox.js: ask /inbox/live; when the two numbers moved, fetch the
        # list; the next tick a second after this one ended (careEvery's setTimeout).
        client = Client()
        client.force_login(agent.user)
        seen = None
        try:
            while not stop.is_set():
                state = client.get("/inbox/live").json()
                key = (state["latest_message_id"], state["changed_at"])
                if seen is not None and key != seen:
                    body = client.get("/inbox/?partial=1").content.decode()
                    marker = expect["marker"]
                    if marker and marker in body:
                        expect["seen_at"] = time.perf_counter()
                        expect["marker"] = None
                        found.set()
                seen = key
                stop.wait(1.0)
        finally:
            connection.close()

    thread = threading.Thread(target=poller, daemon=True)
    thread.start()
    time.sleep(1.5)  # the poller's first answer sets its baseline
    latencies = []
    run = int(time.time())
    try:
        for i in tqdm(range(samples), desc="live", unit=" mention", leave=False, mininterval=2):
            time.sleep(rng.uniform(0.3, 1.3))  # land anywhere in the poll cycle
            handle = f"livebench{run}x{i}"
            found.clear()
            expect["marker"] = f"@{handle}"
            event = InboundEvent(
                kind="mention",
                external_id=str(1_990_000_000_000_000_000 + run * 1000 + i),
                created_at=timezone.now(),
                text="@BenchCares my order NT12345678 has not arrived yet, please help",
                customer=InboundAuthor(external_id=f"88{run}{i:03d}", handle=handle, name=handle),
            )
            ingest_events(account=account, events=[event])
            committed = time.perf_counter()
            if not found.wait(15):
                raise SystemExit(f"the poller never showed {handle}")
            latencies.append(max(0.0, expect["seen_at"] - committed))
    finally:
        stop.set()
        thread.join()
    return latencies


def remove_live_samples() -> None:
    from inbox.models import Conversation, Customer

    customers = Customer.objects.filter(identities__handle__startswith="livebench")
    Conversation.objects.filter(customer__in=customers).delete()
    Customer.objects.filter(pk__in=list(customers.values_list("pk", flat=True))).delete()


def describe(values: Sequence[float], unit: str = "s") -> str:
    p95 = statistics.quantiles(values, n=100, method="inclusive")[94]
    return (
        f"p50 {statistics.median(values):.2f} {unit}, p95 {p95:.2f} {unit}, "
        f"max {max(values):.2f} {unit}"
    )


# --- Set-up --------------------------------------------------------------------------------


def add_data_arguments(parser: argparse.ArgumentParser) -> None:
    """Where the data lives and how it is made: shared with bench/api_scale.py."""
    parser.add_argument(
        "--database-url", default=DEFAULT_URL, help="PostgreSQL; created if missing"
    )
    parser.add_argument("--sqlite", metavar="PATH", help="a SQLite file instead of PostgreSQL")
    parser.add_argument("--generate", action="store_true", help="generate the data if missing")
    parser.add_argument("--regenerate", action="store_true", help="drop the data and start over")
    parser.add_argument("--generate-only", action="store_true", help="generate, do not measure")
    parser.add_argument("--scale", type=float, default=1.0, help="1.0: 1,000,000 messages")
    parser.add_argument("--seed", type=int, default=2026)


def machine_line() -> str:
    """The report's first line: which machine, how many cores, which Python, the date."""
    return (
        f"machine: {platform.node()}, {os.cpu_count()} cores, Python {platform.python_version()}; "
        f"{datetime.now(UTC):%Y-%m-%d}"
    )


def database_name() -> str:
    """The database measured: engine, server version and name."""
    from django.db import connection

    vendor = connection.vendor
    version = connection.cursor().connection.server_version if vendor == "postgresql" else ""
    return f"{vendor} {version} ({connection.settings_dict['NAME']})"


def prepare(args: argparse.Namespace, *, static: bool = True) -> dict[str, Any]:
    """Create the database if missing, set up Django with production settings, migrate,
    generate the data if asked; the generation's summary (sizes, seed, seconds).

    `static`: collect the static files, which the pages need (not the API)."""
    scratch = Path(tempfile.mkdtemp(prefix="care-inbox-scale-"))
    atexit.register(shutil.rmtree, scratch, ignore_errors=True)  # collected static files
    if args.sqlite:
        path = Path(args.sqlite).resolve()
        path.parent.mkdir(parents=True, exist_ok=True)
        if args.regenerate:
            for suffix in ("", "-wal", "-shm"):
                Path(f"{path}{suffix}").unlink(missing_ok=True)
        database_url = f"sqlite:///{path}"
    else:
        database_url = args.database_url
        dbname = database_url.rsplit("/", 1)[1]
        admin_url = database_url.rsplit("/", 1)[0] + "/postgres"
        if args.regenerate:
            subprocess.run(
                ["psql", admin_url, "-qc", f"DROP DATABASE IF EXISTS {dbname}"], check=True
            )
        exists = subprocess.run(
            ["psql", admin_url, "-Atc", f"SELECT 1 FROM pg_database WHERE datname = '{dbname}'"],  # noqa: S608
            check=True,
            capture_output=True,
            text=True,
        ).stdout.strip()
        if not exists:
            subprocess.run(["psql", admin_url, "-qc", f"CREATE DATABASE {dbname}"], check=True)
    os.environ.update(
        {
            "DATABASE_URL": database_url,
            "CARE_VAR_DIR": str(scratch),
            # Production settings: with debug on, Django keeps every query in memory.
            "DJANGO_DEBUG": "0",
            "SECRET_KEY": secrets.token_urlsafe(50),
            "CARE_ENCRYPTION_KEYS": Fernet.generate_key().decode(),
            "SECURE_SSL_REDIRECT": "0",
            "ALLOWED_HOSTS": "testserver,127.0.0.1,localhost",
            "REDIS_URL": "",
            "CARE_AUTO_ASSIGN": "0",  # nothing consumes the tasks here
            "LOG_LEVEL": "WARNING",
            "DJANGO_SETTINGS_MODULE": "care.settings",
        }
    )
    import django

    django.setup()
    from django.core.management import call_command

    from inbox.models import ChannelAccount

    call_command("migrate", verbosity=0)
    if static:
        # Production serves static files from a manifest: the pages need one.
        call_command("collectstatic", interactive=False, verbosity=0)

    account = ChannelAccount.objects.filter(platform="x", external_id=X_ACCOUNT_ID).first()
    if account is None:
        if not (args.generate or args.regenerate or args.generate_only):
            raise SystemExit("no data yet: run with --generate")
        generate(scale=args.scale, seed=args.seed)
        account = ChannelAccount.objects.get(platform="x", external_id=X_ACCOUNT_ID)
    elif "bench" not in account.cursors:
        raise SystemExit("an earlier generation did not finish: run with --regenerate")
    size: dict[str, Any] = account.cursors["bench"]
    return size


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_data_arguments(parser)
    parser.add_argument("--requests", type=int, default=200, help="per page and persona")
    parser.add_argument("--live-samples", type=int, default=20)
    parser.add_argument("--explain", action="store_true", help="EXPLAIN ANALYZE slow pages")
    args = parser.parse_args()

    size = prepare(args)
    if args.generate_only:
        return

    from care.models import Agent
    from inbox.models import ConversationViewer

    rng = random.Random(args.seed + 1)
    fixtures = find_fixtures(rng, args.requests)
    personas = {
        "agent": Agent.objects.get(user__username="bench-bag"),
        "supervisor": Agent.objects.get(user__username="bench-supervisor"),
    }
    load_before = os.getloadavg()[0]
    results, checks = measure(personas, fixtures, args.requests, args.explain)
    latencies = live_latency(personas["agent"], args.live_samples, rng)
    remove_live_samples()
    ConversationViewer.objects.filter(agent__in=personas.values()).delete()

    print(machine_line())
    print(
        f"database: {database_name()}: "
        f"{size['customers']:,} customers, {size['conversations']:,} conversations, "
        f"{size['messages']:,} messages (generated in {size['seconds']} s)"
    )
    print(
        f"requests: {args.requests} per page and persona, DJANGO_DEBUG=0, django.test.Client; "
        f"1-minute load average {load_before:.2f} before, {os.getloadavg()[0]:.2f} after\n"
    )
    print("| persona | page | rows | p50 ms | p95 ms | max ms | queries | target p95 |")
    print("|---|---|---|---|---|---|---|---|")
    for r in results:
        verdict = "ok" if r.ok else "**missed**"
        rows = "" if r.rows is None else str(r.rows)
        print(
            f"| {r.persona} | {r.page} | {rows} | {r.p50:.1f} | {r.p95:.1f} | {r.max:.1f} | "
            f"{r.queries} | ≤ {r.target_ms:.0f} ms {verdict} |"
        )
    print()
    for text, ok in checks:
        print(f"{'PASS' if ok else 'FAIL'}  {text}")
    live_p95 = (
        statistics.quantiles(latencies, n=100, method="inclusive")[94]
        if len(latencies) > 1
        else latencies[0]
    )
    live_ok = live_p95 <= LIVE_TARGET_S
    print(
        f"{'PASS' if live_ok else 'FAIL'}  live: ingest commit to the new row on the list, "
        f"{len(latencies)} mentions: {describe(latencies)} (target p95 ≤ {LIVE_TARGET_S:.0f} s)"
    )
    failures = [r for r in results if not r.ok]
    failed = [t for t, ok in checks if not ok]
    if failures or failed or not live_ok:
        raise SystemExit(f"FAILED: {len(failures)} pages over target, {len(failed)} checks")


if __name__ == "__main__":
    main()
