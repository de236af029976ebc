import csv
import io
import os
from collections import Counter
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from inbox.services.triage import corrected_sentiments
from inbox.triage.sentiment import MODEL_PATHS


class Command(BaseCommand):
    help = (
        "Write the customers' messages whose sentiment agents corrected, with the label "
        "they settled on, as a training file for bench/train_sentiment_<language>.py --add. "
        "The file holds customers' words: it is written readable by its owner only."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("language", choices=sorted(MODEL_PATHS))
        parser.add_argument("--output", "-o", type=Path, help="file to write (default: stdout)")

    def handle(self, *args: Any, **options: Any) -> None:
        language: str = options["language"]
        rows = list(corrected_sentiments(language))
        counts = Counter(label for _, label in rows)
        out = io.StringIO()
        out.write(
            f"# Sentiment of {len(rows)} {language} customer messages as corrected by agents "
            f"({', '.join(f'{n} {label}' for label, n in sorted(counts.items())) or 'none'}), "
            f"exported {timezone.localtime():%Y-%m-%d %H:%M %Z} by manage.py export_corrections.\n"
            "# The team's own data: keep it, and models trained on it, inside the team.\n"
        )
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(["text", "sentiment"])
        writer.writerows(rows)
        path: Path | None = options["output"]
        if path is None:
            self.stdout.write(out.getvalue(), ending="")
            return
        try:
            # Owner-only from the first byte: the texts are customers' words.
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            os.fchmod(fd, 0o600)  # the mode above applies only to a new file
            with os.fdopen(fd, "w", encoding="utf-8", newline="") as f:
                f.write(out.getvalue())
        except OSError as error:
            raise CommandError(f"Cannot write {path}: {error.strerror}.") from error
        self.stderr.write(
            self.style.SUCCESS(
                f"Wrote {len(rows)} corrected message(s) to {path}. Train with: "
                f".venv/bin/python bench/train_sentiment_{language}.py --add {path}"
            )
        )
