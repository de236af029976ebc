"""Bulk actions on many conversations at once, with an undo for a few seconds.

The browser sends a big selection (say 200 spam mentions) in chunks, so it can show
progress; every chunk carries the same `group` id and records what each conversation
looked like before. Undo restores the whole group, except conversations someone
changed since (a customer wrote, an agent acted): those keep their new state.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from care.audit import record_audit
from care.errors import CareError
from care.models import Agent
from inbox import selectors
from inbox.models import BulkChange, Conversation, ConversationEvent, Tag
from inbox.services import sla
from inbox.services.conversations import SPAM_TAG, clean_tag_names

Status = Conversation.Status
ACTIONS = ("close", "resolve", "tag", "assign", "spam")
MAX_CHUNK = 200
EVENT_KINDS = {
    "close": ConversationEvent.Kind.STATUS,
    "resolve": ConversationEvent.Kind.STATUS,
    "spam": ConversationEvent.Kind.SPAM,
    "tag": ConversationEvent.Kind.TAGGED,
    "assign": ConversationEvent.Kind.ASSIGNED,
}


@dataclass
class BulkOutcome:
    changed: int
    skipped: int  # not visible to this agent, merged, or already so


@transaction.atomic
def apply_bulk_action(
    *,
    agent: Agent,
    group: uuid.UUID,
    action: str,
    conversation_ids: list[int],
    tag: str = "",
    assignee: Agent | None = None,
) -> BulkOutcome:
    if action not in ACTIONS:
        raise CareError(_("Unknown bulk action."), code="bad_action")
    if len(conversation_ids) > MAX_CHUNK:
        raise CareError(
            _("Send at most %(n)s conversations at a time.") % {"n": MAX_CHUNK}, code="too_many"
        )
    tag_names = clean_tag_names([tag])
    if action == "tag" and not tag_names:
        raise CareError(_("Choose a tag."), code="no_tag")
    if action == "assign" and assignee is None:
        raise CareError(_("Choose an agent."), code="no_assignee")
    conversations = list(
        selectors.visible_conversations(agent)
        .filter(pk__in=conversation_ids)
        .select_for_update(of=("self",))
        .prefetch_related("tags")
        .select_related("assignee")
    )
    if (
        action == "assign"
        and any(
            c.assignee_id not in (None, agent.pk, assignee.pk)  # type: ignore[union-attr]
            for c in conversations
        )
        and not agent.user.has_perm("care.reassign_conversations")
    ):
        raise CareError(
            _("Only a supervisor can reassign conversations other agents hold."),
            code="not_yours",
        )
    now = timezone.now()
    before: dict[str, dict[str, object]] = {}
    target_tag = (
        Tag.objects.get_or_create(name=tag_names[0] if action == "tag" else SPAM_TAG)[0]
        if action in ("tag", "spam")
        else None
    )
    events = []
    for conversation in conversations:
        before[str(conversation.pk)] = {
            "status": conversation.status,
            "assignee_id": conversation.assignee_id,
            "assigned_at": conversation.assigned_at.isoformat()
            if conversation.assigned_at
            else None,
            "resolved_at": conversation.resolved_at.isoformat()
            if conversation.resolved_at
            else None,
            "tag_ids": [t.pk for t in conversation.tags.all()],
            "updated_at": now.isoformat(),
        }
        if action in ("close", "resolve", "spam"):
            previous = conversation.status
            conversation.status = Status.RESOLVED if action == "resolve" else Status.CLOSED
            conversation.resolved_at = conversation.resolved_at or now
            sla.status_changed(conversation, previous, now)
        if action == "assign":
            conversation.assignee = assignee
            conversation.assigned_at = now
        conversation.updated_at = now
        kind = EVENT_KINDS[action]
        data: dict[str, object] = {"bulk": True}
        if action in ("close", "resolve"):
            data.update({"from": before[str(conversation.pk)]["status"], "to": conversation.status})
        if action == "tag":
            data["tags"] = tag_names
        if action == "assign":
            data["to"] = assignee.initials  # type: ignore[union-attr]
        events.append(
            ConversationEvent(
                conversation=conversation, actor=agent, kind=kind, data=data, created_at=now
            )
        )
    Conversation.objects.bulk_update(
        conversations,
        ["status", "resolved_at", "assignee", "assigned_at", "updated_at", *sla.SLA_FIELDS],
        batch_size=200,
    )
    if target_tag is not None:
        through = Conversation.tags.through
        through.objects.bulk_create(
            [through(conversation_id=c.pk, tag_id=target_tag.pk) for c in conversations],
            ignore_conflicts=True,
        )
    ConversationEvent.objects.bulk_create(events)
    if action in ("close", "resolve"):
        # Local: responses imports inbox. Spam gets none; the service skips the rest.
        from responses.services.follow_ups import schedule_follow_up

        for conversation in conversations:
            schedule_follow_up(conversation, agent=conversation.assignee or agent)
    if conversations:
        BulkChange.objects.create(
            group=group, actor=agent, action=action, before=before, created_at=now
        )
        record_audit(
            actor=agent.user, verb=f"bulk_{action}", count=len(conversations), group=str(group)
        )
    return BulkOutcome(
        changed=len(conversations), skipped=len(conversation_ids) - len(conversations)
    )


@transaction.atomic
def undo_bulk_action(*, agent: Agent, group: uuid.UUID) -> int:
    """Put back what the group's chunks changed; returns how many conversations."""
    changes = list(
        BulkChange.objects.select_for_update().filter(
            group=group, actor=agent, undone_at__isnull=True
        )
    )
    if not changes:
        raise CareError(_("Nothing to undo."), code="nothing")
    window = timedelta(seconds=settings.CARE_UNDO_SECONDS + 30)  # a slow network's grace
    if timezone.now() - min(c.created_at for c in changes) > window:
        raise CareError(
            _("Too late to undo; change the conversations one by one."), code="too_late"
        )
    restored = 0
    through = Conversation.tags.through
    for change in changes:
        ids = [int(pk) for pk in change.before]
        current = {c.pk: c for c in Conversation.objects.select_for_update().filter(pk__in=ids)}
        for pk_text, state in change.before.items():
            conversation = current.get(int(pk_text))
            # Someone acted on it after the bulk action: their change stands.
            if conversation is None or conversation.updated_at != datetime.fromisoformat(
                str(state["updated_at"])
            ):
                continue
            Conversation.objects.filter(pk=conversation.pk).update(
                status=state["status"],
                assignee_id=state["assignee_id"],
                assigned_at=state["assigned_at"],
                resolved_at=state["resolved_at"],
                updated_at=timezone.now(),
            )
            through.objects.filter(conversation_id=conversation.pk).exclude(
                tag_id__in=state["tag_ids"]
            ).delete()
            restored += 1
        ConversationEvent.objects.filter(
            conversation_id__in=ids, created_at=change.created_at, actor=agent, data__bulk=True
        ).delete()
        change.undone_at = timezone.now()
        change.save(update_fields=["undone_at"])
    record_audit(actor=agent.user, verb="bulk_undone", group=str(group), count=restored)
    return restored
