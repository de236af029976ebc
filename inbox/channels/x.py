"""X (Twitter) through tweepy.Client: mentions, direct messages, replies.

Reads use the app's Bearer token (X counts them per app); DMs and posting need the
account's user context (OAuth 1.0a). The client returns raw responses so the adapter
can read X's rate-limit headers, which tweepy's Response objects drop.
"""

from __future__ import annotations

import mimetypes
import time
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any

import requests
import tweepy
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
from inbox.channels.http import X_REAL_BASE_URL, platform_session

TWEET_FIELDS = [
    "created_at",
    "author_id",
    "conversation_id",
    "in_reply_to_user_id",
    "referenced_tweets",
    "lang",
    "attachments",
]
USER_FIELDS = ["username", "name", "profile_image_url", "public_metrics", "verified"]
DM_FIELDS = ["id", "text", "created_at", "sender_id", "dm_conversation_id", "event_type"]
# Looking for a post whose result was unknown: at most this many pages of 100 of our own.
LOOKUP_PAGES = 10
# Media upload: GIFs go in chunks (the one-shot upload takes images only), 1 MB each; a GIF
# X is still processing is asked about this many times before the attempt gives up.
MEDIA_CHUNK_BYTES = 1024 * 1024
MEDIA_STATUS_CHECKS = 5


def parse_x_time(value: str | None) -> datetime:
    """X v2 times are ISO 8601 with a Z; v1.1 (webhooks) uses the RFC 2822 form."""
    if not value:
        return datetime.now(UTC)
    if value[0].isdigit():
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    return parsedate_to_datetime(value)


def _refusal(detail: str) -> str:
    """X's words for a refused post, as the outbox's reason codes."""
    lowered = detail.lower()
    if "duplicate content" in lowered:
        return "duplicate"
    if "deleted or not visible" in lowered:
        return "target_gone"
    if "too long" in lowered:
        return "too_long"
    return ""


def _raise_like_tweepy(response: requests.Response) -> None:
    """tweepy's exception for an error status, as tweepy.Client.request raises it."""
    status = response.status_code
    if status == 429:
        reset = response.headers.get("x-rate-limit-reset")
        raise tweepy.TooManyRequests(response, reset_time=int(reset) if reset else None)
    errors: dict[int, type[tweepy.HTTPException]] = {
        400: tweepy.BadRequest,
        401: tweepy.Unauthorized,
        403: tweepy.Forbidden,
        404: tweepy.NotFound,
    }
    if status in errors:
        raise errors[status](response)
    if status >= 500:
        raise tweepy.TwitterServerError(response)
    if not 200 <= status < 300:
        raise tweepy.HTTPException(response)


def _rate_info(response: requests.Response | None) -> RateInfo:
    if response is None:
        return RateInfo()
    headers = response.headers
    remaining = headers.get("x-rate-limit-remaining")
    reset = headers.get("x-rate-limit-reset")
    return RateInfo(
        remaining=int(remaining) if remaining is not None else None,
        reset_at=datetime.fromtimestamp(int(reset), UTC) if reset is not None else None,
    )


def _author(user: dict[str, Any] | None, user_id: str) -> InboundAuthor:
    user = user or {}
    metrics = user.get("public_metrics") or {}
    return InboundAuthor(
        external_id=user_id,
        handle=user.get("username", ""),
        name=user.get("name", ""),
        avatar_url=user.get("profile_image_url", ""),
        followers_count=metrics.get("followers_count"),
        verified=bool(user.get("verified", False)),
    )


def _v1_author(user: dict[str, Any], user_id: str) -> InboundAuthor:
    """A customer from a v1.1 user object, as Account Activity webhooks carry them."""
    return InboundAuthor(
        external_id=user_id,
        handle=user.get("screen_name", ""),
        name=user.get("name", ""),
        avatar_url=user.get("profile_image_url_https", ""),
        followers_count=user.get("followers_count"),
        verified=bool(user.get("verified", False)),
    )


@register
class XAdapter(ChannelAdapter):
    platform = "x"
    streams = ("mentions", "direct_messages")
    # Mentions allow 450 calls per 15 minutes per app; every 15 s leaves room for DMs,
    # backfills and several accounts on one app.
    default_poll_seconds = 15
    # DM reads allow 15 calls per 15 minutes per user: at most one a minute.
    stream_min_seconds = {"direct_messages": 61}

    def __init__(self, account: Any, *, timeout: float | None = None) -> None:
        super().__init__(account, timeout=timeout)
        creds = account.credentials
        self.client = tweepy.Client(
            bearer_token=creds.get("bearer_token"),
            consumer_key=creds.get("consumer_key") or settings.X_CONSUMER_KEY,
            consumer_secret=creds.get("consumer_secret") or settings.X_CONSUMER_SECRET,
            access_token=creds.get("access_token"),
            access_token_secret=creds.get("access_token_secret"),
            return_type=requests.Response,
            wait_on_rate_limit=False,  # the poller waits, a worker never sleeps on a limit
        )
        self.client.session = platform_session(
            real_base=X_REAL_BASE_URL, base_url=settings.X_API_BASE_URL, read_timeout=timeout
        )
        self.has_user_context = bool(creds.get("access_token"))

    # --- calls ----------------------------------------------------------------------
    def _call(self, method: Any, *args: Any, **kwargs: Any) -> requests.Response:
        """Call tweepy, turning its exceptions into ChannelError."""
        try:
            response: requests.Response = method(*args, **kwargs)
        except tweepy.TooManyRequests as exc:
            reset = exc.reset_time or int(time.time()) + 60
            raise ChannelError(
                "X rate limit reached", retry_after=max(1.0, reset - time.time())
            ) from exc
        except tweepy.Unauthorized as exc:
            raise ChannelError(
                "X refused the token (401): it expired or was revoked",
                permanent=True,
                reauth=True,
            ) from exc
        except (tweepy.BadRequest, tweepy.Forbidden, tweepy.NotFound) as exc:
            detail = "; ".join(exc.api_messages) or str(exc)
            raise ChannelError(
                f"X refused the request: {detail}", permanent=True, reason=_refusal(detail)
            ) from exc
        except tweepy.TwitterServerError as exc:
            raise ChannelError(f"X server error {exc.response.status_code}") from exc
        except tweepy.HTTPException as exc:
            raise ChannelError(f"X answered {exc.response.status_code}") from exc
        except requests.RequestException as exc:
            raise ChannelError(f"X could not be reached: {exc.__class__.__name__}") from exc
        return response

    def fetch(self, *, stream: str, cursor: str | None, page: str | None = None) -> FetchPage:
        if stream == "mentions":
            return self._fetch_mentions(cursor=cursor, page=page)
        if stream == "direct_messages":
            return self._fetch_direct_messages(cursor=cursor, page=page)
        raise ValueError(f"X has no stream {stream!r}")

    def _fetch_mentions(self, *, cursor: str | None, page: str | None) -> FetchPage:
        params: dict[str, Any] = {
            "max_results": 100,
            "expansions": ["author_id", "referenced_tweets.id"],
            "tweet_fields": TWEET_FIELDS,
            "user_fields": USER_FIELDS,
        }
        if cursor:
            params["since_id"] = cursor
        if page:
            params["pagination_token"] = page
        response = self._call(
            self.client.get_users_mentions, self.account.external_id, user_auth=False, **params
        )
        body = response.json()
        users = {u["id"]: u for u in body.get("includes", {}).get("users", [])}
        tweets = body.get("data", [])
        meta = body.get("meta", {})
        return FetchPage(
            events=[self._tweet_event(t, users.get(t.get("author_id", ""))) for t in tweets],
            next_page=meta.get("next_token"),
            new_cursor=meta.get("newest_id") or cursor,
            reads=len(tweets),
            rate=_rate_info(response),
        )

    def _tweet_event(self, tweet: dict[str, Any], user: dict[str, Any] | None) -> InboundEvent:
        author_id = tweet.get("author_id", "")
        replied_to = next(
            (r["id"] for r in tweet.get("referenced_tweets", []) if r.get("type") == "replied_to"),
            "",
        )
        handle = (user or {}).get("username", "i")
        own = author_id == self.account.external_id
        return InboundEvent(
            kind="reply" if own else "mention",
            external_id=tweet["id"],
            created_at=parse_x_time(tweet.get("created_at")),
            text=tweet.get("text", ""),
            direction="outbound" if own else "inbound",
            customer=None if own else _author(user, author_id),
            in_reply_to_external_id=replied_to,
            language=tweet.get("lang", ""),
            permalink=f"https://x.com/{handle}/status/{tweet['id']}",
            raw=tweet,
        )

    def _fetch_direct_messages(self, *, cursor: str | None, page: str | None) -> FetchPage:
        # X lists DM events newest first and has no since_id: page back until the cursor.
        params: dict[str, Any] = {
            "max_results": 100,
            "event_types": "MessageCreate",
            "dm_event_fields": DM_FIELDS,
            "expansions": ["sender_id"],
            "user_fields": USER_FIELDS,
        }
        if page:
            params["pagination_token"] = page
        response = self._call(self.client.get_direct_message_events, user_auth=True, **params)
        body = response.json()
        users = {u["id"]: u for u in body.get("includes", {}).get("users", [])}
        fresh = [e for e in body.get("data", []) if not cursor or int(e["id"]) > int(cursor)]
        reached_cursor = len(fresh) < len(body.get("data", []))
        newest = max((e["id"] for e in fresh), key=int, default=None)
        return FetchPage(
            events=[self._dm_event(e, users) for e in fresh],
            next_page=None if reached_cursor else body.get("meta", {}).get("next_token"),
            new_cursor=newest or cursor,
            reads=len(body.get("data", [])),
            rate=_rate_info(response),
        )

    def _dm_event(self, event: dict[str, Any], users: dict[str, Any]) -> InboundEvent:
        sender = event.get("sender_id", "")
        own = sender == self.account.external_id
        if own:
            # One-to-one conversation ids are "<id>-<id>": the other one is the customer.
            ids = event.get("dm_conversation_id", "").split("-")
            other = next((i for i in ids if i != sender), "")
            customer = _author(users.get(other), other) if other else None
        else:
            customer = _author(users.get(sender), sender)
        return InboundEvent(
            kind="direct_message",
            external_id=event["id"],
            created_at=parse_x_time(event.get("created_at")),
            text=event.get("text", ""),
            direction="outbound" if own else "inbound",
            customer=customer,
            attachments=tuple(
                {"type": "media", "media_key": key}
                for key in event.get("attachments", {}).get("media_keys", [])
            ),
            raw=event,
        )

    def check_credentials(self) -> str:
        if self.has_user_context:
            body = self._call(self.client.get_me, user_auth=True).json()
        else:
            body = self._call(
                self.client.get_user, id=self.account.external_id, user_auth=False
            ).json()
        return str(body["data"]["username"])

    def post_reply(
        self, *, in_reply_to: str, text: str, media_ids: Sequence[str] | None = None
    ) -> str:
        response = self._call(
            self.client.create_tweet,
            text=text,
            in_reply_to_tweet_id=in_reply_to,
            media_ids=list(media_ids) if media_ids else None,
            user_auth=True,
        )
        return str(response.json()["data"]["id"])

    def send_private(self, *, to: str, text: str, media_id: str | None = None) -> str:
        response = self._call(
            self.client.create_direct_message,
            participant_id=to,
            text=text,
            media_id=media_id,
            user_auth=True,
        )
        return str(response.json()["data"]["dm_event_id"])

    # --- media ----------------------------------------------------------------------
    def upload_media(self, paths: Sequence[str], *, dm: bool = False) -> list[str]:
        """Upload images with POST /2/media/upload; their media ids (valid for 24 hours,
        so every attempt uploads again: an upload is not a post)."""
        return [self._upload(path, category="dm" if dm else "tweet") for path in paths]

    def _upload(self, path: str, *, category: str) -> str:
        content_type = mimetypes.guess_type(path)[0] or "application/octet-stream"
        try:
            data = Path(path).read_bytes()
        except OSError as exc:
            raise ChannelError(
                f"The image {Path(path).name} cannot be read ({exc.strerror})", permanent=True
            ) from exc
        if content_type == "image/gif":  # kept only when animated (attachments.py)
            return self._upload_in_chunks(data, content_type, category=f"{category}_gif")
        body = self._call(
            self._media_request,
            "POST",
            "/2/media/upload",
            data={"media_category": f"{category}_image", "media_type": content_type},
            files={"media": (Path(path).name, data, content_type)},
        ).json()
        return str(body["data"]["id"])

    def _upload_in_chunks(self, data: bytes, content_type: str, *, category: str) -> str:
        route = "/2/media/upload"
        started = self._call(
            self._media_request,
            "POST",
            f"{route}/initialize",
            json={"media_type": content_type, "total_bytes": len(data), "media_category": category},
        ).json()
        media_id = str(started["data"]["id"])
        for index, start in enumerate(range(0, len(data), MEDIA_CHUNK_BYTES)):
            self._call(
                self._media_request,
                "POST",
                f"{route}/{media_id}/append",
                data={"segment_index": str(index)},
                files={"media": ("blob", data[start : start + MEDIA_CHUNK_BYTES])},
            )
        done = self._call(self._media_request, "POST", f"{route}/{media_id}/finalize").json()
        info = done["data"].get("processing_info") or {}
        for _ in range(MEDIA_STATUS_CHECKS):
            state = info.get("state", "succeeded")
            if state == "succeeded":
                return media_id
            if state == "failed":
                error = (info.get("error") or {}).get("message", "processing failed")
                raise ChannelError(f"X refused the GIF: {error}", permanent=True)
            time.sleep(min(float(info.get("check_after_secs", 1)), 2.0))
            status = self._call(
                self._media_request,
                "GET",
                route,
                params={"command": "STATUS", "media_id": media_id},
            ).json()
            info = status["data"].get("processing_info") or {}
        raise ChannelError("X is still processing the GIF")  # transient: the outbox retries

    def _media_request(self, method: str, route: str, **kwargs: Any) -> requests.Response:
        """A user-context call tweepy 4.17's Client cannot make (it sends only JSON; its
        API.media_upload uses v1.1, which X is retiring): through the client's session,
        signed with OAuth 1.0a as Client.request signs, failing with tweepy's exceptions."""
        client = self.client
        auth = tweepy.OAuth1UserHandler(
            client.consumer_key,
            client.consumer_secret,
            client.access_token,
            client.access_token_secret,
        ).apply_auth()
        response = client.session.request(
            method,
            X_REAL_BASE_URL + route,
            auth=auth,
            headers={"User-Agent": client.user_agent},
            **kwargs,
        )
        _raise_like_tweepy(response)
        return response

    def like(self, external_id: str) -> None:
        # POST /2/users/:id/likes {"tweet_id"} → {"data": {"liked": true}}, as tweepy's
        # Client.like sends it; the path names the account itself, where Client.like would
        # read the user id off the access token ("<id>-…"), which OAuth 2 tokens lack.
        self._call(
            self.client.request,
            "POST",
            f"/2/users/{self.account.external_id}/likes",
            json={"tweet_id": str(external_id)},
            user_auth=True,
        )

    def deliver(self, outgoing: Outgoing) -> Delivered:
        if outgoing.delivery == "direct_message":
            media_ids = self.upload_media(outgoing.media, dm=True)  # one at most (the outbox)
            return Delivered(
                self.send_private(
                    to=outgoing.recipient,
                    text=outgoing.text,
                    media_id=media_ids[0] if media_ids else None,
                )
            )
        tweet_id = self.post_reply(
            in_reply_to=outgoing.in_reply_to,
            text=outgoing.text,
            media_ids=self.upload_media(outgoing.media),
        )
        return Delivered(tweet_id, self._permalink(tweet_id))

    def find_delivered(self, outgoing: Outgoing, *, since: datetime) -> Delivered | None:
        if outgoing.delivery == "direct_message":
            response = self._call(
                self.client.get_direct_message_events,
                participant_id=outgoing.recipient,
                dm_event_fields=DM_FIELDS,
                max_results=50,
                user_auth=True,
            )
            for event in response.json().get("data", []):
                if (
                    event.get("sender_id") == self.account.external_id
                    and parse_x_time(event.get("created_at")) >= since
                    and event.get("text", "").strip() == outgoing.text.strip()
                ):
                    return Delivered(str(event["id"]))
            return None
        # Our posts newer than the tweet answered (X ids grow with time) and than the
        # attempt, page by page: a busy brand may have posted hundreds since.
        for tweet in self._own_tweets(since_id=outgoing.in_reply_to, start_time=since):
            replied_to = {
                r.get("id")
                for r in tweet.get("referenced_tweets", [])
                if r.get("type") == "replied_to"
            }
            # X shortens links (t.co), so the text is not compared: one reply of ours to
            # that tweet since the attempt started is the one.
            if (
                outgoing.in_reply_to in replied_to
                and parse_x_time(tweet.get("created_at")) >= since
            ):
                return Delivered(str(tweet["id"]), self._permalink(str(tweet["id"])))
        return None

    def _own_tweets(self, *, since_id: str, start_time: datetime) -> Iterator[dict[str, Any]]:
        page: str | None = None
        for _ in range(LOOKUP_PAGES):
            params: dict[str, Any] = {
                "since_id": since_id,
                "start_time": start_time.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
                "max_results": 100,
                "tweet_fields": TWEET_FIELDS,
                "user_auth": True,
            }
            if page:
                params["pagination_token"] = page
            body = self._call(self.client.get_users_tweets, self.account.external_id, **params)
            data = body.json()
            yield from data.get("data", [])
            page = data.get("meta", {}).get("next_token")
            if not page:
                return

    def _permalink(self, tweet_id: str) -> str:
        return f"https://x.com/{self.account.name.lstrip('@')}/status/{tweet_id}"

    # --- webhooks (Account Activity API, v1.1 objects) -----------------------------
    def parse_webhook(self, payload: dict[str, Any]) -> list[InboundEvent]:
        if str(payload.get("for_user_id", "")) != self.account.external_id:
            return []
        events = [self._v1_tweet_event(t) for t in payload.get("tweet_create_events", [])]
        users = payload.get("users", {})
        for dm in payload.get("direct_message_events", []):
            if dm.get("type") == "message_create":
                events.append(self._v1_dm_event(dm, users))
        return events

    def _v1_tweet_event(self, tweet: dict[str, Any]) -> InboundEvent:
        user = tweet.get("user", {})
        author_id = str(user.get("id_str", user.get("id", "")))
        own = author_id == self.account.external_id
        text = tweet.get("extended_tweet", {}).get("full_text") or tweet.get("text", "")
        return InboundEvent(
            kind="reply" if own else "mention",
            external_id=str(tweet["id_str"]),
            created_at=parse_x_time(tweet.get("created_at")),
            text=text,
            direction="outbound" if own else "inbound",
            customer=None if own else _v1_author(user, author_id),
            in_reply_to_external_id=str(tweet.get("in_reply_to_status_id_str") or ""),
            language=tweet.get("lang", ""),
            permalink=f"https://x.com/{user.get('screen_name', 'i')}/status/{tweet['id_str']}",
            raw=tweet,
        )

    def _v1_dm_event(self, dm: dict[str, Any], users: dict[str, Any]) -> InboundEvent:
        create = dm.get("message_create", {})
        sender = str(create.get("sender_id", ""))
        own = sender == self.account.external_id
        other = str(create.get("target", {}).get("recipient_id", "")) if own else sender
        return InboundEvent(
            kind="direct_message",
            external_id=str(dm["id"]),
            created_at=datetime.fromtimestamp(int(dm.get("created_timestamp", 0)) / 1000, UTC),
            text=create.get("message_data", {}).get("text", ""),
            direction="outbound" if own else "inbound",
            customer=_v1_author(users.get(other, {}), other),
            raw=dm,
        )
