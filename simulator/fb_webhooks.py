"""Facebook Page webhooks: the payloads and a background deliverer that behaves like Meta's.

Payloads follow the recorded deliveries in restfb's test resources (webhooks/feed-comment-add-211,
feed-comment-edited-25, feed-comment-remove-25, feed-comment-hide, messaging-message-basic and
-basic-echo). The deliverer signs each POST (X-Hub-Signature-256, legacy X-Hub-Signature),
batches several entries into one POST, can re-send a body (Meta delivers at least once), can
deliver later updates first, and retries failures with a growing delay, as the real one does
(graph-api/webhooks/getting-started), with seconds instead of hours.
"""

from __future__ import annotations

import hashlib
import heapq
import hmac
import itertools
import json
import logging
import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import requests

log = logging.getLogger(__name__)

# Connect and read timeouts for one delivery; Meta waits about 20 s, the simulator less.
DELIVERY_TIMEOUT = (3.0, 10.0)
MAX_RETRY_DELAY = 60.0
MAX_LOG = 2000  # the log keeps the newest deliveries only: benchmarks send many


# --- payloads ------------------------------------------------------------------------------
def comment_change(
    *,
    verb: str,
    comment_id: str,
    post_id: str,
    parent_id: str,
    author: dict[str, str],
    message: str,
    created_time: float,
) -> dict[str, Any]:
    """The `changes[]` item for a comment; each verb has the keys its recorded delivery has."""
    if verb == "add":  # feed-comment-add-211.json
        value: dict[str, Any] = {
            "item": "comment",
            "verb": "add",
            "comment_id": comment_id,
            "post_id": post_id,
            "parent_id": parent_id,
            "from": {"id": author["id"], "name": author["name"]},
            "created_time": int(created_time),
            "message": message,
        }
    elif verb == "remove":  # feed-comment-remove-25.json
        value = {
            "item": "comment",
            "verb": "remove",
            "comment_id": comment_id,
            "post_id": post_id,
            "parent_id": parent_id,
            "from": {"name": author["name"], "id": author["id"]},
        }
    else:  # edited: feed-comment-edited-25.json; hide/unhide: feed-comment-hide.json
        value = {
            "item": "comment",
            "verb": verb,
            "comment_id": comment_id,
            "post_id": post_id,
            "parent_id": parent_id,
            # Recorded as a number; fall back to the string for non-numeric test ids.
            "sender_id": int(author["id"]) if author["id"].isdigit() else author["id"],
            "created_time": int(created_time),
            "message": message,
            "sender_name": author["name"],
        }
    return {"field": "feed", "value": value}


def feed_entry(*, page_id: str, change: dict[str, Any], now: float) -> dict[str, Any]:
    # Feed entries carry `time` in seconds (feed-comment-add-211.json).
    return {"id": page_id, "time": int(now), "changes": [change]}


def messaging_entry(
    *,
    page_id: str,
    sender_id: str,
    recipient_id: str,
    mid: str,
    seq: int,
    text: str | None,
    attachments: list[dict[str, Any]] | None,
    now: float,
    echo_app_id: int | None = None,
    metadata: str | None = None,
) -> dict[str, Any]:
    """A Messenger `messaging[]` entry (messaging-message-basic.json); with echo_app_id the
    Page's own send echoed back (messaging-message-basic-echo.json)."""
    message: dict[str, Any] = {"mid": mid, "seq": seq}
    if text is not None:
        message["text"] = text
    if attachments:
        message["attachments"] = attachments
    if echo_app_id is not None:
        message["is_echo"] = True
        message["app_id"] = echo_app_id
        if metadata is not None:
            message["metadata"] = metadata
    ms = int(now * 1000)
    # Messenger entries carry `time` and `timestamp` in milliseconds.
    return {
        "id": page_id,
        "time": ms,
        "messaging": [
            {
                "sender": {"id": sender_id},
                "recipient": {"id": recipient_id},
                "timestamp": ms,
                "message": message,
            }
        ],
    }


def sign(secret: str, body: bytes) -> dict[str, str]:
    """The signature headers Meta adds: HMAC of the raw body with the app secret."""
    key = secret.encode()
    return {
        "X-Hub-Signature-256": "sha256=" + hmac.new(key, body, hashlib.sha256).hexdigest(),
        "X-Hub-Signature": "sha1=" + hmac.new(key, body, hashlib.sha1).hexdigest(),
    }


# --- deliverer -----------------------------------------------------------------------------
@dataclass
class WebhookSettings:
    enabled: bool = True
    url: str = ""
    batch_size: int = 1  # entries per POST (Meta sends up to 1000)
    duplicate_ratio: float = 0.0  # chance a delivered body is sent once more
    out_of_order: bool = False  # deliver later updates first
    max_attempts: int = 6  # then the delivery is dropped, as Meta drops after 36 h
    retry_base_seconds: float = 1.0  # 1 s, 2 s, 4 s… capped at a minute
    linger_seconds: float = 0.05  # wait this long for more updates to batch

    def update(self, data: dict[str, Any]) -> None:
        if "enabled" in data:
            self.enabled = _as_bool(data["enabled"])
        if "url" in data:
            self.url = str(data["url"] or "")
        if "batch_size" in data:
            self.batch_size = max(1, min(1000, int(data["batch_size"])))
        if "duplicate_ratio" in data:
            self.duplicate_ratio = max(0.0, min(1.0, float(data["duplicate_ratio"])))
        if "out_of_order" in data:
            self.out_of_order = _as_bool(data["out_of_order"])
        if "max_attempts" in data:
            self.max_attempts = max(1, int(data["max_attempts"]))
        if "retry_base_seconds" in data:
            self.retry_base_seconds = max(0.0, float(data["retry_base_seconds"]))
        if "linger_seconds" in data:
            self.linger_seconds = max(0.0, float(data["linger_seconds"]))

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def _as_bool(value: Any) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in ("1", "true", "yes", "on")
    return bool(value)


@dataclass(order=True)
class _Delivery:
    due: float
    seq: int
    body: bytes = field(compare=False)
    entries: int = field(compare=False)
    attempt: int = field(default=0, compare=False)
    duplicate: bool = field(default=False, compare=False)


class WebhookDeliverer:
    """Queues page updates and POSTs them from one daemon thread, started on first use."""

    def __init__(
        self, *, secret: str, url: str, seed: int, now: Callable[[], float] = time.time
    ) -> None:
        self.secret = secret
        self.default_url = url
        self.seed = seed
        self.now = now
        self.settings = WebhookSettings(url=url)
        self._rng = random.Random(seed)  # noqa: S311 -- seeded: reproducible runs
        self._cond = threading.Condition()
        self._pending: list[tuple[float, dict[str, Any]]] = []  # (monotonic time, entry)
        self._scheduled: list[_Delivery] = []  # heap by due time
        self._seq = itertools.count(1)
        self._inflight = 0
        self._flush_requested = False
        self._stopped = False
        self._thread: threading.Thread | None = None
        self._log: list[dict[str, Any]] = []
        self._counts = {"enqueued": 0, "skipped": 0, "posts": 0, "delivered": 0, "gave_up": 0}
        self._session = requests.Session()

    # --- API used by the platform and the control API --------------------------------------
    def configure(self, data: dict[str, Any]) -> dict[str, Any]:
        with self._cond:
            self.settings.update(data)
            self._cond.notify_all()
            return self.settings.as_dict()

    def enqueue(self, entry: dict[str, Any]) -> None:
        """Queue one `entry[]` item; dropped when webhooks are off or no URL is set."""
        with self._cond:
            if not self.settings.enabled or not self.settings.url or self._stopped:
                self._counts["skipped"] += 1
                return
            self._counts["enqueued"] += 1
            self._pending.append((time.monotonic(), entry))
            self._start()
            self._cond.notify_all()

    def flush(self, timeout: float = 10.0) -> dict[str, Any]:
        """Deliver what is pending now and wait (retries included) until nothing is left."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while self._busy():
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    break
                self._flush_requested = True
                self._cond.notify_all()
                self._cond.wait(min(remaining, 0.1))
            return {**self._counts, "pending": self._waiting(), "done": not self._busy()}

    def log(self) -> list[dict[str, Any]]:
        with self._cond:
            return list(self._log)

    def stats(self) -> dict[str, Any]:
        with self._cond:
            return {**self._counts, "pending": self._waiting(), "settings": self.settings.as_dict()}

    def reset(self) -> None:
        with self._cond:
            self._pending.clear()
            self._scheduled.clear()
            self._log.clear()
            self._counts = dict.fromkeys(self._counts, 0)
            self.settings = WebhookSettings(url=self.default_url)
            self._rng = random.Random(self.seed)  # noqa: S311

    def stop(self) -> None:
        with self._cond:
            self._stopped = True
            self._cond.notify_all()
            thread = self._thread
        if thread is not None:
            thread.join(timeout=5)
        self._session.close()

    # --- the worker ----------------------------------------------------------------------------
    def _start(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="fb-webhooks", daemon=True)
            self._thread.start()

    def _busy(self) -> bool:
        return bool(self._pending or self._scheduled or self._inflight)

    def _waiting(self) -> int:
        return len(self._pending) + len(self._scheduled)

    def _run(self) -> None:
        while True:
            with self._cond:
                delivery = self._next_delivery()
                if delivery is None:
                    if self._stopped:
                        return
                    continue
                self._inflight += 1
                url = self.settings.url
            try:
                status, error = self._post(url, delivery.body)
            finally:
                with self._cond:
                    self._inflight -= 1
            with self._cond:
                self._record(delivery, url, status, error)
                self._cond.notify_all()

    def _next_delivery(self) -> _Delivery | None:
        """Called under the lock: batch ready updates, then take a due delivery or wait."""
        if self._stopped:
            return None
        now = time.monotonic()
        settings = self.settings
        if self._pending:
            oldest = self._pending[0][0]
            # A full batch goes at once, unless updates are held back to be reordered.
            full = len(self._pending) >= settings.batch_size and not settings.out_of_order
            if self._flush_requested or full or now - oldest >= settings.linger_seconds:
                self._batch(now)
        self._flush_requested = False
        if self._scheduled and self._scheduled[0].due <= now:
            return heapq.heappop(self._scheduled)
        waits = [1.0]
        if self._scheduled:
            waits.append(self._scheduled[0].due - now)
        if self._pending:
            waits.append(self._pending[0][0] + settings.linger_seconds - now)
        self._cond.wait(max(0.001, min(waits)))
        return None

    def _batch(self, now: float) -> None:
        entries = [entry for _, entry in self._pending]
        self._pending.clear()
        if self.settings.out_of_order:
            entries.reverse()  # later updates first, deterministic so tests can see it
        size = self.settings.batch_size
        for start in range(0, len(entries), size):
            chunk = entries[start : start + size]
            body = json.dumps({"object": "page", "entry": chunk}, ensure_ascii=False).encode()
            heapq.heappush(self._scheduled, _Delivery(now, next(self._seq), body, len(chunk)))

    def _post(self, url: str, body: bytes) -> tuple[int | None, str | None]:
        headers = {"Content-Type": "application/json", **sign(self.secret, body)}
        try:
            response = self._session.post(url, data=body, headers=headers, timeout=DELIVERY_TIMEOUT)
        except requests.RequestException as exc:
            return None, f"{type(exc).__name__}: {exc}"
        return response.status_code, None

    def _record(self, delivery: _Delivery, url: str, status: int | None, error: str | None) -> None:
        delivery.attempt += 1
        ok = status is not None and 200 <= status < 300
        self._counts["posts"] += 1
        if ok:
            outcome = "delivered"
            self._counts["delivered"] += 1
        elif delivery.attempt >= self.settings.max_attempts:
            outcome = "gave_up"
            self._counts["gave_up"] += 1
            log.warning("Facebook webhook dropped after %s attempts: %s", delivery.attempt, url)
        else:
            outcome = "retrying"
        self._log.append(
            {
                "at": self.now(),
                "url": url,
                "status": status,
                "error": error,
                "attempt": delivery.attempt,
                "entries": delivery.entries,
                "duplicate": delivery.duplicate,
                "outcome": outcome,
                "body": json.loads(delivery.body),
            }
        )
        del self._log[:-MAX_LOG]
        now = time.monotonic()
        if outcome == "retrying":
            delay = self.settings.retry_base_seconds * 2 ** (delivery.attempt - 1)
            delivery.due = now + min(delay, MAX_RETRY_DELAY)
            heapq.heappush(self._scheduled, delivery)
        elif ok and not delivery.duplicate and self._rng.random() < self.settings.duplicate_ratio:
            # At-least-once delivery: the very same body arrives again.
            copy = _Delivery(now, next(self._seq), delivery.body, delivery.entries, duplicate=True)
            heapq.heappush(self._scheduled, copy)
