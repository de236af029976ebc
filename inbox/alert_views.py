"""Early-warning alerts: the page of one spike, closing it, and its incident."""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from care.errors import CareError
from care.permissions import access_agent, permission_required
from inbox.models import Incident, VolumeAlert
from inbox.selectors import visible_channel_ids
from inbox.services import alerts


@require_GET
@permission_required("care.work_inbox")
def alert_detail(request: HttpRequest, pk: int) -> HttpResponse:
    alert = get_object_or_404(VolumeAlert.objects.select_related("topic", "channel_account"), pk=pk)
    agent = access_agent(request.user)
    conversations = alerts.spike_conversations(alert)
    channel_ids = visible_channel_ids(agent)
    if channel_ids is not None:  # an agent sees the cases of the channels they work
        conversations = [c for c in conversations if c.channel_account_id in channel_ids]
    return render(
        request,
        "inbox/alert.html",
        {
            "alert": alert,
            "conversations": conversations[:200],
            "total": len(conversations),
            "incidents": alert.incidents.all(),
            "can_act": request.user.has_perm("care.view_dashboard"),
            # One key per page: a double submit of an incident answer posts once.
            "answer_key": uuid.uuid4(),
            "nav_section": "inbox",
        },
    )


@require_POST
@permission_required("care.view_dashboard")
def alert_close(request: HttpRequest, pk: int) -> HttpResponse:
    alert = get_object_or_404(VolumeAlert, pk=pk)
    alerts.close_alert(alert=alert, by=access_agent(request.user))
    messages.success(request, _("Alert closed."))
    return redirect("inbox:list")


@require_POST
@permission_required("care.view_dashboard")
def alert_incident(request: HttpRequest, pk: int) -> HttpResponse:
    alert = get_object_or_404(VolumeAlert.objects.select_related("topic", "channel_account"), pk=pk)
    incident = alerts.open_incident(
        alert=alert, name=request.POST.get("name", ""), by=access_agent(request.user)
    )
    messages.success(
        request,
        _("Incident “%(name)s” opened with %(count)s conversations.")
        % {"name": incident.name, "count": incident.conversations.count()},
    )
    return redirect("inbox:alert", pk=alert.pk)


@require_POST
@permission_required("care.view_dashboard")
def incident_answer(request: HttpRequest, pk: int) -> HttpResponse:
    incident = get_object_or_404(Incident, pk=pk)
    try:
        drafted = alerts.answer_incident(
            incident=incident,
            template=request.POST.get("template", ""),
            by=access_agent(request.user),
            idempotency_key=_key(request.POST.get("idempotency_key")),
        )
    except CareError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request,
            _("%(count)s personalised answers queued on their cases.") % {"count": drafted},
        )
    if incident.alert_id:
        return redirect("inbox:alert", pk=incident.alert_id)
    return redirect("inbox:list")


def _key(value: str | None) -> uuid.UUID | None:
    try:
        return uuid.UUID(value or "")
    except ValueError:
        return None
