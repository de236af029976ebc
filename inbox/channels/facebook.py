"""A Facebook Page through facebook-sdk: comments, replies to comments, Messenger.

Webhooks bring comments and messages as they happen; polling catches up on what a
webhook missed. facebook-sdk ignores HTTP statuses and hides headers, so the adapter
reads Graph's usage headers through a response hook on its session.
"""

from __future__ import annotations

import json
import mimetypes
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import facebook
import requests
from django.conf import settings

from inbox.channels.base import (
    ChannelAdapter,
    ChannelError,
    Delivered,
    FetchPage,
    InboundAuthor,
    InboundEvent,
    Outgoing,
    RateInfo,
    register,
)
from inbox.channels.http import GRAPH_REAL_BASE_URL, platform_session

# Graph error codes (graph-api/guides/error-handling).
TOKEN_ERROR = 190
THROTTLING_CODES = {4, 17, 32, 613, 80001}
TRANSIENT_CODES = {1, 2}
# Polling pauses when Graph's usage headers reach this percent of the budget.
USAGE_CEILING = 90
USAGE_PAUSE_MINUTES = 10
# What the outbox reads to see whether a Messenger send went through.
MESSAGE_LOOKUP_FIELDS = "messages.limit(20){message,from,created_time}"
# How many recent Page posts a catch-up poll looks under for new comments.
RECENT_POSTS = 25


def parse_graph_time(value: str | int | None) -> datetime:
    """Graph objects say "2016-03-25T17:50:24+0000"; webhooks send unix seconds."""
    if value is None or value == "":
        return datetime.now(UTC)
    if isinstance(value, int | float) or str(value).isdigit():
        return datetime.fromtimestamp(int(value), UTC)
    return datetime.strptime(str(value), "%Y-%m-%dT%H:%M:%S%z")


def _unix(value: str | int | None) -> int:
    return int(parse_graph_time(value).timestamp())


def _refusal(error: dict[str, Any]) -> str:
    """Graph's refusals of a send, as the outbox's reason codes (messenger-platform/error-codes)."""
    if error.get("code") == 10900:
        return "private_reply_used"  # one private reply per comment
    if error.get("error_subcode") == 2018278:
        return "window_closed"  # outside the 24-hour (or 7-day HUMAN_AGENT) window
    if error.get("code") == 100 and "does not exist" in str(error.get("message", "")):
        return "target_gone"
    return ""


def _image_file(path: str) -> tuple[str, bytes, str]:
    """(name, bytes, content type) of a reply's image, for a multipart upload."""
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise ChannelError(
            f"The image {Path(path).name} cannot be read ({exc.strerror})", permanent=True
        ) from exc
    return Path(path).name, data, mimetypes.guess_type(path)[0] or "application/octet-stream"


def _usage_percent(headers: Any) -> tuple[int | None, float | None]:
    """The highest usage figure in X-App-Usage / X-Business-Use-Case-Usage, and the wait."""
    figures: list[int] = []
    wait_minutes: float | None = None
    try:
        app = json.loads(headers.get("X-App-Usage") or "{}")
        figures += [int(app.get(k, 0)) for k in ("call_count", "total_time", "total_cputime")]
        business = json.loads(headers.get("X-Business-Use-Case-Usage") or "{}")
        for entries in business.values():
            for entry in entries:
                figures += [
                    int(entry.get(k, 0)) for k in ("call_count", "total_time", "total_cputime")
                ]
                if entry.get("estimated_time_to_regain_access"):
                    wait_minutes = float(entry["estimated_time_to_regain_access"])
    except (ValueError, TypeError, AttributeError):
        return None, None
    return (max(figures) if figures else None), wait_minutes


@register
class FacebookAdapter(ChannelAdapter):
    platform = "facebook"
    streams = ("comments", "messenger")
    # Webhooks carry the traffic; polling only catches up, so once a minute is plenty
    # and stays far below the Page's call budget.
    default_poll_seconds = 60

    def __init__(self, account: Any, *, timeout: float | None = None) -> None:
        super().__init__(account, timeout=timeout)
        self.page_id = account.external_id
        session = platform_session(
            real_base=GRAPH_REAL_BASE_URL,
            base_url=settings.GRAPH_API_BASE_URL,
            read_timeout=timeout,
        )
        self.last_response: requests.Response | None = None
        session.hooks["response"].append(self._remember)
        self.graph = facebook.GraphAPI(
            access_token=account.credentials.get("page_access_token"),
            timeout=timeout or 30,
            session=session,
        )
        # facebook-sdk 3.1.0 only accepts versions up to 3.1; the attribute takes any.
        self.graph.version = settings.GRAPH_API_VERSION

    def _remember(self, response: requests.Response, *args: Any, **kwargs: Any) -> None:
        self.last_response = response

    def _rate(self) -> RateInfo:
        if self.last_response is None:
            return RateInfo()
        percent, wait_minutes = _usage_percent(self.last_response.headers)
        if percent is not None and percent >= USAGE_CEILING:
            # Stop before Graph throttles: its usage is a rolling hour, so a pause lets
            # it fall back; the replies agents send need the rest of the budget.
            pause = timedelta(minutes=wait_minutes or USAGE_PAUSE_MINUTES)
            return RateInfo(remaining=0, reset_at=datetime.now(UTC) + pause, usage_percent=percent)
        return RateInfo(usage_percent=percent)

    def _call(self, path: str, args: dict[str, Any] | None = None, **kwargs: Any) -> Any:
        try:
            return self.graph.request(f"{self.graph.version}/{path}", args or {}, **kwargs)
        except facebook.GraphAPIError as exc:
            raise self._channel_error(exc) from exc
        except requests.RequestException as exc:
            raise ChannelError(f"Facebook could not be reached: {exc.__class__.__name__}") from exc

    def _pages(self, path: str, args: dict[str, Any]) -> Iterator[list[dict[str, Any]]]:
        """Each page's `data` of a Graph edge, following its `after` cursor to the end."""
        args = dict(args)
        while True:
            page = self._call(path, args)
            yield page["data"]
            paging = page.get("paging", {})
            after = paging.get("cursors", {}).get("after")
            if not paging.get("next") or not after:
                return
            args["after"] = after

    def _channel_error(self, exc: facebook.GraphAPIError) -> ChannelError:
        error = exc.result.get("error", {}) if isinstance(exc.result, dict) else {}
        code = error.get("code")
        message = error.get("message") or str(exc)
        if code == TOKEN_ERROR:
            return ChannelError(
                f"Facebook refused the Page token: {message}", permanent=True, reauth=True
            )
        if code in THROTTLING_CODES:
            wait_minutes = None
            if self.last_response is not None:
                _, wait_minutes = _usage_percent(self.last_response.headers)
            return ChannelError(
                f"Facebook rate limit: {message}",
                retry_after=(wait_minutes or 5) * 60,
            )
        if code in TRANSIENT_CODES or error.get("is_transient"):
            return ChannelError(f"Facebook error: {message}")
        return ChannelError(
            f"Facebook refused the request: {message}", permanent=True, reason=_refusal(error)
        )

    # --- polling --------------------------------------------------------------------
    def fetch(self, *, stream: str, cursor: str | None, page: str | None = None) -> FetchPage:
        if stream == "comments":
            return self._fetch_comments(cursor=cursor)
        if stream == "messenger":
            return self._fetch_messenger(cursor=cursor)
        raise ValueError(f"Facebook has no stream {stream!r}")

    def _fetch_comments(self, *, cursor: str | None) -> FetchPage:
        since = int(cursor) if cursor else None
        posts = self._call(f"{self.page_id}/feed", {"fields": "id", "limit": RECENT_POSTS})
        events: list[InboundEvent] = []
        for post in posts.get("data", []):
            args: dict[str, Any] = {
                "filter": "stream",
                "order": "chronological",
                "fields": "id,message,from,created_time,parent,attachment,permalink_url",
                "limit": 100,
            }
            if since:
                args["since"] = since
            for comments in self._pages(f"{post['id']}/comments", args):
                events += [self._comment_event(c, post_id=post["id"]) for c in comments]
        newest = max((int(e.created_at.timestamp()) for e in events), default=since)
        return FetchPage(
            events=events,
            next_page=None,
            new_cursor=str(newest) if newest else cursor,
            rate=self._rate(),
        )

    def _comment_event(self, comment: dict[str, Any], *, post_id: str) -> InboundEvent:
        author = comment.get("from") or {}
        own = author.get("id") == self.page_id
        parent = (comment.get("parent") or {}).get("id", "")
        attachment = comment.get("attachment")
        return InboundEvent(
            kind="comment",
            external_id=comment["id"],
            created_at=parse_graph_time(comment.get("created_time")),
            text=comment.get("message", ""),
            direction="outbound" if own else "inbound",
            customer=None if own else self._author(author),
            in_reply_to_external_id=parent or post_id,
            permalink=comment.get("permalink_url")
            or f"https://www.facebook.com/{post_id}?comment_id={comment['id']}",
            attachments=(attachment,) if attachment else (),
            raw=comment,
        )

    def _fetch_messenger(self, *, cursor: str | None) -> FetchPage:
        since = int(cursor) if cursor else 0
        conversations = self._call(
            f"{self.page_id}/conversations",
            {"platform": "messenger", "fields": "participants,updated_time", "limit": 25},
        )
        events: list[InboundEvent] = []
        newest = since
        for conversation in conversations.get("data", []):
            updated = _unix(conversation.get("updated_time"))
            if updated < since:
                continue  # nothing new; the list is newest first but may tie
            newest = max(newest, updated)
            customer: dict[str, Any] = next(
                (
                    p
                    for p in conversation.get("participants", {}).get("data", [])
                    if p.get("id") != self.page_id
                ),
                {},
            )
            args: dict[str, Any] = {
                "fields": "id,message,from,to,created_time,attachments",
                "limit": 50,
            }
            for messages in self._pages(f"{conversation['id']}/messages", args):
                fresh = [m for m in messages if _unix(m.get("created_time")) >= since]
                events += [self._messenger_event(m, customer) for m in fresh]
                if len(fresh) < len(messages):
                    break  # newest first: the rest is older than the cursor
        return FetchPage(
            events=events,
            next_page=None,
            new_cursor=str(newest) if newest else cursor,
            rate=self._rate(),
        )

    def _messenger_event(self, message: dict[str, Any], customer: dict[str, Any]) -> InboundEvent:
        sender = message.get("from") or {}
        own = sender.get("id") == self.page_id
        return InboundEvent(
            kind="messenger",
            external_id=message["id"],
            created_at=parse_graph_time(message.get("created_time")),
            text=message.get("message", ""),
            direction="outbound" if own else "inbound",
            customer=self._author(customer if own else sender),
            attachments=tuple(message.get("attachments", {}).get("data", [])),
            raw=message,
        )

    def _author(self, who: dict[str, Any]) -> InboundAuthor:
        return InboundAuthor(external_id=str(who.get("id", "")), name=who.get("name", ""))

    def lookup_customers(self, *, external_ids: set[str]) -> dict[str, InboundAuthor]:
        # The User Profile API: a Messenger webhook carries the PSID and nothing else.
        found = {}
        for psid in sorted(external_ids):
            profile = self._call(psid, {"fields": "first_name,last_name,profile_pic"})
            name = " ".join(filter(None, [profile.get("first_name"), profile.get("last_name")]))
            found[psid] = InboundAuthor(
                external_id=psid, name=name, avatar_url=profile.get("profile_pic", "")
            )
        return found

    # --- sending and credentials ----------------------------------------------------
    def check_credentials(self) -> str:
        page = self._call(self.page_id, {"fields": "id,name"})
        return str(page.get("name", self.page_id))

    def post_reply(self, *, in_reply_to: str, text: str, image: str = "") -> str:
        # An image goes as the multipart `source` (graph-api/reference/object/comments):
        # `attachment_url` would need a public address, which care need not have.
        files = {"source": _image_file(image)} if image else None
        comment = self._call(f"{in_reply_to}/comments", post_args={"message": text}, files=files)
        return str(comment["id"])

    def like(self, external_id: str) -> None:
        # POST /{object-id}/likes → {"success": true}. An empty post_args makes
        # facebook-sdk POST, with the token in the query string.
        self._call(f"{external_id}/likes", post_args={})

    def send_private(self, *, to: str, text: str) -> str:
        result = self._call(
            f"{self.page_id}/messages",
            post_args={
                # facebook-sdk sends form fields: nested values must be JSON strings.
                "recipient": json.dumps({"id": to}),
                "messaging_type": "RESPONSE",
                "message": json.dumps({"text": text}),
            },
        )
        return str(result["message_id"])

    def deliver(self, outgoing: Outgoing) -> Delivered:
        if outgoing.delivery == "public_reply":
            comment_id = self.post_reply(
                in_reply_to=outgoing.in_reply_to,
                text=outgoing.text,
                image=outgoing.media[0] if outgoing.media else "",  # one at most (the outbox)
            )
            return Delivered(comment_id, f"https://www.facebook.com/{comment_id}")
        if outgoing.delivery == "private_reply":
            recipient = {"comment_id": outgoing.in_reply_to}
        else:
            recipient = {"id": outgoing.recipient}
        args = {
            # facebook-sdk sends form fields: nested values must be JSON strings.
            "recipient": json.dumps(recipient),
            "messaging_type": "MESSAGE_TAG" if outgoing.tag else "RESPONSE",
            "message": json.dumps({"text": outgoing.text}),
        }
        if outgoing.tag:
            args["tag"] = outgoing.tag
        if outgoing.persona:
            args["persona_id"] = outgoing.persona
        for path in outgoing.media:
            # A Messenger message is text or an attachment, not both: the image goes first,
            # as its own message, so a failure there leaves the text unsent (never twice).
            attachment = {"type": "image", "payload": {"is_reusable": True}}
            self._call(
                f"{self.page_id}/messages",
                post_args={**args, "message": json.dumps({"attachment": attachment})},
                files={"filedata": _image_file(path)},
            )
        result = self._call(f"{self.page_id}/messages", post_args=args)
        return Delivered(str(result["message_id"]))

    def create_persona(self, *, name: str, picture_url: str) -> str:
        args = {"name": name}
        if picture_url:
            args["profile_picture_url"] = picture_url
        return str(self._call(f"{self.page_id}/personas", post_args=args)["id"])

    def delete_persona(self, persona_id: str) -> None:
        self._call(persona_id, method="DELETE")

    def find_delivered(self, outgoing: Outgoing, *, since: datetime) -> Delivered | None:
        if outgoing.delivery == "public_reply":
            # Graph nests one level: a reply to a reply sits under the top comment.
            target = self._call(outgoing.in_reply_to, {"fields": "id,parent{id}"})
            thread = target.get("parent", {}).get("id") or outgoing.in_reply_to
            comments = self._call(
                f"{thread}/comments",
                {"filter": "stream", "order": "reverse_chronological", "limit": 50},
            ).get("data", [])
            for comment in comments:
                if (
                    comment.get("from", {}).get("id") == self.page_id
                    and comment.get("message", "").strip() == outgoing.text.strip()
                    and parse_graph_time(comment.get("created_time")) >= since
                ):
                    return Delivered(
                        str(comment["id"]), f"https://www.facebook.com/{comment['id']}"
                    )
            return None
        if outgoing.delivery == "private_reply":
            # The private reply opens (or continues) the commenter's Messenger thread; the
            # comment knows who wrote it only through the stored message, so look at all
            # recent threads' newest messages.
            params = {"platform": "messenger", "fields": MESSAGE_LOOKUP_FIELDS, "limit": 25}
        else:
            params = {
                "platform": "messenger",
                "user_id": outgoing.recipient,
                "fields": MESSAGE_LOOKUP_FIELDS,
            }
        threads = self._call(f"{self.page_id}/conversations", params).get("data", [])
        for thread in threads:
            for message in thread.get("messages", {}).get("data", []):
                if (
                    message.get("from", {}).get("id") == self.page_id
                    and message.get("message", "").strip() == outgoing.text.strip()
                    and parse_graph_time(message.get("created_time")) >= since
                ):
                    return Delivered(str(message["id"]))
        return None

    # --- webhooks -------------------------------------------------------------------
    def parse_webhook(self, payload: dict[str, Any]) -> list[InboundEvent]:
        events: list[InboundEvent] = []
        for entry in payload.get("entry", []):
            if str(entry.get("id")) != self.page_id:
                continue
            for change in entry.get("changes", []):
                if change.get("field") == "feed":
                    event = self._feed_change(change.get("value") or {})
                    if event is not None:
                        events.append(event)
            for messaging in entry.get("messaging", []):
                event = self._messaging_event(messaging)
                if event is not None:
                    events.append(event)
        return events

    def _feed_change(self, value: dict[str, Any]) -> InboundEvent | None:
        if value.get("item") != "comment":
            return None  # posts, reactions, likes: not something a customer asked
        verb = value.get("verb")
        action = {"add": "create", "edited": "edit", "remove": "delete"}.get(verb or "")
        if action is None:
            return None  # hide/unhide: our own moderation, nothing new from the customer
        author = value.get("from") or {
            "id": value.get("sender_id", ""),
            "name": value.get("sender_name", ""),
        }
        own = str(author.get("id")) == self.page_id
        parent = str(value.get("parent_id") or value.get("post_id") or "")
        comment_id = str(value["comment_id"])
        return InboundEvent(
            kind="comment",
            action=action,
            external_id=comment_id,
            created_at=parse_graph_time(value.get("created_time")),
            text=value.get("message", ""),
            direction="outbound" if own else "inbound",
            customer=None if own else self._author(author),
            in_reply_to_external_id=parent,
            permalink=value.get("post", {}).get("permalink_url", "")
            or f"https://www.facebook.com/{value.get('post_id', '')}?comment_id={comment_id}",
            attachments=({"type": "photo", "url": value["photo"]},) if value.get("photo") else (),
            raw=value,
        )

    def _messaging_event(self, messaging: dict[str, Any]) -> InboundEvent | None:
        sender = str(messaging.get("sender", {}).get("id", ""))
        recipient = str(messaging.get("recipient", {}).get("id", ""))
        created = datetime.fromtimestamp(int(messaging.get("timestamp", 0)) / 1000, UTC)
        if "message_edit" in messaging:
            edit = messaging["message_edit"]
            return InboundEvent(
                kind="messenger",
                action="edit",
                external_id=str(edit.get("mid", "")),
                created_at=created,
                text=edit.get("text", ""),
                customer=InboundAuthor(external_id=sender),
                raw=messaging,
            )
        message = messaging.get("message")
        if not isinstance(message, dict) or "mid" not in message:
            return None  # deliveries, reads, reactions, postbacks: no customer text
        own = bool(message.get("is_echo")) or sender == self.page_id
        # An echo is addressed to the customer; real echoes put the Page in `sender`.
        customer_id = recipient if sender == self.page_id else sender
        if message.get("is_deleted"):
            return InboundEvent(
                kind="messenger",
                action="delete",
                external_id=str(message["mid"]),
                created_at=created,
                raw=messaging,
            )
        return InboundEvent(
            kind="messenger",
            external_id=str(message["mid"]),
            created_at=created,
            text=message.get("text", ""),
            direction="outbound" if own else "inbound",
            customer=InboundAuthor(external_id=customer_id),
            attachments=tuple(message.get("attachments", [])),
            raw=messaging,
        )
