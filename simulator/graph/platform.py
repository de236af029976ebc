"""FacebookPlatform: dispatch, tokens, nodes and edges, faults and the control API."""

from __future__ import annotations

import math
from typing import Any

from werkzeug.wrappers import Request, Response

from simulator.core import Fault, Simulator, json_response, request_data
from simulator.fb_webhooks import WebhookDeliverer
from simulator.graph.errors import (
    APP_CALLS_PER_HOUR,
    PAGE_CALLS_PER_HOUR,
    RATE_LIMIT_MESSAGES,
    GraphError,
)
from simulator.graph.query import _Context, _json_field, parse_fields
from simulator.graph.state import DAY
from simulator.graph.world import GraphWorld

GRAPH_VERSION = "v26.0"
SCOPES = [
    "pages_show_list",
    "pages_messaging",
    "pages_read_engagement",
    "pages_read_user_content",
    "pages_manage_engagement",
    "pages_manage_metadata",
]


class FacebookPlatform(GraphWorld):
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
            data.update(request.files.items())  # multipart uploads: `source`, `filedata`
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
        if edge == "likes" and (node in self.posts or self._is_live_comment(node)):
            if method in ("POST", "DELETE"):
                return self._like(node, liked=method == "POST")
            return self._likes(node)
        if edge == "likes" and node in self.comments:
            raise self._unsupported(method, node)  # deleted: gone, as for a GET
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
