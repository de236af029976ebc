import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from care.health import health_report


class Command(BaseCommand):
    help = "Print the /healthz report; exit 1 if any of the named parts (default: all) is down."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("parts", nargs="*", help="database, broker, worker or beat")

    def handle(self, *args: Any, **options: Any) -> None:
        _, report = health_report()
        self.stdout.write(json.dumps(report, indent=2))
        wanted = options["parts"] or list(report["checks"])
        unknown = set(wanted) - set(report["checks"])
        if unknown:
            raise CommandError(f"unknown part(s): {', '.join(sorted(unknown))}")
        down = [part for part in wanted if not report["checks"][part]["ok"]]
        if down:
            raise CommandError(f"not healthy: {', '.join(down)}")
