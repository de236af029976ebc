"""Reads of the inbox, shared by pages, the API and dashboards."""

from __future__ import annotations

from django.db.models import Count, QuerySet

from inbox.models import Conversation


def current_conversations() -> QuerySet[Conversation]:
    """Conversations that were not merged into another (those live on in their target)."""
    return Conversation.objects.filter(merged_into__isnull=True)


def conversation_counts_by_status() -> dict[str, int]:
    """{status: count} for every status, zero included; one GROUP BY query."""
    counts = dict(current_conversations().values_list("status").annotate(n=Count("id")).order_by())
    return {status: counts.get(status, 0) for status in Conversation.Status.values}


def open_conversations() -> QuerySet[Conversation]:
    return (
        current_conversations()
        .filter(status__in=Conversation.OPEN_STATUSES)
        .select_related("customer", "channel_account", "assignee")
        .order_by("-last_activity_at")
    )
