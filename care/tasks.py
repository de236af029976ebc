"""Celery entry points of the project as a whole. Thin: the work is in services."""

from __future__ import annotations

from celery import shared_task

from care import services


@shared_task
def prune_heartbeats_task() -> int:
    """Forget processes that stopped long ago (each restart brings a new hostname)."""
    return services.prune_heartbeats()
