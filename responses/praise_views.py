"""The conversation page's "Thank & like" (t): one POST, one service."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, JsonResponse
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
from responses.services.praise import praised_message, thank_and_like


@require_POST
@permission_required("care.work_inbox")
@conversation_view
def thank(request: HttpRequest, conversation: Conversation, agent: Agent) -> HttpResponse:
    url = reverse("inbox:conversation", args=[conversation.pk])
    fetch = request.headers.get("X-Requested-With") == "fetch"
    try:
        reply = thank_and_like(conversation=conversation, by=agent)
    except CareError as error:
        if fetch:
            return JsonResponse({"message": error.message, "code": error.code}, status=400)
        messages.error(request, error.message)
        return redirect(url)
    if reply.author_id != agent.pk:
        text = _("^%(initials)s already thanked this customer.") % {
            "initials": reply.author.initials
        }
    elif reply.status == Reply.Status.FAILED:
        text = _("The thanks was not posted: %(reason)s Retry it in the thread.") % {
            "reason": reply.error
        }
    elif reply.status == Reply.Status.PENDING_APPROVAL:
        text = _("Thanks sent to a supervisor for approval.")
    else:
        text = _("Thanks queued: it shows as sent once it is posted.")
    if reply.author_id == agent.pk and praised_message(conversation) is not None:
        text += " " + _("The customer's post is liked too.")
    if fetch:
        return JsonResponse({"message": text, "reply": reply.pk})
    messages.success(request, text)
    return redirect(f"{url}#reply-{reply.pk}")
