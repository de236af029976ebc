"""The shared inbox's list, its live numbers and bulk actions.

Live updates: the list page asks `/inbox/live` every second for two numbers that move
when this agent's inbox changes (the newest message id, the latest conversation change:
two index lookups), and fetches the list again (`?partial=1`: counts and rows, not the
search box) only when they moved. Polling rather than server-sent events: it needs
nothing but the database, so the demo without Redis is live too, it survives proxies
and sleeping laptops, and a sync web worker is never held by an open stream. Measured
ingest-to-screen latency is in docs/benchmarks.md.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from care.errors import CareError
from care.models import Agent
from care.permissions import access_agent, permission_required
from inbox import selectors
from inbox.list_rows import present_rows
from inbox.models import ChannelAccount, Conversation, Department, Intent, Sentiment, Tag, Topic
from inbox.services import alerts, bulk, sla
from inbox.services.assignment import set_away

# How often the list page asks /inbox/live; the template hands it to care.js.
LIVE_POLL_SECONDS = 1


def _list_context(request: HttpRequest, agent: Agent) -> dict[str, object]:
    query = selectors.InboxQuery.from_params(request.GET)
    now = timezone.now()
    rows, more = selectors.inbox_rows(agent, query)
    channel_ids = selectors.visible_channel_ids(agent)
    channels = ChannelAccount.objects.all()
    if channel_ids is not None:
        channels = channels.filter(pk__in=channel_ids)
    return {
        "query": query,
        "conversations": present_rows(rows, agent=agent, now=now, sla_rules=sla.load_rules()),
        "has_more": more,
        "counts": selectors.view_counts(agent),
        "views": [
            ("mine", _("Mine")),
            ("unassigned", _("Unassigned")),
            ("all", _("All open")),
            ("waiting", _("Waiting on customer")),
            ("escalated", _("Escalated")),
            ("resolved", _("Resolved")),
        ],
        "channels": list(channels),
        "departments": list(Department.objects.all()),
        "has_channels": ChannelAccount.objects.exists(),
        "agent": agent,
        "alerts": alerts.open_alerts(),
    }


@never_cache
@require_GET
@permission_required("care.work_inbox")
def conversation_list(request: HttpRequest) -> HttpResponse:
    agent = access_agent(request.user)
    if request.GET.get("partial"):
        return render(request, "inbox/_list.html", _list_context(request, agent))
    # Taken before the rows, so a change made while the page loads still makes it refresh.
    seen = selectors.inbox_version(agent)
    context = _list_context(request, agent)
    context.update(
        {
            "live_poll_seconds": LIVE_POLL_SECONDS,
            # The key inbox.js builds from /inbox/live's answer, as of this render.
            "live_seen": f"{seen['latest_message_id']}|{seen['changed_at'] or 'null'}",
            "statuses": Conversation.Status.choices,
            "priorities": Conversation.Priority.choices,
            "sentiments": Sentiment.choices,
            "intents": Intent.choices,
            "topics": Topic.objects.filter(is_active=True).values_list("name", flat=True),
            "tags": Tag.objects.order_by("name").values_list("name", flat=True)[:200],
            "sorts": [
                ("activity", _("Last activity")),
                ("age", _("Oldest first")),
                ("priority", _("Priority")),
                ("due", _("Answer due")),
            ],
            "assignable": selectors.assignable_agents(),
            "undo_seconds": settings.CARE_UNDO_SECONDS,
            "nav_section": "inbox",
        }
    )
    return render(request, "inbox/list.html", context)


@never_cache
@require_GET
@permission_required("care.work_inbox")
def live(request: HttpRequest) -> JsonResponse:
    """Two numbers that move when this agent's inbox changes: cheap enough every second."""
    return JsonResponse(selectors.inbox_version(access_agent(request.user)))


@require_POST
@permission_required("care.work_inbox")
def bulk_action(request: HttpRequest) -> JsonResponse:
    """One chunk of a bulk action; the page sends a big selection in chunks for progress."""
    agent = access_agent(request.user)
    try:
        group = uuid.UUID(request.POST.get("group", ""))
        ids = [int(pk) for pk in request.POST.getlist("ids")]
    except ValueError:
        return JsonResponse({"message": _("Malformed request."), "code": "bad_request"}, status=400)
    assignee = None
    if request.POST.get("assignee"):
        assignee = Agent.objects.filter(pk=request.POST["assignee"]).first()
    try:
        outcome = bulk.apply_bulk_action(
            agent=agent,
            group=group,
            action=request.POST.get("action", ""),
            conversation_ids=ids,
            tag=request.POST.get("tag", ""),
            assignee=assignee,
        )
    except CareError as error:
        return JsonResponse({"message": error.message, "code": error.code}, status=400)
    return JsonResponse({"changed": outcome.changed, "skipped": outcome.skipped})


@require_POST
@permission_required("care.work_inbox")
def bulk_undo(request: HttpRequest, group: uuid.UUID) -> JsonResponse:
    agent = access_agent(request.user)
    try:
        restored = bulk.undo_bulk_action(agent=agent, group=group)
    except CareError as error:
        return JsonResponse({"message": error.message, "code": error.code}, status=400)
    return JsonResponse({"restored": restored})


@require_POST
@permission_required("care.work_inbox")
def toggle_away(request: HttpRequest) -> HttpResponse:
    """Away agents get no new cases; back, they rejoin the round."""
    agent = access_agent(request.user)
    set_away(agent=agent, away=request.POST.get("away") == "1")
    if agent.is_away:
        messages.info(request, _("You are away: new conversations go to the others."))
    else:
        messages.success(request, _("Welcome back: new conversations come to you again."))
    return redirect(request.POST.get("next") or "inbox:list")
