"""The bell's page: what the system told this user, newest first."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from care.notifications import mark_all_notifications_read, recent_notifications


def notifications(request: HttpRequest) -> HttpResponse:
    rows = [
        # Links are written by services, but a link is only rendered if it stays on this site.
        (n, url_has_allowed_host_and_scheme(n.url, allowed_hosts={request.get_host()}))
        for n in recent_notifications(request.user)
    ]
    return render(request, "care/notifications.html", {"rows": rows})


@require_POST
def mark_notifications_read(request: HttpRequest) -> HttpResponse:
    count = mark_all_notifications_read(user=request.user)
    if count:
        messages.success(request, _("All notifications are marked read."))
    return redirect("notifications")
