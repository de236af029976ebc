"""Praise: one keystroke thanks the customer and likes their post on the platform.

The thanks is an ordinary reply (purpose "thanks") through the outbox, so it is signed,
posted once and follows the assignee rule. The like goes after commit in its own task:
a platform hiccup never blocks the agent or the thanks, and a like is idempotent on both
platforms, so a retried like is harmless.
"""

from __future__ import annotations

import logging
import uuid
from uuid import UUID

from django.conf import settings
from django.db import transaction
from django.db.models import Q

from care import crypto
from care.audit import record_audit
from care.models import Agent
from care.queue import enqueue_on_commit
from inbox.channels.base import ChannelError, adapter_for
from inbox.models import Conversation, Intent, Message
from responses.models import CannedResponse, Reply
from responses.services.canned import (
    customer_name,
    pick_wording,
    record_wording_use,
    render_wording,
)
from responses.services.outbox import send_reply

log = logging.getLogger(__name__)

# What can be liked: public posts. DMs and Messenger messages have no like on the API.
LIKEABLE_KINDS = (Message.Kind.MENTION, Message.Kind.REPLY, Message.Kind.COMMENT)
PUBLIC_KINDS = LIKEABLE_KINDS
# The team's own thanks when no saved reply "thanks" exists, rotated per agent so public
# threads do not all read the same. {name} is the customer's first name (or handle).
DEFAULT_THANKS = {
    "en": (
        "Thank you so much, {name}! We're glad we could help, and we'll pass your kind "
        "words on to the team.",
        "That's lovely to hear, {name}. Thanks for taking a moment to tell us!",
        "Thanks a lot, {name}! Messages like yours make our day.",
    ),
    "id": (
        "Terima kasih banyak, {name}! Senang bisa membantu, pujiannya kami sampaikan ke tim.",
        "Wah, senang sekali mendengarnya, {name}. Makasih sudah menyempatkan cerita ke kami!",
        "Makasih ya, {name}! Pesan seperti ini bikin tim kami makin semangat.",
    ),
}
NAME_FALLBACK = {"en": "there", "id": "Kak"}
# Keys for thanks derived from the praise they answer: pressing the key again (or a
# colleague pressing it) finds the same reply instead of thanking twice.
THANKS_KEYS = uuid.UUID("6f1d3c2a-4b6e-4f0e-9a51-2d7c8e9b0a14")


def praised_message(conversation: Conversation) -> Message | None:
    """The customer's latest public post labelled praise, still on the platform."""
    return (
        Message.objects.filter(
            conversation=conversation,
            direction=Message.Direction.INBOUND,
            intent=Intent.PRAISE,
            kind__in=LIKEABLE_KINDS,
            deleted_at__isnull=True,
        )
        .order_by("-platform_created_at", "-id")
        .first()
    )


def _language(conversation: Conversation) -> str:
    return conversation.language if conversation.language in DEFAULT_THANKS else "en"


def _first_name(conversation: Conversation, language: str) -> str:
    name = customer_name(conversation)
    if not name:
        return NAME_FALLBACK[language]
    first = name if name.startswith("@") else name.split()[0]
    return f"Kak {first}" if language == "id" else first


def saved_thanks(language: str) -> CannedResponse | None:
    """The team's saved reply for thanks in this language: titled "thanks", or with
    "thanks" among its search words."""
    return (
        CannedResponse.objects.filter(is_active=True, language=language)
        .filter(Q(title__iexact="thanks") | Q(shortcut__iregex=r"(^|\s)thanks(\s|$)"))
        .order_by("title", "pk")
        .first()
    )


def thanks_text(conversation: Conversation, *, by: Agent, remember: bool = False) -> str:
    """The thank-you in the conversation's language: the saved reply "thanks" (this agent's
    next wording, filled in) if there is one, else one of care's own, rotated per agent.
    `remember` records the saved wording's use, so the next thanks takes another."""
    language = _language(conversation)
    canned = saved_thanks(language)
    wording = pick_wording(canned, agent=by) if canned is not None else None
    if canned is not None and wording is not None:
        wording.canned = canned
        if remember:
            record_wording_use(wording=wording, agent=by)
        return render_wording(wording, conversation=conversation, agent=by)
    given = Reply.objects.filter(author=by, purpose=Reply.Purpose.THANKS).count()
    choices = DEFAULT_THANKS[language]
    return choices[given % len(choices)].format(name=_first_name(conversation, language))


def _thanks_key(conversation: Conversation, target: Message | None) -> UUID:
    return uuid.uuid5(THANKS_KEYS, f"{conversation.pk}:{target.pk if target else 0}")


@transaction.atomic
def thank_and_like(
    *,
    conversation: Conversation,
    by: Agent,
    text: str | None = None,
    idempotency_key: UUID | None = None,
) -> Reply:
    """Queue a thank-you through the outbox and, after commit, like the customer's latest
    praising public post.

    Allowed on any case (the page offers it on praise); only a post labelled praise is
    ever liked, so a complaint is never liked by mistake. The sender must hold the case or
    it must be unassigned (it becomes theirs), as for any reply. Without a key the key is
    derived from the praise answered: a second press, by anyone, finds the first thanks.
    A trainee's thanks waits for approval like their other replies; the like does not,
    as it carries no words.
    """
    target = praised_message(conversation)
    key = idempotency_key or _thanks_key(conversation, target)
    existing = Reply.objects.filter(idempotency_key=key).select_related("author").first()
    if existing is not None and existing.conversation_id == conversation.pk:
        return existing  # thanked already: once is enough, whoever pressed first
    public = Message.objects.filter(
        conversation=conversation,
        direction=Message.Direction.INBOUND,
        kind__in=PUBLIC_KINDS,
        deleted_at__isnull=True,
    ).exists()
    reply = send_reply(
        conversation=conversation,
        by=by,
        text=text if text and text.strip() else thanks_text(conversation, by=by, remember=True),
        idempotency_key=key,
        private=not public,  # praise sent in a DM is thanked in the DM
        confirmed=True,
        purpose=Reply.Purpose.THANKS,
    )
    if target is not None:
        from responses.tasks import like_message_task

        enqueue_on_commit(like_message_task, target.pk)
    record_audit(
        actor=by.user,
        verb="praise_thanked",
        target=conversation,
        reply=reply.pk,
        liked_message=target.pk if target else None,
    )
    return reply


def like_message(message_id: int, *, last_try: bool = True) -> str:
    """Like one customer post as the brand. Returns "liked", "failed" or "gone".

    A refusal (the post is gone, the token revoked) is recorded and not tried again; a
    passing error (a 5xx, a timeout, a 429) is raised for the task to retry, and recorded
    as failed on the last try. Failures are audited and logged; the thanks is unaffected.
    """
    message = (
        Message.objects.select_related("channel_account", "conversation")
        .filter(pk=message_id)
        .first()
    )
    if message is None or message.deleted_at is not None or message.kind not in LIKEABLE_KINDS:
        return "gone"
    account = message.channel_account
    try:
        adapter_for(account, timeout=settings.CARE_REPLY_SEND_TIMEOUT).like(message.external_id)
    except crypto.CredentialsUnreadable:
        _like_failed(message, ChannelError("The stored tokens cannot be read", reauth=True))
        return "failed"
    except ChannelError as error:
        if error.reauth:
            from inbox.services.channels import record_channel_failure

            with transaction.atomic():
                record_channel_failure(account=account, error=error)
        if error.permanent or error.reauth or last_try:
            _like_failed(message, error)
            return "failed"
        raise
    record_audit(
        actor=None,
        verb="message_liked",
        target=message.conversation,
        message=message.pk,
        platform_id=message.external_id,
    )
    return "liked"


def _like_failed(message: Message, error: ChannelError) -> None:
    log.warning("like of message %s failed: %s", message.pk, error)
    record_audit(
        actor=None,
        verb="message_like_failed",
        target=message.conversation,
        message=message.pk,
        error=str(error)[:500],
    )
