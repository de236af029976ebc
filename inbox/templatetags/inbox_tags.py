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
