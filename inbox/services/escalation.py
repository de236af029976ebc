"""Escalation: the department that can solve the problem gets the case; we keep the customer."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.utils.translation import gettext as _

from care import outbound_webhooks
from care.audit import record_audit
from care.errors import CareError
from care.models import Agent
from inbox.models import Conversation, ConversationEvent, Department, Escalation, InternalNote


@transaction.atomic
def escalate_conversation(
    *,
    conversation: Conversation,
    department: Department,
    by: Agent | None,
    summary: str,
    due_at: datetime | None = None,
) -> Escalation:
    """Route the case to a department; the public thread stays with the care team."""
    if conversation.status == Conversation.Status.CLOSED:
        raise CareError(_("A closed conversation cannot be escalated."), code="closed")
    summary = summary.strip()
    if not summary:
        raise CareError(
            _("Write a short summary for the department: what is wrong, what was tried."),
            code="no_summary",
        )
    escalation = Escalation.objects.create(
        conversation=conversation,
        department=department,
        raised_by=by,
        summary=summary,
        due_at=due_at,
    )
    previous = conversation.status
    conversation.status = Conversation.Status.ESCALATED
    conversation.department = department
    conversation.save(update_fields=["status", "department", "updated_at"])
    if by is not None:  # an automatic escalation says so in its event and summary
        InternalNote.objects.create(
            conversation=conversation,
            author=by,
            text=_("Escalated to %(department)s: %(summary)s")
            % {"department": department.name, "summary": summary},
        )
    ConversationEvent.objects.create(
        conversation=conversation,
        actor=by,
        kind=ConversationEvent.Kind.ESCALATED,
        data={"department": department.name, "from": previous, "auto": by is None},
    )
    record_audit(
        actor=by.user if by else None,
        verb="escalated",
        target=conversation,
        department=department.slug,
    )
    outbound_webhooks.emit(
        "conversation.escalated",
        {
            "conversation": outbound_webhooks.conversation_payload(conversation),
            "escalation": {
                "id": escalation.pk,
                "department": {"slug": department.slug, "name": department.name},
                "summary": summary,
                "due_at": due_at,
                "from_status": previous,
                "by": by.signature if by else None,  # None: the SLA policy escalated it
            },
        },
    )
    from inbox.services.departments import tell_department

    tell_department(
        escalation,
        _("Escalated to %(department)s: #%(id)s (%(customer)s)")
        % {"department": department.name, "id": conversation.pk, "customer": conversation.customer},
    )
    return escalation
