"""The department's side of an escalation: told, reminded, answering the care team, handing
back (the @DellCares way: care keeps the customer, the department solves the problem).

Department members are users and need not be agents. When a case is escalated they get an
in-app notification and an e-mail (with the department's contact addresses) linking to a
focused page: the summary, the customer's messages, and an internal thread with the care
team. Celery beat (`remind_escalations`, every five minutes) reminds the members when the
due time is near, tells the department's lead once it has passed, and reminds the care
agent to update the customer while the department works.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth.models import AnonymousUser, User
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from care.audit import record_audit
from care.errors import CareError
from care.models import Agent, Notification
from care.services import notify_users
from inbox.models import (
    Conversation,
    ConversationEvent,
    Escalation,
    EscalationComment,
    InternalNote,
)


def escalation_url(escalation: Escalation) -> str:
    return reverse("inbox:escalation", args=[escalation.pk])


def tell_department(escalation: Escalation, text: str, *, lead_only: bool = False) -> int:
    """In-app to the members (or the lead), e-mail to them and the contact addresses."""
    department = escalation.department
    if lead_only:
        users = [department.lead] if department.lead and department.lead.is_active else []
    else:
        users = [u for u in department.members.all() if u.is_active]
    url = escalation_url(escalation)
    return notify_users(
        users=users,
        verb="escalation",
        text=text,
        url=url,
        body=f"{text}\n\n{escalation.summary}\n\n{settings.SITE_URL.rstrip('/')}{url}",
        also_email=[] if lead_only else department.contact_emails or [],
    )


def may_see(user: User | AnonymousUser, escalation: Escalation) -> bool:
    """Members of the department, the agent who escalated, and supervisors."""
    if not user.is_authenticated:
        return False
    if user.has_perm("care.see_all_channels"):
        return True
    if escalation.department.members.filter(pk=user.pk).exists():
        return True
    agent = Agent.objects.filter(user=user).first()
    if agent is None:
        return False
    from inbox.selectors import works_channel

    return works_channel(agent, escalation.conversation.channel_account_id)


def open_escalations_for(user: User) -> list[Escalation]:
    return list(
        Escalation.objects.filter(department__members=user, handed_back_at__isnull=True)
        .select_related("conversation__customer", "department", "raised_by")
        .order_by("due_at", "created_at")
    )


@transaction.atomic
def comment(*, escalation: Escalation, author: User, text: str) -> EscalationComment:
    """A message in the internal thread between care and the department."""
    text = text.strip()
    if not text:
        raise CareError(_("The message is empty."), code="empty")
    if escalation.handed_back_at is not None:
        raise CareError(
            _("This escalation was handed back; write a note on the case."), code="closed"
        )
    note = EscalationComment.objects.create(escalation=escalation, author=author, text=text[:5000])
    is_member = escalation.department.members.filter(pk=author.pk).exists()
    text_for = _("%(department)s answered on #%(id)s") if is_member else _("Care wrote on #%(id)s")
    headline = text_for % {
        "department": escalation.department.name,
        "id": escalation.conversation_id,
    }
    if is_member and (owner := _owner(escalation)) is not None:
        Notification.objects.create(
            recipient=owner,
            verb="escalation_answer",
            text=headline,
            url=reverse("inbox:conversation", args=[escalation.conversation_id]),
        )
    else:
        tell_department(escalation, headline)
    Conversation.objects.filter(pk=escalation.conversation_id).update(updated_at=timezone.now())
    return note


@transaction.atomic
def hand_back(*, escalation: Escalation, by: User, note: str) -> Escalation:
    """The department is done: the case returns to care, open, with the department's note."""
    if escalation.handed_back_at is not None:
        raise CareError(_("This escalation was already handed back."), code="closed")
    note = note.strip()
    if not note:
        raise CareError(_("Say what was done, for the care team and the customer."), code="empty")
    now = timezone.now()
    escalation.handed_back_at, escalation.handed_back_by, escalation.hand_back_note = now, by, note
    escalation.save(update_fields=["handed_back_at", "handed_back_by", "hand_back_note"])
    conversation = escalation.conversation
    if conversation.status == Conversation.Status.ESCALATED:
        conversation.status = Conversation.Status.OPEN
        conversation.save(update_fields=["status", "updated_at"])
    author = Agent.objects.filter(user=by).first() or escalation.raised_by or conversation.assignee
    if author is not None:
        InternalNote.objects.create(
            conversation=conversation,
            author=author,
            text=_("%(department)s handed the case back: %(note)s")
            % {"department": escalation.department.name, "note": note},
        )
    ConversationEvent.objects.create(
        conversation=conversation,
        actor=Agent.objects.filter(user=by).first(),
        kind=ConversationEvent.Kind.HANDED_BACK,
        data={"department": escalation.department.name},
    )
    owner = _owner(escalation)
    if owner is not None:
        Notification.objects.create(
            recipient=owner,
            verb="escalation_handed_back",
            text=_("%(department)s handed #%(id)s back: update the customer")
            % {"department": escalation.department.name, "id": conversation.pk},
            url=reverse("inbox:conversation", args=[conversation.pk]),
        )
    record_audit(actor=by, verb="handed_back", target=conversation, escalation=escalation.pk)
    return escalation


# --- Reminders (Celery beat) -------------------------------------------------------------


@dataclass
class Reminders:
    department: int = 0
    lead: int = 0
    agent: int = 0


def remind_escalations(now: datetime | None = None) -> Reminders:
    """Each reminder once per escalation, marked by a conditional UPDATE."""
    now = now or timezone.now()
    done = Reminders()
    waiting = Escalation.objects.filter(handed_back_at__isnull=True).select_related(
        "department__lead", "conversation__assignee__user", "raised_by__user"
    )
    soon = timedelta(minutes=settings.CARE_ESCALATION_REMIND_MINUTES)
    for escalation in waiting.filter(due_at__lte=now + soon, due_at__gt=now, reminded_at=None):
        if _once(escalation, "reminded_at", now):
            text = _("Due soon: #%(id)s, escalated to %(department)s") % _names(escalation)
            tell_department(escalation, text)
            done.department += 1
    for escalation in waiting.filter(due_at__lte=now, lead_alerted_at=None):
        if _once(escalation, "lead_alerted_at", now):
            text = _("Overdue: #%(id)s, escalated to %(department)s") % _names(escalation)
            tell_department(escalation, text, lead_only=True)
            done.lead += 1
    update_after = timedelta(hours=settings.CARE_ESCALATION_UPDATE_HOURS)
    for escalation in waiting.filter(created_at__lte=now - update_after, update_reminded_at=None):
        owner = _owner(escalation)
        if owner is not None and _once(escalation, "update_reminded_at", now):
            Notification.objects.create(
                recipient=owner,
                verb="update_customer",
                text=_("#%(id)s is still with %(department)s: give the customer an update")
                % _names(escalation),
                url=reverse("inbox:conversation", args=[escalation.conversation_id]),
            )
            done.agent += 1
    return done


def _owner(escalation: Escalation) -> User | None:
    """Who keeps the customer: the agent who escalated, else the case's assignee."""
    agent = escalation.raised_by or escalation.conversation.assignee
    return agent.user if agent is not None else None


def _once(escalation: Escalation, field: str, now: datetime) -> bool:
    return bool(
        Escalation.objects.filter(pk=escalation.pk, **{f"{field}__isnull": True}).update(
            **{field: now}
        )
    )


def _names(escalation: Escalation) -> dict[str, object]:
    return {"id": escalation.conversation_id, "department": escalation.department.name}
