"""Messenger personas: each agent's reply shows their name and photo, not the Page's.

A Graph persona (POST /{page-id}/personas) cannot be edited. So the persona is checked
against the agent's current name and photo each time it is used, and when either changed
a new one is made and the old one deleted (messenger-platform/send-messages/personas).
A persona that cannot be made never stops a reply: it goes out under the Page's name.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.db import IntegrityError, transaction

from care.models import Agent
from inbox.channels.base import ChannelAdapter, ChannelError
from inbox.models import ChannelAccount
from responses.models import MessengerPersona

log = logging.getLogger(__name__)


def picture_url(agent: Agent) -> str:
    """The agent's photo as the platform fetches it: from care's public address."""
    if not agent.photo:
        return ""
    return settings.CARE_PUBLIC_URL.rstrip("/") + agent.photo.url


def persona_for(agent: Agent, account: ChannelAccount, adapter: ChannelAdapter) -> str:
    """The persona id to send this agent's Messenger reply with, made or renewed if needed;
    "" when the platform refused (the reply then goes out as the Page)."""
    name = agent.display_name
    picture = picture_url(agent)
    current = MessengerPersona.objects.filter(agent=agent, channel_account=account).first()
    if current is not None and current.name == name and current.picture_url == picture:
        return current.persona_id
    try:
        persona_id = adapter.create_persona(name=name, picture_url=picture)
    except ChannelError:
        log.warning("no persona for agent %s on %s", agent.pk, account.pk, exc_info=True)
        return current.persona_id if current is not None else ""
    try:
        with transaction.atomic():
            MessengerPersona.objects.update_or_create(
                agent=agent,
                channel_account=account,
                defaults={"persona_id": persona_id, "name": name, "picture_url": picture},
            )
    except IntegrityError:  # two workers made one at once: keep the stored one
        stored = MessengerPersona.objects.get(agent=agent, channel_account=account)
        _retire(adapter, persona_id)
        return stored.persona_id
    if current is not None:
        _retire(adapter, current.persona_id)
    return persona_id


def sync_personas(agent: Agent) -> int:
    """Renew the agent's personas on every Page after their name or photo changed."""
    from inbox.channels.base import adapter_for

    renewed = 0
    for persona in MessengerPersona.objects.filter(agent=agent).select_related("channel_account"):
        account = persona.channel_account
        if persona_for(agent, account, adapter_for(account)) != persona.persona_id:
            renewed += 1
    return renewed


def _retire(adapter: ChannelAdapter, persona_id: str) -> None:
    try:
        adapter.delete_persona(persona_id)
    except ChannelError:
        # An unused persona is harmless; it must not stop the new one.
        log.info("could not delete persona %s", persona_id, exc_info=True)
