"""Auto-assignment: new cases go round-robin to agents who are available.

Available: an active agent or trainee, not away, who works the case's channel, speaks
its language (when known), belongs to its department (when routing gave it one) and
holds fewer open cases than their capacity. Of those, the
one assigned longest ago goes next. One assigner runs at a time (a Redis lock, a file
lock in the demo), so two workers never count the same free seat twice; each
assignment is a conditional UPDATE, so a case an agent claimed meanwhile is skipped.
"""

from __future__ import annotations

from collections import Counter

from django.db import transaction
from django.db.models import Count, F
from django.utils import timezone

from care.audit import record_audit
from care.locks import try_lock
from care.models import Agent
from inbox.models import Conversation, ConversationEvent
from inbox.selectors import ACTIONABLE, current_conversations

Status = Conversation.Status


def available_agents() -> list[Agent]:
    return list(
        Agent.objects.filter(
            user__is_active=True,
            is_away=False,
            role__in=(Agent.Role.AGENT, Agent.Role.TRAINEE),
        )
        .prefetch_related("channels", "departments")
        # Never assigned: first in line (PostgreSQL sorts NULLs last otherwise).
        .order_by(F("last_assigned_at").asc(nulls_first=True), "id")
    )


def open_load() -> Counter[int]:
    """{agent id: open conversations assigned} in one GROUP BY."""
    rows = (
        current_conversations()
        .filter(status__in=Conversation.OPEN_STATUSES, assignee__isnull=False)
        .values_list("assignee")
        .annotate(n=Count("id"))
        .order_by()
    )
    return Counter(dict(rows))


def auto_assign_conversations(*, limit: int = 500) -> int:
    """Assign waiting unassigned cases, oldest first. Returns how many were assigned."""
    with try_lock("auto-assign", expires_after=60) as lease:
        if not lease:
            return 0
        agents = available_agents()
        if not agents:
            return 0
        load = open_load()
        channels = {agent.pk: {c.pk for c in agent.channels.all()} for agent in agents}
        departments = {agent.pk: {d.pk for d in agent.departments.all()} for agent in agents}
        waiting = list(
            current_conversations()
            .filter(assignee__isnull=True, status__in=ACTIONABLE)
            .order_by("opened_at", "id")
            .values_list("pk", "channel_account_id", "language", "department_id")[:limit]
        )
        assigned = 0
        for pk, channel_id, language, department_id in waiting:
            agent = next(
                (
                    a
                    for a in agents
                    if channel_id in channels[a.pk]
                    and load[a.pk] < a.capacity
                    and (not language or language in a.languages)
                    # Routed to a team: one of its members takes it.
                    and (department_id is None or department_id in departments[a.pk])
                ),
                None,
            )
            if agent is None:
                continue
            if _assign(pk, agent):
                assigned += 1
                load[agent.pk] += 1
                # To the back of the round.
                agents.remove(agent)
                agents.append(agent)
            lease.renew()
        return assigned


@transaction.atomic
def _assign(pk: int, agent: Agent) -> bool:
    now = timezone.now()
    done = Conversation.objects.filter(
        pk=pk, assignee__isnull=True, status__in=ACTIONABLE, merged_into__isnull=True
    ).update(assignee=agent, assigned_at=now, updated_at=now)
    if not done:
        return False  # claimed or closed meanwhile
    Agent.objects.filter(pk=agent.pk).update(last_assigned_at=now)
    ConversationEvent.objects.create(
        conversation_id=pk,
        kind=ConversationEvent.Kind.ASSIGNED,
        data={"to": agent.initials, "auto": True},
    )
    return True


@transaction.atomic
def set_away(*, agent: Agent, away: bool) -> Agent:
    """Away agents get no new cases; the ones they hold stay theirs."""
    if agent.is_away != away:
        agent.is_away = away
        agent.save(update_fields=["is_away", "updated_at"])
        record_audit(actor=agent.user, verb="away" if away else "back", target=agent)
    return agent
