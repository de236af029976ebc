"""Poll channel accounts now, with a progress bar: `manage.py poll_channels --once [--account ID]`.

Beat polls every account on its own schedule; this command is for catching up by
hand after an outage (a backfill) and for trying a newly connected account.
"""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from inbox.channels.base import ChannelError
from inbox.models import ChannelAccount
from inbox.services.polling import poll_channel


class Command(BaseCommand):
    help = "Fetch new mentions, comments and messages from channel accounts now."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--once", action="store_true", help="Poll once and stop.")
        parser.add_argument("--account", type=int, help="Only this channel account id.")
        parser.add_argument(
            "--every", type=int, default=15, help="Seconds between rounds without --once."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        accounts = ChannelAccount.objects.order_by("pk")
        if options["account"] is not None:
            accounts = accounts.filter(pk=options["account"])
            if not accounts.exists():
                raise CommandError(f"No channel account with id {options['account']}.")
        while True:
            failures = sum(self.poll(account) for account in accounts)
            if options["once"]:
                if failures:
                    raise CommandError(f"{failures} account(s) failed; see the Channels page.")
                return
            time.sleep(options["every"])

    def poll(self, account: ChannelAccount) -> int:
        """Poll one account with a progress bar; 1 if it failed, else 0."""
        with tqdm(desc=str(account), unit=" msg", file=self.stderr._out, dynamic_ncols=True) as bar:
            seen: dict[str, int] = {}

            def progress(stream: str, fetched: int) -> None:
                bar.update(fetched - seen.get(stream, 0))
                seen[stream] = fetched
                bar.set_postfix_str(stream)

            try:
                outcome = poll_channel(account_id=account.pk, progress=progress)
            except ChannelError as exc:
                bar.set_postfix_str("failed")
                self.stderr.write(self.style.ERROR(f"{account}: {exc}"))
                return 1
        if outcome.skipped:
            self.stdout.write(f"{account}: skipped ({outcome.skipped})")
        else:
            self.stdout.write(
                self.style.SUCCESS(
                    f"{account}: {outcome.stored} new of {outcome.fetched} fetched "
                    f"in {outcome.pages} page(s)"
                )
            )
        return 0
