"""Small template helpers for the inbox pages."""

from __future__ import annotations

from typing import Any

from django import template

register = template.Library()


@register.filter
def get_item(mapping: dict[str, Any], key: str) -> Any:
    """`counts|get_item:"mine"`: a dict value by a variable key."""
    return mapping.get(key, "")


@register.filter
def status_label(value: str) -> str:
    from inbox.models import Conversation

    try:
        return str(Conversation.Status(value).label)
    except ValueError:
        return value


@register.filter
def priority_label(value: int) -> str:
    from inbox.models import Conversation

    try:
        return str(Conversation.Priority(int(value)).label)
    except (TypeError, ValueError):
        return str(value)


@register.filter
def minutes_text(minutes: float | None) -> str:
    """`clock.answer_left|minutes_text`: "45 min", "3 h" (the sign dropped)."""
    from inbox.list_rows import short_duration

    return short_duration(abs(minutes or 0) * 60)


@register.simple_tag
def message_labels(message: Any) -> list[dict[str, str]]:
    """A customer message's triage labels as chips: field, value, text and why.

    The why comes from the classifier's record; a label an agent changed says so.
    """
    from django.utils.translation import gettext as _

    from inbox.models import Intent, Sentiment
    from inbox.services.triage import LANGUAGES

    recorded = message.triage or {}
    corrected = _("corrected by an agent")
    chips = []
    for field, value, names in (
        ("language", message.language, LANGUAGES),
        ("sentiment", message.sentiment, dict(Sentiment.choices)),
        ("intent", message.intent, dict(Intent.choices)),
    ):
        if not value:
            continue
        label = recorded.get(field) or {}
        why = label.get("why", "") if label.get("value") == value else corrected
        chips.append(
            {"field": field, "value": value, "text": str(names.get(value, value)), "why": why}
        )
    topic_whys = {t["value"]: t["why"] for t in recorded.get("topics", [])}
    for topic in message.topics.all():
        why = topic_whys.get(topic.name, corrected)
        chips.append({"field": "topic", "value": topic.name, "text": topic.name, "why": why})
    return chips
