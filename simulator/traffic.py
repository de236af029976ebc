"""Customer traffic: mentions, DMs, comments and Messenger messages arriving at a set rate.

A background thread draws exponential gaps (a Poisson process) at `rate_per_minute`, summed
over the chosen platforms. `tick(n)` makes n events at once, reproducibly from the
simulator's seed. In "firestorm" mode the rate is multiplied and most events pile onto one
topic, angrier and public, as when a product fault goes viral.

Control API (under /_sim):
    GET  /traffic          status
    POST /traffic          {"rate_per_minute", "mode", "topic", "id_share", "platforms",
                            "running", "firestorm_factor"}; every key optional
    POST /traffic/burst    {"count", "mode"?, "topic"?}: make count events now
"""

from __future__ import annotations

import logging
import random
import threading
import time
from collections import Counter
from dataclasses import asdict, dataclass, replace
from typing import Any, Protocol, cast

from werkzeug.wrappers import Request, Response

from simulator.authors import AuthorPool
from simulator.core import Simulator, json_response, request_data
from simulator.phrases import (
    FIRESTORM_VOICE_WEIGHTS,
    TOPICS,
    compose,
    compose_page_post,
    pick_language,
    pick_topic,
    pick_voice,
)

logger = logging.getLogger(__name__)

MODES = ("normal", "firestorm")
PLATFORMS = ("x", "facebook")
EVENT_KINDS = ("x_mention", "x_reply", "x_dm", "fb_comment", "fb_reply", "fb_message")
PLATFORM_OF = {kind: "x" if kind.startswith("x_") else "facebook" for kind in EVENT_KINDS}
NORMAL_MIX = {
    "x_mention": 45,
    "x_reply": 10,
    "x_dm": 10,
    "fb_comment": 20,
    "fb_reply": 5,
    "fb_message": 10,
}
# A firestorm is public: people pile on in mentions and comments, few write privately.
FIRESTORM_MIX = {
    "x_mention": 58,
    "x_reply": 6,
    "x_dm": 4,
    "fb_comment": 26,
    "fb_reply": 2,
    "fb_message": 4,
}
FIRESTORM_TOPIC = "laptop_battery"
FOCUS_SHARE = 0.8  # share of firestorm events on its topic
RETURNING_SHARE = {"normal": 0.4, "firestorm": 0.1}  # firestorms bring many new voices
FOLLOWUP_CHANCE = 0.3  # a returning X customer nudging their own earlier tweet
NEW_PAGE_POST_CHANCE = 0.005  # per Facebook comment: the Page posts something new now and then
BRAND_REPLIES_SEEN = 20
MAX_BURST = 10_000
MAX_LAG_SECONDS = 1.0  # after a stall, catch up at most this much instead of flooding
X_LANG = {"id": "in", "en": "en"}  # X reports Indonesian with the legacy code "in"


class XCustomers(Protocol):
    """What traffic needs from simulator.x_api.XPlatform."""

    def add_mention(
        self,
        *,
        text: str,
        author: dict[str, Any] | None = None,
        in_reply_to_tweet_id: str | None = None,
        lang: str | None = None,
    ) -> dict[str, Any]: ...

    def add_dm(self, *, text: str, sender: dict[str, Any] | None = None) -> dict[str, Any]: ...

    def latest_brand_replies(self, n: int) -> list[dict[str, Any]]: ...


class FacebookCustomers(Protocol):
    """What traffic needs from simulator.graph_api.FacebookPlatform."""

    def add_page_post(self, *, message: str) -> dict[str, Any]: ...

    def add_comment(
        self,
        *,
        message: str,
        author: dict[str, Any] | None = None,
        post_id: str | None = None,
        parent_id: str | None = None,
    ) -> dict[str, Any]: ...

    def add_messenger_message(
        self, *, text: str, sender: dict[str, Any] | None = None
    ) -> dict[str, Any]: ...

    def latest_page_replies(self, n: int) -> list[dict[str, Any]]: ...


@dataclass(frozen=True)
class Settings:
    rate_per_minute: float = 0.0
    mode: str = "normal"
    topic: str | None = None  # normal: every event on it; firestorm: FOCUS_SHARE of them
    id_share: float = 0.6
    platforms: tuple[str, ...] = PLATFORMS
    firestorm_factor: float = 20.0

    def effective_rate(self) -> float:
        factor = self.firestorm_factor if self.mode == "firestorm" else 1.0
        return self.rate_per_minute * factor


class Traffic:
    def __init__(self, sim: Simulator) -> None:
        self.sim = sim
        self.settings = Settings()
        self.rng = random.Random(sim.config.seed)  # noqa: S311 -- reproducible, not secret
        self._gaps = random.Random(sim.config.seed + 1)  # noqa: S311
        self.authors = AuthorPool(self.rng)
        self.counts: Counter[str] = Counter()
        self.errors = 0
        self.last_error = ""
        # Per platform: the brand's replies a customer already answered.
        self._answered: dict[str, set[str]] = {"x": set(), "facebook": set()}
        self._lock = threading.Lock()  # one event at a time: the thread and bursts interleave
        self._changed = threading.Event()
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None

    # --- configuration -------------------------------------------------------------------
    def configure(self, **changes: Any) -> Settings:
        """Apply validated changes at once; raises ValueError naming the bad one."""
        current = self.settings
        updates: dict[str, Any] = {}
        if changes.get("rate_per_minute") is not None:
            updates["rate_per_minute"] = _number(changes["rate_per_minute"], "rate_per_minute")
        if changes.get("mode") is not None:
            updates["mode"] = _mode(changes["mode"])
        if "topic" in changes:
            updates["topic"] = _topic(changes["topic"])
        if changes.get("id_share") is not None:
            share = _number(changes["id_share"], "id_share")
            if share > 1:
                raise ValueError("id_share must be between 0 and 1")
            updates["id_share"] = share
        if changes.get("platforms") is not None:
            updates["platforms"] = _platforms(changes["platforms"])
        if changes.get("firestorm_factor") is not None:
            factor = _number(changes["firestorm_factor"], "firestorm_factor")
            if factor <= 0:
                raise ValueError("firestorm_factor must be above 0")
            updates["firestorm_factor"] = factor
        self.settings = replace(current, **updates)
        self._changed.set()  # the thread redraws its wait at the new rate
        return self.settings

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def start(self, **changes: Any) -> None:
        """Configure (see `configure`) and run the background thread."""
        self.configure(**changes)
        if self.running:
            return
        self._stopping.clear()
        self._thread = threading.Thread(target=self._run, name="simulator-traffic", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        thread, self._thread = self._thread, None
        if thread is None:
            return
        self._stopping.set()
        self._changed.set()
        thread.join(timeout=5)

    def status(self) -> dict[str, Any]:
        settings = asdict(self.settings)
        settings["platforms"] = list(self.settings.platforms)
        return {
            "running": self.running,
            **settings,
            "effective_rate_per_minute": self.settings.effective_rate(),
            "generated": sum(self.counts.values()),
            "counts": dict(self.counts),
            "errors": self.errors,
            "last_error": self.last_error,
        }

    # --- control API -----------------------------------------------------------------------
    def control(self, request: Request, path: str) -> Response | None:
        if path == "/traffic":
            if request.method == "GET":
                return json_response(self.status())
            if request.method == "POST":
                return self._control_settings(request_data(request))
            return json_response({"error": "use GET or POST"}, status=405)
        if path == "/traffic/burst":
            if request.method != "POST":
                return json_response({"error": "use POST"}, status=405)
            return self._control_burst(request_data(request))
        return None

    def _control_settings(self, body: dict[str, Any]) -> Response:
        known = {*asdict(self.settings), "running"}
        unknown = sorted(set(body) - known)
        if unknown:
            return json_response({"error": f"unknown settings: {', '.join(unknown)}"}, status=400)
        try:
            self.configure(**{k: v for k, v in body.items() if k != "running"})
            running = _flag(body["running"]) if "running" in body else None
        except ValueError as exc:
            return json_response({"error": str(exc)}, status=400)
        if running is True:
            self.start()
        elif running is False:
            self.stop()
        return json_response(self.status())

    def _control_burst(self, body: dict[str, Any]) -> Response:
        try:
            count = int(body.get("count", 1))
            if not 0 < count <= MAX_BURST:
                raise ValueError(f"count must be 1 to {MAX_BURST}")
            mode = _mode(body["mode"]) if body.get("mode") is not None else None
            topic = _topic(body["topic"]) if body.get("topic") else None
        except (TypeError, ValueError) as exc:
            return json_response({"error": str(exc)}, status=400)
        events = self.tick(count, mode=mode, topic=topic)
        counts = Counter(event["kind"] for event in events)
        return json_response({"generated": len(events), "counts": dict(counts)})

    # --- generating ------------------------------------------------------------------------
    def tick(
        self, n: int, *, mode: str | None = None, topic: str | None = None
    ) -> list[dict[str, Any]]:
        """Make n events now and return them (kind, platform, id, text, language, topic…)."""
        settings = self.settings
        if mode is not None or topic is not None:
            settings = replace(settings, mode=mode or settings.mode, topic=topic or settings.topic)
        events = []
        for _ in range(n):
            with self._lock:
                event = self._event(settings)
                self.counts[event["kind"]] += 1
            events.append(event)
        return events

    def _event(self, settings: Settings) -> dict[str, Any]:
        rng = self.rng
        firestorm = settings.mode == "firestorm"
        mix = {
            kind: weight
            for kind, weight in (FIRESTORM_MIX if firestorm else NORMAL_MIX).items()
            if PLATFORM_OF[kind] in settings.platforms
        }
        kind = rng.choices(list(mix), weights=list(mix.values()))[0]
        language = pick_language(rng, settings.id_share)
        topic = self._topic(settings)
        voice = pick_voice(rng, topic, FIRESTORM_VOICE_WEIGHTS if firestorm else None)
        returning = RETURNING_SHARE[settings.mode]
        if kind == "x_reply":
            event = self._x_reply(language, topic, voice)
            if event is not None:
                return event
            kind = "x_mention"  # nothing to answer yet
        if kind == "fb_reply":
            event = self._fb_reply(language, topic, voice)
            if event is not None:
                return event
            kind = "fb_comment"
        if kind == "x_mention":
            # Follow-ups stay on the customer's earlier topic unless a topic is being forced.
            own_topic = settings.topic is None and not firestorm
            return self._x_mention(language, topic, voice, returning, own_topic)
        if kind == "x_dm":
            author = self.authors.pick("x", language, returning_share=returning)
            text = self._text(language, topic, voice, "dm")
            dm = self._x().add_dm(text=text, sender=author)
            return _event("x_dm", dm["id"], text, language, topic, voice, author["id"], None)
        if kind == "fb_comment":
            return self._fb_comment(language, topic, voice, returning, firestorm)
        author = self.authors.pick("facebook", language, returning_share=returning)
        text = self._text(language, topic, voice, "dm")
        message = self._facebook().add_messenger_message(text=text, sender=author)
        return _event("fb_message", message["id"], text, language, topic, voice, author["id"], None)

    def _topic(self, settings: Settings) -> str:
        if settings.mode == "firestorm":
            focus = settings.topic or FIRESTORM_TOPIC
            if self.rng.random() < FOCUS_SHARE:
                return focus
            return pick_topic(self.rng)
        return settings.topic or pick_topic(self.rng)

    def _text(self, language: str, topic: str, voice: str, kind: str) -> str:
        handle = self.sim.config.x_username
        return compose(
            self.rng, language=language, topic=topic, voice=voice, kind=kind, handle=handle
        ).text

    def _x_mention(
        self, language: str, topic: str, voice: str, returning: float, own_topic: bool
    ) -> dict[str, Any]:
        author = self.authors.pick("x", language, returning_share=returning)
        last = self.authors.last_post["x"].get(author["id"])
        known = self.authors.known("x", author["id"])
        if last and known and self.rng.random() < FOLLOWUP_CHANCE:
            # The same customer nudging their own thread, in their own language.
            earlier, earlier_topic = last
            language = known[1]
            topic = earlier_topic if own_topic else topic
            text = self._text(language, topic, voice, "followup")
            try:
                tweet = self._x().add_mention(
                    text=text, author=author, in_reply_to_tweet_id=earlier, lang=X_LANG[language]
                )
            except ValueError:  # their tweet is gone (deleted, or the simulator was reset)
                self.authors.last_post["x"].pop(author["id"], None)
            else:
                self.authors.remember_post("x", author["id"], tweet["id"], topic)
                return _event(
                    "x_mention", tweet["id"], text, language, topic, voice, author["id"], earlier
                )
        text = self._text(language, topic, voice, "mention")
        tweet = self._x().add_mention(text=text, author=author, lang=X_LANG[language])
        self.authors.remember_post("x", author["id"], tweet["id"], topic)
        return _event("x_mention", tweet["id"], text, language, topic, voice, author["id"], None)

    def _x_reply(self, language: str, topic: str, voice: str) -> dict[str, Any] | None:
        replies = self._unanswered("x", self._x().latest_brand_replies(BRAND_REPLIES_SEEN))
        if not replies:
            return None
        answered = self.rng.choice(replies)
        customer_id = str(answered.get("in_reply_to_user_id") or "")
        known = self.authors.known("x", customer_id)
        if known:
            author, language = known
        else:
            author = {"id": customer_id} if customer_id else {}
        text = self._text(language, topic, voice, "reply_to_brand")
        tweet = self._x().add_mention(
            text=text,
            author=author or None,
            in_reply_to_tweet_id=answered["id"],
            lang=X_LANG[language],
        )
        self._answered["x"].add(answered["id"])
        author_id = str(tweet.get("author_id") or customer_id)
        self.authors.remember_post("x", author_id, tweet["id"], topic)
        return _event(
            "x_reply", tweet["id"], text, language, topic, voice, author_id, answered["id"]
        )

    def _fb_comment(
        self, language: str, topic: str, voice: str, returning: float, firestorm: bool
    ) -> dict[str, Any]:
        facebook = self._facebook()
        if not firestorm and self.rng.random() < NEW_PAGE_POST_CHANCE:
            facebook.add_page_post(message=compose_page_post(self.rng, language=language))
        author = self.authors.pick("facebook", language, returning_share=returning)
        text = self._text(language, topic, voice, "comment")
        # No post id: comments land under the Page's newest post, as most do.
        comment = facebook.add_comment(message=text, author=author)
        self.authors.remember_post("facebook", author["id"], comment["id"], topic)
        return _event("fb_comment", comment["id"], text, language, topic, voice, author["id"], None)

    def _fb_reply(self, language: str, topic: str, voice: str) -> dict[str, Any] | None:
        replies = self._unanswered(
            "facebook", self._facebook().latest_page_replies(BRAND_REPLIES_SEEN)
        )
        if not replies:
            return None
        answered = self.rng.choice(replies)
        customer = answered.get("to") or {}
        known = self.authors.known("facebook", str(customer.get("id", "")))
        if known:
            author, language = known
        else:
            author = dict(customer)
        text = self._text(language, topic, voice, "reply_to_brand")
        if self.rng.random() < 0.4:
            # Facebook puts the Page's name in front when you reply to its comment.
            text = f"{self.sim.config.fb_page_name} {text}"
        # Facebook threads one level deep: an answer to the Page's reply joins the same thread.
        parent = answered.get("parent_id") or answered["id"]
        comment = self._facebook().add_comment(
            message=text, author=author or None, parent_id=parent
        )
        self._answered["facebook"].add(answered["id"])
        author_id = author.get("id") or (comment.get("from") or {}).get("id")
        return _event(
            "fb_reply", comment["id"], text, language, topic, voice, author_id, answered["id"]
        )

    def _unanswered(self, platform: str, latest: list[dict[str, Any]]) -> list[dict[str, Any]]:
        answered = self._answered[platform]
        # Replies that left the newest few cannot come back: forget them, the set stays small.
        answered.intersection_update(r["id"] for r in latest)
        return [r for r in latest if r["id"] not in answered]

    def _x(self) -> XCustomers:
        return cast(XCustomers, self.sim.platforms["x"])

    def _facebook(self) -> FacebookCustomers:
        return cast(FacebookCustomers, self.sim.platforms["facebook"])

    # --- the thread ------------------------------------------------------------------------
    def _run(self) -> None:
        next_at = time.monotonic()
        while not self._stopping.is_set():
            rate = self.settings.effective_rate()
            if rate <= 0:
                self._changed.wait()
                self._changed.clear()
                next_at = time.monotonic()
                continue
            now = time.monotonic()
            # Scheduled on a timeline, not after each event, so slow events do not lower the rate.
            next_at = max(next_at + self._gaps.expovariate(rate / 60.0), now - MAX_LAG_SECONDS)
            if next_at > now and self._changed.wait(next_at - now):
                self._changed.clear()
                next_at = time.monotonic()
                continue
            if self._stopping.is_set():
                break
            try:
                self.tick(1)
            except Exception as exc:  # a platform refusing one event must not stop the traffic
                self.errors += 1
                self.last_error = f"{type(exc).__name__}: {exc}"
                logger.exception("traffic event failed")


def _event(
    kind: str,
    event_id: Any,
    text: str,
    language: str,
    topic: str,
    voice: str,
    author_id: Any,
    in_reply_to: str | None,
) -> dict[str, Any]:
    return {
        "kind": kind,
        "platform": PLATFORM_OF[kind],
        "id": None if event_id is None else str(event_id),
        "text": text,
        "language": language,
        "topic": topic,
        "voice": voice,
        "author_id": None if author_id is None else str(author_id),
        "in_reply_to": in_reply_to,
    }


def _number(value: Any, name: str) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a number") from None
    if number < 0 or number != number:
        raise ValueError(f"{name} must be 0 or more")
    return number


def _mode(value: Any) -> str:
    if value not in MODES:
        raise ValueError(f"mode must be one of {', '.join(MODES)}")
    return str(value)


def _topic(value: Any) -> str | None:
    if value in (None, ""):
        return None
    if value not in TOPICS:
        raise ValueError(f"topic must be one of {', '.join(TOPICS)}")
    return str(value)


def _platforms(value: Any) -> tuple[str, ...]:
    names = value.split(",") if isinstance(value, str) else value
    if not isinstance(names, list | tuple) or not names:
        raise ValueError("platforms must be a non-empty list of 'x' and 'facebook'")
    chosen = tuple(p for p in PLATFORMS if p in {str(n).strip() for n in names})
    if len(chosen) != len({str(n).strip() for n in names}):
        raise ValueError("platforms must be a non-empty list of 'x' and 'facebook'")
    return chosen


def _flag(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if str(value).lower() in ("1", "true", "yes", "on"):
        return True
    if str(value).lower() in ("0", "false", "no", "off"):
        return False
    raise ValueError("running must be true or false")
