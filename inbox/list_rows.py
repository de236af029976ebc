"""The inbox list's rows as plain strings, ready for the template.

A page of 50 rows used to spend most of its time in the template: per-row
`{% blocktranslate %}`, `naturaltime`, two `{% url %}` and an `{% include %}`, some 2,500
variable lookups. Here each row is one dict of finished strings (lookups in a dict are
the template engine's fastest path) and every translated word is fetched once a page.
The template still escapes every value.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from django.urls import reverse
from django.utils import dateformat, timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from care.models import Agent
from inbox.models import Conversation, Intent, Sentiment
from inbox.services import sla

MINUTE = 60
HOUR = 60 * MINUTE
DAY = 24 * HOUR


def short_duration(seconds: float) -> str:
    """'now', '5 min', '3 h', '2 d': the compact age agents scan a list by."""
    seconds = max(0, int(seconds))
    if seconds < MINUTE:
        return _("now")
    if seconds < HOUR:
        minutes = seconds // MINUTE
        return ngettext("%(count)d min", "%(count)d min", minutes) % {"count": minutes}
    if seconds < DAY:
        hours = seconds // HOUR
        return ngettext("%(count)d h", "%(count)d h", hours) % {"count": hours}
    days = seconds // DAY
    return ngettext("%(count)d d", "%(count)d d", days) % {"count": days}


def present_rows(
    conversations: Sequence[Conversation],
    *,
    agent: Agent,
    now: datetime | None = None,
    sla_rules: sla.SlaRules | None = None,
) -> list[dict[str, Any]]:
    now = now or timezone.now()
    sla_rules = sla_rules or sla.load_rules()
    # Stable per page: translate once, not 50 times.
    statuses = {value: str(label) for value, label in Conversation.Status.choices}
    priorities = {value: str(label) for value, label in Conversation.Priority.choices}
    sentiments = {value: str(label) for value, label in Sentiment.choices}
    intents = {value: str(label) for value, label in Intent.choices}
    unassigned = _("Unassigned")
    due_in, overdue_by = _("Answer due in %(time)s"), _("Answer overdue by %(time)s")
    select = _("Select conversation #%(id)s")
    # One reverse() a page; the id is put in its place.
    url_template = reverse("inbox:conversation", args=[0]).replace("/0/", "/{}/")

    rows = []
    for conversation in conversations:
        customer = conversation.customer
        identity = getattr(conversation, "identity", None)
        account = conversation.channel_account
        assignee = conversation.assignee
        activity = timezone.localtime(conversation.last_activity_at)
        updated = conversation.updated_at
        due_text, overdue = "", False
        if conversation.response_due_at and conversation.is_open:
            # Counted down in the team's business hours, as the SLA counts.
            minutes = sla.business_minutes_left(conversation, now, sla_rules)
            overdue = minutes < 0
            template = overdue_by if overdue else due_in
            due_text = template % {"time": short_duration(abs(minutes) * 60)}
        rows.append(
            {
                "id": conversation.pk,
                "url": url_template.format(conversation.pk),
                "key": f"{conversation.pk}:{int(updated.timestamp())}.{updated.microsecond:06d}",
                "mine": conversation.assignee_id == agent.pk,
                "select_label": select % {"id": conversation.pk},
                "initial": (customer.display_name or "?")[:1].upper(),
                "avatar_url": identity.avatar_url if identity else "",
                "platform": account.platform,
                "platform_label": account.get_platform_display(),
                "channel": str(account),
                "customer": str(customer),
                "handle": identity.handle if identity else "",
                "tags": [tag.name for tag in conversation.tags.all()],
                "status": conversation.status,
                "status_label": statuses[conversation.status],
                "priority": conversation.priority,
                "priority_label": priorities[conversation.priority],
                "intent": conversation.intent,
                "intent_label": intents.get(conversation.intent, ""),
                # Neutral is the usual case: only a mood worth noticing gets a chip.
                "sentiment": conversation.sentiment if conversation.sentiment != "neutral" else "",
                "sentiment_label": sentiments.get(conversation.sentiment, ""),
                "assignee_name": assignee.display_name if assignee else unassigned,
                "assignee_initials": f"^{assignee.initials}" if assignee else "—",
                "activity_iso": activity.isoformat(),
                "activity_title": dateformat.format(activity, "j M Y, H:i T"),
                "age": short_duration((now - conversation.last_activity_at).total_seconds()),
                "due": due_text,
                "overdue": overdue,
                "sla": "breached" if overdue else conversation.response_sla,
                "preview": conversation.preview or "…",
            }
        )
    return rows
