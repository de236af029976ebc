"""Settings → Webhooks: other tools' subscriptions to events, and each one's delivery log.

Every write goes through care/outbound_webhooks.py. A secret travels out once, in the
page that answers the creation, and never again.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from care.errors import CareError
from care.models import WebhookDelivery, WebhookSubscription
from care.outbound_webhooks import (
    EVENTS,
    create_webhook_subscription,
    delete_webhook_subscription,
    replay_webhook_delivery,
    send_test_event,
    set_webhook_active,
)
from care.permissions import permission_required

PERM = "care.manage_webhooks"
LOG_PAGE_SIZE = 50


class WebhookForm(forms.Form):
    name = forms.CharField(
        label=gettext_lazy("Name"),
        max_length=80,
        help_text=gettext_lazy("What receives it, e.g. “CRM”."),
    )
    # The service refuses other schemes too; the form says so next to the field.
    url = forms.URLField(
        label=gettext_lazy("URL"),
        max_length=500,
        assume_scheme="https",
        help_text=gettext_lazy("An http:// or https:// address that answers POST with a 2xx."),
    )
    events = forms.MultipleChoiceField(
        label=gettext_lazy("Events"),
        choices=list(EVENTS.items()),
        widget=forms.CheckboxSelectMultiple,
    )

    def clean_url(self) -> str:
        url: str = self.cleaned_data["url"]
        if not url.lower().startswith(("http://", "https://")):
            raise forms.ValidationError(_("Enter an http:// or https:// address."))
        return url


# never_cache: the page that shows a new secret must not stay in any cache.
@never_cache
@permission_required(PERM)
@require_http_methods(["GET", "POST"])
def webhooks(request: HttpRequest) -> HttpResponse:
    """The subscriptions, and the form that adds one (its secret is shown once, here)."""
    form = WebhookForm(request.POST if request.method == "POST" else None)
    new_secret = created = None
    if request.method == "POST" and form.is_valid():
        try:
            created, new_secret = create_webhook_subscription(by=request.user, **form.cleaned_data)
        except CareError as error:
            form.add_error(None, error.message)
        else:
            form = WebhookForm()
    return render(
        request,
        "care/settings/webhooks.html",
        {
            "form": form,
            "subscriptions": WebhookSubscription.objects.all(),
            "created": created,
            "new_secret": new_secret,
            "event_labels": EVENTS,
            "nav_section": "settings",
        },
    )


@permission_required(PERM)
def webhook_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One subscription: its events, pause/resume/test/delete, and its deliveries, newest first."""
    subscription = get_object_or_404(WebhookSubscription, pk=pk)
    log = subscription.deliveries.defer("payload").order_by("-created_at", "-id")
    context: dict[str, Any] = {
        "subscription": subscription,
        "event_labels": [EVENTS.get(event, event) for event in subscription.events],
        "page": Paginator(log, LOG_PAGE_SIZE).get_page(request.GET.get("page")),
        "nav_section": "settings",
    }
    return render(request, "care/settings/webhook.html", context)


@permission_required(PERM)
@require_POST
def webhook_set_active(request: HttpRequest, pk: int, *, active: bool) -> HttpResponse:
    """Pause or resume (the URL says which)."""
    subscription = get_object_or_404(WebhookSubscription, pk=pk)
    set_webhook_active(subscription=subscription, active=active, by=request.user)
    done = _("“%(name)s” gets events again.") if active else _("“%(name)s” is paused.")
    messages.success(request, done % {"name": subscription.name})
    return redirect("settings:webhook", subscription.pk)


@permission_required(PERM)
@require_POST
def webhook_test(request: HttpRequest, pk: int) -> HttpResponse:
    subscription = get_object_or_404(WebhookSubscription, pk=pk)
    try:
        send_test_event(subscription=subscription, by=request.user)
    except CareError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request, _("A test event is on its way; its result appears in the log below.")
        )
    return redirect("settings:webhook", subscription.pk)


@permission_required(PERM)
@require_http_methods(["GET", "POST"])
def webhook_delete(request: HttpRequest, pk: int) -> HttpResponse:
    """GET asks for confirmation; POST deletes."""
    subscription = get_object_or_404(WebhookSubscription, pk=pk)
    if request.method == "POST":
        delete_webhook_subscription(subscription=subscription, by=request.user)
        messages.success(request, _("“%(name)s” is deleted.") % {"name": subscription.name})
        return redirect("settings:webhooks")
    return render(
        request,
        "care/settings/webhook.html",
        {"subscription": subscription, "confirm_delete": True, "nav_section": "settings"},
    )


@permission_required(PERM)
@require_POST
def webhook_replay(request: HttpRequest, pk: int) -> HttpResponse:
    delivery = get_object_or_404(WebhookDelivery.objects.select_related("subscription"), pk=pk)
    try:
        replay_webhook_delivery(delivery=delivery, by=request.user)
    except CareError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request,
            _("Delivery %(id)s is sent again, with the same event id.") % {"id": delivery.pk},
        )
    return redirect("settings:webhook", delivery.subscription_id)
