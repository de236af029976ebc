"""Who has a conversation open, and who is typing a reply in it.

Each open conversation page reports every few seconds (`record_presence`); an agent
whose last report is older than CARE_PRESENCE_SECONDS has left. Typing is a report
within the last few seconds that said so.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from care.models import Agent
from inbox.models import Conversation, ConversationViewer

TYPING_SECONDS = 6


@dataclass
class Viewer:
    agent_id: int
    name: str
    initials: str
    typing: bool


def record_presence(*, conversation: Conversation, agent: Agent, typing: bool = False) -> None:
    now = timezone.now()
    defaults = {"seen_at": now}
    if typing:
        defaults["typing_at"] = now
    ConversationViewer.objects.update_or_create(
        conversation=conversation, agent=agent, defaults=defaults
    )


def leave_conversation(*, conversation: Conversation, agent: Agent) -> None:
    ConversationViewer.objects.filter(conversation=conversation, agent=agent).delete()


def current_viewers(*, conversation: Conversation, exclude: Agent | None = None) -> list[Viewer]:
    now = timezone.now()
    rows = ConversationViewer.objects.filter(
        conversation=conversation,
        seen_at__gte=now - timedelta(seconds=settings.CARE_PRESENCE_SECONDS),
    ).select_related("agent")
    if exclude is not None:
        rows = rows.exclude(agent=exclude)
    typing_since = now - timedelta(seconds=TYPING_SECONDS)
    return [
        Viewer(
            agent_id=row.agent_id,
            name=row.agent.display_name,
            initials=row.agent.initials,
            typing=row.typing_at is not None and row.typing_at >= typing_since,
        )
        for row in rows.order_by("agent__display_name")
    ]


def prune_presence() -> int:
    """Rows of pages closed long ago (the page says goodbye, but a crash may not)."""
    old = timezone.now() - timedelta(hours=1)
    deleted, _ = ConversationViewer.objects.filter(seen_at__lt=old).delete()
    return deleted
