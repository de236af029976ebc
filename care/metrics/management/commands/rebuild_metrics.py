"""Recompute the dashboard's rollups from the messages, with a progress bar."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils import timezone
from tqdm import tqdm


class Command(BaseCommand):
    help = "Recompute the dashboard's rollups (all of them, or the last --days days)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--days", type=int, default=None, help="only the last N days")

    def handle(self, *args: Any, days: int | None = None, **options: Any) -> None:
        from care.metrics.rollups import rebuild

        since = timezone.now() - timedelta(days=days) if days else None
        with tqdm(unit=" cases", disable=options["verbosity"] == 0) as bar:

            def progress(done: int, total: int) -> None:
                bar.total = total
                bar.update(done - bar.n)

            outcome = rebuild(since=since, progress=progress)
        self.stdout.write(f"{outcome.cases} cases counted, {outcome.hours} hours of volume.")
