"""Celery entry points for the dashboard's rollups. Thin: each calls one service."""

from __future__ import annotations

from datetime import timedelta

from celery import Task, shared_task
from django.utils import timezone

# Nightly, the last days are recomputed whole: labels agents corrected, late edits.
REBUILD_DAYS = 3


@shared_task(ignore_result=True)
def refresh_rollups_task() -> int | None:
    from care.metrics.figures import warm_standard_periods
    from care.metrics.rollups import refresh_rollups

    outcome = refresh_rollups()
    if outcome is None:
        return None  # another run holds the lock
    warm_standard_periods()
    return outcome.cases


@shared_task(bind=True, ignore_result=True, max_retries=30)
def rebuild_recent_task(self: Task) -> int:
    from care.metrics.rollups import rebuild_when_free

    outcome = rebuild_when_free(since=timezone.now() - timedelta(days=REBUILD_DAYS))
    if outcome is None:  # a refresh is running: its rows would collide with ours
        raise self.retry(countdown=30)
    return outcome.cases
