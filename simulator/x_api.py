"""X API v2 as the simulator serves it under /x: mentions, search, lookup, posts, DMs, media.

Bodies, headers and errors copy recorded traffic (tweepy's cassettes, sns-sdks/python-twitter
testdata, error bodies quoted in public issues; tests/fixtures/SOURCES.md). Everything is in
memory under `sim.lock`. Tweet and DM ids are increasing snowflakes kept in sorted int lists,
so a timeline page is two bisects and a slice, even with 100,000 mentions stored.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import re
import struct
from bisect import bisect_left, bisect_right, insort
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote, unquote

from twitter_text import parse_tweet
from werkzeug.wrappers import Request, Response

from simulator.core import Fault, Ids, Simulator, json_response, request_data
from simulator.x_people import People, detect_lang, iso_ms, words

REAL_HOSTS = ("https://api.twitter.com", "https://api.x.com")  # what OAuth 1.0a signs
WINDOW = 15 * 60
DAY = 86400
PROBLEM_JSON = "application/problem+json"
PROBLEMS = "https://api.twitter.com/2/problems/"
ID_PATTERN = re.compile(r"^[0-9]{1,19}$")
CURSOR_PREFIX = "7140dibdnow9"  # real next_tokens are opaque lowercase base36 strings

# Observed bodies: shared/data/x/errors, xdevplatform/samples#69, myConsciousness/twitter-api-v2#44.
UNAUTHORIZED = {
    "title": "Unauthorized",
    "type": "about:blank",
    "status": 401,
    "detail": "Unauthorized",
}
TOO_MANY_REQUESTS = {
    "title": "Too Many Requests",
    "type": "about:blank",
    "status": 429,
    "detail": "Too Many Requests",
}
SERVICE_UNAVAILABLE = {
    "title": "Service Unavailable",
    "detail": "Service Unavailable",
    "type": "about:blank",
    "status": 503,
}
DUPLICATE = {
    "detail": "You are not allowed to create a Tweet with duplicate content.",
    "type": "about:blank",
    "title": "Forbidden",
    "status": 403,
}
REPLY_TARGET_GONE = {
    "detail": "You attempted to reply to a Tweet that is deleted or not visible to you.",
    "type": "about:blank",
    "title": "Forbidden",
    "status": 403,
}
TOO_LONG = {
    "detail": "Your Tweet text is too long. For more information on how Twitter determines "
    "text length see https://github.com/twitter/twitter-text.",
    "type": "about:blank",
    "title": "Bad Request",
    "status": 400,
}
NOT_YOURS = {
    "detail": "You are not allowed to delete this Tweet.",
    "type": "about:blank",
    "title": "Forbidden",
    "status": 403,
}
UNSUPPORTED_AUTHENTICATION = {
    "title": "Unsupported Authentication",
    "detail": "Authenticating with OAuth 2.0 Application-Only is forbidden for this endpoint.  "
    "Supported authentication types are [OAuth 1.0a User Context, OAuth 2.0 User Context].",
    "type": PROBLEMS + "unsupported-authentication",
    "status": 403,
}
NO_ROUTE = {"title": "Not Found", "type": "about:blank", "status": 404, "detail": "Not Found"}

# Requests per 15 minutes as (app-only Bearer, user context); None = app-only is refused.
RATE_LIMITS: dict[str, tuple[int | None, int]] = {
    "mentions": (450, 300),
    "search": (450, 300),
    "lookup": (3500, 5000),
    "users": (300, 900),
    "me": (None, 75),
    "create_tweet": (None, 100),
    "delete_tweet": (None, 50),
    "dm_read": (None, 15),
    "dm_write": (None, 15),
    "media": (None, 500),
}

TWEET_FIELDS = words(
    "article attachments author_id card_uri community_id context_annotations "
    "conversation_id created_at display_text_range edit_controls edit_history_tweet_ids "
    "entities geo id in_reply_to_user_id lang media_metadata non_public_metrics note_tweet "
    "organic_metrics possibly_sensitive promoted_metrics public_metrics referenced_tweets "
    "reply_settings scopes source suggested_source_links text withheld"
)
USER_FIELDS = words(
    "affiliation connection_status created_at description entities id is_identity_verified "
    "location most_recent_tweet_id name parody pinned_tweet_id profile_banner_url "
    "profile_image_url protected public_metrics receives_your_dm subscription "
    "subscription_type url username verified verified_followers_count verified_type "
    "withheld"
)
MEDIA_FIELDS = words(
    "alt_text duration_ms height media_key non_public_metrics organic_metrics "
    "preview_image_url promoted_metrics public_metrics type url variants width"
)
DM_FIELDS = words(
    "attachments created_at dm_conversation_id entities event_type id participant_ids "
    "referenced_tweets sender_id text"
)
TWEET_EXPANSIONS = words(
    "article.cover_media article.media_entities attachments.media_keys "
    "attachments.media_source_tweet attachments.poll_ids author_id edit_history_tweet_ids "
    "entities.mentions.username entities.note.mentions.username geo.place_id "
    "in_reply_to_user_id referenced_tweets.id referenced_tweets.id.attachments.media_keys "
    "referenced_tweets.id.author_id"
)
USER_EXPANSIONS = words("affiliation.user_id most_recent_tweet_id pinned_tweet_id")
DM_EXPANSIONS = words("attachments.media_keys participant_ids referenced_tweets.id sender_id")
ALL_TWEET_FIELDS = words(
    "author_id conversation_id created_at in_reply_to_user_id lang referenced_tweets attachments"
)

MENTION = re.compile(r"(?<![\w@])@(\w{1,15})")
HASHTAG = re.compile(r"(?<![\w#&])#(\w+)")
URL = re.compile(r"https?://\S+")
MEDIA_PREFIX = {"photo": "3", "animated_gif": "16", "video": "7"}
# The field an expansion links through, returned whenever the expansion is asked for.
LINK_FIELDS = {
    "author_id": "author_id",
    "in_reply_to_user_id": "in_reply_to_user_id",
    "referenced_tweets.id": "referenced_tweets",
    "attachments.media_keys": "attachments",
    "entities.mentions.username": "entities",
    "sender_id": "sender_id",
}

Handler = Callable[..., Response]


class ApiError(Exception):
    """Ends a request early with X's answer (a 400 problem, a 404…)."""

    def __init__(self, response: Response) -> None:
        super().__init__(response.status)
        self.response = response


def problem(body: dict[str, Any], headers: dict[str, str] | None = None) -> Response:
    return json_response(
        body, status=int(body.get("status", 400)), headers=headers, content_type=PROBLEM_JSON
    )


def invalid(parameter: str, value: str, message: str) -> ApiError:
    """X's 400 for a bad parameter: one `errors[]` entry naming it, no `status` key."""
    body = {
        "errors": [{"parameters": {parameter: [value]}, "message": message}],
        "title": "Invalid Request",
        "detail": "One or more parameters to your request was invalid.",
        "type": PROBLEMS + "invalid-request",
    }
    return ApiError(json_response(body, status=400, content_type=PROBLEM_JSON))


def not_found_error(value: str, parameter: str) -> dict[str, Any]:
    """A partial error: the tweet is missing but the request as a whole succeeded."""
    return {
        "value": value,
        "detail": f"Could not find tweet with {parameter}: [{value}].",
        "title": "Not Found Error",
        "resource_type": "tweet",
        "parameter": parameter,
        "resource_id": value,
        "type": PROBLEMS + "resource-not-found",
    }


def snowflake_at(timestamp: float) -> int:
    """The smallest id a post made at `timestamp` can have."""
    return (int(timestamp * 1000) - Ids.X_EPOCH_MS) << 22


def encode_token(last_id: int) -> str:
    return CURSOR_PREFIX + base36(last_id)


def base36(number: int) -> str:
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"
    out = ""
    while number:
        number, rest = divmod(number, 36)
        out = digits[rest] + out
    return out or "0"


def oauth_signature(method: str, url: str, pairs: Iterable[tuple[str, str]], key: str) -> str:
    """RFC 5849 HMAC-SHA1, as requests-oauthlib computes it for tweepy."""

    def enc(value: str) -> str:
        return quote(value, safe="~")

    params = "&".join(f"{k}={v}" for k, v in sorted((enc(k), enc(v)) for k, v in pairs))
    base = "&".join((method.upper(), enc(url), enc(params)))
    digest = hmac.new(key.encode(), base.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


def image_info(data: bytes) -> tuple[str, int, int] | None:
    """(mime type, width, height) from a PNG, GIF or JPEG header."""
    if data.startswith(b"\x89PNG\r\n\x1a\n") and len(data) >= 24:
        width, height = struct.unpack(">II", data[16:24])
        return "image/png", width, height
    if data[:4] == b"GIF8" and len(data) >= 10:
        width, height = struct.unpack("<HH", data[6:10])
        return "image/gif", width, height
    if data[:2] == b"\xff\xd8":
        pos = 2
        while pos + 9 < len(data) and data[pos] == 0xFF:
            marker, length = data[pos + 1], struct.unpack(">H", data[pos + 2 : pos + 4])[0]
            if marker in (0xC0, 0xC1, 0xC2):
                height, width = struct.unpack(">HH", data[pos + 5 : pos + 9])
                return "image/jpeg", width, height
            pos += 2 + length
        return "image/jpeg", 0, 0
    return None


def fields_param(request: Request, names: tuple[str, ...], valid: frozenset[str]) -> set[str]:
    out: set[str] = set()
    for name in names:
        for value in request.args.get(name, "").split(","):
            value = value.strip()
            if not value:
                continue
            if value not in valid:
                raise invalid(
                    name,
                    value,
                    f"The `{name}` query parameter value [{value}] is not "
                    f"one of [{','.join(sorted(valid))}]",
                )
            out.add(value)
    return out


def int_param(request: Request, name: str, low: int, high: int, default: int) -> int:
    raw = request.args.get(name)
    if raw is None:
        return default
    if not raw.strip().lstrip("-").isdigit():
        raise invalid(name, raw, f"The `{name}` query parameter value [{raw}] is not a number")
    value = int(raw)
    if not low <= value <= high:
        raise invalid(
            name, raw, f"The `{name}` query parameter value [{raw}] is not between {low} and {high}"
        )
    return value


def check_id(name: str, value: str) -> int:
    if not ID_PATTERN.match(value):
        raise invalid(
            name,
            value,
            f"The `{name}` query parameter value [{value}] does not match ^[0-9]{{1,19}}$",
        )
    return int(value)


def id_param(request: Request, name: str) -> int | None:
    raw = request.args.get(name)
    return None if raw is None else check_id(name, raw)


def time_param(request: Request, name: str) -> float | None:
    raw = request.args.get(name)
    if raw is None:
        return None
    try:
        return datetime.fromisoformat(raw.replace("Z", "+00:00")).astimezone(UTC).timestamp()
    except ValueError:
        raise invalid(
            name, raw, f"Invalid '{name}':'{raw}'. '{name}' must be a valid RFC 3339 timestamp."
        ) from None


def token_param(request: Request, *names: str) -> int | None:
    for name in names:
        raw = request.args.get(name)
        if raw is None:
            continue
        try:
            if raw.startswith(CURSOR_PREFIX):
                return int(raw[len(CURSOR_PREFIX) :], 36)
        except ValueError:
            pass
        raise invalid(name, raw, f"The `{name}` query parameter value [{raw}] is not valid")
    return None


def json_body(request: Request) -> dict[str, Any]:
    body = request.get_json(silent=True, force=True)
    if not isinstance(body, dict):
        raise invalid("body", "", "Request body must be a JSON object")
    return body


def entities(text: str) -> dict[str, Any]:
    """Entity offsets in code points, as v2 gives them."""
    out: dict[str, Any] = {}
    mentions = [
        {"start": m.start(), "end": m.end(), "username": m.group(1)} for m in MENTION.finditer(text)
    ]
    hashtags = [
        {"start": m.start(), "end": m.end(), "tag": m.group(1)} for m in HASHTAG.finditer(text)
    ]
    urls = [
        {
            "start": m.start(),
            "end": m.end(),
            "url": m.group(),
            "expanded_url": m.group(),
            "display_url": m.group().split("://", 1)[1][:30],
        }
        for m in URL.finditer(text)
    ]
    for key, found in (("mentions", mentions), ("hashtags", hashtags), ("urls", urls)):
        if found:
            out[key] = found
    return out


def page(
    ids: list[int], low: int, since: int | None, until: int | None, limit: int
) -> tuple[list[int], bool]:
    """Newest-first ids in (since, until) from ids[low:], and whether older ones remain."""
    start = low if since is None else max(low, bisect_right(ids, since))
    end = len(ids) if until is None else bisect_left(ids, until)
    if end <= start:
        return [], False
    first = max(start, end - limit)
    return ids[first:end][::-1], first > start


def lowest(*bounds: int | None) -> int | None:
    present = [b for b in bounds if b is not None]
    return min(present) if present else None


def highest(*bounds: int | None) -> int | None:
    present = [b for b in bounds if b is not None]
    return max(present) if present else None


def person_param(value: Any) -> dict[str, Any] | None:
    """An author/sender object from the control API (JSON only; anything else: generated)."""
    return value if isinstance(value, dict) else None


def add_sorted(ids: list[int], value: int) -> None:
    if not ids or value > ids[-1]:
        ids.append(value)
    else:
        insort(ids, value)


def remove_sorted(ids: list[int], value: int) -> None:
    index = bisect_left(ids, value)
    if index < len(ids) and ids[index] == value:
        del ids[index]


class XPlatform:
    """The brand's X account and the customers around it."""

    name = "x"

    def __init__(self, sim: Simulator) -> None:
        self.sim = sim
        self.config = sim.config
        self.people = People(self.config.seed)
        routes: list[tuple[str, str, str, Handler]] = [
            ("GET", r"/2/users/me", "me", self.get_me),
            ("GET", r"/2/users/([^/]+)/mentions", "mentions", self.get_mentions),
            ("GET", r"/2/users/by/username/([^/]+)", "users", self.get_user_by_username),
            ("GET", r"/2/users/([^/]+)", "users", self.get_user),
            ("GET", r"/2/tweets/search/recent", "search", self.search_recent),
            ("GET", r"/2/tweets", "lookup", self.get_tweets),
            ("GET", r"/2/tweets/([^/]+)", "lookup", self.get_tweet),
            ("POST", r"/2/tweets", "create_tweet", self.create_tweet),
            ("DELETE", r"/2/tweets/([^/]+)", "delete_tweet", self.delete_tweet),
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

    # --- state ------------------------------------------------------------------------
    def reset(self) -> None:
        with self.sim.lock:
            self.users: dict[str, dict[str, Any]] = {}
            self.by_username: dict[str, str] = {}
            self.tweets: dict[str, dict[str, Any]] = {}
            self.mention_ids: list[int] = []  # customers' posts that @mention the brand
            self.live_ids: list[int] = []  # every post not deleted, for search
            self.brand_ids: list[str] = []  # the brand's own posts, oldest first
            self.deleted = 0
            self.dms: dict[str, dict[str, Any]] = {}
            self.dm_ids: list[int] = []
            self.dm_by_conversation: dict[str, list[int]] = {}
            self.media: dict[str, dict[str, Any]] = {}
            self.buckets: dict[tuple[str, str], list[int]] = {}
            self.people.reset(self.config.seed)
            brand = self.people.person(
                self.config.x_user_id,
                self.sim.clock.now(),
                {
                    "username": self.config.x_username,
                    "name": self.config.x_name,
                    "followers_count": 48210,
                    "verified": True,
                },
            )
            brand["description"] = "Layanan pelanggan Nusantara Tech. Senin-Minggu 08.00-22.00 WIB."
            self._add_user(brand)

    @property
    def brand_id(self) -> str:
        return self.config.x_user_id

    def _add_user(self, user: dict[str, Any]) -> dict[str, Any]:
        self.users[user["id"]] = user
        self.by_username[user["username"].lower()] = user["id"]
        return user

    def _customer(self, given: dict[str, Any] | None) -> dict[str, Any]:
        """The customer `given` describes, created (with generated details) if new."""
        given = given or {}
        user_id = str(given.get("id") or "")
        if not user_id and given.get("username"):
            # The same handle is the same customer, as on X.
            user_id = self.by_username.get(str(given["username"]).lower(), "")
        if user_id in self.users:
            user = self.users[user_id]
            for key in ("name", "profile_image_url", "verified"):
                if key in given:
                    user[key] = given[key]
            if "followers_count" in given:
                user["public_metrics"]["followers_count"] = int(given["followers_count"])
            if given.get("username") and given["username"] != user["username"]:
                del self.by_username[user["username"].lower()]
                user["username"] = str(given["username"])
                self.by_username[user["username"].lower()] = user_id
            return user
        new_id = user_id or self.sim.ids.x_id()
        return self._add_user(self.people.person(new_id, self.sim.clock.now(), given))

    def _live(self, tweet_id: str) -> dict[str, Any] | None:
        tweet = self.tweets.get(tweet_id)
        return None if tweet is None or tweet["deleted"] else tweet

    def _new_tweet(
        self,
        *,
        text: str,
        author_id: str,
        kind: str,
        target: dict[str, Any] | None,
        lang: str | None = None,
        media_ids: list[str] | None = None,
    ) -> dict[str, Any]:
        tweet_id = self.sim.ids.x_id()
        tweet: dict[str, Any] = {
            "id": tweet_id,
            "text": text,
            "lc": text.lower(),
            "author_id": author_id,
            "created_at": self.sim.clock.now(),
            "conversation_id": tweet_id,
            "lang": lang or detect_lang(text),
            "in_reply_to_user_id": None,
            "replied_to": None,
            "media_ids": media_ids or [],
            "kind": kind,
            "deleted": False,
            "deleted_at": None,
            "reply_count": 0,
        }
        if target is not None:
            # A reply joins the thread: same conversation, addressed to the parent's author.
            tweet["conversation_id"] = target["conversation_id"]
            tweet["in_reply_to_user_id"] = target["author_id"]
            tweet["replied_to"] = target["id"]
            target["reply_count"] += 1
        self.tweets[tweet_id] = tweet
        add_sorted(self.live_ids, int(tweet_id))
        if kind == "mention":
            add_sorted(self.mention_ids, int(tweet_id))
        elif author_id == self.brand_id:
            self.brand_ids.append(tweet_id)
        return tweet

    def _new_dm(
        self, *, sender_id: str, participant_id: str, text: str, media_ids: list[str] | None = None
    ) -> dict[str, Any]:
        event_id = self.sim.ids.x_id()
        conversation = self._conversation_id(participant_id)
        event = {
            "id": event_id,
            "event_type": "MessageCreate",
            "text": text,
            "sender_id": sender_id,
            "dm_conversation_id": conversation,
            "created_at": self.sim.clock.now(),
            "participant_id": participant_id,
            "media_ids": media_ids or [],
        }
        self.dms[event_id] = event
        add_sorted(self.dm_ids, int(event_id))
        add_sorted(self.dm_by_conversation.setdefault(conversation, []), int(event_id))
        return event

    def _conversation_id(self, participant_id: str) -> str:
        # Real one-to-one conversation ids are "<smaller user id>-<larger user id>".
        low, high = sorted((int(self.brand_id), int(participant_id)))
        return f"{low}-{high}"

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

    # --- JSON shapes ----------------------------------------------------------------------
    def tweet_json(self, tweet: dict[str, Any], fields: Iterable[str]) -> dict[str, Any]:
        out: dict[str, Any] = {
            "edit_history_tweet_ids": [tweet["id"]],
            "id": tweet["id"],
            "text": tweet["text"],
        }
        for field in fields:
            if field == "created_at":
                out[field] = iso_ms(tweet["created_at"])
            elif field in ("author_id", "conversation_id", "lang"):
                out[field] = tweet[field]
            elif field == "in_reply_to_user_id" and tweet["in_reply_to_user_id"]:
                out[field] = tweet["in_reply_to_user_id"]
            elif field == "referenced_tweets" and tweet["replied_to"]:
                out[field] = [{"type": "replied_to", "id": tweet["replied_to"]}]
            elif field == "attachments" and tweet["media_ids"]:
                out[field] = {
                    "media_keys": [self.media[m]["media_key"] for m in tweet["media_ids"]]
                }
            elif field == "entities" and (found := entities(tweet["text"])):
                out[field] = found
            elif field == "public_metrics":
                out[field] = {
                    "retweet_count": 0,
                    "reply_count": tweet["reply_count"],
                    "like_count": 0,
                    "quote_count": 0,
                }
            elif field == "possibly_sensitive":
                out[field] = False
            elif field == "reply_settings":
                out[field] = "everyone"
        return out

    def user_json(self, user: dict[str, Any], fields: Iterable[str]) -> dict[str, Any]:
        out = {"id": user["id"], "name": user["name"], "username": user["username"]}
        for field in fields:
            if field in user:
                out[field] = user[field]
        return out

    def dm_json(self, event: dict[str, Any], fields: Iterable[str]) -> dict[str, Any]:
        out = {"id": event["id"], "event_type": event["event_type"], "text": event["text"]}
        for field in fields:
            if field == "created_at":
                out[field] = iso_ms(event["created_at"])
            elif field in ("sender_id", "dm_conversation_id"):
                out[field] = event[field]
            elif field == "attachments" and event["media_ids"]:
                out[field] = {
                    "media_keys": [self.media[m]["media_key"] for m in event["media_ids"]]
                }
        return out

    def media_json(self, media: dict[str, Any], fields: Iterable[str]) -> dict[str, Any]:
        out = {"media_key": media["media_key"], "type": media["type"]}
        for field in fields:
            if field in ("width", "height") and media.get(field):
                out[field] = media[field]
            elif field == "url" and media["type"] == "photo":
                out[field] = f"https://pbs.twimg.com/media/{base36(int(media['id']))}.jpg"
        return out

    def _includes(
        self,
        tweets: list[dict[str, Any]],
        request: Request,
        expansions: set[str],
        tweet_fields: set[str],
    ) -> tuple[dict[str, Any], list[dict[str, Any]]]:
        """`includes` and partial `errors` for the expansions the request asked for."""
        user_fields = fields_param(request, ("user.fields",), USER_FIELDS)
        media_fields = fields_param(request, ("media.fields",), MEDIA_FIELDS)
        users: dict[str, dict[str, Any]] = {}
        referenced: dict[str, dict[str, Any]] = {}
        media: dict[str, dict[str, Any]] = {}
        errors: list[dict[str, Any]] = []

        def add_user(user_id: str | None) -> None:
            if user_id and user_id not in users and user_id in self.users:
                users[user_id] = self.user_json(self.users[user_id], user_fields)

        for tweet in tweets:
            if "author_id" in expansions:
                add_user(tweet["author_id"])
            if "in_reply_to_user_id" in expansions:
                add_user(tweet["in_reply_to_user_id"])
            if "entities.mentions.username" in expansions:
                for match in MENTION.finditer(tweet["text"]):
                    add_user(self.by_username.get(match.group(1).lower()))
            if "attachments.media_keys" in expansions:
                for media_id in tweet["media_ids"]:
                    media[media_id] = self.media_json(self.media[media_id], media_fields)
            if "referenced_tweets.id" in expansions and tweet["replied_to"]:
                parent = self._live(tweet["replied_to"])
                if parent is None:
                    errors.append(not_found_error(tweet["replied_to"], "referenced_tweets.id"))
                else:
                    referenced[parent["id"]] = self.tweet_json(parent, tweet_fields)
                    if "referenced_tweets.id.author_id" in expansions:
                        add_user(parent["author_id"])
        includes: dict[str, Any] = {}
        for key, found in (("users", users), ("tweets", referenced), ("media", media)):
            if found:
                includes[key] = list(found.values())
        return includes, errors

    def _tweets_body(
        self,
        request: Request,
        tweets: list[dict[str, Any]],
        errors: list[dict[str, Any]] | None = None,
    ) -> dict[str, Any]:
        tweet_fields = fields_param(request, ("tweet.fields", "post.fields"), TWEET_FIELDS)
        expansions = fields_param(request, ("expansions",), TWEET_EXPANSIONS)
        includes, more_errors = self._includes(tweets, request, expansions, tweet_fields)
        # An expansion also returns the field that links the post to what it expands.
        linked = {LINK_FIELDS[e] for e in expansions if e in LINK_FIELDS}
        body: dict[str, Any] = {}
        if tweets:
            body["data"] = [self.tweet_json(t, tweet_fields | linked) for t in tweets]
        if includes:
            body["includes"] = includes
        if errors or more_errors:
            body["errors"] = (errors or []) + more_errors
        return body

    def _timeline(self, request: Request, ids: list[int], more: bool) -> Response:
        if not ids:
            # Still validate the field parameters: X answers 400 to a bad one on any page.
            self._tweets_body(request, [])
            return json_response({"meta": {"result_count": 0}})
        body = self._tweets_body(request, [self.tweets[str(i)] for i in ids])
        meta: dict[str, Any] = {
            "newest_id": str(ids[0]),
            "oldest_id": str(ids[-1]),
            "result_count": len(ids),
        }
        if more:
            meta["next_token"] = encode_token(ids[-1])
        body["meta"] = meta
        return json_response(body)

    # --- tweets -------------------------------------------------------------------------
    def get_me(self, request: Request) -> Response:
        return self._user_body(request, self.users[self.brand_id], "id", self.brand_id)

    def get_user(self, request: Request, user_id: str) -> Response:
        check_id("id", user_id)
        return self._user_body(request, self.users.get(user_id), "id", user_id)

    def get_user_by_username(self, request: Request, username: str) -> Response:
        user_id = self.by_username.get(username.lower(), "")
        return self._user_body(request, self.users.get(user_id), "username", username)

    def _user_body(
        self, request: Request, user: dict[str, Any] | None, parameter: str, value: str
    ) -> Response:
        fields_param(request, ("expansions",), USER_EXPANSIONS)
        user_fields = fields_param(request, ("user.fields",), USER_FIELDS)
        if user is None:
            # A missing user is a partial error with status 200, not a 404.
            error = {
                "value": value,
                "detail": f"Could not find user with {parameter}: [{value}].",
                "title": "Not Found Error",
                "resource_type": "user",
                "parameter": parameter,
                "resource_id": value,
                "type": PROBLEMS + "resource-not-found",
            }
            return json_response({"errors": [error]})
        return json_response({"data": self.user_json(user, user_fields)})

    def get_mentions(self, request: Request, user_id: str) -> Response:
        check_id("id", user_id)
        limit = int_param(request, "max_results", 5, 100, 10)
        since, until = self._id_bounds(request)
        until = lowest(until, token_param(request, "pagination_token"))
        ids = self.mention_ids if user_id == self.brand_id else []
        # X serves only the newest mentions (800); older ones cannot be paged to.
        reachable = max(0, len(ids) - self.config.x_mentions_reach)
        found, more = page(ids, reachable, since, until, limit)
        return self._timeline(request, found, more)

    def _id_bounds(self, request: Request) -> tuple[int | None, int | None]:
        """Exclusive id bounds from since_id/until_id and start_time/end_time."""
        start, end = time_param(request, "start_time"), time_param(request, "end_time")
        since = highest(
            id_param(request, "since_id"), None if start is None else snowflake_at(start) - 1
        )
        until = lowest(
            id_param(request, "until_id"), None if end is None else snowflake_at(end + 0.001)
        )
        return since, until

    def search_recent(self, request: Request) -> Response:
        query = request.args.get("query", "")
        if not query.strip():
            raise invalid("query", query, "The `query` query parameter can not be empty")
        if len(query) > 512:
            raise invalid(
                "query",
                query,
                f"The `query` query parameter value [{query}] is too "
                "long (maximum is 512 characters)",
            )
        limit = int_param(request, "max_results", 10, 100, 10)
        since, until = self._id_bounds(request)
        until = lowest(until, token_param(request, "next_token", "pagination_token"))
        since = highest(since, snowflake_at(self.sim.clock.now() - 7 * DAY) - 1)  # last 7 days
        matches = self._matcher(query)
        start = bisect_right(self.live_ids, since or 0)
        index = len(self.live_ids) if until is None else bisect_left(self.live_ids, until)
        found: list[int] = []
        while index > start and len(found) <= limit:
            index -= 1
            tweet_id = self.live_ids[index]
            if matches(self.tweets[str(tweet_id)]):
                found.append(tweet_id)
        return self._timeline(request, found[:limit], len(found) > limit)

    def _matcher(self, query: str) -> Callable[[dict[str, Any]], bool]:
        """Enough of X's query language: words, "phrases", @, #, from:, to:, is:reply, OR, -."""
        groups: list[list[tuple[bool, str]]] = [[]]
        for part in re.findall(r'-?"[^"]*"|\S+', query.replace("(", " ").replace(")", " ")):
            if part == "OR":
                groups.append([])
                continue
            negate = part.startswith("-") and len(part) > 1
            groups[-1].append((negate, part[1:] if negate else part))

        def term(tweet: dict[str, Any], word: str) -> bool:
            operator, _, value = word.partition(":")
            value = value.lower()
            if word.startswith('"'):
                return word.strip('"').lower() in tweet["lc"]
            if operator == "from" and value:
                return self.users[tweet["author_id"]]["username"].lower() == value
            if operator == "to" and value:
                return self.by_username.get(value) == tweet["in_reply_to_user_id"]
            if operator == "is":
                return tweet["replied_to"] is not None if value == "reply" else False
            if operator == "lang":
                return tweet["lang"] == value
            if operator == "conversation_id":
                return tweet["conversation_id"] == value
            if operator == "has":
                return bool(tweet["media_ids"]) if value in ("media", "images") else False
            return word.lower() in tweet["lc"]

        def matches(tweet: dict[str, Any]) -> bool:
            return any(group and all(term(tweet, w) != neg for neg, w in group) for group in groups)

        return matches

    def get_tweets(self, request: Request) -> Response:
        raw = request.args.get("ids", "")
        ids = [part.strip() for part in raw.split(",") if part.strip()]
        if not ids:
            raise invalid("ids", raw, "The `ids` query parameter can not be empty")
        if len(ids) > 100:
            raise invalid(
                "ids",
                raw,
                f"The number of values in the `ids` query parameter list "
                f"[{len(ids)}] is not between 1 and 100",
            )
        found, errors = [], []
        for tweet_id in ids:
            check_id("ids", tweet_id)
            tweet = self._live(tweet_id)
            if tweet is None:
                errors.append(not_found_error(tweet_id, "ids"))
            else:
                found.append(tweet)
        return json_response(self._tweets_body(request, found, errors))

    def get_tweet(self, request: Request, tweet_id: str) -> Response:
        check_id("id", tweet_id)
        tweet = self._live(tweet_id)
        if tweet is None:
            return problem(
                {
                    "title": "Not Found Error",
                    "detail": f"Could not find tweet with id: [{tweet_id}].",
                    "type": PROBLEMS + "resource-not-found",
                    "status": 404,
                }
            )
        body = self._tweets_body(request, [tweet])
        body["data"] = body["data"][0]
        return json_response(body)

    def create_tweet(self, request: Request) -> Response:
        body = json_body(request)
        text = str(body.get("text") or "")
        media_ids = [str(m) for m in (body.get("media") or {}).get("media_ids") or []]
        parent_id = (body.get("reply") or {}).get("in_reply_to_tweet_id")
        if not text and not media_ids:
            raise invalid("text", "", "Post text must be present if no media is specified")
        if text and parse_tweet(text).weightedLength > 280:
            return problem(TOO_LONG)
        self._check_media("media.media_ids", media_ids, 4)
        parent = None
        if parent_id is not None:
            parent = self._live(str(parent_id))
            if parent is None:
                return problem(REPLY_TARGET_GONE)
        if text and self._is_duplicate(text):
            return problem(DUPLICATE)
        tweet = self._new_tweet(
            text=text,
            author_id=self.brand_id,
            target=parent,
            kind="reply" if parent else "tweet",
            media_ids=media_ids,
        )
        data = {"edit_history_tweet_ids": [tweet["id"]], "id": tweet["id"], "text": text}
        return json_response(
            {"data": data},
            status=201,
            headers={"location": f"{REAL_HOSTS[0]}/2/tweets/{tweet['id']}"},
        )

    def _is_duplicate(self, text: str) -> bool:
        """Whether the brand posted this exact text in the last 24 hours."""
        since = self.sim.clock.now() - DAY
        for tweet_id in reversed(self.brand_ids):
            tweet = self.tweets[tweet_id]
            if tweet["created_at"] < since:
                return False
            if not tweet["deleted"] and tweet["text"].strip() == text.strip():
                return True
        return False

    def _check_media(self, parameter: str, media_ids: list[str], most: int) -> None:
        if len(media_ids) > most:
            raise invalid(
                parameter,
                ",".join(media_ids),
                f"The number of values in the "
                f"`{parameter}` list [{len(media_ids)}] is not between 1 and {most}",
            )
        for media_id in media_ids:
            media = self.media.get(media_id)
            if media is None or media["state"] != "succeeded":
                raise invalid(parameter, media_id, "Your media IDs are invalid.")

    def delete_tweet(self, request: Request, tweet_id: str) -> Response:
        check_id("id", tweet_id)
        tweet = self._live(tweet_id)
        if tweet is None:
            return problem(
                {
                    "title": "Not Found Error",
                    "detail": f"Could not find tweet with id: [{tweet_id}].",
                    "type": PROBLEMS + "resource-not-found",
                    "status": 404,
                }
            )
        if tweet["author_id"] != self.brand_id:
            return problem(NOT_YOURS)
        tweet["deleted"] = True
        tweet["deleted_at"] = self.sim.clock.now()
        self.deleted += 1
        remove_sorted(self.live_ids, int(tweet_id))
        if tweet["replied_to"] in self.tweets:
            self.tweets[tweet["replied_to"]]["reply_count"] -= 1
        return json_response({"data": {"deleted": True}})

    # --- direct messages ----------------------------------------------------------------
    def get_dm_events(self, request: Request) -> Response:
        return self._dm_page(request, self.dm_ids)

    def get_dms_with(self, request: Request, participant_id: str) -> Response:
        check_id("participant_id", participant_id)
        conversation = self._conversation_id(participant_id)
        return self._dm_page(request, self.dm_by_conversation.get(conversation, []))

    def get_dms_in(self, request: Request, conversation_id: str) -> Response:
        return self._dm_page(request, self.dm_by_conversation.get(conversation_id, []))

    def _dm_page(self, request: Request, ids: list[int]) -> Response:
        limit = int_param(request, "max_results", 1, 100, 100)
        fields = fields_param(request, ("dm_event.fields",), DM_FIELDS)
        expansions = fields_param(request, ("expansions",), DM_EXPANSIONS)
        user_fields = fields_param(request, ("user.fields",), USER_FIELDS)
        media_fields = fields_param(request, ("media.fields",), MEDIA_FIELDS)
        fields |= {LINK_FIELDS[e] for e in expansions if e in LINK_FIELDS}
        types = {t for t in request.args.get("event_types", "").split(",") if t}
        token = token_param(request, "pagination_token")
        if types and "MessageCreate" not in types:
            ids = []  # every simulated event is a MessageCreate
        # DMs are kept for 30 days, listed newest first, with no since_id.
        oldest = snowflake_at(self.sim.clock.now() - 30 * DAY) - 1
        found, more = page(ids, 0, oldest, token, limit)
        if not found:
            return json_response({"meta": {"result_count": 0}})
        events = [self.dms[str(i)] for i in found]
        body: dict[str, Any] = {"data": [self.dm_json(e, fields) for e in events]}
        users: dict[str, dict[str, Any]] = {}
        media: dict[str, dict[str, Any]] = {}
        for event in events:
            if "sender_id" in expansions:
                users.setdefault(
                    event["sender_id"], self.user_json(self.users[event["sender_id"]], user_fields)
                )
            if "attachments.media_keys" in expansions:
                for media_id in event["media_ids"]:
                    media[media_id] = self.media_json(self.media[media_id], media_fields)
        includes = {k: list(v.values()) for k, v in (("users", users), ("media", media)) if v}
        if includes:
            body["includes"] = includes
        meta: dict[str, Any] = {"result_count": len(found)}
        if more:
            meta["next_token"] = encode_token(found[-1])
        body["meta"] = meta
        return json_response(body)

    def send_dm_with(self, request: Request, participant_id: str) -> Response:
        check_id("participant_id", participant_id)
        return self._send_dm(request, participant_id)

    def send_dm_in(self, request: Request, conversation_id: str) -> Response:
        members = conversation_id.split("-")
        if len(members) != 2 or self.brand_id not in members or not all(map(str.isdigit, members)):
            raise invalid(
                "dm_conversation_id",
                conversation_id,
                "The `dm_conversation_id` "
                f"path parameter value [{conversation_id}] is not a valid conversation",
            )
        other = members[1] if members[0] == self.brand_id else members[0]
        return self._send_dm(request, other)

    def _send_dm(self, request: Request, participant_id: str) -> Response:
        body = json_body(request)
        text = str(body.get("text") or "")
        media_ids = [
            str(a.get("media_id")) for a in body.get("attachments") or [] if isinstance(a, dict)
        ]
        if not text and not media_ids:
            raise invalid("text", "", "A message must have text or an attachment")
        if len(text) > 10000:
            raise invalid(
                "text",
                text[:50],
                "The text of your direct message is over the max character limit.",
            )
        self._check_media("attachments.media_id", media_ids, 1)
        event = self._new_dm(
            sender_id=self.brand_id, participant_id=participant_id, text=text, media_ids=media_ids
        )
        data = {"dm_conversation_id": event["dm_conversation_id"], "dm_event_id": event["id"]}
        # The recorded location header quotes the id.
        location = f'{REAL_HOSTS[0]}/2/dm_events/"{event["id"]}"'
        return json_response({"data": data}, status=201, headers={"location": location})

    # --- media --------------------------------------------------------------------------
    def media_upload(self, request: Request) -> Response:
        command = request.form.get("command") or request.args.get("command")
        if command:  # the older one-endpoint chunked flow: INIT / APPEND / FINALIZE
            media_id = request.form.get("media_id") or request.args.get("media_id") or ""
            if command == "INIT":
                return self.media_initialize(request)
            if command == "APPEND":
                return self.media_append(request, media_id)
            if command == "FINALIZE":
                return self.media_finalize(request, media_id)
            raise invalid(
                "command",
                command,
                f"The `command` value [{command}] is not one of [INIT,APPEND,FINALIZE]",
            )
        data = self._upload_bytes(request)
        category = request.form.get("media_category", "tweet_image")
        media = self._new_media(category, request.form.get("media_type"), len(data))
        self._describe(media, data)
        media["state"] = "succeeded"
        body = {
            "id": media["id"],
            "media_key": media["media_key"],
            "size": media["size"],
            "expires_after_secs": DAY,
        }
        if media["type"] == "photo":
            body["image"] = {"image_type": media["mime"], "w": media["width"], "h": media["height"]}
        else:
            body["processing_info"] = {"state": "succeeded"}
        return json_response({"data": body})

    def media_initialize(self, request: Request) -> Response:
        body = request_data(request)
        if not str(body.get("total_bytes", "")).isdigit():
            raise invalid(
                "total_bytes",
                str(body.get("total_bytes", "")),
                "The `total_bytes` value must be a number",
            )
        category = str(body.get("media_category") or "tweet_image")
        media = self._new_media(category, body.get("media_type"), 0)
        media["total_bytes"] = int(body["total_bytes"])
        data = {"id": media["id"], "expires_after_secs": DAY, "media_key": media["media_key"]}
        return json_response({"data": data})

    def media_append(self, request: Request, media_id: str) -> Response:
        media = self._uploading(media_id)
        data = self._upload_bytes(request)
        if not media["size"]:
            self._describe(media, data)
        media["size"] += len(data)
        expires_at = int(media["created_at"] + DAY)
        return json_response({"data": {"expires_at": expires_at}})

    def media_finalize(self, request: Request, media_id: str) -> Response:
        media = self._uploading(media_id)
        if media["size"] != media["total_bytes"]:
            raise invalid("id", media_id, "Segments do not add up to provided total file size.")
        media["state"] = "succeeded"
        return json_response({"data": self._media_status(media)})

    def media_status(self, request: Request) -> Response:
        media_id = request.args.get("media_id", "")
        media = self.media.get(media_id)
        if media is None:
            raise invalid(
                "media_id", media_id, f"The `media_id` value [{media_id}] is not a known media id"
            )
        return json_response({"data": self._media_status(media)})

    def _media_status(self, media: dict[str, Any]) -> dict[str, Any]:
        left = int(media["created_at"] + DAY - self.sim.clock.now())
        return {
            "id": media["id"],
            "media_key": media["media_key"],
            "size": media["size"],
            "expires_after_secs": max(0, left),
            "processing_info": {"state": media["state"], "progress_percent": 100},
        }

    def _uploading(self, media_id: str) -> dict[str, Any]:
        media = self.media.get(media_id)
        if media is None or media["state"] == "succeeded":
            raise invalid(
                "id", media_id, f"The `id` value [{media_id}] is not an upload in progress"
            )
        return media

    def _upload_bytes(self, request: Request) -> bytes:
        upload = request.files.get("media")
        if upload is not None:
            return upload.read()
        encoded = request.form.get("media_data")
        if encoded:
            try:
                return base64.b64decode(encoded)
            except binascii.Error:
                raise invalid("media_data", "", "The `media_data` value is not base64") from None
        raise invalid("media", "", "The `media` field is required")

    def _new_media(self, category: str, mime: Any, size: int) -> dict[str, Any]:
        media_id = self.sim.ids.x_id()
        kind = "photo"
        if "gif" in category or mime == "image/gif":
            kind = "animated_gif"
        elif "video" in category or str(mime or "").startswith("video/"):
            kind = "video"
        media = {
            "id": media_id,
            "media_key": f"{MEDIA_PREFIX[kind]}_{media_id}",
            "type": kind,
            "media_category": category,
            "mime": str(mime or "image/jpeg"),
            "size": size,
            "total_bytes": size,
            "width": 0,
            "height": 0,
            "state": "uploading",
            "created_at": self.sim.clock.now(),
        }
        self.media[media_id] = media
        return media

    def _describe(self, media: dict[str, Any], data: bytes) -> None:
        info = image_info(data)
        if info is not None:
            media["mime"], media["width"], media["height"] = info

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

    def _identify(self, request: Request, path: str) -> str | None:
        """ "app" for the app's Bearer token, "user" for the brand's user context, else None."""
        scheme, _, value = request.headers.get("Authorization", "").partition(" ")
        if scheme.lower() == "bearer":
            if value and value == self.config.x_bearer_token:
                return "app"
            if value and value == self.config.x_access_token:
                return "user"  # an OAuth 2.0 user access token
            return None
        if scheme != "OAuth":
            return None
        params = {k: unquote(v) for k, v in re.findall(r'(\w+)="([^"]*)"', value)}
        if (
            params.get("oauth_consumer_key") != self.config.x_consumer_key
            or params.get("oauth_token") != self.config.x_access_token
            or params.get("oauth_signature_method") != "HMAC-SHA1"
        ):
            return None
        pairs = [(k, v) for k, v in params.items() if k not in ("oauth_signature", "realm")]
        pairs += list(request.args.items(multi=True))
        if request.mimetype == "application/x-www-form-urlencoded":
            pairs += list(request.form.items(multi=True))
        key = (
            f"{quote(self.config.x_consumer_secret, safe='~')}&"
            f"{quote(self.config.x_access_token_secret, safe='~')}"
        )
        given = params.get("oauth_signature", "")
        for host in REAL_HOSTS:
            if hmac.compare_digest(oauth_signature(request.method, host + path, pairs, key), given):
                return "user"
        return None

    def _limit_headers(
        self, endpoint: str, identity: str, *, take: bool
    ) -> tuple[bool, dict[str, str]]:
        """Count a call against its 15-minute window (per token, per endpoint)."""
        app_limit, user_limit = RATE_LIMITS[endpoint]
        limit = app_limit if identity == "app" and app_limit is not None else user_limit
        now = self.sim.clock.now()
        bucket = self.buckets.get((endpoint, identity))
        if bucket is None or now >= bucket[1]:
            bucket = [limit, int(now) + WINDOW]  # [remaining, reset]
            if take:
                self.buckets[(endpoint, identity)] = bucket
        allowed = True
        if take:
            if bucket[0] > 0:
                bucket[0] -= 1
            elif self.config.enforce_rate_limits:
                allowed = False
        return allowed, {
            "x-rate-limit-limit": str(limit),
            "x-rate-limit-remaining": str(bucket[0]),
            "x-rate-limit-reset": str(bucket[1]),
        }

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
            }
