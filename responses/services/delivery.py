"""Where a reply goes: which post it answers, or whom it is sent to, and by what route.

Decided when the reply is queued, from the conversation's last customer messages, so an
agent learns at once that Messenger's window is closed or that a comment already got its
one private reply (messenger-platform/reference/send-api; discovery/private-replies).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.utils import timezone
from django.utils.translation import gettext as _

from care.errors import CareError
from inbox.models import Conversation, Message, Platform
from responses.models import Reply

# Messenger: the standard window, and the human-agent tag's (7 days after the last message).
STANDARD_WINDOW = timedelta(hours=24)
HUMAN_AGENT_WINDOW = timedelta(days=7)
# A private reply to a comment: within 7 days of the comment.
PRIVATE_REPLY_WINDOW = timedelta(days=7)
HUMAN_AGENT_TAG = "HUMAN_AGENT"

Kind = Message.Kind
Delivery = Reply.Delivery


@dataclass(frozen=True)
class Route:
    delivery: str
    in_reply_to: str = ""
    recipient: str = ""
    tag: str = ""


def plan_route(conversation: Conversation, *, private: bool, human: bool = True) -> Route:
    """The route for a reply on this conversation, or CareError saying why there is none."""
    inbound = list(
        Message.objects.filter(
            conversation=conversation,
            direction=Message.Direction.INBOUND,
            deleted_at__isnull=True,
        )
        .select_related("author_identity")
        .order_by("-platform_created_at", "-id")[:50]
    )
    if not inbound:
        raise CareError(_("The customer has not written anything to answer yet."), code="no_target")
    if conversation.channel_account.platform == Platform.X:
        return _x_route(inbound, private=private)
    return _facebook_route(inbound, private=private, human=human)


def _x_route(inbound: list[Message], *, private: bool) -> Route:
    if private:
        author = next((m.author_identity for m in inbound if m.author_identity), None)
        if author is None:
            raise CareError(_("This customer's X account is unknown."), code="no_target")
        return Route(Delivery.DIRECT_MESSAGE, recipient=author.external_id)
    mention = next((m for m in inbound if m.kind == Kind.MENTION), None)
    if mention is None:
        raise CareError(
            _("The customer wrote only in private: answer with a direct message."),
            code="no_target",
        )
    return Route(Delivery.PUBLIC_REPLY, in_reply_to=mention.external_id)


def _facebook_route(inbound: list[Message], *, private: bool, human: bool) -> Route:
    if not private:
        comment = next((m for m in inbound if m.kind == Kind.COMMENT), None)
        if comment is None:
            raise CareError(
                _("The customer wrote only in Messenger: answer with a private message."),
                code="no_target",
            )
        return Route(Delivery.PUBLIC_REPLY, in_reply_to=comment.external_id)
    latest = inbound[0]
    if latest.kind == Kind.COMMENT:
        return _private_reply_route(latest)
    messenger = next((m for m in inbound if m.kind == Kind.MESSENGER), None)
    if messenger is None or messenger.author_identity is None:
        raise CareError(_("There is no Messenger thread to answer."), code="no_target")
    age = timezone.now() - messenger.platform_created_at
    if age <= STANDARD_WINDOW:
        return Route(Delivery.MESSENGER, recipient=messenger.author_identity.external_id)
    if age <= HUMAN_AGENT_WINDOW and human:
        # A person answering a person: Meta allows this tag for 7 days after their message.
        return Route(
            Delivery.MESSENGER,
            recipient=messenger.author_identity.external_id,
            tag=HUMAN_AGENT_TAG,
        )
    raise CareError(
        _(
            "Messenger's window is closed: the customer last wrote %(days)s days ago, and "
            "Facebook allows a person to answer for 7 days. Answer in public, or wait until "
            "they write again."
        )
        % {"days": age.days}
        if human
        else _("Messenger's 24-hour window is closed for automated messages."),
        code="window_closed",
    )


def _private_reply_route(comment: Message) -> Route:
    if timezone.now() - comment.platform_created_at > PRIVATE_REPLY_WINDOW:
        raise CareError(
            _("Facebook allows a private reply to a comment for 7 days; this one is older."),
            code="window_closed",
        )
    used = (
        Reply.objects.filter(
            delivery=Delivery.PRIVATE_REPLY, in_reply_to_external_id=comment.external_id
        )
        .exclude(status__in=(Reply.Status.FAILED, Reply.Status.REJECTED))
        .exists()
    )
    if used:
        raise CareError(
            _(
                "Facebook allows one private reply per comment, and this comment already has "
                "one. Continue in Messenger once the customer answers it."
            ),
            code="private_reply_used",
        )
    return Route(Delivery.PRIVATE_REPLY, in_reply_to=comment.external_id)
