"""Channel pages: the health board agents watch, the settings supervisors change, and
the webhook deliveries (dead letters) they inspect and replay.

Every write goes through inbox/services/channels.py or webhooks.py; tokens only ever
travel from a form into save_channel_credentials/connect_channel, never back out.
"""

from __future__ import annotations

import json
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Count
from django.db.models.functions import Length
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from care.crypto import CredentialsUnreadable
from care.errors import CareError
from care.permissions import permission_required
from inbox.channel_forms import (
    PLATFORM_FORMS,
    ChannelSettingsForm,
    ChannelTokensForm,
    ConnectChannelForm,
)
from inbox.models import ChannelAccount, ChannelIncident, WebhookDelivery
from inbox.services.channels import (
    channel_health_rows,
    connect_channel,
    pause_channel,
    resume_channel,
    save_channel_credentials,
    test_channel_connection,
    update_channel_settings,
)
from inbox.services.webhooks import replay_webhook_delivery

# How often the health board refreshes itself; the template hands it to care.js.
HEALTH_REFRESH_SECONDS = 5
RECENT_INCIDENTS = 10
DELIVERY_TABS = {
    WebhookDelivery.Status.DEAD: gettext_lazy("Dead letters"),
    WebhookDelivery.Status.RECEIVED: gettext_lazy("Received"),
    WebhookDelivery.Status.IGNORED: gettext_lazy("Ignored"),
    WebhookDelivery.Status.PROCESSED: gettext_lazy("Processed"),
}


# --- the health board --------------------------------------------------------------------
@never_cache
@permission_required("care.work_inbox")
def channel_health(request: HttpRequest) -> HttpResponse:
    """Every account's health; `?partial=1` is the board alone, for the 5-second refresh."""
    can_manage = request.user.has_perm("care.manage_channels")
    context = {
        "rows": channel_health_rows(),
        "incidents": ChannelIncident.objects.select_related("channel_account")[:RECENT_INCIDENTS],
        "can_manage": can_manage,
        "dead_letters": (
            WebhookDelivery.objects.filter(status=WebhookDelivery.Status.DEAD).count()
            if can_manage
            else 0
        ),
        "refresh_seconds": HEALTH_REFRESH_SECONDS,
    }
    if request.GET.get("partial"):
        return render(request, "inbox/channels/_health.html", context)
    return render(request, "inbox/channels/health.html", context)


# --- Settings → Channels -----------------------------------------------------------------
@permission_required("care.manage_channels")
def channel_settings(request: HttpRequest) -> HttpResponse:
    """The accounts, and the form that connects a new one."""
    form = ConnectChannelForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            account = connect_channel(
                platform=data["platform"],
                external_id=data["external_id"],
                name=data["name"],
                credentials=form.credentials(data["platform"]),
                by=request.user,
                poll_interval_seconds=data["poll_interval_seconds"],
                monthly_read_budget=data["monthly_read_budget"],
            )
        except CareError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(
                request, _("%(account)s is connected; polling starts.") % {"account": account}
            )
            return redirect("settings:channel", account.pk)
    return render(
        request,
        "care/settings/channels.html",
        {
            "accounts": ChannelAccount.objects.all(),
            "form": form,
            "simulator_url": settings.SIMULATOR_URL,
        },
    )


def _saved_token_names(account: ChannelAccount) -> set[str] | None:
    """Which tokens are stored (names only), or None when they cannot be decrypted."""
    try:
        return set(account.credentials)
    except CredentialsUnreadable:
        return None


def _render_channel(
    request: HttpRequest,
    account: ChannelAccount,
    *,
    settings_form: ChannelSettingsForm | None = None,
    tokens_form: ChannelTokensForm | None = None,
) -> HttpResponse:
    saved = _saved_token_names(account)
    settings_form = settings_form or ChannelSettingsForm(
        platform=account.platform,
        initial={
            "poll_interval_seconds": account.poll_interval_seconds,
            "monthly_read_budget": account.monthly_read_budget,
        },
    )
    tokens_form = tokens_form or ChannelTokensForm(platform=account.platform, saved=saved or set())
    return render(
        request,
        "care/settings/channel.html",
        {
            "account": account,
            "settings_form": settings_form,
            "tokens_form": tokens_form,
            "credentials_unreadable": saved is None,
            "incidents": account.incidents.all()[:RECENT_INCIDENTS],
        },
    )


@permission_required("care.manage_channels")
def channel_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One account: its polling settings (POST here), tokens, test, pause and resume."""
    account = get_object_or_404(ChannelAccount, pk=pk)
    if request.method != "POST":
        return _render_channel(request, account)
    form = ChannelSettingsForm(request.POST, platform=account.platform)
    if not form.is_valid():
        return _render_channel(request, account, settings_form=form)
    update_channel_settings(account=account, by=request.user, **form.values)
    messages.success(request, _("The polling settings are saved."))
    return redirect("settings:channel", account.pk)


@permission_required("care.manage_channels")
@require_POST
def channel_tokens(request: HttpRequest, pk: int) -> HttpResponse:
    account = get_object_or_404(ChannelAccount, pk=pk)
    saved = _saved_token_names(account)
    form = ChannelTokensForm(request.POST, platform=account.platform, saved=saved or set())
    if not form.is_valid():
        return _render_channel(request, account, tokens_form=form)
    was_waiting = account.status == ChannelAccount.Status.REAUTH_REQUIRED
    save_channel_credentials(
        account=account, credentials=form.credentials(account.platform), by=request.user
    )
    if was_waiting:
        messages.success(request, _("The new tokens are saved; polling resumes."))
    else:
        messages.success(request, _("The new tokens are saved."))
    return redirect("settings:channel", account.pk)


@permission_required("care.manage_channels")
@require_POST
def channel_test(request: HttpRequest, pk: int) -> HttpResponse:
    account = get_object_or_404(ChannelAccount, pk=pk)
    try:
        name = test_channel_connection(account=account)
    except CareError as exc:
        messages.error(request, _("The connection failed: %(error)s") % {"error": exc.message})
    except CredentialsUnreadable:
        messages.error(
            request,
            _("The stored tokens cannot be decrypted: check CARE_ENCRYPTION_KEYS first."),
        )
    else:
        handle = PLATFORM_FORMS[account.platform].handle_prefix + name
        messages.success(request, _("Connected as %(name)s.") % {"name": handle})
    return redirect("settings:channel", account.pk)


def _back(request: HttpRequest, account: ChannelAccount) -> HttpResponse:
    """Back to the page the button was on (the list or the account), never off-site."""
    target = request.POST.get("next", "")
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return redirect(target)
    return redirect("settings:channel", account.pk)


@permission_required("care.manage_channels")
@require_POST
def channel_pause(request: HttpRequest, pk: int) -> HttpResponse:
    account = pause_channel(account=get_object_or_404(ChannelAccount, pk=pk), by=request.user)
    messages.success(
        request, _("%(account)s is paused: nothing is fetched.") % {"account": account}
    )
    return _back(request, account)


@permission_required("care.manage_channels")
@require_POST
def channel_resume(request: HttpRequest, pk: int) -> HttpResponse:
    account = resume_channel(account=get_object_or_404(ChannelAccount, pk=pk), by=request.user)
    messages.success(request, _("%(account)s is polling again.") % {"account": account})
    return _back(request, account)


# --- webhook deliveries --------------------------------------------------------------------
@permission_required("care.manage_channels")
def deliveries(request: HttpRequest) -> HttpResponse:
    """Deliveries of one status, dead letters first: the ones someone must look at."""
    status = request.GET.get("status", WebhookDelivery.Status.DEAD)
    if status not in DELIVERY_TABS:
        status = WebhookDelivery.Status.DEAD
    counts = dict(WebhookDelivery.objects.values_list("status").annotate(n=Count("id")).order_by())
    # The bodies stay in the database: the list needs their size, not their text.
    rows = (
        WebhookDelivery.objects.filter(status=status)
        .defer("body")
        .annotate(size=Length("body"))
        .order_by("-received_at", "-id")
    )
    tabs = [(value, label, counts.get(value, 0)) for value, label in DELIVERY_TABS.items()]
    return render(
        request,
        "inbox/channels/deliveries.html",
        {
            "page": Paginator(rows, 50).get_page(request.GET.get("page")),
            "status": status,
            "tabs": tabs,
        },
    )


def _pretty_body(body: str) -> tuple[str, bool]:
    """The body indented when it is JSON, else as it came; the template escapes both."""
    try:
        return json.dumps(json.loads(body), indent=2, ensure_ascii=False), True
    except ValueError:
        return body, False


@permission_required("care.manage_channels")
def delivery_detail(request: HttpRequest, pk: int) -> HttpResponse:
    delivery = get_object_or_404(WebhookDelivery, pk=pk)
    body, is_json = _pretty_body(delivery.body)
    context: dict[str, Any] = {
        "delivery": delivery,
        "body": body,
        "is_json": is_json,
        "headers": sorted(delivery.headers.items()),
        "can_replay": delivery.status
        in (WebhookDelivery.Status.DEAD, WebhookDelivery.Status.IGNORED),
    }
    return render(request, "inbox/channels/delivery.html", context)


@permission_required("care.manage_channels")
@require_POST
def delivery_replay(request: HttpRequest, pk: int) -> HttpResponse:
    delivery = get_object_or_404(WebhookDelivery, pk=pk)
    delivery = replay_webhook_delivery(delivery=delivery, by=request.user)
    if delivery.status == WebhookDelivery.Status.DEAD:
        messages.error(
            request,
            _("Delivery %(id)s is still a dead letter: %(error)s")
            % {"id": delivery.pk, "error": delivery.error},
        )
    else:
        messages.success(
            request, _("Delivery %(id)s is queued to be processed again.") % {"id": delivery.pk}
        )
    return redirect("inbox:delivery", delivery.pk)
