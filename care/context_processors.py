from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from care.notifications import unread_notification_count

CHANNEL_PAGES = ("inbox:channels", "inbox:deliver")


def navigation(request: HttpRequest) -> dict[str, Any]:
    """What the base template's navigation needs on every page."""
    user = request.user
    agent = getattr(user, "agent", None) if user.is_authenticated else None
    match = getattr(request, "resolver_match", None)
    section = match.namespace or match.url_name if match else ""
    if match and match.view_name.startswith(CHANNEL_PAGES):
        section = "channels"  # the health board has its own tab, though it lives under inbox/
    return {
        "current_agent": agent,
        "nav_section": section,
        # Lazy: one COUNT, run only by templates that show the bell (not JSON or partials).
        "unread_notifications": SimpleLazyObject(lambda: unread_notification_count(user)),
        "bell_poll_seconds": settings.CARE_BELL_POLL_SECONDS,
        # Lazy too: counted only for supervisors, whose menu shows it.
        "approvals_waiting": SimpleLazyObject(lambda: _approvals_waiting(user)),
    }


def _approvals_waiting(user: Any) -> int:
    if not user.is_authenticated or not user.has_perm("care.approve_replies"):
        return 0
    from responses.models import Reply

    return Reply.objects.filter(status=Reply.Status.PENDING_APPROVAL).count()
