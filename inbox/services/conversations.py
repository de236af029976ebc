"""What agents do to a case: claim, assign, change status, tag, note, merge.

Each change is one transaction that writes a ConversationEvent (shown in the thread),
an audit row, and moves `updated_at` so every open inbox page picks it up.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from care.audit import record_audit
from care.errors import CareError
from care.models import Agent
from inbox.models import (
    Conversation,
    ConversationEvent,
    ConversationViewer,
    Department,
    InternalNote,
    Message,
    Tag,
)
from inbox.search import rebuild_search_text
from inbox.selectors import works_channel
from inbox.services import sla

Status = Conversation.Status
Kind = ConversationEvent.Kind
SPAM_TAG = "spam"


def _record(conversation: Conversation, by: Agent | None, kind: str, **data: Any) -> None:
    ConversationEvent.objects.create(conversation=conversation, actor=by, kind=kind, data=data)
    record_audit(
        actor=by.user if by else None, verb=f"conversation_{kind}", target=conversation, **data
    )


def _may_work(agent: Agent, conversation: Conversation) -> None:
    if conversation.merged_into_id is not None:
        raise CareError(
            _("This conversation was merged into #%(id)s.") % {"id": conversation.merged_into_id},
            code="merged",
        )
    if not works_channel(agent, conversation.channel_account_id):
        raise CareError(_("You do not work this channel."), code="no_access")


@transaction.atomic
def claim_conversation(*, conversation: Conversation, by: Agent) -> Conversation:
    """Make the case the agent's own, unless another agent holds it.

    The claim is one conditional UPDATE, so of two agents pressing claim at once exactly
    one gets it and the other is told who did.
    """
    _may_work(by, conversation)
    now = timezone.now()
    claimed = Conversation.objects.filter(
        Q(assignee__isnull=True) | Q(assignee=by), pk=conversation.pk
    ).update(assignee=by, assigned_at=now, updated_at=now)
    conversation.refresh_from_db(fields=["assignee", "assigned_at", "updated_at"])
    if not claimed:
        holder = conversation.assignee
        raise CareError(
            _("%(name)s (^%(initials)s) already claimed this conversation.")
            % {
                "name": holder.display_name if holder else "?",
                "initials": holder.initials if holder else "?",
            },
            code="claimed",
            extra={"assignee": holder.initials if holder else None},
        )
    if conversation.status == Status.NEW:
        Conversation.objects.filter(pk=conversation.pk).update(status=Status.OPEN)
        conversation.status = Status.OPEN
    _record(conversation, by, Kind.CLAIMED)
    return conversation


@transaction.atomic
def assign_conversation(
    *, conversation: Conversation, assignee: Agent | None, by: Agent
) -> Conversation:
    """Give the case to an agent (or to nobody).

    Anyone may hand on an unassigned case or their own; taking a case from another agent
    needs `care.reassign_conversations` (supervisors).
    """
    _may_work(by, conversation)
    current = conversation.assignee
    taking = current is not None and current != by and assignee != current
    if taking and not by.user.has_perm("care.reassign_conversations"):
        raise CareError(
            _("Only a supervisor can take a conversation from %(name)s.")
            % {"name": current.display_name},  # type: ignore[union-attr]
            code="not_yours",
        )
    if assignee is not None:
        _check_assignee(assignee, conversation)
    now = timezone.now()
    conversation.assignee = assignee
    conversation.assigned_at = now if assignee else None
    if assignee is not None and conversation.status == Status.NEW:
        conversation.status = Status.OPEN
    conversation.save(update_fields=["assignee", "assigned_at", "status", "updated_at"])
    if assignee is None:
        _record(conversation, by, Kind.UNASSIGNED)
    else:
        _record(conversation, by, Kind.ASSIGNED, to=assignee.initials)
    return conversation


def _check_assignee(assignee: Agent, conversation: Conversation) -> None:
    if not assignee.user.is_active:
        raise CareError(
            _("%(name)s is no longer on the team.") % {"name": assignee.display_name},
            code="inactive",
        )
    if not works_channel(assignee, conversation.channel_account_id):
        raise CareError(
            _("%(name)s does not work this channel.") % {"name": assignee.display_name},
            code="no_access",
        )


@transaction.atomic
def change_status(*, conversation: Conversation, status: str, by: Agent) -> Conversation:
    _may_work(by, conversation)
    if status not in Status.values:
        raise CareError(_("Unknown status."), code="bad_status")
    if status == conversation.status:
        return conversation
    previous = conversation.status
    now = timezone.now()
    conversation.status = status
    if status in (Status.RESOLVED, Status.CLOSED):
        conversation.resolved_at = conversation.resolved_at or now
    else:
        conversation.resolved_at = None
    # Nothing is owed on a solved case; waiting on the customer pauses the resolution clock.
    clocks = sla.status_changed(conversation, previous, now)
    conversation.save(update_fields=["status", "resolved_at", "updated_at", *clocks])
    _record(conversation, by, Kind.STATUS, **{"from": previous, "to": status})
    if status in (Status.RESOLVED, Status.CLOSED):
        # Local: responses imports this module. The holder solved it, else whoever resolved.
        from responses.services.follow_ups import schedule_follow_up

        schedule_follow_up(conversation, agent=conversation.assignee or by)
    return conversation


@transaction.atomic
def set_priority(*, conversation: Conversation, priority: int, by: Agent) -> Conversation:
    _may_work(by, conversation)
    if priority not in Conversation.Priority.values:
        raise CareError(_("Unknown priority."), code="bad_priority")
    if priority != conversation.priority:
        previous = conversation.priority
        conversation.priority = priority
        conversation.save(update_fields=["priority", "updated_at"])
        _record(conversation, by, Kind.PRIORITY, **{"from": previous, "to": priority})
    return conversation


@transaction.atomic
def set_department(
    *, conversation: Conversation, department: Department | None, by: Agent
) -> Conversation:
    """File the case under a department (or none) without escalating it (the API's PATCH)."""
    _may_work(by, conversation)
    if department != conversation.department:
        previous = conversation.department.slug if conversation.department else None
        conversation.department = department
        conversation.save(update_fields=["department", "updated_at"])
        to = department.slug if department else None
        # The shape of a routing rule's event, which the conversation page shows.
        _record(
            conversation,
            by,
            Kind.ROUTED,
            rule=f"^{by.initials}",
            why=["by hand"],
            did=[f"department {to or '-'}"],
            **{"from": previous, "to": to},
        )
    return conversation


def clean_tag_names(names: Iterable[str]) -> list[str]:
    cleaned = []
    for name in names:
        name = name.strip().lstrip("#").lower()[:50]
        if name and name not in cleaned:
            cleaned.append(name)
    return cleaned


@transaction.atomic
def tag_conversation(
    *, conversation: Conversation, add: Iterable[str] = (), remove: Iterable[str] = (), by: Agent
) -> Conversation:
    _may_work(by, conversation)
    current = set(conversation.tags.values_list("name", flat=True))
    to_add = [n for n in clean_tag_names(add) if n not in current]
    to_remove = [n for n in clean_tag_names(remove) if n in current]
    if to_add:
        tags = [Tag.objects.get_or_create(name=name)[0] for name in to_add]
        conversation.tags.add(*tags)
        _record(conversation, by, Kind.TAGGED, tags=to_add)
    if to_remove:
        conversation.tags.remove(*Tag.objects.filter(name__in=to_remove))
        _record(conversation, by, Kind.UNTAGGED, tags=to_remove)
    if to_add or to_remove:
        conversation.save(update_fields=["updated_at"])
    return conversation


@transaction.atomic
def add_note(*, conversation: Conversation, text: str, by: Agent) -> InternalNote:
    _may_work(by, conversation)
    text = text.strip()
    if not text:
        raise CareError(_("The note is empty."), code="empty")
    note = InternalNote.objects.create(conversation=conversation, author=by, text=text[:5000])
    conversation.save(update_fields=["updated_at"])
    record_audit(actor=by.user, verb="note_added", target=conversation)
    return note


@transaction.atomic
def merge_conversations(*, source: Conversation, target: Conversation, by: Agent) -> Conversation:
    """Move everything of `source` into `target` (same customer); `source` points there.

    The source row stays, marked merged, so links and stale pages lead to the target.
    """
    _may_work(by, source)
    _may_work(by, target)
    if source.pk == target.pk:
        raise CareError(_("A conversation cannot be merged into itself."), code="same")
    if source.customer_id != target.customer_id:
        raise CareError(
            _("Only conversations of the same customer can be merged."), code="other_customer"
        )
    from responses.models import Reply

    Message.objects.filter(conversation=source).update(conversation=target)
    InternalNote.objects.filter(conversation=source).update(conversation=target)
    ConversationEvent.objects.filter(conversation=source).update(conversation=target)
    Reply.objects.filter(conversation=source).update(conversation=target)
    ConversationViewer.objects.filter(conversation=source).delete()
    target.tags.add(*source.tags.all())
    target.opened_at = min(target.opened_at, source.opened_at)
    if source.last_activity_at > target.last_activity_at or not target.preview:
        target.preview = source.preview
    target.last_activity_at = max(target.last_activity_at, source.last_activity_at)
    dues = [d for d in (target.response_due_at, source.response_due_at) if d]
    target.response_due_at = min(dues) if dues else None
    if target.assignee_id is None and source.assignee_id is not None:
        target.assignee_id, target.assigned_at = source.assignee_id, source.assigned_at
    if source.is_open and not target.is_open:
        target.status, target.resolved_at = Status.OPEN, None
    target.save()
    rebuild_search_text([target.pk])  # the source's messages are found under the target now
    source.merged_into = target
    source.status = Status.CLOSED
    source.save(update_fields=["merged_into", "status", "updated_at"])
    _record(target, by, Kind.MERGED, source=source.pk)
    return target


@transaction.atomic
def mark_spam(*, conversation: Conversation, by: Agent) -> Conversation:
    """Close the case and tag it spam: it leaves every open view, and can be undone."""
    _may_work(by, conversation)
    tag, _created = Tag.objects.get_or_create(name=SPAM_TAG)
    conversation.tags.add(tag)
    previous = conversation.status
    conversation.status = Status.CLOSED
    conversation.resolved_at = conversation.resolved_at or timezone.now()
    clocks = sla.status_changed(conversation, previous, timezone.now())
    conversation.save(update_fields=["status", "resolved_at", "updated_at", *clocks])
    _record(conversation, by, Kind.SPAM)
    return conversation
