"""The outbox: a reply is posted once and only once, whatever fails.

The promise is a row, not a task. `send_reply` writes the reply (with the browser's
idempotency key) and its OutboxEntry in one transaction; the Celery task sent after
commit is only a nudge, and `relay_outbox` (beat) sends it again for rows whose task was
lost — Redis down, a worker killed. One attempt at a time per reply (care.locks).

An attempt marks the reply "sending" before it calls the platform. If the next attempt
finds it still marked, the last one ended without an answer (a timeout, a kill -9): it
asks the platform whether the reply is there before posting again.

Outcomes: sent (platform id, link, an outbound message on the case); failed with a reason
the agent can act on (X's duplicate text, a deleted post, Messenger's window); held
until the channel is reconnected (expired token); or queued again after the platform's
rate limit resets or after a backoff (5xx, timeouts).
"""

from __future__ import annotations

import dataclasses
import logging
from datetime import timedelta
from typing import Any
from uuid import UUID

from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from care import crypto, outbound_webhooks
from care.audit import record_audit
from care.errors import CareError
from care.locks import try_lock
from care.models import Agent
from care.queue import enqueue_on_commit, resend_silent
from care.services import notify_role, notify_users
from inbox import search, selectors
from inbox.channels.base import ChannelError, Delivered, Outgoing, adapter_for
from inbox.models import ChannelAccount, Conversation, Message, Platform
from inbox.services import sla
from inbox.services.conversations import claim_conversation
from inbox.services.ingest import preview_of
from responses.models import OutboxEntry, Reply
from responses.services import attachments as images
from responses.services.delivery import plan_route
from responses.services.personas import persona_for
from responses.services.signing import check_length

log = logging.getLogger(__name__)

Status = Reply.Status
# A platform's clock and ours may differ: look this far before the queueing for the post.
CLOCK_SKEW = timedelta(minutes=5)
# Pauses between attempts whose result was unknown (5 s, 15 s, 45 s, … at most 5 min).
BACKOFF_BASE_SECONDS = 5


def refusal_messages() -> dict[str, str]:
    """What the agent reads when the platform refuses for good, by ChannelError.reason."""
    return {
        "duplicate": _("X refuses duplicate text; change the wording."),
        "target_gone": _("The post you answered was deleted or hidden; it cannot be answered."),
        "too_long": _("The platform found the reply too long; shorten it."),
        "window_closed": _(
            "Messenger's window closed before the reply went out (24 hours, or 7 days for a "
            "person answering); answer in public or wait until the customer writes again."
        ),
        "private_reply_used": _(
            "Facebook allows one private reply per comment, and this comment already has one."
        ),
    }


# --- the agent's side ---------------------------------------------------------------------
@transaction.atomic
def send_reply(
    *,
    conversation: Conversation,
    by: Agent,
    text: str,
    idempotency_key: UUID,
    private: bool = False,
    seen_message_id: int = 0,
    seen_reply_id: int = 0,
    confirmed: bool = False,
    on_behalf: bool = False,
    automated: bool = False,
    purpose: str = "answer",
    attachments: list[dict[str, Any]] | None = None,
) -> Reply:
    """Queue the agent's reply for posting (or for a supervisor's approval).

    `on_behalf`: care sends for the team, whoever holds the case, without approval: an
    incident's answer to everyone caught in it (inbox/services/alerts.py), a follow-up
    after resolution. `automated`: no person wrote it (a follow-up), so Messenger's
    human-agent tag, which is for people answering, is not used. `purpose` says what the
    reply is for (Reply.Purpose), for dashboards.

    The same idempotency key returns the reply it made: a double click or a retried POST
    posts once. The conversation is locked while deciding, so of two agents pressing send
    together the second is shown the first one's reply ("new_activity") before theirs goes.
    """
    text = text.strip()
    if not text:
        raise CareError(_("The reply is empty."), code="empty")
    # Locked first: two requests with one key, or two agents, go one after the other.
    conversation = (
        Conversation.objects.select_related("channel_account")
        .select_for_update(of=("self",))
        .get(pk=conversation.pk)
    )
    existing = Reply.objects.filter(idempotency_key=idempotency_key).first()
    if existing is not None:
        if existing.conversation_id != conversation.pk or existing.author_id != by.pk:
            raise CareError(_("This reply was already sent elsewhere."), code="bad_key")
        return existing
    if conversation.merged_into_id is not None:
        raise CareError(
            _("This conversation was merged; reply in the one it went to."), code="merged"
        )
    if not confirmed:
        messages, replies = selectors.new_since(
            conversation, agent=by, message_id=seen_message_id, reply_id=seen_reply_id
        )
        if messages or replies:
            raise CareError(
                _("New activity since you opened this conversation: read it before you send."),
                code="new_activity",
                extra={
                    "message_ids": [m.pk for m in messages],
                    "reply_ids": [r.pk for r in replies],
                },
            )
    if not on_behalf:
        _take_for_sending(conversation, by)
    # Over the platform's limit (signature included) is refused here, before anything is kept.
    measured = check_length(text, agent=by, conversation=conversation, private=private)
    route = plan_route(conversation, private=private, human=not automated)
    images.check_image_count(
        platform=conversation.channel_account.platform,
        delivery=route.delivery,
        attachments=attachments or [],
    )
    reply = Reply(
        conversation=conversation,
        author=by,
        text=text,
        private=private,
        idempotency_key=idempotency_key,
        signed_text=measured.signed_text,
        delivery=route.delivery,
        in_reply_to_external_id=route.in_reply_to,
        recipient_external_id=route.recipient,
        messenger_tag=route.tag,
        purpose=purpose,
        attachments=attachments or [],
    )
    if not on_behalf and needs_approval(by, conversation.channel_account):
        reply.status = Status.PENDING_APPROVAL
        reply.save()
        _ask_for_approval(reply)
    else:
        reply.save()
        queue(reply, actor=by)
    conversation.save(update_fields=["updated_at"])
    return reply


def needs_approval(agent: Agent, account: ChannelAccount) -> bool:
    """Trainees never post directly; on some channels nobody but supervisors does."""
    if not agent.user.has_perm("care.post_replies"):
        return True
    return account.replies_need_approval and not agent.user.has_perm("care.approve_replies")


def _take_for_sending(conversation: Conversation, by: Agent) -> None:
    """Only the assigned agent sends; an unassigned case becomes the sender's."""
    if conversation.assignee_id == by.pk:
        return
    if conversation.assignee_id is None:
        claim_conversation(conversation=conversation, by=by)
        return
    holder = conversation.assignee
    raise CareError(
        _(
            "%(name)s (^%(initials)s) holds this conversation: ask them, or a supervisor "
            "to reassign it."
        )
        % {"name": holder.display_name, "initials": holder.initials}
        if holder
        else _("Another agent holds this conversation."),
        code="not_yours",
    )


def _ask_for_approval(reply: Reply) -> None:
    record_audit(
        actor=reply.author.user, verb="reply_submitted", target=reply.conversation, reply=reply.pk
    )
    notify_role(
        roles=(Agent.Role.SUPERVISOR,),
        verb="reply_awaits_approval",
        text=_("^%(initials)s's reply on #%(case)s waits for your approval.")
        % {"initials": reply.author.initials, "case": reply.conversation_id},
        url=reverse("responses:approvals"),
    )


def queue(reply: Reply, *, actor: Agent | None) -> None:
    """Write the outbox row next to the reply; the task goes after commit."""
    account = reply.conversation.channel_account
    now = timezone.now()
    reply.status = Status.QUEUED
    reply.queued_at = now
    reply.error = reply.error_code = reply.waiting_reason = ""
    held = account.status == ChannelAccount.Status.REAUTH_REQUIRED
    not_before = max(now, account.rate_limited_until or now)
    if held:
        reply.waiting_reason = _held_reason(account)
    reply.save()
    OutboxEntry.objects.update_or_create(
        reply=reply,
        defaults={"not_before": not_before, "held_for_reauth": held, "enqueued_at": now},
    )
    record_audit(
        actor=actor.user if actor else None,
        verb="reply_queued",
        target=reply.conversation,
        reply=reply.pk,
    )
    if not held:
        _nudge(reply.pk, countdown=(not_before - now).total_seconds() or None)


@transaction.atomic
def retry_reply(*, reply: Reply, by: Agent, text: str | None = None) -> Reply:
    """Send a failed reply again, as it was or reworded (X refuses duplicate text)."""
    reply = (
        Reply.objects.select_for_update()
        .select_related("conversation__channel_account")
        .get(pk=reply.pk)
    )
    if reply.status != Status.FAILED:
        return reply  # a second click, or someone else retried it first
    conversation = reply.conversation
    _take_for_sending(conversation, by)
    if text is not None and text.strip() and text.strip() != reply.text:
        if reply.attempt_started_at is not None:
            # The old wording may be on the platform already: a new reply, not this one.
            raise CareError(
                _("This reply may have been posted; check the platform before rewording it."),
                code="maybe_posted",
            )
        measured = check_length(
            text, agent=reply.author, conversation=conversation, private=reply.private
        )
        reply.text = text.strip()
        reply.signed_text = measured.signed_text
    reply.attempts = 0
    queue(reply, actor=by)
    record_audit(actor=by.user, verb="reply_retried", target=conversation, reply=reply.pk)
    return reply


# --- the worker's side --------------------------------------------------------------------
def deliver_reply(reply_id: int) -> str:
    """One attempt to post a queued reply. Returns what happened, for logs and tests."""
    lock_seconds = int(settings.CARE_REPLY_SEND_TIMEOUT * 3 + 10)
    with try_lock(f"reply-{reply_id}", expires_after=lock_seconds) as lease:
        if not lease:
            return "busy"  # another worker is on it
        started = _start_attempt(reply_id)
        if isinstance(started, str):
            return started
        reply, unknown = started
        outgoing = Outgoing(
            delivery=reply.delivery,
            text=reply.signed_text,
            in_reply_to=reply.in_reply_to_external_id,
            recipient=reply.recipient_external_id,
            tag=reply.messenger_tag,
            media=images.media_paths(reply.attachments),
        )
        account = reply.conversation.channel_account
        phase = "check" if unknown else "post"
        try:
            adapter = adapter_for(account, timeout=settings.CARE_REPLY_SEND_TIMEOUT)
            if reply.delivery in (Reply.Delivery.MESSENGER, Reply.Delivery.PRIVATE_REPLY):
                persona = persona_for(reply.author, account, adapter)
                outgoing = dataclasses.replace(outgoing, persona=persona)
            delivered = None
            if unknown:
                since = (reply.queued_at or reply.created_at) - CLOCK_SKEW
                delivered = adapter.find_delivered(outgoing, since=since)
                phase = "post"
            if delivered is None:
                delivered = adapter.deliver(outgoing)
        except crypto.CredentialsUnreadable:
            error = ChannelError("The stored tokens cannot be read", permanent=True, reauth=True)
            return _attempt_failed(reply_id, error, posted_unknown=unknown)
        except ChannelError as error:
            # Refused before posting says nothing was posted; a failed check says nothing.
            return _attempt_failed(reply_id, error, posted_unknown=unknown and phase == "check")
        _record_sent(reply_id, delivered)
        return "sent"


def _start_attempt(reply_id: int) -> tuple[Reply, bool] | str:
    """Mark the reply as sending; say whether an earlier attempt ended without an answer."""
    with transaction.atomic():
        reply = (
            Reply.objects.select_for_update(of=("self",))
            .select_related("conversation__channel_account", "author")
            .filter(pk=reply_id)
            .first()
        )
        if reply is None or reply.status not in (Status.QUEUED, Status.SENDING):
            return "done"
        entry = OutboxEntry.objects.select_for_update().filter(pk=reply_id).first()
        if entry is None:
            return "done"
        account = reply.conversation.channel_account
        if account.status == ChannelAccount.Status.REAUTH_REQUIRED:
            _hold(reply, entry)
            return "held"
        now = timezone.now()
        if entry.not_before > now:
            return "later"  # its countdown task, or the relay, comes back then
        unknown = reply.attempt_started_at is not None
        reply.status = Status.SENDING
        reply.attempts += 1
        reply.attempt_started_at = now
        reply.waiting_reason = ""
        reply.save(update_fields=["status", "attempts", "attempt_started_at", "waiting_reason"])
        entry.held_for_reauth = False
        entry.save(update_fields=["held_for_reauth"])
        _touch(reply.conversation_id)
        return reply, unknown


def _attempt_failed(reply_id: int, error: ChannelError, *, posted_unknown: bool) -> str:
    platform = ""
    with transaction.atomic():
        reply = (
            Reply.objects.select_for_update(of=("self",))
            .select_related("conversation__channel_account", "author")
            .get(pk=reply_id)
        )
        entry = OutboxEntry.objects.select_for_update().get(pk=reply_id)
        account = reply.conversation.channel_account
        platform = account.get_platform_display()
        now = timezone.now()
        known = not posted_unknown and (
            error.reauth or error.retry_after is not None or error.permanent
        )
        if known:
            reply.attempt_started_at = None
        if error.reauth:
            from inbox.services.channels import record_channel_failure

            record_channel_failure(account=account, error=error)
            reply.status = Status.QUEUED if reply.attempt_started_at is None else Status.SENDING
            _hold(reply, entry)
            outcome = "held"
        elif error.retry_after is not None:
            wait = timedelta(seconds=error.retry_after)
            reply.status = Status.QUEUED if reply.attempt_started_at is None else Status.SENDING
            reply.waiting_reason = _("%(platform)s's rate limit: it goes out at %(time)s.") % {
                "platform": platform,
                "time": formats.time_format(timezone.localtime(now + wait), "H:i"),
            }
            _later(reply, entry, wait)
            outcome = "rate_limited"
        elif error.permanent:
            message = refusal_messages().get(error.reason) or _(
                "%(platform)s refused the reply: %(detail)s"
            ) % {"platform": platform, "detail": error}
            _fail(reply, entry, code=error.reason or "refused", message=message)
            outcome = "failed"
        elif reply.attempts >= settings.CARE_REPLY_MAX_ATTEMPTS:
            message = _(
                "%(platform)s could not be reached after %(tries)s tries (%(detail)s). Retry "
                "when it is back: care checks first whether an earlier try got through."
            ) % {"platform": platform, "tries": reply.attempts, "detail": error}
            _fail(reply, entry, code="unreachable", message=message)
            outcome = "failed"
        else:
            wait = timedelta(seconds=min(300, BACKOFF_BASE_SECONDS * 3 ** (reply.attempts - 1)))
            reply.waiting_reason = _(
                "%(platform)s did not answer (%(detail)s); trying again at %(time)s."
            ) % {
                "platform": platform,
                "detail": error,
                "time": formats.time_format(timezone.localtime(now + wait), "H:i:s"),
            }
            _later(reply, entry, wait)
            outcome = "retrying"
        reply.save()
        _touch(reply.conversation_id)
    log.info("reply %s: %s (%s)", reply_id, outcome, error)
    return outcome


def _hold(reply: Reply, entry: OutboxEntry) -> None:
    reply.waiting_reason = _held_reason(reply.conversation.channel_account)
    reply.save(update_fields=["status", "waiting_reason", "attempt_started_at"])
    entry.held_for_reauth = True
    entry.save(update_fields=["held_for_reauth"])


def _held_reason(account: ChannelAccount) -> str:
    return _("%(account)s needs a new token; the reply goes out once it is reconnected.") % {
        "account": account
    }


def _later(reply: Reply, entry: OutboxEntry, wait: timedelta) -> None:
    entry.not_before = timezone.now() + wait
    # The relay counts silence from here: the task below is due then, not lost.
    entry.enqueued_at = entry.not_before
    entry.save(update_fields=["not_before", "enqueued_at"])
    _nudge(reply.pk, countdown=wait.total_seconds())


def _fail(reply: Reply, entry: OutboxEntry, *, code: str, message: str) -> None:
    reply.status = Status.FAILED
    reply.error = message[:500]
    reply.error_code = code[:32]
    reply.waiting_reason = ""
    entry.delete()
    record_audit(
        actor=None, verb="reply_failed", target=reply.conversation, reply=reply.pk, code=code
    )
    notify_users(
        users=[reply.author.user],
        verb="reply_failed",
        text=_("Your reply on #%(case)s was not posted: %(reason)s")
        % {"case": reply.conversation_id, "reason": message},
        url=reverse("inbox:conversation", args=[reply.conversation_id]) + f"#reply-{reply.pk}",
    )


def _record_sent(reply_id: int, delivered: Delivered) -> None:
    """Mark the reply sent and put it on the case as the brand's message, in one go."""
    with transaction.atomic():
        reply = (
            Reply.objects.select_for_update(of=("self",))
            .select_related("conversation__channel_account", "author")
            .get(pk=reply_id)
        )
        if reply.status == Status.SENT:
            return
        now = timezone.now()
        reply.message = _store_outbound(reply, delivered, now)
        reply.status = Status.SENT
        reply.platform_id = delivered.external_id
        reply.permalink = delivered.permalink
        reply.sent_at = now
        reply.attempt_started_at = None
        reply.error = reply.error_code = reply.waiting_reason = ""
        reply.save()
        OutboxEntry.objects.filter(pk=reply_id).delete()
        record_audit(
            actor=None,
            verb="reply_sent",
            target=reply.conversation,
            reply=reply.pk,
            platform_id=delivered.external_id,
            attempts=reply.attempts,
        )
        outbound_webhooks.emit(
            "reply.sent",
            {
                # The message's conversation: _store_outbound has just moved its status.
                "conversation": outbound_webhooks.conversation_payload(reply.message.conversation),
                "reply": {
                    "id": reply.pk,
                    "message_id": reply.message.pk,
                    "text": reply.signed_text,
                    "delivery": reply.delivery,
                    "private": reply.private,
                    "platform_id": reply.platform_id,
                    "permalink": reply.permalink,
                    "sent_at": reply.sent_at,
                    "by": reply.author.signature,
                    "attempts": reply.attempts,
                },
            },
        )


MESSAGE_KINDS: dict[tuple[str, str], str] = {
    (Platform.X, Reply.Delivery.PUBLIC_REPLY): Message.Kind.REPLY,
    (Platform.X, Reply.Delivery.DIRECT_MESSAGE): Message.Kind.DIRECT_MESSAGE,
    (Platform.FACEBOOK, Reply.Delivery.PUBLIC_REPLY): Message.Kind.COMMENT,
    (Platform.FACEBOOK, Reply.Delivery.MESSENGER): Message.Kind.MESSENGER,
    (Platform.FACEBOOK, Reply.Delivery.PRIVATE_REPLY): Message.Kind.MESSENGER,
}


def _store_outbound(reply: Reply, delivered: Delivered, now: Any) -> Message:
    """The brand's message on the case; its echo from the platform then finds it stored."""
    conversation = Conversation.objects.select_for_update().get(pk=reply.conversation_id)
    account = conversation.channel_account
    try:
        with transaction.atomic():
            message, created = Message.objects.get_or_create(
                channel_account=account,
                external_id=delivered.external_id,
                defaults={
                    "conversation": conversation,
                    "direction": Message.Direction.OUTBOUND,
                    "kind": MESSAGE_KINDS[(account.platform, reply.delivery)],
                    "in_reply_to_external_id": reply.in_reply_to_external_id,
                    "author_agent": reply.author,
                    "text": reply.signed_text,
                    "platform_created_at": now,
                    "permalink": delivered.permalink,
                },
            )
    except IntegrityError:  # the echo was stored between our read and our write
        message, created = (
            Message.objects.get(channel_account=account, external_id=delivered.external_id),
            False,
        )
    if not created and message.author_agent_id is None:
        # The echo came first (a webhook is quick): it is this agent's reply.
        Message.objects.filter(pk=message.pk).update(author_agent=reply.author)
    sla.stop_answer_clock(conversation)
    if conversation.status == Conversation.Status.NEW:
        conversation.status = Conversation.Status.OPEN  # answered: no longer new
    if conversation.first_response_at is None:
        conversation.first_response_at = now
    conversation.last_activity_at = max(conversation.last_activity_at, now)
    conversation.preview = preview_of(reply.signed_text)
    conversation.search_text = search.appended(conversation.search_text, reply.text)
    conversation.save()
    return message


def _touch(conversation_id: int) -> None:
    """The live page and inbox notice the reply's new status."""
    Conversation.objects.filter(pk=conversation_id).update(updated_at=timezone.now())


def _nudge(reply_id: int, *, countdown: float | None = None) -> None:
    from responses.tasks import post_reply_task

    enqueue_on_commit(post_reply_task, reply_id, countdown=countdown)


# --- the relay ------------------------------------------------------------------------------
def relay_outbox() -> int:
    """Send again the tasks of replies still waiting whose task seems lost; release held
    replies whose channel has been reconnected. Returns how many tasks were sent."""
    from responses.tasks import post_reply_task

    now = timezone.now()
    reconnected = OutboxEntry.objects.filter(held_for_reauth=True).exclude(
        reply__conversation__channel_account__status=ChannelAccount.Status.REAUTH_REQUIRED
    )
    reconnected.update(held_for_reauth=False, not_before=now, enqueued_at=now - timedelta(days=1))
    due = OutboxEntry.objects.filter(held_for_reauth=False, not_before__lte=now)
    return resend_silent(
        due, post_reply_task, older_than=timedelta(seconds=settings.CARE_OUTBOX_RELAY_SECONDS)
    )
