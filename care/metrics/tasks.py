"""Celery entry points for the dashboard's rollups. Thin: each calls one service."""

from __future__ import annotations

from datetime import timedelta

from celery import shared_task
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


@shared_task(ignore_result=True)
def rebuild_recent_task() -> int:
    from care.metrics.rollups import rebuild

    return rebuild(since=timezone.now() - timedelta(days=REBUILD_DAYS)).cases
