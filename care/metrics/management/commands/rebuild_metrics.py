"""Recompute the dashboard's rollups from the messages, with a progress bar."""

from __future__ import annotations

import time
from datetime import timedelta
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone
from tqdm import tqdm

WAIT_SECONDS = 120


class Command(BaseCommand):
    help = "Recompute the dashboard's rollups (all of them, or the last --days days)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--days", type=int, default=None, help="only the last N days")

    def handle(self, *args: Any, days: int | None = None, **options: Any) -> None:
        from care.metrics.rollups import rebuild_when_free

        since = timezone.now() - timedelta(days=days) if days else None
        waited = 0.0
        with tqdm(unit=" cases", disable=options["verbosity"] == 0) as bar:

            def progress(done: int, total: int) -> None:
                bar.total = total
                bar.update(done - bar.n)

            # A refresh run (every 15 s) holds the lock for seconds: wait for it.
            while (outcome := rebuild_when_free(since=since, progress=progress)) is None:
                if waited >= WAIT_SECONDS:
                    raise CommandError(
                        f"Another rollup run has held the lock for {WAIT_SECONDS} s "
                        "(a refresh or a rebuild); try again when it has finished."
                    )
                time.sleep(1)
                waited += 1
        self.stdout.write(f"{outcome.cases} cases counted, {outcome.hours} hours of volume.")
