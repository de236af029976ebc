"""One conversation: the thread, the customer panel, the actions and who else is here.

Live: the page posts `/inbox/<id>/presence` every 2 seconds ("I am here", "I am
typing") and gets back who else is viewing or typing and two numbers that move when the
thread changes; when they move it fetches the thread again (`?partial=thread`), leaving
the reply box and the agent's draft alone.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from care.errors import CareError
from care.models import Agent
from care.permissions import access_agent, permission_required
from inbox import conversation_forms as forms
from inbox import selectors
from inbox.models import Conversation, Department, Intent, Message, Sentiment
from inbox.selectors import ConversationMerged
from inbox.services import conversations as actions
from inbox.services import presence, sla, triage
from inbox.services.escalation import escalate_conversation
from responses.models import CallLog, Reply
from responses.services import attachments, case_replies, outbox, signing


def _is_fetch(request: HttpRequest) -> bool:
    return request.headers.get("X-Requested-With") == "fetch"


def _merged_response(request: HttpRequest, merged: ConversationMerged, pk: int) -> HttpResponse:
    text = _("Conversation #%(old)s was merged into #%(new)s: you are looking at #%(new)s now.") % {
        "old": pk,
        "new": merged.target.pk,
    }
    if _is_fetch(request):
        return JsonResponse(
            {"message": text, "code": "merged", "url": _url(merged.target)}, status=409
        )
    messages.warning(request, text)
    return redirect(_url(merged.target))


ConversationView = Callable[..., HttpResponse]


def conversation_view(view: ConversationView) -> Callable[..., HttpResponse]:
    """Open conversation `pk` for the logged-in agent and call `view(request, conversation,
    agent, ...)`; a merged conversation leads to the one it went into, and a missing one is
    a 404 (as JSON for the page's own fetches)."""

    @wraps(view)
    def wrapped(request: HttpRequest, pk: int, *args: Any, **kwargs: Any) -> HttpResponse:
        agent = access_agent(request.user)
        try:
            conversation = selectors.access_conversation(agent, pk)
        except ConversationMerged as merged:
            return _merged_response(request, merged, pk)
        except Http404:
            if not _is_fetch(request):
                raise
            return JsonResponse(
                {"message": _("This conversation no longer exists."), "code": "gone"}, status=404
            )
        return view(request, conversation, agent, *args, **kwargs)

    return wrapped


def _url(conversation: Conversation) -> str:
    return reverse("inbox:conversation", args=[conversation.pk])


def _versions(conversation: Conversation) -> dict[str, int]:
    last_message = Message.objects.filter(conversation=conversation).order_by("-pk").first()
    last_reply = Reply.objects.filter(conversation=conversation).order_by("-pk").first()
    return {
        "message_id": last_message.pk if last_message else 0,
        "reply_id": last_reply.pk if last_reply else 0,
    }


def _page_context(conversation: Conversation, agent: Agent) -> dict[str, Any]:
    return {
        "conversation": conversation,
        "timeline": selectors.conversation_timeline(conversation),
        "viewers": presence.current_viewers(conversation=conversation, exclude=agent),
        "clocks": sla.clock_summary(conversation, timezone.now()),
        "agent": agent,
        # The label correction form under each customer message.
        "topics": triage.active_topics(),
        "sentiments": Sentiment.choices,
        "intents": Intent.choices,
        "language_choices": list(triage.LANGUAGES.items()),
        "version": conversation.updated_at.isoformat(),
    }


@never_cache
@require_GET
@permission_required("care.work_inbox")
@conversation_view
def conversation_detail(
    request: HttpRequest, conversation: Conversation, agent: Agent
) -> HttpResponse:
    context = _page_context(conversation, agent)
    if request.GET.get("partial") == "thread":
        return render(request, "inbox/conversation/_live.html", context)
    presence.record_presence(conversation=conversation, agent=agent)
    context.update(_full_context(conversation, agent))
    return render(request, "inbox/conversation/detail.html", context)


def _full_context(
    conversation: Conversation, agent: Agent, reply_form: forms.ReplyForm | None = None
) -> dict[str, Any]:
    from responses.services.goodwill import goodwill_suggestion

    seen = _versions(conversation)
    moved_private = case_replies.moved_private(conversation)
    return {
        "history": selectors.customer_history(conversation, agent),
        "assignable": selectors.assignable_agents(conversation),
        "departments": Department.objects.all(),
        "merge_candidates": selectors.merge_candidates(conversation, agent),
        "statuses": Conversation.Status.choices,
        "priorities": Conversation.Priority.choices,
        "reply_form": reply_form
        or forms.ReplyForm(
            initial={
                "seen_message_id": seen["message_id"],
                "seen_reply_id": seen["reply_id"],
                "idempotency_key": uuid.uuid4(),
                # Once a case went private, the box answers in private.
                "private": moved_private,
            }
        ),
        "moved_private": moved_private,
        "call_outcomes": CallLog.Outcome.choices,
        "needs_approval": outbox.needs_approval(agent, conversation.channel_account),
        "can_reassign": agent.user.has_perm("care.reassign_conversations"),
        "goodwill": goodwill_suggestion(conversation),
        "nav_section": "inbox",
    }


@never_cache
@require_POST
@permission_required("care.work_inbox")
@conversation_view
def conversation_presence(
    request: HttpRequest, conversation: Conversation, agent: Agent
) -> JsonResponse:
    """The page's heartbeat: record this agent, answer who else is here and what moved."""
    if request.POST.get("leaving"):
        presence.leave_conversation(conversation=conversation, agent=agent)
        return JsonResponse({"left": True})
    presence.record_presence(
        conversation=conversation, agent=agent, typing=request.POST.get("typing") == "1"
    )
    viewers = presence.current_viewers(conversation=conversation, exclude=agent)
    assignee = conversation.assignee
    return JsonResponse(
        {
            "viewers": [
                {"name": v.name, "initials": v.initials, "typing": v.typing} for v in viewers
            ],
            "version": conversation.updated_at.isoformat(),
            "assignee": assignee.initials if assignee else None,
            "assignee_id": conversation.assignee_id,
            "status": conversation.status,
            **_versions(conversation),
        }
    )


# --- Actions: each validates a small form and calls one service ------------------------

Action = Callable[[HttpRequest, Conversation, Agent], str]


def _claim(request: HttpRequest, conversation: Conversation, agent: Agent) -> str:
    actions.claim_conversation(conversation=conversation, by=agent)
    return _("You claimed this conversation.")


def _assign(request: HttpRequest, conversation: Conversation, agent: Agent) -> str:
    form = forms.AssignForm(request.POST)
    _require(form)
    assignee = form.cleaned_data["assignee"]
    actions.assign_conversation(conversation=conversation, assignee=assignee, by=agent)
    if assignee is None:
        return _("Conversation unassigned.")
    return _("Assigned to %(name)s.") % {"name": assignee.display_name}


def _status(request: HttpRequest, conversation: Conversation, agent: Agent) -> str:
    form = forms.StatusForm(request.POST)
    _require(form)
    actions.change_status(conversation=conversation, status=form.cleaned_data["status"], by=agent)
    return _("Status: %(status)s.") % {"status": conversation.get_status_display()}


def _priority(request: HttpRequest, conversation: Conversation, agent: Agent) -> str:
    form = forms.PriorityForm(request.POST)
    _require(form)
    actions.set_priority(
        conversation=conversation, priority=form.cleaned_data["priority"], by=agent
    )
    return _("Priority: %(priority)s.") % {"priority": conversation.get_priority_display()}


def _tags(request: HttpRequest, conversation: Conversation, agent: Agent) -> str:
    form = forms.TagsForm(request.POST)
    _require(form)
    actions.tag_conversation(
        conversation=conversation,
        add=form.cleaned_data["add"],
        remove=form.cleaned_data["remove"],
        by=agent,
    )
    return _("Tags saved.")


def _note(request: HttpRequest, conversation: Conversation, agent: Agent) -> str:
    form = forms.NoteForm(request.POST)
    _require(form)
    actions.add_note(conversation=conversation, text=form.cleaned_data["text"], by=agent)
    return _("Note added.")


def _escalate(request: HttpRequest, conversation: Conversation, agent: Agent) -> str:
    form = forms.EscalateForm(request.POST)
    _require(form)
    department = form.cleaned_data["department"]
    escalate_conversation(
        conversation=conversation,
        department=department,
        by=agent,
        summary=form.cleaned_data["summary"],
        due_at=form.cleaned_data["due_at"],
    )
    return _("Escalated to %(department)s.") % {"department": department.name}


def _labels(request: HttpRequest, conversation: Conversation, agent: Agent) -> str:
    """An agent corrects a customer message's labels; each change is kept for retraining."""
    form = forms.LabelsForm(request.POST)
    _require(form)
    message = conversation.messages.filter(pk=form.cleaned_data["message"]).first()
    if message is None:
        raise CareError(_("That message is not part of this conversation."), code="not_here")
    changed = 0
    for field in ("sentiment", "intent", "language"):
        value = form.cleaned_data[field]
        if value and triage.correct_label(message=message, field=field, value=value, by=agent):
            changed += 1
    if triage.correct_label(
        message=message, field="topics", value=form.cleaned_data["topics"], by=agent
    ):
        changed += 1
    if not changed:
        return _("Nothing to correct: the labels are as they were.")
    return _("Thank you: the correction is saved and kept for retraining.")


def _spam(request: HttpRequest, conversation: Conversation, agent: Agent) -> str:
    actions.mark_spam(conversation=conversation, by=agent)
    return _("Marked as spam and closed.")


ACTIONS: dict[str, Action] = {
    "claim": _claim,
    "assign": _assign,
    "status": _status,
    "priority": _priority,
    "tags": _tags,
    "note": _note,
    "escalate": _escalate,
    "spam": _spam,
    "labels": _labels,
}


def _require(form: Any) -> None:
    if not form.is_valid():
        errors = "; ".join(str(e) for errors in form.errors.values() for e in errors)
        raise CareError(errors or _("Check the form."), code="invalid")


@require_POST
@permission_required("care.work_inbox")
@conversation_view
def conversation_action(
    request: HttpRequest, conversation: Conversation, agent: Agent, action: str
) -> HttpResponse:
    do = ACTIONS.get(action)
    if do is None:
        raise Http404("action")
    try:
        text = do(request, conversation, agent)
    except CareError as error:
        if _is_fetch(request):
            return JsonResponse({"message": error.message, "code": error.code}, status=400)
        messages.error(request, error.message)
    else:
        if _is_fetch(request):
            return JsonResponse({"message": text})
        messages.success(request, text)
    return redirect(request.POST.get("next") or _url(conversation))


@require_POST
@permission_required("care.work_inbox")
@conversation_view
def conversation_merge(request: HttpRequest, source: Conversation, agent: Agent) -> HttpResponse:
    form = forms.MergeForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose the conversation to merge into."))
        return redirect(_url(source))
    try:
        target = selectors.access_conversation(agent, form.cleaned_data["into"])
        actions.merge_conversations(source=source, target=target, by=agent)
    except ConversationMerged:
        messages.error(request, _("That conversation was itself merged; pick another."))
        return redirect(_url(source))
    except CareError as error:
        messages.error(request, error.message)
        return redirect(_url(source))
    messages.success(request, _("#%(old)s merged into this conversation.") % {"old": source.pk})
    return redirect(_url(target))


@require_POST
@permission_required("care.work_inbox")
@conversation_view
def reply_length(request: HttpRequest, conversation: Conversation, agent: Agent) -> JsonResponse:
    """The reply box's counter: the length as the platform counts it, signature included,
    and the tone and sameness warnings the send button asks about once."""
    from responses.services.tone import review_reply

    text = request.POST.get("text", "")[:20_000]
    private = request.POST.get("private") == "1"
    measured = signing.measure(
        text, agent=agent, platform=conversation.channel_account.platform, private=private
    )
    warnings = review_reply(text, conversation=conversation, agent=agent, private=private)
    return JsonResponse(
        {
            "length": measured.length,
            "limit": measured.limit,
            "left": measured.left,
            "signature": measured.signature,
            "warnings": [{"code": w.code, "message": w.message} for w in warnings],
        }
    )


@require_POST
@permission_required("care.work_inbox")
@conversation_view
def conversation_reply(
    request: HttpRequest, conversation: Conversation, agent: Agent
) -> HttpResponse:
    """Queue the agent's reply; warn first when something arrived since the page opened."""
    form = forms.ReplyForm(request.POST, request.FILES)
    if form.is_valid():
        data = form.cleaned_data
        images: list[dict[str, Any]] = []
        try:
            images = attachments.store_images(data["images"])
            reply = outbox.send_reply(
                conversation=conversation,
                by=agent,
                text=data["text"],
                private=data["private"],
                idempotency_key=data["idempotency_key"],
                seen_message_id=data["seen_message_id"],
                seen_reply_id=data["seen_reply_id"],
                confirmed=data["confirmed"],
                attachments=images,
            )
        except CareError as error:
            attachments.discard_images(images)
            if error.code != "new_activity":
                field = "images" if error.code in attachments.ERROR_CODES else "text"
                form.add_error(field, error.message)
            else:
                if images:  # a file input cannot be filled in again by the page
                    messages.warning(request, _("Attach your images again before you send."))
                return _warn_new_activity(request, conversation, agent, form, error)
        else:
            if reply.attachments != images:  # the same key twice: the first send's images
                attachments.discard_images(images)
            if reply.status == Reply.Status.PENDING_APPROVAL:
                messages.success(request, _("Reply sent to a supervisor for approval."))
            else:
                messages.success(request, _("Reply queued: it shows as sent once it is posted."))
            return redirect(_url(conversation) + f"#reply-{reply.pk}")
    context = _page_context(conversation, agent)
    context.update(_full_context(conversation, agent, reply_form=form))
    return render(request, "inbox/conversation/detail.html", context, status=400)


@require_POST
@permission_required("care.work_inbox")
@conversation_view
def reply_retry(
    request: HttpRequest, conversation: Conversation, agent: Agent, reply_id: int
) -> HttpResponse:
    """Queue a failed reply again, as it was or reworded."""
    reply = Reply.objects.filter(conversation=conversation, pk=reply_id).first()
    if reply is None:
        raise Http404("reply")
    try:
        outbox.retry_reply(reply=reply, by=agent, text=request.POST.get("text"))
    except CareError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Reply queued again."))
    return redirect(_url(conversation) + f"#reply-{reply.pk}")


def _warn_new_activity(
    request: HttpRequest,
    conversation: Conversation,
    agent: Agent,
    form: forms.ReplyForm,
    error: CareError,
) -> HttpResponse:
    """Show what arrived first; the reply box keeps the text, and a second send confirms."""
    seen = _versions(conversation)
    confirm_form = forms.ReplyForm(
        initial={
            "text": form.cleaned_data["text"],
            "private": form.cleaned_data["private"],
            "seen_message_id": seen["message_id"],
            "seen_reply_id": seen["reply_id"],
            "confirmed": True,
            "idempotency_key": form.cleaned_data["idempotency_key"],
        }
    )
    context = _page_context(conversation, agent)
    context.update(_full_context(conversation, agent, reply_form=confirm_form))
    context["new_messages"] = Message.objects.filter(
        pk__in=error.extra["message_ids"]
    ).select_related("author_identity", "author_agent")
    context["new_replies"] = Reply.objects.filter(pk__in=error.extra["reply_ids"]).select_related(
        "author"
    )
    return render(request, "inbox/conversation/detail.html", context, status=409)
