"""The conversation page's reply actions: acknowledge, move to private, log a call,
resolve with a public summary. Each is one service call."""

from __future__ import annotations

import uuid
from collections.abc import Callable

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from care.errors import CareError
from care.models import Agent
from care.permissions import permission_required
from inbox.conversation_views import conversation_view
from inbox.models import Conversation
from responses.models import Reply
from responses.services import case_replies


def _key(request: HttpRequest) -> uuid.UUID:
    try:
        return uuid.UUID(request.POST.get("idempotency_key", ""))
    except ValueError:
        return uuid.uuid4()  # an old page without a key: acts, unprotected


def _back(conversation: Conversation, anchor: str = "") -> HttpResponse:
    return redirect(reverse("inbox:conversation", args=[conversation.pk]) + anchor)


def _send_with_purpose(
    request: HttpRequest,
    conversation: Conversation,
    agent: Agent,
    action: Callable[..., Reply],
    done: str,
) -> HttpResponse:
    """Run one of the reply actions with the form's key and text; say how it went."""
    try:
        reply = action(
            conversation=conversation,
            by=agent,
            idempotency_key=_key(request),
            text=request.POST.get("text", ""),
        )
    except CareError as error:
        messages.error(request, error.message)
        return _back(conversation)
    messages.success(request, done)
    return _back(conversation, f"#reply-{reply.pk}")


@require_POST
@permission_required("care.work_inbox")
@conversation_view
def acknowledge(request: HttpRequest, conversation: Conversation, agent: Agent) -> HttpResponse:
    return _send_with_purpose(
        request, conversation, agent, case_replies.acknowledge, _("Acknowledgement queued.")
    )


@require_POST
@permission_required("care.work_inbox")
@conversation_view
def move_to_private(request: HttpRequest, conversation: Conversation, agent: Agent) -> HttpResponse:
    return _send_with_purpose(
        request,
        conversation,
        agent,
        case_replies.move_to_private,
        _("Invitation queued: what the customer sends in private joins this case."),
    )


@require_POST
@permission_required("care.work_inbox")
@conversation_view
def log_call(request: HttpRequest, conversation: Conversation, agent: Agent) -> HttpResponse:
    minutes_text = request.POST.get("minutes", "").strip()
    try:
        case_replies.log_call(
            conversation=conversation,
            by=agent,
            outcome=request.POST.get("outcome", ""),
            notes=request.POST.get("notes", "")[:5000],
            minutes=int(minutes_text) if minutes_text.isdigit() else None,
        )
    except CareError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Call logged on the case."))
    return _back(conversation)


@require_POST
@permission_required("care.work_inbox")
@conversation_view
def resolve_with_summary(
    request: HttpRequest, conversation: Conversation, agent: Agent
) -> HttpResponse:
    try:
        reply = case_replies.resolve_with_summary(
            conversation=conversation,
            by=agent,
            idempotency_key=_key(request),
            summary=request.POST.get("summary", ""),
        )
    except CareError as error:
        messages.error(request, error.message)
        return _back(conversation)
    if reply is None:
        messages.success(request, _("Resolved."))
    else:
        messages.success(request, _("Resolved; the public summary is queued."))
    return _back(conversation)
