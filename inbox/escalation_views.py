"""The department's pages: its open escalations, and one escalation's focused page where
members read the case, answer the care team and hand it back. Members need not be agents:
access is membership (or the care agent's own access to the case), not an inbox role."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from care.errors import CareError
from inbox.models import Escalation, Message
from inbox.services import departments


def _user(request: HttpRequest) -> User:
    # LoginRequiredMiddleware lets only logged-in users this far.
    if not isinstance(request.user, User):
        raise PermissionDenied
    return request.user


def _escalation(request: HttpRequest, pk: int) -> Escalation:
    escalation = get_object_or_404(
        Escalation.objects.select_related(
            "conversation__customer", "conversation__channel_account", "department", "raised_by"
        ),
        pk=pk,
    )
    if not departments.may_see(request.user, escalation):
        raise PermissionDenied
    return escalation


def escalation_list(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "inbox/escalations/list.html",
        {
            "escalations": departments.open_escalations_for(_user(request)),
            "nav_section": "escalations",
        },
    )


def escalation_detail(request: HttpRequest, pk: int) -> HttpResponse:
    escalation = _escalation(request, pk)
    thread = (
        Message.objects.filter(conversation=escalation.conversation, deleted_at__isnull=True)
        .select_related("author_identity", "author_agent")
        .order_by("platform_created_at", "id")
    )
    return render(
        request,
        "inbox/escalations/detail.html",
        {
            "escalation": escalation,
            "thread": thread,
            "comments": escalation.comments.select_related("author"),
            "is_member": escalation.department.members.filter(pk=_user(request).pk).exists(),
            "nav_section": "escalations",
        },
    )


@require_POST
def escalation_comment(request: HttpRequest, pk: int) -> HttpResponse:
    escalation = _escalation(request, pk)
    try:
        departments.comment(
            escalation=escalation, author=_user(request), text=request.POST.get("text", "")
        )
    except CareError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Sent to the thread."))
    return redirect("inbox:escalation", pk=escalation.pk)


@require_POST
def escalation_hand_back(request: HttpRequest, pk: int) -> HttpResponse:
    escalation = _escalation(request, pk)
    try:
        departments.hand_back(
            escalation=escalation, by=_user(request), note=request.POST.get("note", "")
        )
    except CareError as error:
        messages.error(request, error.message)
        return redirect("inbox:escalation", pk=escalation.pk)
    messages.success(request, _("Handed back to the care team. Thank you."))
    return redirect("inbox:escalations")
