"""Approvals: supervisors review the replies that wait for them."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from care.errors import CareError
from care.permissions import access_agent, permission_required
from responses.models import Reply
from responses.services import approval


@permission_required("care.approve_replies")
def approvals(request: HttpRequest) -> HttpResponse:
    waiting = list(approval.waiting_for_approval()[:200])
    return render(
        request,
        "responses/approvals.html",
        {"waiting": waiting, "nav_section": "approvals"},
    )


@require_POST
@permission_required("care.approve_replies")
def review(request: HttpRequest, pk: int) -> HttpResponse:
    reply = get_object_or_404(Reply, pk=pk)
    supervisor = access_agent(request.user)
    try:
        if request.POST.get("decision") == "reject":
            approval.reject_reply(reply=reply, by=supervisor, reason=request.POST.get("reason", ""))
            messages.success(
                request,
                _("Rejected; ^%(initials)s was told why.") % {"initials": reply.author.initials},
            )
        else:
            approval.approve_reply(reply=reply, by=supervisor, text=request.POST.get("text"))
            messages.success(request, _("Approved: the reply is queued for posting."))
    except CareError as error:
        messages.error(request, error.message)
    return redirect("responses:approvals")
