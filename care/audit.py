"""The audit trail: one row for every action a person or the system takes."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import AnonymousUser, User
from django.contrib.contenttypes.models import ContentType
from django.db import models

from care.models import AuditEvent


def record_audit(
    *,
    actor: User | AnonymousUser | None,
    verb: str,
    target: models.Model | None = None,
    **data: Any,
) -> AuditEvent:
    """Write who did what to what. `actor=None` means the system (a task, a webhook)."""
    if actor is not None and not actor.is_authenticated:
        actor = None
    return AuditEvent.objects.create(
        actor=actor,
        verb=verb,
        target_type=ContentType.objects.get_for_model(target) if target is not None else None,
        target_id=str(target.pk) if target is not None else "",
        target_repr=str(target)[:200] if target is not None else "",
        data=data,
    )
