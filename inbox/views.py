"""The shared inbox's pages."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from care.permissions import permission_required
from inbox import selectors
from inbox.models import ChannelAccount, Conversation


@permission_required("care.work_inbox")
def conversation_list(request: HttpRequest) -> HttpResponse:
    counts = selectors.conversation_counts_by_status()
    return render(
        request,
        "inbox/list.html",
        {
            "conversations": selectors.open_conversations()[:50],
            "open_count": sum(counts[status] for status in Conversation.OPEN_STATUSES),
            "has_channels": ChannelAccount.objects.exists(),
        },
    )
