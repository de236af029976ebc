"""One interface for every platform: fetch new events since a cursor, send, check credentials.

Platform payloads never leave an adapter. Everything after it (ingest, threading, the
inbox) sees `InboundEvent`s; every library error becomes a `ChannelError`.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields
from datetime import datetime
from typing import TYPE_CHECKING, Any, ClassVar

if TYPE_CHECKING:
    from inbox.models import ChannelAccount


class ChannelError(Exception):
    """A platform call failed. The poller and the outbox decide from these three facts."""

    def __init__(
        self,
        message: str,
        *,
        permanent: bool = False,
        retry_after: float | None = None,
        reauth: bool = False,
        reason: str = "",
    ) -> None:
        super().__init__(message)
        self.permanent = permanent  # retrying cannot help (bad request, deleted post)
        self.retry_after = retry_after  # seconds until the platform's limit resets (429)
        self.reauth = reauth  # the token expired or was revoked: a person must act
        # What a refused send means, for the outbox to explain: "duplicate",
        # "window_closed", "private_reply_used", "target_gone", "too_long" or "".
        self.reason = reason


@dataclass(frozen=True)
class InboundAuthor:
    """A customer as the platform describes them."""

    external_id: str
    handle: str = ""
    name: str = ""
    avatar_url: str = ""
    followers_count: int | None = None
    verified: bool = False


@dataclass(frozen=True)
class InboundEvent:
    """One thing that happened on a channel, in the platform's neutral terms.

    `action` is "create", "edit" or "delete". `customer` is who the brand talks with:
    the author of an inbound message, the recipient of an outbound one when known.
    """

    kind: str  # a Message.Kind value
    external_id: str
    created_at: datetime
    text: str = ""
    action: str = "create"
    direction: str = "inbound"  # a Message.Direction value
    customer: InboundAuthor | None = None
    in_reply_to_external_id: str = ""
    language: str = ""
    permalink: str = ""
    attachments: tuple[dict[str, Any], ...] = ()
    raw: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)

    def as_json(self) -> dict[str, Any]:
        """A JSON-ready dict, to keep a polled page until a worker ingests it."""
        # Field by field, not asdict(): that deep-copies `raw`, which is only read here.
        data = {f.name: getattr(self, f.name) for f in fields(self)}
        data["created_at"] = self.created_at.isoformat()
        data["customer"] = asdict(self.customer) if self.customer else None
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> InboundEvent:
        customer = data.get("customer")
        return cls(
            **{
                **data,
                "created_at": datetime.fromisoformat(data["created_at"]),
                "customer": InboundAuthor(**customer) if customer else None,
                "attachments": tuple(data.get("attachments", ())),
            }
        )


@dataclass(frozen=True)
class Outgoing:
    """One reply to post, in neutral terms; the adapter picks the platform call.

    `delivery` is a Reply.Delivery value: "public_reply" answers `in_reply_to` (a tweet,
    a comment); "direct_message" and "messenger" go to `recipient`; "private_reply"
    answers the comment `in_reply_to` in Messenger. `tag` is Messenger's HUMAN_AGENT tag.
    """

    delivery: str
    text: str
    in_reply_to: str = ""
    recipient: str = ""
    tag: str = ""
    persona: str = ""  # Messenger: the agent's persona id, so their name and photo show
    media: tuple[str, ...] = ()  # absolute paths of images to upload with it


@dataclass(frozen=True)
class Delivered:
    external_id: str
    permalink: str = ""


@dataclass
class RateInfo:
    """What the platform said about its limits on the last call."""

    remaining: int | None = None
    reset_at: datetime | None = None
    usage_percent: int | None = None  # Graph API usage headers, 0-100


@dataclass
class FetchPage:
    """One page of a stream. The poller stores `events`, then moves on to `next_page`."""

    events: list[InboundEvent]
    next_page: str | None  # a paging token within this fetch; None on the last page
    new_cursor: str | None  # where the next poll resumes once every page is stored
    reads: int = 0  # items billed as reads (X charges per post read)
    rate: RateInfo = field(default_factory=RateInfo)


class ChannelAdapter:
    """The base of one small class per platform (inbox/channels/x.py, facebook.py)."""

    platform: ClassVar[str]
    streams: ClassVar[tuple[str, ...]]
    # Defaults that keep polling inside the platform's rate limits.
    default_poll_seconds: ClassVar[int]
    # Streams with a tighter limit than the account's interval: the least seconds between
    # two fetches of that stream.
    stream_min_seconds: ClassVar[dict[str, int]] = {}

    def __init__(self, account: ChannelAccount, *, timeout: float | None = None) -> None:
        self.account = account
        # Read timeout for this adapter's calls; the outbox keeps sends short.
        self.timeout = timeout

    def fetch(self, *, stream: str, cursor: str | None, page: str | None = None) -> FetchPage:
        """Events newer than `cursor` on one stream, a page at a time."""
        raise NotImplementedError

    def check_credentials(self) -> str:
        """The account's name on the platform; ChannelError(reauth=True) if the token is bad."""
        raise NotImplementedError

    def post_reply(self, *, in_reply_to: str, text: str) -> str:
        """Publish a public reply; returns its external_id."""
        raise NotImplementedError

    def send_private(self, *, to: str, text: str) -> str:
        """Send a private message to a customer id; returns its external_id."""
        raise NotImplementedError

    def like(self, external_id: str) -> None:
        """Like a customer's public post (a tweet, a comment) as the brand.

        Liking twice is not an error on either platform, so a retried like is harmless.
        ChannelError(permanent=True) if the post is gone or cannot be liked.
        """
        raise NotImplementedError

    def deliver(self, outgoing: Outgoing) -> Delivered:
        """Post one reply; ChannelError (with a `reason` where it helps) if refused."""
        raise NotImplementedError

    def find_delivered(self, outgoing: Outgoing, *, since: datetime) -> Delivered | None:
        """The reply, if the platform shows it was posted after `since`.

        Asked before posting again after an attempt whose result is unknown (a timeout,
        a worker killed mid-call): the platform is the only witness of what it received.
        """
        raise NotImplementedError

    def create_persona(self, *, name: str, picture_url: str) -> str:
        """A sender identity for private messages (Messenger personas); returns its id."""
        raise ChannelError(f"{self.platform} has no personas", permanent=True)

    def delete_persona(self, persona_id: str) -> None:
        raise ChannelError(f"{self.platform} has no personas", permanent=True)

    def parse_webhook(self, payload: dict[str, Any]) -> list[InboundEvent]:
        """Events of one webhook delivery that belong to this account."""
        raise NotImplementedError

    def lookup_customers(self, *, external_ids: set[str]) -> dict[str, InboundAuthor]:
        """Profiles of customers a webhook names only by id (Messenger sends a bare PSID)."""
        return {}


ADAPTERS: dict[str, type[ChannelAdapter]] = {}


def register(cls: type[ChannelAdapter]) -> type[ChannelAdapter]:
    ADAPTERS[cls.platform] = cls
    return cls


def adapter_for(account: ChannelAccount, *, timeout: float | None = None) -> ChannelAdapter:
    # Imported here so the registry fills itself on first use.
    from inbox.channels import facebook, x  # noqa: F401

    return ADAPTERS[account.platform](account, timeout=timeout)
