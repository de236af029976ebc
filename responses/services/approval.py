"""Approval: a trainee's reply (or, on a channel that asks for it, anyone's) waits for a
supervisor, who approves it as it is, edits it, or rejects it with a reason.

The trainee is told either way. An approved reply goes into the outbox like any other,
still signed by the trainee: the customer talks to the person who wrote it.
"""

from __future__ import annotations

from django.db import transaction
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from care.audit import record_audit
from care.errors import CareError
from care.models import Agent
from care.services import notify_users
from responses.models import Reply
from responses.services import outbox
from responses.services.delivery import plan_route
from responses.services.signing import check_length

Status = Reply.Status


def waiting_for_approval() -> QuerySet[Reply]:
    return (
        Reply.objects.filter(status=Status.PENDING_APPROVAL)
        .select_related("author", "conversation__channel_account", "conversation__customer")
        .order_by("created_at")
    )


def _pending(reply: Reply) -> Reply:
    reply = (
        Reply.objects.select_for_update(of=("self",))
        .select_related("author__user", "conversation__channel_account")
        .get(pk=reply.pk)
    )
    if reply.status != Status.PENDING_APPROVAL:
        raise CareError(
            _("This reply was already reviewed (%(status)s).")
            % {"status": reply.get_status_display()},
            code="reviewed",
        )
    return reply


@transaction.atomic
def approve_reply(*, reply: Reply, by: Agent, text: str | None = None) -> Reply:
    """Queue the reply, with the supervisor's edit if there is one."""
    if not by.user.has_perm("care.approve_replies"):
        raise CareError(_("Only supervisors approve replies."), code="forbidden")
    reply = _pending(reply)
    edited = text is not None and text.strip() and text.strip() != reply.text
    if edited:
        assert text is not None
        measured = check_length(
            text, agent=reply.author, conversation=reply.conversation, private=reply.private
        )
        reply.text = text.strip()
        reply.signed_text = measured.signed_text
    # Decided again: Messenger's window may have moved while the reply waited.
    route = plan_route(reply.conversation, private=reply.private)
    reply.delivery = route.delivery
    reply.in_reply_to_external_id = route.in_reply_to
    reply.recipient_external_id = route.recipient
    reply.messenger_tag = route.tag
    reply.reviewed_by = by
    reply.reviewed_at = timezone.now()
    outbox.queue(reply, actor=by)
    record_audit(
        actor=by.user,
        verb="reply_approved",
        target=reply.conversation,
        reply=reply.pk,
        edited=bool(edited),
    )
    notify_users(
        users=[reply.author.user],
        verb="reply_approved",
        text=(
            _("^%(initials)s approved your reply on #%(case)s, with edits.")
            if edited
            else _("^%(initials)s approved your reply on #%(case)s.")
        )
        % {"initials": by.initials, "case": reply.conversation_id},
        url=_case_url(reply),
    )
    return reply


@transaction.atomic
def reject_reply(*, reply: Reply, by: Agent, reason: str) -> Reply:
    """Keep the reply off the platform; the trainee learns why."""
    if not by.user.has_perm("care.approve_replies"):
        raise CareError(_("Only supervisors reject replies."), code="forbidden")
    reason = reason.strip()
    if not reason:
        raise CareError(_("Say why, so the trainee can learn from it."), code="no_reason")
    reply = _pending(reply)
    reply.status = Status.REJECTED
    reply.rejection_reason = reason[:500]
    reply.reviewed_by = by
    reply.reviewed_at = timezone.now()
    reply.save()
    record_audit(
        actor=by.user,
        verb="reply_rejected",
        target=reply.conversation,
        reply=reply.pk,
        reason=reason,
    )
    notify_users(
        users=[reply.author.user],
        verb="reply_rejected",
        text=_("^%(initials)s rejected your reply on #%(case)s: %(reason)s")
        % {"initials": by.initials, "case": reply.conversation_id, "reason": reason},
        url=_case_url(reply),
    )
    return reply


def _case_url(reply: Reply) -> str:
    return reverse("inbox:conversation", args=[reply.conversation_id]) + f"#reply-{reply.pk}"
