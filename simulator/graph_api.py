"""Graph API v26.0 for one Facebook Page: feed, comments, Messenger, personas, faults, usage.

Served under /graph, so facebook-sdk's https://graph.facebook.com/v26.0/... arrives here as
/v26.0/... (a version segment is optional). Response shapes follow recorded responses in
restfb's test resources (comments: v5_0/post-with-comment.json; conversations:
conversation.json; Send API: v2_6/sendresponse.json; debug_token: data-debug-token-info.json)
and the error bodies quoted in shared/data/facebook/errors (see PLATFORMS.md for the codes).
"""

from __future__ import annotations

import base64
import hashlib
import json
import math
import random
import string
import time
from collections import deque
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from werkzeug.wrappers import Request, Response

from simulator.core import Fault, Simulator, json_response, request_data
from simulator.fb_webhooks import (
    WebhookDeliverer,
    comment_change,
    feed_entry,
    messaging_entry,
)

GRAPH_VERSION = "v26.0"
HOUR = 3600.0
DAY = 24 * HOUR
# Usage budgets per rolling hour; the headers report calls as a percent of these.
PAGE_CALLS_PER_HOUR = 200
APP_CALLS_PER_HOUR = 400
STANDARD_WINDOW = DAY  # messaging-platform/policy-overview: 24 h after the person's message
HUMAN_AGENT_WINDOW = 7 * DAY
PRIVATE_REPLY_WINDOW = 7 * DAY  # messenger-platform/discovery/private-replies
MAX_TEXT = 2000
MESSAGE_TAGS = ("HUMAN_AGENT", "ACCOUNT_UPDATE", "CONFIRMED_EVENT_UPDATE", "POST_PURCHASE_UPDATE")
SCOPES = [
    "pages_show_list",
    "pages_messaging",
    "pages_read_engagement",
    "pages_read_user_content",
    "pages_manage_engagement",
    "pages_manage_metadata",
]
RATE_LIMIT_MESSAGES = {
    4: "(#4) Application request limit reached",
    17: "(#17) User request limit reached",
    32: "(#32) Page request limit reached",
    613: "Calls to this api have exceeded the rate limit. (613)",
    80001: "(#80001) There have been too many calls to this Page account. Wait a bit and try "
    "again. For more info, please refer to "
    "https://developers.facebook.com/docs/graph-api/overview/rate-limiting.",
}
WINDOW_MESSAGE = (
    "(#10) This message is sent outside of allowed window. Learn more about the new policy "
    "here: https://developers.facebook.com/docs/messenger-platform/policy-overview"
)
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


class GraphError(Exception):
    """A Graph API error body; facebook-sdk raises GraphAPIError on its `error` key."""

    def __init__(self, status: int, error: dict[str, Any]) -> None:
        super().__init__(error.get("message"))
        self.status = status
        self.error = error


# --- records -------------------------------------------------------------------------------
@dataclass
class Post:
    id: str
    message: str
    created: float
    seq: int


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


@dataclass
class FieldSpec:
    """One entry of `fields=`: `messages.limit(5){message,from}` → name, mods, sub."""

    name: str
    mods: dict[str, str] = field(default_factory=dict)
    sub: dict[str, FieldSpec] | None = None


def parse_fields(spec: str | None) -> dict[str, FieldSpec] | None:
    if not spec:
        return None
    result: dict[str, FieldSpec] = {}
    for token in _split_top(spec):
        parsed = _parse_field(token.strip())
        if parsed.name:
            result[parsed.name] = parsed
    return result


def _split_top(spec: str) -> list[str]:
    parts, depth, start = [], 0, 0
    for i, ch in enumerate(spec):
        if ch in "{(":
            depth += 1
        elif ch in "})":
            depth -= 1
        elif ch == "," and depth == 0:
            parts.append(spec[start:i])
            start = i + 1
    parts.append(spec[start:])
    return [p for p in parts if p.strip()]


def _parse_field(token: str) -> FieldSpec:
    i = 0
    while i < len(token) and (token[i].isalnum() or token[i] == "_"):
        i += 1
    spec = FieldSpec(name=token[:i])
    rest = token[i:]
    while rest.startswith("."):
        name_end = rest.find("(")
        close = rest.find(")")
        if name_end < 0 or close < 0:
            break
        spec.mods[rest[1:name_end]] = rest[name_end + 1 : close]
        rest = rest[close + 1 :]
    if rest.startswith("{") and rest.endswith("}"):
        spec.sub = parse_fields(rest[1:-1]) or {}
    return spec


def _json_field(value: Any) -> Any:
    # facebook-sdk put_object form-encodes: nested objects arrive as json.dumps strings.
    if isinstance(value, str) and value.strip()[:1] in ("{", "["):
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


def _as_bool(value: Any) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in ("1", "true", "yes")
    return bool(value)


def _cursor(key: int) -> str:
    return base64.b64encode(str(key).encode()).decode()


def _uncursor(cursor: str) -> int | None:
    try:
        return int(base64.b64decode(cursor.encode()).decode())
    except (ValueError, UnicodeDecodeError):
        return None


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


class FacebookPlatform:
    """The Page's world and the Graph API over it; state guarded by sim.lock."""

    name = "facebook"

    def __init__(self, sim: Simulator) -> None:
        self.sim = sim
        self.config = sim.config
        self.page = {"id": self.config.fb_page_id, "name": self.config.fb_page_name}
        self.webhooks = WebhookDeliverer(
            secret=self.config.fb_app_secret,
            url=self.config.facebook_webhook_url,
            seed=self.config.seed,
            now=sim.clock.now,
        )
        # Flushing waits for the receiver, which may call the Graph API back: run it
        # outside sim.lock (core takes the lock around platform control calls).
        sim.control_handlers.append(self._control_unlocked)
        self._init_state()

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

    # --- SimPlatform ---------------------------------------------------------------------
    def dispatch(self, request: Request, path: str) -> Response:
        version, parts = self._split(path)
        headers = {"facebook-api-version": version or GRAPH_VERSION}
        with self.sim.lock:
            try:
                body = self._handle(request, path, version, parts)
                status = 200
            except GraphError as exc:
                body, status = {"error": exc.error}, exc.status
            headers.update(self._usage_headers())
        return json_response(body, status=status, headers=headers)

    def fault_response(self, fault: Fault, request: Request) -> Response | None:
        _, parts = self._split(request.path.split("/graph", 1)[-1])
        with self.sim.lock:
            if fault.kind.startswith("token") and parts[:1] == ["debug_token"]:
                return None  # debug_token uses the app token; it reports the Page token invalid
            headers = self._usage_headers()
            if fault.kind == "rate_limit":
                code = fault.code or 32
                minutes = math.ceil(fault.reset_in / 60)
                headers = self._usage_headers(full=minutes)
                error = self._error(
                    RATE_LIMIT_MESSAGES.get(code, RATE_LIMIT_MESSAGES[32]),
                    code=code,
                    is_transient=True,
                )
                return json_response({"error": error}, status=400, headers=headers)
            if fault.kind == "server_error":
                error = self._error(
                    "An unexpected error has occurred. Please retry your request later.",
                    code=2,
                    is_transient=True,
                )
                return json_response({"error": error}, status=500, headers=headers)
            if fault.kind == "token_expired":
                return json_response(
                    {"error": self._expired_error(fault.code or 463)}, status=400, headers=headers
                )
            if fault.kind == "token_revoked":
                return json_response(
                    {"error": self._revoked_error(fault.code or 460)}, status=400, headers=headers
                )
        return None

    def control(self, request: Request, path: str) -> Response | None:
        parts = [p for p in path.split("/") if p]
        body = request_data(request)
        method = request.method
        try:
            if parts == ["posts"] and method == "POST":
                return json_response(self.add_page_post(message=str(body["message"])), 201)
            if parts == ["comments"] and method == "POST":
                comment = self.add_comment(
                    message=str(body["message"]),
                    author=_json_field(body.get("author")) or None,
                    post_id=body.get("post_id") or None,
                    parent_id=body.get("parent_id") or None,
                )
                return json_response(comment, 201)
            if len(parts) == 3 and parts[0] == "comments" and method == "POST":
                if parts[2] == "edit":
                    edited = self.edit_comment(comment_id=parts[1], message=str(body["message"]))
                    return json_response(edited)
                if parts[2] == "remove":
                    self.remove_comment(comment_id=parts[1])
                    return json_response({"removed": parts[1]})
            if parts == ["messages"] and method == "POST":
                sent = self.add_messenger_message(
                    text=str(body["text"]), sender=_json_field(body.get("sender")) or None
                )
                return json_response(sent, 201)
            if parts == ["webhooks"]:
                if method == "POST":
                    return json_response(self.webhooks.configure(body))
                return json_response(self.webhooks.stats())
            if parts == ["webhooks", "log"]:
                return json_response({"data": self.webhooks.log()})
        except KeyError as exc:
            return json_response({"error": f"unknown or missing {exc.args[0]}"}, 404)
        except (TypeError, ValueError) as exc:
            return json_response({"error": str(exc)}, 400)
        return None

    def _control_unlocked(self, request: Request, path: str) -> Response | None:
        if path.rstrip("/") == "/facebook/webhooks/flush" and request.method == "POST":
            timeout = float(request_data(request).get("timeout", 10))
            return json_response(self.webhooks.flush(timeout))
        return None

    def published(self) -> list[dict[str, Any]]:
        with self.sim.lock:
            return [dict(item) for item in self.published_items]

    def stats(self) -> dict[str, Any]:
        with self.sim.lock:
            now = self.sim.clock.now()
            self.usage.prune(now)
            return {
                "posts": len(self.posts),
                "comments": len(self.comments),
                "conversations": len(self.conversations),
                "messages": len(self.messages),
                "personas": len(self.personas),
                "published": len(self.published_items),
                "calls_last_hour": len(self.usage.calls),
                "webhooks": self.webhooks.stats(),
            }

    def reset(self) -> None:
        with self.sim.lock:
            self._init_state()
        self.webhooks.reset()

    def stop(self) -> None:
        self.webhooks.stop()

    # --- the world, for tests, the control API and the traffic generator ---------------------
    def add_page_post(self, *, message: str) -> dict[str, Any]:
        with self.sim.lock:
            now = self.sim.clock.now()
            post = Post(f"{self.page['id']}_{self.sim.ids.fb_id()}", message, now, self._next())
            self.posts[post.id] = post
            self._publish(kind="post", id=post.id, text=message, in_reply_to=None)
            return self._render_post(post, None)

    def add_comment(
        self,
        *,
        message: str,
        author: dict[str, Any] | None = None,
        post_id: str | None = None,
        parent_id: str | None = None,
    ) -> dict[str, Any]:
        """A customer's comment on a Page post (or a reply under a comment); sends a webhook."""
        with self.sim.lock:
            customer = self._customer(author)
            if parent_id:
                parent = self.comments[parent_id]
                post = self.posts[parent.post_id]
            elif post_id:
                post = self.posts[post_id]
                parent = None
            else:
                post = self._latest_post()
                parent = None
            comment = self._new_comment(post, parent, message, customer)
            return self._comment_summary(comment)

    def edit_comment(self, *, comment_id: str, message: str) -> dict[str, Any]:
        with self.sim.lock:
            comment = self._live_comment(comment_id)
            comment.message = message
            self._feed_webhook(comment, "edited")
            return self._comment_summary(comment)

    def remove_comment(self, *, comment_id: str) -> None:
        with self.sim.lock:
            comment = self._live_comment(comment_id)
            comment.deleted = True
            self._feed_webhook(comment, "remove")

    def add_messenger_message(
        self, *, text: str, sender: dict[str, Any] | None = None
    ) -> dict[str, Any]:
        """A customer's Messenger message to the Page; opens the 24 h window; sends a webhook."""
        with self.sim.lock:
            customer = self._customer(sender)
            now = self.sim.clock.now()
            conversation = self._conversation_for(customer)
            message = self._add_message(conversation, customer, self.page, text, [])
            conversation.last_customer_at = now
            self.webhooks.enqueue(
                messaging_entry(
                    page_id=self.page["id"],
                    sender_id=customer["id"],
                    recipient_id=self.page["id"],
                    mid=message.id,
                    seq=self._next_mseq(),
                    text=text,
                    attachments=None,
                    now=now,
                )
            )
            return {
                "id": message.id,
                "mid": message.id,
                "text": text,
                "sender": dict(customer),
                "conversation_id": conversation.id,
                "created_time": fb_time(now),
                "timestamp": int(now * 1000),
            }

    def latest_page_replies(self, n: int) -> list[dict[str, Any]]:
        """The Page's newest replies under customers' comments, newest first."""
        with self.sim.lock:
            found: list[dict[str, Any]] = []
            for comment in reversed(list(self.comments.values())):
                if len(found) >= n:
                    break
                if comment.author["id"] != self.page["id"] or comment.parent_id is None:
                    continue
                parent = self.comments[comment.parent_id]
                if parent.author["id"] == self.page["id"]:
                    continue
                found.append(
                    {
                        "id": comment.id,
                        "parent_id": comment.parent_id,
                        "post_id": comment.post_id,
                        "message": comment.message,
                        "created_time": fb_time(comment.created),
                        "to": {"id": parent.author["id"], "name": parent.author["name"]},
                    }
                )
            return found

    # --- request handling ---------------------------------------------------------------------
    @staticmethod
    def _split(path: str) -> tuple[str | None, list[str]]:
        parts = [p for p in path.split("/") if p]
        version = None
        if parts and parts[0].startswith("v") and parts[0][1:].replace(".", "").isdigit():
            version = parts.pop(0)
        return version, parts

    def _handle(
        self, request: Request, path: str, version: str | None, parts: list[str]
    ) -> dict[str, Any]:
        data: dict[str, Any] = dict(request.args.items())
        if request.method in ("POST", "PUT"):
            data.update(request_data(request))
        self._check_token(request, data, parts)
        now = self.sim.clock.now()
        self.usage.prune(now)
        if self.config.enforce_rate_limits:
            if self.usage.percent(PAGE_CALLS_PER_HOUR) >= 100:
                raise GraphError(
                    400, self._error(RATE_LIMIT_MESSAGES[32], code=32, is_transient=True)
                )
            if self.usage.percent(APP_CALLS_PER_HOUR) >= 100:
                raise GraphError(
                    400, self._error(RATE_LIMIT_MESSAGES[4], code=4, is_transient=True)
                )
        self.usage.record(now)
        if not parts:
            raise self._unsupported(request.method, "")
        parts = [self.page["id"] if p == "me" else p for p in parts]
        ctx = _Context(request=request, path=path, version=version, data=data)
        node = parts[0]
        if len(parts) == 1:
            return self._node(ctx, node)
        if len(parts) == 2:
            return self._edge(ctx, node, parts[1])
        raise self._unsupported(request.method, "/".join(parts))

    def _check_token(self, request: Request, data: dict[str, Any], parts: list[str]) -> None:
        token = data.get("access_token")
        auth = request.headers.get("Authorization", "")
        if not token and auth.split(" ", 1)[0] in ("Bearer", "OAuth"):
            token = auth.split(" ", 1)[1].strip()
        if not token:
            raise GraphError(
                400,
                self._error("An access token is required to request this resource.", code=104),
            )
        valid = {self.config.fb_page_token}
        if parts[:1] == ["debug_token"]:
            valid.add(f"{self.config.fb_app_id}|{self.config.fb_app_secret}")
        if token not in valid:
            raise GraphError(
                400,
                self._error(
                    "Invalid OAuth access token - Cannot parse access token",
                    code=190,
                    subcode=467,
                ),
            )

    def _node(self, ctx: _Context, node: str) -> dict[str, Any]:
        method = ctx.request.method
        fields = parse_fields(ctx.data.get("fields"))
        if node == "debug_token" and method == "GET":
            return self._debug_token(str(ctx.data.get("input_token", "")))
        if node == self.page["id"] and method == "GET":
            return self._pick(self.page, fields, ("name", "id"))
        if node in self.posts and method == "GET":
            return self._render_post(self.posts[node], fields, ctx)
        if node in self.comments and not self.comments[node].deleted:
            comment = self.comments[node]
            if method == "GET":
                return self._render_comment(comment, fields, ctx)
            if method == "POST":
                return self._update_comment(comment, ctx.data)
            if method == "DELETE":
                comment.deleted = True
                self._publish(kind="delete", id=comment.id, text=None, in_reply_to=comment.id)
                self._feed_webhook(comment, "remove")
                return {"success": True}
        if node in self.conversations and method == "GET":
            return self._render_conversation(self.conversations[node], fields, ctx)
        if node in self.messages and method == "GET":
            return self._render_message(self.messages[node], fields)
        if node in self.personas:
            if method == "GET":
                return dict(self.personas[node])
            if method == "DELETE":
                persona = self.personas.pop(node)
                self._publish(
                    kind="persona", id=node, text=persona["name"], in_reply_to=None, action="delete"
                )
                return {"success": True}
        if node in self.customers and method == "GET":
            return self._render_profile(self.customers[node], fields)
        raise self._unsupported(method, node)

    def _edge(self, ctx: _Context, node: str, edge: str) -> dict[str, Any]:
        method = ctx.request.method
        is_page = node == self.page["id"]
        if is_page and edge in ("feed", "posts", "published_posts"):
            if method == "POST":
                post = self.add_page_post(message=str(ctx.data.get("message", "")))
                return {"id": post["id"]}
            return self._feed(ctx)
        if is_page and edge == "messages" and method == "POST":
            return self._send(ctx.data)
        if is_page and edge == "conversations" and method == "GET":
            return self._conversations(ctx)
        if is_page and edge == "personas":
            return self._create_persona(ctx.data) if method == "POST" else self._list_personas(ctx)
        if is_page and edge == "subscribed_apps":
            if method == "POST":
                return {"success": True}
            return {"data": [{"id": self.config.fb_app_id, "name": "care"}]}
        if edge == "comments" and (node in self.posts or self._is_live_comment(node)):
            if method == "POST":
                return self._reply(node, ctx.data)
            return self._comments(ctx, node, ctx.data)
        if edge == "messages" and node in self.conversations and method == "GET":
            return self._conversation_messages(ctx, self.conversations[node], ctx.data)
        if is_page or node in self.posts or node in self.comments:
            raise GraphError(
                400,
                self._error(
                    f"(#100) Tried accessing nonexisting field ({edge})",
                    code=100,
                ),
            )
        raise self._unsupported(method, node)

    # --- feed and comments ---------------------------------------------------------------
    def _feed(self, ctx: _Context) -> dict[str, Any]:
        posts = sorted(self.posts.values(), key=lambda p: p.seq, reverse=True)
        posts = self._time_filter(posts, ctx.data, lambda p: p.created)
        fields = parse_fields(ctx.data.get("fields"))
        return self._page(
            ctx,
            f"{self.page['id']}/feed",
            [(p.seq, p) for p in posts],
            ctx.data,
            descending=True,
            render=lambda p: self._render_post(p, fields, ctx),
        )

    def _comments(self, ctx: _Context, node: str, params: dict[str, Any]) -> dict[str, Any]:
        stream = params.get("filter") == "stream"
        order = str(params.get("order") or "chronological")
        if node in self.posts:
            found = [c for c in self.comments.values() if c.post_id == node]
            if not stream:
                found = [c for c in found if c.parent_id is None]
        else:
            found = [c for c in self.comments.values() if c.parent_id == node]
        visible = [c for c in found if not c.deleted and not self._parent_deleted(c)]
        visible = self._time_filter(visible, params, lambda c: c.created)
        descending = order == "reverse_chronological"
        visible.sort(key=lambda c: c.seq, reverse=descending)
        fields = parse_fields(params.get("fields"))
        result = self._page(
            ctx,
            f"{node}/comments",
            [(c.seq, c) for c in visible],
            params,
            descending=descending,
            render=lambda c: self._render_comment(c, fields, ctx),
        )
        if _as_bool(params.get("summary", False)):
            # v5_0/post-with-comment.json
            result["summary"] = {"order": order, "total_count": len(visible), "can_comment": True}
        return result

    def _reply(self, node: str, data: dict[str, Any]) -> dict[str, Any]:
        message = str(data.get("message") or "")
        if not message and not data.get("attachment_url"):
            raise GraphError(400, self._error("(#100) Missing message or attachment", code=100))
        target_comment = self.comments.get(node)
        if target_comment is not None:
            top = self.comments[target_comment.parent_id] if target_comment.parent_id else None
            parent = top or target_comment
            post = self.posts[target_comment.post_id]
        else:
            parent, post = None, self.posts[node]
        comment = self._new_comment(post, parent, message, self.page)
        target_author = target_comment.author if target_comment else self.page
        self._publish(
            kind="comment",
            id=comment.id,
            text=message,
            in_reply_to=node,
            post_id=post.id,
            parent_id=comment.parent_id,
            to={"id": target_author["id"], "name": target_author["name"]},
        )
        return {"id": comment.id}

    def _update_comment(self, comment: Comment, data: dict[str, Any]) -> dict[str, Any]:
        if "is_hidden" in data:
            hidden = _as_bool(data["is_hidden"])
            comment.is_hidden = hidden
            self._publish(
                kind="hide", id=comment.id, text=None, in_reply_to=comment.id, hidden=hidden
            )
            self._feed_webhook(comment, "hide" if hidden else "unhide")
            return {"success": True}
        if "message" in data and comment.author["id"] == self.page["id"]:
            comment.message = str(data["message"])
            self._feed_webhook(comment, "edited")
            return {"success": True}
        raise GraphError(400, self._error("(#100) Invalid parameter", code=100))

    def _new_comment(
        self, post: Post, parent: Comment | None, message: str, author: dict[str, str]
    ) -> Comment:
        post_object = post.id.split("_", 1)[1]
        comment = Comment(
            id=f"{post_object}_{self.sim.ids.fb_id()}",
            post_id=post.id,
            parent_id=parent.id if parent else None,
            message=message,
            author={"id": author["id"], "name": author["name"]},
            created=self.sim.clock.now(),
            seq=self._next(),
        )
        self.comments[comment.id] = comment
        self._feed_webhook(comment, "add")
        return comment

    def _feed_webhook(self, comment: Comment, verb: str) -> None:
        now = self.sim.clock.now()
        change = comment_change(
            verb=verb,
            comment_id=comment.id,
            post_id=comment.post_id,
            parent_id=comment.parent_id or comment.post_id,
            author=comment.author,
            message=comment.message,
            created_time=comment.created,
        )
        self.webhooks.enqueue(feed_entry(page_id=self.page["id"], change=change, now=now))

    # --- Messenger ---------------------------------------------------------------------------
    def _send(self, data: dict[str, Any]) -> dict[str, Any]:
        recipient = _json_field(data.get("recipient"))
        message = _json_field(data.get("message"))
        if not isinstance(recipient, dict):
            raise self._param_error("(#100) The parameter recipient is required")
        if not isinstance(message, dict):
            raise self._param_error("(#100) The parameter message is required")
        messaging_type = str(data.get("messaging_type") or "RESPONSE")
        if messaging_type not in ("RESPONSE", "UPDATE", "MESSAGE_TAG"):
            raise self._param_error(
                "(#100) Param messaging_type must be one of {RESPONSE, UPDATE, MESSAGE_TAG}"
            )
        tag = data.get("tag") or None
        if messaging_type == "MESSAGE_TAG" and tag not in MESSAGE_TAGS:
            raise self._param_error(
                f"(#100) Param tag must be one of {{{', '.join(MESSAGE_TAGS)}}}"
            )
        persona_id = data.get("persona_id") or None
        if persona_id is not None and str(persona_id) not in self.personas:
            raise self._param_error("(#100) Param persona_id must be a valid persona id")
        text = message.get("text")
        attachment = message.get("attachment")
        if text is None and not attachment:
            raise self._param_error("(#100) Message must contain text or attachment")
        if text is not None and len(str(text)) > MAX_TEXT:
            raise self._param_error(
                "(#100) Length of param message[text] must be less than or equal to 2000"
            )
        now = self.sim.clock.now()
        private_comment: Comment | None = None
        if "comment_id" in recipient:
            private_comment = self._private_reply_target(str(recipient["comment_id"]), now)
            conversation = self._conversation_for(private_comment.author)
            in_reply_to: str | None = private_comment.id
            kind = "private_reply"
        elif "id" in recipient:
            conv_id = self.conversation_by_psid.get(str(recipient["id"]))
            if conv_id is None:
                raise GraphError(
                    400, self._error("(#100) No matching user found", code=100, subcode=2018001)
                )
            conversation = self.conversations[conv_id]
            self._check_window(conversation, messaging_type, tag, now)
            last_in = [m for m in conversation.messages if m.author["id"] != self.page["id"]]
            in_reply_to = last_in[-1].id if last_in else None
            kind = "message"
        else:
            raise self._param_error("(#100) Param recipient must contain id or comment_id")
        attachments = [attachment] if isinstance(attachment, dict) else []
        sent = self._add_message(conversation, self.page, conversation.customer, text, attachments)
        if private_comment is not None:
            private_comment.private_reply_at = now
        psid = conversation.customer["id"]
        self._publish(
            kind=kind,
            id=sent.id,
            text=text,
            in_reply_to=in_reply_to,
            recipient_id=psid,
            conversation_id=conversation.id,
            messaging_type=messaging_type,
            tag=tag,
            persona_id=persona_id,
            attachment=attachment,
        )
        self.webhooks.enqueue(
            messaging_entry(
                page_id=self.page["id"],
                sender_id=self.page["id"],
                recipient_id=psid,
                mid=sent.id,
                seq=self._next_mseq(),
                text=text,
                attachments=[_webhook_attachment(a) for a in attachments],
                now=now,
                echo_app_id=int(self.config.fb_app_id),
                metadata=message.get("metadata"),
            )
        )
        return {"recipient_id": psid, "message_id": sent.id}  # v2_6/sendresponse.json

    def _private_reply_target(self, comment_id: str, now: float) -> Comment:
        comment = self.comments.get(comment_id)
        if comment is None or comment.deleted or comment.author["id"] == self.page["id"]:
            # restfb/restfb#1165: an unknown comment id answers 100/2018292.
            raise GraphError(
                400, self._error("(#100) Invalid comment_id parameter", code=100, subcode=2018292)
            )
        if comment.private_reply_at is not None:
            # One private reply per comment; Meta answers (#10900) the second time.
            raise GraphError(400, self._error("(#10900) Activity already replied to", code=10900))
        if now - comment.created > PRIVATE_REPLY_WINDOW:
            raise GraphError(400, self._error(WINDOW_MESSAGE, code=10, subcode=2018278))
        return comment

    def _check_window(
        self, conversation: Conversation, messaging_type: str, tag: str | None, now: float
    ) -> None:
        if messaging_type == "MESSAGE_TAG" and tag != "HUMAN_AGENT":
            return  # the other tags are allowed outside the window (for their own use cases)
        limit = HUMAN_AGENT_WINDOW if messaging_type == "MESSAGE_TAG" else STANDARD_WINDOW
        last = conversation.last_customer_at
        if last is None or now - last > limit:
            raise GraphError(400, self._error(WINDOW_MESSAGE, code=10, subcode=2018278))

    def _conversation_for(self, customer: dict[str, str]) -> Conversation:
        conv_id = self.conversation_by_psid.get(customer["id"])
        if conv_id is not None:
            return self.conversations[conv_id]
        now = self.sim.clock.now()
        conversation = Conversation(
            id=f"t_{self.sim.ids.fb_id()}",
            customer={"id": customer["id"], "name": customer["name"]},
            seq=self._next(),
            updated=now,
        )
        self.conversations[conversation.id] = conversation
        self.conversation_by_psid[customer["id"]] = conversation.id
        return conversation

    def _add_message(
        self,
        conversation: Conversation,
        author: dict[str, str],
        recipient: dict[str, str],
        text: str | None,
        attachments: list[dict[str, Any]],
    ) -> Message:
        now = self.sim.clock.now()
        message = Message(
            id=self._mid(),
            conversation_id=conversation.id,
            author={"id": author["id"], "name": author["name"]},
            recipient={"id": recipient["id"], "name": recipient["name"]},
            text=text,
            attachments=attachments,
            created=now,
            seq=self._next(),
        )
        conversation.messages.append(message)
        conversation.seq = message.seq
        conversation.updated = now
        self.messages[message.id] = message
        return message

    def _conversations(self, ctx: _Context) -> dict[str, Any]:
        found = sorted(self.conversations.values(), key=lambda c: c.seq, reverse=True)
        user_id = ctx.data.get("user_id")
        if user_id:
            found = [c for c in found if c.customer["id"] == user_id]
        fields = parse_fields(ctx.data.get("fields"))
        return self._page(
            ctx,
            f"{self.page['id']}/conversations",
            [(c.seq, c) for c in found],
            ctx.data,
            descending=True,
            render=lambda c: self._render_conversation(c, fields, ctx),
        )

    def _conversation_messages(
        self, ctx: _Context, conversation: Conversation, params: dict[str, Any]
    ) -> dict[str, Any]:
        fields = parse_fields(params.get("fields"))
        newest_first = list(reversed(conversation.messages))
        return self._page(
            ctx,
            f"{conversation.id}/messages",
            [(m.seq, m) for m in newest_first],
            params,
            descending=True,
            render=lambda m: self._render_message(m, fields),
        )

    # --- personas ---------------------------------------------------------------------------
    def _create_persona(self, data: dict[str, Any]) -> dict[str, Any]:
        name = str(data.get("name") or "")
        if not name:
            raise self._param_error("(#100) The parameter name is required")
        persona = {
            "name": name,
            "profile_picture_url": str(data.get("profile_picture_url") or ""),
            "id": self.sim.ids.fb_id(),
        }
        self.personas[persona["id"]] = persona
        self._publish(
            kind="persona", id=persona["id"], text=name, in_reply_to=None, action="create"
        )
        return {"id": persona["id"]}

    def _list_personas(self, ctx: _Context) -> dict[str, Any]:
        items = list(self.personas.values())
        return self._page(
            ctx,
            f"{self.page['id']}/personas",
            [(int(p["id"]), p) for p in items],
            ctx.data,
            descending=False,
            render=dict,
        )

    # --- rendering ---------------------------------------------------------------------------
    def _render_post(
        self, post: Post, fields: dict[str, FieldSpec] | None, ctx: _Context | None = None
    ) -> dict[str, Any]:
        values: dict[str, Any] = {
            "created_time": fb_time(post.created),
            "message": post.message,
            "id": post.id,
            "from": {"name": self.page["name"], "id": self.page["id"]},
            "updated_time": fb_time(post.created),
            "permalink_url": f"https://www.facebook.com/{post.id.replace('_', '/posts/')}",
            "status_type": "mobile_status_update",
            "is_hidden": False,
            "is_published": True,
        }
        result = self._pick(values, fields, ("created_time", "message", "id"))
        if fields and "comments" in fields and ctx is not None:
            spec = fields["comments"]
            result["comments"] = self._nested_comments(ctx, post.id, spec)
        return result

    def _nested_comments(self, ctx: _Context, node: str, spec: FieldSpec) -> dict[str, Any]:
        params: dict[str, Any] = dict(spec.mods)
        if spec.sub:
            params["fields"] = ",".join(spec.sub)
        return self._comments(ctx, node, params)

    def _render_comment(
        self, comment: Comment, fields: dict[str, FieldSpec] | None, ctx: _Context | None = None
    ) -> dict[str, Any]:
        by_page = comment.author["id"] == self.page["id"]
        values: dict[str, Any] = {
            "created_time": fb_time(comment.created),
            "from": {"name": comment.author["name"], "id": comment.author["id"]},
            "message": comment.message,
            "id": comment.id,
            "is_hidden": comment.is_hidden,
            "can_hide": not by_page,
            "can_remove": True,
            "can_comment": comment.parent_id is None,
            "can_reply_privately": (
                not by_page
                and comment.private_reply_at is None
                and self.sim.clock.now() - comment.created <= PRIVATE_REPLY_WINDOW
            ),
            "comment_count": sum(
                1 for c in self.comments.values() if c.parent_id == comment.id and not c.deleted
            ),
            "like_count": 0,
            "user_likes": False,
            "is_private": False,
            "permalink_url": f"https://www.facebook.com/{comment.post_id.replace('_', '/posts/')}"
            f"?comment_id={comment.id.split('_', 1)[1]}",
            "object": {"id": comment.post_id.split("_", 1)[1]},
        }
        if comment.parent_id:
            parent = self.comments[comment.parent_id]
            values["parent"] = {
                "created_time": fb_time(parent.created),
                "from": {"name": parent.author["name"], "id": parent.author["id"]},
                "message": parent.message,
                "id": parent.id,
            }
        result = self._pick(values, fields, ("created_time", "from", "message", "id"))
        if fields and "comments" in fields and ctx is not None:
            result["comments"] = self._nested_comments(ctx, comment.id, fields["comments"])
        return result

    def _comment_summary(self, comment: Comment) -> dict[str, Any]:
        """What the world methods return: the Graph comment plus where it sits."""
        rendered = self._render_comment(comment, None)
        return {**rendered, "post_id": comment.post_id, "parent_id": comment.parent_id}

    def _participant(self, person: dict[str, str]) -> dict[str, str]:
        # conversation.json: participants carry name, email (<id>@facebook.com) and id.
        return {"name": person["name"], "email": f"{person['id']}@facebook.com", "id": person["id"]}

    def _render_conversation(
        self, conversation: Conversation, fields: dict[str, FieldSpec] | None, ctx: _Context
    ) -> dict[str, Any]:
        people = [self._participant(conversation.customer), self._participant(self.page)]
        last = conversation.messages[-1] if conversation.messages else None
        unread = 0
        for message in reversed(conversation.messages):
            if message.author["id"] == self.page["id"]:
                break
            unread += 1
        values: dict[str, Any] = {
            "id": conversation.id,
            "snippet": (last.text or "")[:100] if last else "",
            "updated_time": fb_time(conversation.updated),
            "message_count": len(conversation.messages),
            "unread_count": unread,
            "participants": {"data": people},
            "senders": {"data": people},
            "can_reply": True,
            "is_subscribed": True,
            "link": f"/{self.page['id']}/inbox/{conversation.id}",
        }
        result = self._pick(values, fields, ("id", "link", "updated_time"))
        if fields and "messages" in fields:
            spec = fields["messages"]
            params: dict[str, Any] = dict(spec.mods)
            if spec.sub:
                params["fields"] = ",".join(spec.sub)
            result["messages"] = self._conversation_messages(ctx, conversation, params)
        return result

    def _render_message(
        self, message: Message, fields: dict[str, FieldSpec] | None
    ) -> dict[str, Any]:
        values: dict[str, Any] = {
            "id": message.id,
            "created_time": fb_time(message.created),
            "from": self._participant(message.author),
            "to": {"data": [self._participant(message.recipient)]},
            "message": message.text or "",
        }
        if message.attachments:
            values["attachments"] = {
                "data": [
                    _graph_attachment(a, message.id, i) for i, a in enumerate(message.attachments)
                ]
            }
        return self._pick(values, fields, ("id", "created_time"))

    def _render_profile(
        self, person: dict[str, str], fields: dict[str, FieldSpec] | None
    ) -> dict[str, Any]:
        first, _, last = person["name"].partition(" ")
        values = {
            "first_name": first,
            "last_name": last,
            "name": person["name"],
            "profile_pic": f"https://platform-lookaside.fbsbx.com/platform/profilepic/?psid={person['id']}",
            "id": person["id"],
        }
        return self._pick(values, fields, ("first_name", "last_name", "profile_pic", "id"))

    @staticmethod
    def _pick(
        values: dict[str, Any], fields: dict[str, FieldSpec] | None, default: tuple[str, ...]
    ) -> dict[str, Any]:
        wanted = list(fields) if fields else list(default)
        if "id" not in wanted:
            wanted.append("id")  # the Graph API always returns the id
        return {name: values[name] for name in wanted if name in values}

    def _debug_token(self, input_token: str) -> dict[str, Any]:
        token_fault = any(
            f["platform"] == "facebook" and f["kind"].startswith("token")
            for f in self.sim.faults.list()
        )
        is_valid = input_token == self.config.fb_page_token and not token_fault
        # data-debug-token-info.json, with `type`/`data_access_expires_at` as in
        # debug-token-info-2.json; Page tokens from long-lived user tokens never expire.
        now = int(self.sim.clock.now())
        return {
            "data": {
                "app_id": self.config.fb_app_id,
                "type": "PAGE",
                "application": "care",
                "data_access_expires_at": now + 90 * int(DAY),
                "expires_at": 0,
                "is_valid": is_valid,
                "issued_at": now - int(DAY),
                "scopes": list(SCOPES),
                "user_id": self.page["id"],
            }
        }

    # --- paging ------------------------------------------------------------------------------
    def _page(
        self,
        ctx: _Context,
        edge_path: str,
        keyed: list[tuple[int, Any]],
        params: dict[str, Any],
        *,
        descending: bool,
        render: Any,
    ) -> dict[str, Any]:
        """Cursor paging as the Graph API does it: cursors, `next` only while more exist."""
        try:
            limit = max(1, min(100, int(params.get("limit") or 25)))
        except ValueError as exc:
            raise self._param_error("(#100) Param limit must be a number") from exc
        after = _uncursor(str(params["after"])) if params.get("after") else None
        before = _uncursor(str(params["before"])) if params.get("before") else None

        def beyond(key: int, cursor: int) -> bool:
            return key < cursor if descending else key > cursor

        start, end = 0, limit
        if after is not None:
            start = next((i for i, (k, _) in enumerate(keyed) if beyond(k, after)), len(keyed))
            end = start + limit
        elif before is not None:
            end = next((i for i, (k, _) in enumerate(keyed) if not beyond(before, k)), len(keyed))
            start = max(0, end - limit)
        chunk = keyed[start:end]
        result: dict[str, Any] = {"data": [render(item) for _, item in chunk]}
        if not chunk:
            return result
        first, last = _cursor(chunk[0][0]), _cursor(chunk[-1][0])
        paging: dict[str, Any] = {"cursors": {"before": first, "after": last}}
        if start + len(chunk) < len(keyed):
            paging["next"] = self._paging_url(ctx, edge_path, params, limit, after=last)
        if start > 0:
            paging["previous"] = self._paging_url(ctx, edge_path, params, limit, before=first)
        result["paging"] = paging
        return result

    def _paging_url(
        self,
        ctx: _Context,
        edge_path: str,
        params: dict[str, Any],
        limit: int,
        **cursor: str,
    ) -> str:
        # facebook-sdk's get_all_connections deletes access_token from this URL's query.
        query = {k: v for k, v in params.items() if k not in ("after", "before", "access_token")}
        query.update(access_token=self.config.fb_page_token, limit=str(limit), **cursor)
        request = ctx.request
        prefix = request.path[: len(request.path) - len(ctx.path)] if ctx.path else ""
        base = request.host_url.rstrip("/") + prefix
        version = f"/{ctx.version}" if ctx.version else ""
        return f"{base}{version}/{edge_path}?{urlencode(query)}"

    @staticmethod
    def _time_filter(items: list[Any], params: dict[str, Any], when: Any) -> list[Any]:
        since, until = params.get("since"), params.get("until")
        if since:
            items = [i for i in items if when(i) >= float(since)]
        if until:
            items = [i for i in items if when(i) <= float(until)]
        return items

    # --- errors and usage ------------------------------------------------------------------
    def _error(
        self,
        message: str,
        *,
        code: int,
        subcode: int | None = None,
        error_type: str = "OAuthException",
        is_transient: bool | None = None,
        user_title: str | None = None,
        user_msg: str | None = None,
    ) -> dict[str, Any]:
        error: dict[str, Any] = {"message": message, "type": error_type}
        if is_transient is not None:
            error["is_transient"] = is_transient
        error["code"] = code
        if subcode is not None:
            error["error_subcode"] = subcode
        if user_title is not None:
            error["error_user_title"] = user_title
        if user_msg is not None:
            error["error_user_msg"] = user_msg
        error["fbtrace_id"] = self._fbtrace_id()
        return error

    def _expired_error(self, subcode: int) -> dict[str, Any]:
        # facebook/errors/observed_error_responses.json (blynk-server#435): times in Pacific.
        now = self.sim.clock.now()
        pacific = "%A, %d-%b-%y %H:%M:%S PST"
        expired = time.strftime(pacific, time.gmtime(now - DAY - 8 * HOUR))
        current = time.strftime(pacific, time.gmtime(now - 8 * HOUR))
        return self._error(
            f"Error validating access token: Session has expired on {expired}. "
            f"The current time is {current}.",
            code=190,
            subcode=subcode,
        )

    def _revoked_error(self, subcode: int) -> dict[str, Any]:
        # exampleErrorNew.json carries error_user_title/error_user_msg.
        return self._error(
            "Error validating access token: The session has been invalidated because the user "
            "changed their password or Facebook has changed the session for security reasons.",
            code=190,
            subcode=subcode,
            user_title="Session invalidated",
            user_msg="Log in to Facebook again to reconnect the Page.",
        )

    def _unsupported(self, method: str, node: str) -> GraphError:
        # batch/batch-first-error.json
        return GraphError(
            400,
            self._error(
                f"Unsupported {method.lower()} request. Object with ID '{node}' does not exist, "
                "cannot be loaded due to missing permissions, or does not support this "
                "operation. Please read the Graph API documentation at "
                "https://developers.facebook.com/docs/graph-api",
                code=100,
                error_type="GraphMethodException",
            ),
        )

    def _param_error(self, message: str) -> GraphError:
        return GraphError(400, self._error(message, code=100))

    def _usage_headers(self, full: int | None = None) -> dict[str, str]:
        """X-App-Usage and X-Business-Use-Case-Usage; `full` = at 100 for that many minutes."""
        now = self.sim.clock.now()
        self.usage.prune(now)
        app = 100 if full is not None else self.usage.percent(APP_CALLS_PER_HOUR)
        page = 100 if full is not None else self.usage.percent(PAGE_CALLS_PER_HOUR)
        regain = full if full is not None else self.usage.regain_minutes(PAGE_CALLS_PER_HOUR, now)
        # Simulated calls are cheap: time budgets fill more slowly than the call count.
        app_usage = {"call_count": app, "total_time": app // 2, "total_cputime": app // 4}
        page_usage = {
            "type": "pages",
            "call_count": page,
            "total_cputime": page // 4,
            "total_time": page // 2,
            "estimated_time_to_regain_access": regain,
        }
        return {
            "X-App-Usage": json.dumps(app_usage),
            "X-Business-Use-Case-Usage": json.dumps({self.page["id"]: [page_usage]}),
        }

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

    def _latest_post(self) -> Post:
        if not self.posts:
            self.add_page_post(message="Ada pertanyaan tentang layanan kami? Tulis di komentar.")
        return max(self.posts.values(), key=lambda p: p.seq)

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


@dataclass
class _Context:
    request: Request
    path: str
    version: str | None
    data: dict[str, Any]


def _webhook_attachment(attachment: dict[str, Any]) -> dict[str, Any]:
    # messaging-message-media-attachment.json: {"type","payload":{"url"}}
    payload = attachment.get("payload") or {}
    return {"type": attachment.get("type", "file"), "payload": {"url": payload.get("url", "")}}


def _graph_attachment(attachment: dict[str, Any], mid: str, index: int) -> dict[str, Any]:
    # conversation.json: attachments{data:[{id, mime_type, name, size, image_data}]}
    url = (attachment.get("payload") or {}).get("url", "")
    kind = attachment.get("type", "file")
    item: dict[str, Any] = {
        "id": hashlib.sha1(f"{mid}:{index}".encode()).hexdigest()[:32],  # noqa: S324 -- an id
        "mime_type": "image/jpeg" if kind == "image" else "application/octet-stream",
        "name": url.rsplit("/", 1)[-1] or f"attachment-{index}",
        "size": None,
    }
    if kind == "image":
        item["image_data"] = {"width": 800, "height": 600, "url": url, "preview_url": url}
    return item
