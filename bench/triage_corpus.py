"""The labelled corpora of the triage benchmark, read from `../shared/data/corpus/`.

Shared by `bench/triage_quality.py` and the training scripts (`bench/train_sentiment_*.py`)
so all see the same held-out splits. The texts are never copied into this repository:
only our labels (`bench/labels/`) and the trained weights (`inbox/triage/models/`) live
here.
"""

from __future__ import annotations

import csv
import hashlib
import sys
from dataclasses import dataclass
from itertools import takewhile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT.parent / "shared" / "data" / "corpus"
LABELS = ROOT / "bench" / "labels"

# SmSA: a text whose SHA-1 (as a number) ends in 0, 1 or 2 mod 10 is held out for
# evaluation (30%); the model is trained on the rest. Hashing the text, not the row,
# keeps a text and any copy of it on the same side.
HELD_OUT_BUCKETS = frozenset({0, 1, 2})
# TWCS labelled tweets: a tweet whose id is divisible by 3 is always training (the first
# 289 rows' "dev" part, read while the lexicon was tuned); of the others, a tweet whose
# text's SHA-1 (as a number) ends in 0-3 mod 10 is held out: never trained or tuned on.
TWCS_HELD_OUT_BUCKETS = frozenset({0, 1, 2, 3})
SENTIMENTS = ("negative", "neutral", "positive")


@dataclass(frozen=True)
class Example:
    key: str  # tweet id, row number or hash: how the labels refer to the text
    text: str
    label: str


def corpus_file(name: str) -> Path:
    path = CORPUS / name
    if not path.exists():
        sys.exit(
            f"missing {path}: the triage benchmark reads the shared corpora from "
            "../shared/data/corpus/ next to this repository (see shared/data/PROVENANCE.md)"
        )
    return path


def text_bucket(text: str) -> int:
    return int(hashlib.sha1(text.encode("utf-8"), usedforsecurity=False).hexdigest(), 16) % 10


def smsa(*, held_out: bool) -> list[Example]:
    """IndoNLU SmSA sentiment (CC BY-SA 4.0): the held-out 30% or the 70% to train on."""
    examples = []
    with corpus_file("id_smsa_valid.tsv").open(encoding="utf-8") as f:
        for row, line in enumerate(f, start=1):
            text, label = line.rstrip("\n").rsplit("\t", 1)
            if (text_bucket(text) in HELD_OUT_BUCKETS) == held_out:
                examples.append(Example(str(row), text, label))
    return examples


def _labels(name: str) -> list[dict[str, str]]:
    with (LABELS / name).open(encoding="utf-8") as f:
        return list(csv.DictReader(line for line in f if not line.startswith("#")))


def twcs() -> list[tuple[Example, Example]]:
    """Our labelled TWCS customer tweets: (sentiment example, intent example) pairs."""
    with corpus_file("twcs_first5000.csv").open(encoding="utf-8", newline="") as f:
        texts = {row["tweet_id"]: row["text"] for row in csv.DictReader(f)}
    pairs = []
    for row in _labels("twcs_labels.csv"):
        text = texts[row["tweet_id"]]
        pairs.append(
            (
                Example(row["tweet_id"], text, row["sentiment"]),
                Example(row["tweet_id"], text, row["intent"]),
            )
        )
    return pairs


def twcs_held_out(example: Example) -> bool:
    """Whether a labelled TWCS tweet is in the English held-out set."""
    return int(example.key) % 3 != 0 and text_bucket(example.text) in TWCS_HELD_OUT_BUCKETS


def twcs_sentiment(*, held_out: bool) -> list[Example]:
    """Our English sentiment labels: the held-out part, or the part to train on."""
    return [s for s, _ in twcs() if twcs_held_out(s) == held_out]


def sentiment_file(path: Path) -> list[Example]:
    """A `text,sentiment` CSV after its "# …" header lines: care's written examples
    (`labels/sentiment_written_en.csv`) or the agents' corrections that
    `manage.py export_corrections` writes. Key: the text's SHA-1, first 12 digits."""
    with path.open(encoding="utf-8", newline="") as f:
        lines = f.read().splitlines(keepends=True)
    # The header's "# …" lines only: a text may start with a hashtag.
    header = sum(1 for _ in takewhile(lambda line: line.startswith("#"), lines))
    rows = csv.DictReader(lines[header:])
    examples = []
    for row in rows:
        if row.get("sentiment") not in SENTIMENTS:
            sys.exit(
                f"{path}: line {header + rows.line_num}: sentiment "
                f"{row.get('sentiment')!r} must be one of {', '.join(SENTIMENTS)}"
            )
        key = hashlib.sha1(row["text"].encode(), usedforsecurity=False).hexdigest()[:12]
        examples.append(Example(key, row["text"], row["sentiment"]))
    return examples


def emot_rows() -> list[Example]:
    """Every IndoNLU EmoT tweet (CC BY-SA 4.0) with its emotion label; key = 1-based row."""
    with corpus_file("id_emot_twitter_valid.csv").open(encoding="utf-8", newline="") as f:
        return [
            Example(str(i), row["tweet"], row["label"])
            for i, row in enumerate(csv.DictReader(f), start=1)
        ]


def emot_intent() -> list[Example]:
    """Our intent labels for a sample of EmoT rows."""
    rows = {e.key: e.text for e in emot_rows()}
    return [Example(r["row"], rows[r["row"]], r["intent"]) for r in _labels("id_emot_intent.csv")]
