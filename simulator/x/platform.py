"""XPlatform: the routes, dispatch, faults, the control API and the agreed interface."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from werkzeug.wrappers import Request, Response

from simulator.core import Fault, Simulator, json_response, request_data
from simulator.x.auth import RATE_LIMITS, XAuth
from simulator.x.dms import XDms
from simulator.x.errors import (
    NO_ROUTE,
    SERVICE_UNAVAILABLE,
    TOO_MANY_REQUESTS,
    UNAUTHORIZED,
    UNSUPPORTED_AUTHENTICATION,
    ApiError,
    problem,
)
from simulator.x.params import person_param
from simulator.x.shapes import ALL_TWEET_FIELDS, DM_FIELDS
from simulator.x.tweets import XTweets
from simulator.x_people import People, detect_lang

Handler = Callable[..., Response]


class XPlatform(XTweets, XDms, XAuth):
    """The brand's X account and the customers around it."""

    name = "x"

    def __init__(self, sim: Simulator) -> None:
        self.sim = sim
        self.config = sim.config
        self.people = People(self.config.seed)
        routes: list[tuple[str, str, str, Handler]] = [
            ("GET", r"/2/users/me", "me", self.get_me),
            ("GET", r"/2/users/([^/]+)/mentions", "mentions", self.get_mentions),
            ("GET", r"/2/users/([^/]+)/tweets", "user_tweets", self.get_users_tweets),
            ("GET", r"/2/users/by/username/([^/]+)", "users", self.get_user_by_username),
            ("GET", r"/2/users/([^/]+)", "users", self.get_user),
            ("GET", r"/2/tweets/search/recent", "search", self.search_recent),
            ("GET", r"/2/tweets", "lookup", self.get_tweets),
            ("GET", r"/2/tweets/([^/]+)", "lookup", self.get_tweet),
            ("POST", r"/2/tweets", "create_tweet", self.create_tweet),
            ("DELETE", r"/2/tweets/([^/]+)", "delete_tweet", self.delete_tweet),
            ("POST", r"/2/users/([^/]+)/likes", "like", self.like_tweet),
            ("GET", r"/2/dm_events", "dm_read", self.get_dm_events),
            ("GET", r"/2/dm_conversations/with/([^/]+)/dm_events", "dm_read", self.get_dms_with),
            ("GET", r"/2/dm_conversations/([^/]+)/dm_events", "dm_read", self.get_dms_in),
            ("POST", r"/2/dm_conversations/with/([^/]+)/messages", "dm_write", self.send_dm_with),
            ("POST", r"/2/dm_conversations/([^/]+)/messages", "dm_write", self.send_dm_in),
            ("POST", r"/2/media/upload/initialize", "media", self.media_initialize),
            ("POST", r"/2/media/upload/([^/]+)/append", "media", self.media_append),
            ("POST", r"/2/media/upload/([^/]+)/finalize", "media", self.media_finalize),
            ("POST", r"/2/media/upload", "media", self.media_upload),
            ("GET", r"/2/media/upload", "media", self.media_status),
        ]
        self.routes = [(m, re.compile(p + "$"), e, h) for m, p, e, h in routes]
        self.reset()

    # --- the agreed interface for tests, the demo and benchmarks ------------------------
    def add_mention(
        self,
        *,
        text: str,
        author: dict[str, Any] | None = None,
        in_reply_to_tweet_id: str | None = None,
        lang: str | None = None,
    ) -> dict[str, Any]:
        """A customer's public post that @mentions the brand; returns it as v2 JSON."""
        with self.sim.lock:
            target = None
            if in_reply_to_tweet_id is not None:
                target = self._live(str(in_reply_to_tweet_id))
                if target is None:
                    raise ValueError(f"no live tweet {in_reply_to_tweet_id}")
            if (
                author is None
                and target is not None
                and target["author_id"] == self.brand_id
                and target["in_reply_to_user_id"] in self.users
            ):
                # Answering the brand's reply: by default the customer it was addressed to.
                user = self.users[target["in_reply_to_user_id"]]
            else:
                user = self._customer(author)
            handle = "@" + self.config.x_username
            if handle.lower() not in text.lower():
                text = f"{handle} {text}"
            tweet = self._new_tweet(
                text=text, author_id=user["id"], kind="mention", target=target, lang=lang
            )
            return self.tweet_json(tweet, ALL_TWEET_FIELDS)

    def add_mentions(self, *, count: int, text: str | None = None) -> list[str]:
        """Many mentions at once (benchmarks); about a third come from returning customers."""
        handle = "@" + self.config.x_username
        ids: list[str] = []
        with self.sim.lock:
            now = self.sim.clock.now()
            rng = self.people.rng
            authors: list[str] = []
            lang = detect_lang(text) if text else "en"
            for _ in range(count):
                if authors and rng.random() < 0.3:
                    author_id = rng.choice(authors)
                else:
                    author_id = self._add_user(self.people.person(self.sim.ids.x_id(), now))["id"]
                    authors.append(author_id)
                if text:
                    body, body_lang = f"{handle} {text}", lang
                else:
                    generated, body_lang = self.people.text()
                    body = f"{handle} {generated}"
                tweet = self._new_tweet(
                    text=body, author_id=author_id, kind="mention", target=None, lang=body_lang
                )
                ids.append(tweet["id"])
        return ids

    def add_dm(self, *, text: str, sender: dict[str, Any] | None = None) -> dict[str, Any]:
        """A customer's DM to the brand; returns it as a v2 DM event."""
        with self.sim.lock:
            user = self._customer(sender)
            event = self._new_dm(sender_id=user["id"], participant_id=user["id"], text=text)
            return self.dm_json(event, DM_FIELDS)

    def latest_brand_replies(self, n: int) -> list[dict[str, Any]]:
        """The brand's newest replies (not deleted), newest first."""
        with self.sim.lock:
            out = []
            for tweet_id in reversed(self.brand_ids):
                tweet = self.tweets[tweet_id]
                if tweet["kind"] == "reply" and not tweet["deleted"]:
                    out.append(self.tweet_json(tweet, ALL_TWEET_FIELDS))
                    if len(out) >= n:
                        break
            return out

    # --- HTTP: auth, rate limits, dispatch ----------------------------------------------
    def dispatch(self, request: Request, path: str) -> Response:
        found = self._route(request.method, path)
        if found is None:
            return problem(NO_ROUTE)
        endpoint, handler, args = found
        with self.sim.lock:
            identity = self._identify(request, path)
            if identity is None:
                return problem(UNAUTHORIZED, self._limit_headers(endpoint, "app", take=False)[1])
            if identity == "app" and RATE_LIMITS[endpoint][0] is None:
                headers = self._limit_headers(endpoint, identity, take=False)[1]
                return problem(UNSUPPORTED_AUTHENTICATION, headers)
            allowed, headers = self._limit_headers(endpoint, identity, take=True)
            if not allowed:
                return problem(TOO_MANY_REQUESTS, headers)
            try:
                response = handler(request, *args)
            except ApiError as exc:
                response = exc.response
        response.headers.update(headers)
        response.headers["x-access-level"] = (
            "read" if identity == "app" else "read-write-directmessages"
        )
        return response

    def _route(self, method: str, path: str) -> tuple[str, Handler, tuple[str, ...]] | None:
        for route_method, pattern, endpoint, handler in self.routes:
            if route_method == method and (match := pattern.match(path)):
                return endpoint, handler, match.groups()
        return None

    def fault_response(self, fault: Fault, request: Request) -> Response | None:
        path = "/" + request.path.lstrip("/").partition("/")[2]
        found = self._route(request.method, path)
        with self.sim.lock:
            identity = self._identify(request, path) or "user"
            headers = self._limit_headers(found[0], identity, take=False)[1] if found else {}
            if fault.kind == "rate_limit":
                headers["x-rate-limit-remaining"] = "0"
                headers["x-rate-limit-reset"] = str(int(self.sim.clock.now() + fault.reset_in))
                return problem(TOO_MANY_REQUESTS, headers)
            if fault.kind == "server_error":
                return problem(SERVICE_UNAVAILABLE, headers)
            if fault.kind in ("token_expired", "token_revoked"):
                return problem(UNAUTHORIZED, headers)
        return None

    # --- /_sim/x control API --------------------------------------------------------------
    def control(self, request: Request, path: str) -> Response | None:
        body = request_data(request)
        try:
            if path == "/mentions" and request.method == "POST":
                if not body.get("text"):
                    return json_response({"error": "text is required"}, status=400)
                tweet = self.add_mention(
                    text=str(body["text"]),
                    author=person_param(body.get("author")),
                    in_reply_to_tweet_id=body.get("in_reply_to_tweet_id"),
                    lang=body.get("lang"),
                )
                return json_response({"data": tweet}, status=201)
            if path == "/mentions/bulk" and request.method == "POST":
                count = int(body.get("count", 0))
                if not 1 <= count <= 1_000_000:
                    return json_response({"error": "count must be 1-1000000"}, status=400)
                ids = self.add_mentions(count=count, text=body.get("text") or None)
                return json_response({"ids": ids}, status=201)
            if path == "/dms" and request.method == "POST":
                if not body.get("text"):
                    return json_response({"error": "text is required"}, status=400)
                sender = person_param(body.get("sender"))
                event = self.add_dm(text=str(body["text"]), sender=sender)
                return json_response({"data": event}, status=201)
        except (TypeError, ValueError) as exc:
            return json_response({"error": str(exc)}, status=400)
        if path == "/tweets" and request.method == "GET":
            with self.sim.lock:
                tweets = [self._debug_tweet(t) for t in self.tweets.values()]
            return json_response({"data": tweets})
        if path == "/dms" and request.method == "GET":
            with self.sim.lock:
                events = [self.dm_json(e, DM_FIELDS) for e in self.dms.values()]
            return json_response({"data": events})
        return None

    def _debug_tweet(self, tweet: dict[str, Any]) -> dict[str, Any]:
        out = self.tweet_json(tweet, ALL_TWEET_FIELDS)
        out["kind"] = tweet["kind"]
        if tweet["deleted"]:
            out["deleted"] = True
        return out

    def published(self) -> list[dict[str, Any]]:
        with self.sim.lock:
            items: list[dict[str, Any]] = []
            for tweet_id in self.brand_ids:
                tweet = self.tweets[tweet_id]
                item = {
                    "platform": "x",
                    "kind": tweet["kind"],
                    "id": tweet_id,
                    "text": tweet["text"],
                    "in_reply_to": tweet["replied_to"],
                    "published_at": tweet["created_at"],
                    "in_reply_to_user_id": tweet["in_reply_to_user_id"],
                    "conversation_id": tweet["conversation_id"],
                    "media_ids": tweet["media_ids"],
                }
                if tweet["deleted"]:
                    item["deleted"] = True
                    item["deleted_at"] = tweet["deleted_at"]
                items.append(item)
            for event in self.dms.values():
                if event["sender_id"] == self.brand_id:
                    items.append(
                        {
                            "platform": "x",
                            "kind": "dm",
                            "id": event["id"],
                            "text": event["text"],
                            "in_reply_to": None,
                            "published_at": event["created_at"],
                            "recipient_id": event["participant_id"],
                            "dm_conversation_id": event["dm_conversation_id"],
                            "media_ids": event["media_ids"],
                        }
                    )
            for media in self.media.values():
                items.append(
                    {
                        "platform": "x",
                        "kind": "media",
                        "id": media["id"],
                        "text": "",
                        "in_reply_to": None,
                        "published_at": media["created_at"],
                        "media_key": media["media_key"],
                        "state": media["state"],
                        "media_category": media["media_category"],
                        "size": media["size"],
                    }
                )
            for tweet_id, liked_at in self.likes.items():
                items.append(
                    {
                        "platform": "x",
                        "kind": "like",
                        "id": tweet_id,
                        "text": "",
                        "in_reply_to": tweet_id,
                        "published_at": liked_at,
                    }
                )
            items.sort(key=lambda item: item["published_at"])
            return items

    def stats(self) -> dict[str, Any]:
        with self.sim.lock:
            sent = sum(1 for e in self.dms.values() if e["sender_id"] == self.brand_id)
            brand = [self.tweets[t] for t in self.brand_ids]
            return {
                "users": len(self.users),
                "tweets": len(self.tweets),
                "mentions": len(self.mention_ids),
                "reachable_mentions": min(len(self.mention_ids), self.config.x_mentions_reach),
                "brand_tweets": sum(1 for t in brand if t["kind"] == "tweet"),
                "brand_replies": sum(1 for t in brand if t["kind"] == "reply"),
                "deleted": self.deleted,
                "dms_received": len(self.dms) - sent,
                "dms_sent": sent,
                "media": len(self.media),
                "likes": len(self.likes),
            }
