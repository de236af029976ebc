"""The shared inbox's pages.

Live updates: the list page polls `/inbox/live` every 3 seconds, a cheap JSON of three
numbers, and fetches the list again (`?partial=1`, the list alone) only when they moved
(htmx-style polling, no full reload). It needs nothing but the database, so the demo
without Redis is live too. care/live.py already publishes each stored update on Redis
pub/sub (`care:inbox`); a Server-Sent Events endpoint can subscribe to it later and
push instead, with this poll kept as the fallback.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Max
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from care.permissions import permission_required
from inbox import selectors
from inbox.models import ChannelAccount, Conversation, Message

# How often the list page asks /inbox/live; the template hands it to care.js.
LIVE_POLL_SECONDS = 3


def _open_count() -> int:
    counts = selectors.conversation_counts_by_status()
    return sum(counts[status] for status in Conversation.OPEN_STATUSES)


@never_cache
@permission_required("care.work_inbox")
def conversation_list(request: HttpRequest) -> HttpResponse:
    context = {
        "conversations": selectors.open_conversations()[:50],
        "open_count": _open_count(),
        "has_channels": ChannelAccount.objects.exists(),
        "live_poll_seconds": LIVE_POLL_SECONDS,
    }
    if request.GET.get("partial"):
        return render(request, "inbox/_list.html", context)
    return render(request, "inbox/list.html", context)


@never_cache
@require_GET
@permission_required("care.work_inbox")
def live(request: HttpRequest) -> JsonResponse:
    """Three numbers that move when the inbox changes: cheap enough to ask every 3 s."""
    latest = Message.objects.aggregate(latest=Max("id"))["latest"]
    changed = selectors.current_conversations().aggregate(at=Max("last_activity_at"))["at"]
    data: dict[str, Any] = {
        "latest_message_id": latest or 0,
        "open_count": _open_count(),
        "changed_at": changed.isoformat() if changed else None,
    }
    return JsonResponse(data)
