"""The bell's page: what the system told this user, newest first."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from care.models import NotificationPreference
from care.notifications import (
    email_preferences,
    mark_all_notifications_read,
    recent_notifications,
    save_email_preferences,
    unread_notification_count,
)


def notifications(request: HttpRequest) -> HttpResponse:
    rows = [
        # Links are written by services, but a link is only rendered if it stays on this site.
        (n, url_has_allowed_host_and_scheme(n.url, allowed_hosts={request.get_host()}))
        for n in recent_notifications(request.user)
    ]
    return render(request, "care/notifications.html", {"rows": rows})


@never_cache
@require_GET
def notification_count(request: HttpRequest) -> JsonResponse:
    """The bell's number, asked by every page every CARE_BELL_POLL_SECONDS: one COUNT."""
    return JsonResponse({"unread": unread_notification_count(request.user)})


@require_POST
def mark_notifications_read(request: HttpRequest) -> HttpResponse:
    count = mark_all_notifications_read(user=request.user)
    if count:
        messages.success(request, _("All notifications are marked read."))
    return redirect("notifications")


class EmailPreferencesForm(forms.Form):
    email_on = forms.MultipleChoiceField(
        choices=NotificationPreference.Kind.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label=gettext_lazy("Also e-mail me about"),
        help_text=gettext_lazy("Notifications always arrive under the bell."),
    )


def notification_settings(request: HttpRequest) -> HttpResponse:
    """Each user (agent or department member) chooses which kinds also come by e-mail."""
    user = request.user
    if not user.is_authenticated:
        raise PermissionDenied
    # Unticking every box posts no field at all: bind on the method, not on the data.
    data = request.POST if request.method == "POST" else None
    form = EmailPreferencesForm(data, initial={"email_on": email_preferences(user)})
    if request.method == "POST" and form.is_valid():
        save_email_preferences(user=user, email_on=form.cleaned_data["email_on"])
        messages.success(request, _("Your notification settings are saved."))
        return redirect("notification-settings")
    return render(
        request, "care/notification_settings.html", {"form": form, "nav_section": "settings"}
    )
