"""Template helpers for reply actions on the conversation page."""

from __future__ import annotations

import uuid

from django import template

from inbox.models import Conversation
from responses.services import case_replies

register = template.Library()


@register.simple_tag
def new_key() -> str:
    """A fresh idempotency key for one action form: a double submit acts once."""
    return str(uuid.uuid4())


@register.simple_tag
def default_wording(conversation: Conversation, purpose: str) -> str:
    return case_replies.default_text(conversation, purpose)
