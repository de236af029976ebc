"""The shared inbox's pages."""

from __future__ import annotations

from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from care.permissions import permission_required
from inbox.models import ChannelAccount, Conversation


@permission_required("care.work_inbox")
def conversation_list(request: HttpRequest) -> HttpResponse:
    open_statuses = [s for s in Conversation.Status.values if s not in ("resolved", "closed")]
    conversations = (
        Conversation.objects.filter(status__in=open_statuses, merged_into__isnull=True)
        .select_related("customer", "channel_account", "assignee")
        .order_by("-last_activity_at")[:50]
    )
    counts = dict(
        Conversation.objects.filter(merged_into__isnull=True)
        .values_list("status")
        .annotate(n=Count("id"))
        .order_by()
    )
    return render(
        request,
        "inbox/list.html",
        {
            "conversations": conversations,
            "open_count": sum(counts.get(s, 0) for s in open_statuses),
            "has_channels": ChannelAccount.objects.exists(),
        },
    )
