"""X (Twitter) through tweepy.Client: mentions, direct messages, replies.

Reads use the app's Bearer token (X counts them per app); DMs and posting need the
account's user context (OAuth 1.0a). The client returns raw responses so the adapter
can read X's rate-limit headers, which tweepy's Response objects drop.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
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

    def post_reply(self, *, in_reply_to: str, text: str) -> str:
        response = self._call(
            self.client.create_tweet, text=text, in_reply_to_tweet_id=in_reply_to, user_auth=True
        )
        return str(response.json()["data"]["id"])

    def send_private(self, *, to: str, text: str) -> str:
        response = self._call(
            self.client.create_direct_message, participant_id=to, text=text, user_auth=True
        )
        return str(response.json()["data"]["dm_event_id"])

    def deliver(self, outgoing: Outgoing) -> Delivered:
        if outgoing.delivery == "direct_message":
            return Delivered(self.send_private(to=outgoing.recipient, text=outgoing.text))
        tweet_id = self.post_reply(in_reply_to=outgoing.in_reply_to, text=outgoing.text)
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
        # Our replies newer than the tweet answered: X ids grow with time.
        response = self._call(
            self.client.get_users_tweets,
            self.account.external_id,
            since_id=outgoing.in_reply_to,
            max_results=100,
            tweet_fields=TWEET_FIELDS,
            user_auth=True,
        )
        for tweet in response.json().get("data", []):
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
