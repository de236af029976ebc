"""The Page's in-memory world: posts, comments, conversations, messages, personas, usage."""

from __future__ import annotations

import base64
import hashlib
import math
import random
import string
import time
from collections import deque
from dataclasses import dataclass, field
from typing import Any

from simulator.core import SimConfig, Simulator
from simulator.fb_webhooks import WebhookDeliverer

HOUR = 3600.0
DAY = 24 * HOUR
STANDARD_WINDOW = DAY  # messaging-platform/policy-overview: 24 h after the person's message
HUMAN_AGENT_WINDOW = 7 * DAY
PRIVATE_REPLY_WINDOW = 7 * DAY  # messenger-platform/discovery/private-replies
CUSTOMER_NAMES = [
    "Budi Santoso",
    "Siti Rahmawati",
    "Agus Pratama",
    "Dewi Lestari",
    "Rizky Hidayat",
    "Putri Maharani",
    "Andi Wijaya",
    "Nur Aisyah",
    "Eko Saputra",
    "Maya Sari",
]


def fb_time(t: float) -> str:
    """Graph API time format, as recorded: 2016-03-25T17:50:24+0000."""
    return time.strftime("%Y-%m-%dT%H:%M:%S+0000", time.gmtime(t))


# --- records -------------------------------------------------------------------------------
@dataclass
class Post:
    id: str
    message: str
    created: float
    seq: int
    liked_by_page: bool = False


@dataclass
class Comment:
    id: str
    post_id: str
    parent_id: str | None  # the top-level comment a reply sits under
    message: str
    author: dict[str, str]
    created: float
    seq: int
    is_hidden: bool = False
    deleted: bool = False
    private_reply_at: float | None = None
    liked_by_page: bool = False  # POST /{comment-id}/likes as the Page
    # A photo the Page attached (`source` upload or `attachment_url`), rendered as Graph's
    # comment `attachment` {type, media{image{src,width,height}}, target, url}.
    attachment: dict[str, Any] | None = None


@dataclass
class Message:
    id: str
    conversation_id: str
    author: dict[str, str]
    recipient: dict[str, str]
    text: str | None
    attachments: list[dict[str, Any]]
    created: float
    seq: int


@dataclass
class Conversation:
    id: str
    customer: dict[str, str]
    seq: int  # bumped on every message: conversations are listed most recent first
    updated: float
    last_customer_at: float | None = None
    messages: list[Message] = field(default_factory=list)


class Usage:
    """Calls in the rolling hour, reported as percent of a budget like X-App-Usage."""

    def __init__(self) -> None:
        self.calls: deque[float] = deque()

    def prune(self, now: float) -> None:
        while self.calls and self.calls[0] <= now - HOUR:
            self.calls.popleft()

    def record(self, now: float) -> None:
        self.calls.append(now)

    def percent(self, budget: int) -> int:
        return min(100, math.floor(len(self.calls) * 100 / budget))

    def regain_minutes(self, budget: int, now: float) -> int:
        if len(self.calls) < budget:
            return 0
        # Access comes back when enough of the oldest calls leave the window.
        oldest_needed = self.calls[len(self.calls) - budget]
        return max(1, math.ceil((oldest_needed + HOUR - now) / 60))


class GraphState:
    """The world FacebookPlatform serves; everything here is guarded by `sim.lock`."""

    sim: Simulator
    config: SimConfig
    page: dict[str, str]
    webhooks: WebhookDeliverer

    def _init_state(self) -> None:
        self.posts: dict[str, Post] = {}
        self.comments: dict[str, Comment] = {}
        self.conversations: dict[str, Conversation] = {}
        self.conversation_by_psid: dict[str, str] = {}
        self.messages: dict[str, Message] = {}
        self.customers: dict[str, dict[str, str]] = {}
        self.personas: dict[str, dict[str, str]] = {}
        self.published_items: list[dict[str, Any]] = []
        self.usage = Usage()
        self._seq = 0
        self._mseq = 0
        self._rng = random.Random(self.config.seed)  # noqa: S311 -- seeded world

    # --- helpers -----------------------------------------------------------------------------
    def _next(self) -> int:
        self._seq += 1
        return self._seq

    def _next_mseq(self) -> int:
        self._mseq += 1
        return self._mseq

    def _mid(self) -> str:
        digest = hashlib.sha256(f"{self.config.seed}:mid:{self._next()}".encode()).digest()
        return "m_" + base64.urlsafe_b64encode(digest[:36]).decode().rstrip("=")

    def _fbtrace_id(self) -> str:
        return "".join(self._rng.choices(string.ascii_letters + string.digits, k=11))

    def _customer(self, person: dict[str, Any] | None) -> dict[str, str]:
        person = person or {}
        person_id = str(person.get("id") or self.sim.ids.fb_id())
        known = self.customers.get(person_id)
        name = str(person.get("name") or (known or {}).get("name") or "")
        if not name:
            name = self._rng.choice(CUSTOMER_NAMES)
        customer = {"id": person_id, "name": name}
        self.customers[person_id] = customer
        return customer

    def _live_comment(self, comment_id: str) -> Comment:
        comment = self.comments[comment_id]
        if comment.deleted:
            raise KeyError(comment_id)
        return comment

    def _is_live_comment(self, node: str) -> bool:
        return node in self.comments and not self.comments[node].deleted

    def _parent_deleted(self, comment: Comment) -> bool:
        return bool(comment.parent_id and self.comments[comment.parent_id].deleted)

    def _publish(
        self, *, kind: str, id: str, text: str | None, in_reply_to: str | None, **extra: Any
    ) -> None:
        self.published_items.append(
            {
                "platform": "facebook",
                "kind": kind,
                "id": id,
                "text": text,
                "in_reply_to": in_reply_to,
                "published_at": self.sim.clock.now(),
                **extra,
            }
        )
