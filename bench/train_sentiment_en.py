"""Train the English sentiment model: inbox/triage/models/sentiment_en.json.

Trained on care's own written examples (`bench/labels/sentiment_written_en.csv`: 5,311
invented customer tweets with their labels, written for care; the file's header says
how), so the model may ship. Softmax regression over `inbox.triage.sentiment.features`
(words, "not <word>" after a negator, the English lexicon's two sums, and, if
cross-validation prefers them, word pairs, letter 4-grams and "?"/"!"/emoji marks); the
feature set and L2 strength are chosen by 5-fold cross-validation on the written
examples only (`bench/sentiment_training.py`). `bench/triage_quality.py` then scores it
on real customer tweets it never saw: the TWCS held-out set.

`--twcs` instead trains on our labels of real TWCS tweets (`bench/labels/twcs_labels.csv`,
minus the held-out set) for comparison. TWCS is CC BY-NC-SA 4.0, for test and demo use
(shared/data/PROVENANCE.md), so that model goes to var/bench/sentiment_en.json, never
into the product or git; score it with `bench/triage_quality.py --english-model
var/bench/sentiment_en.json`.

The JSON holds words, word pairs, letter n-grams and numbers only, never a text, with
its attribution and licence. Pure Python, a few minutes on two cores.

Usage:
    .venv/bin/python bench/train_sentiment_en.py           # the shipped model
    .venv/bin/python bench/train_sentiment_en.py --twcs    # evaluation only, var/bench/
    .venv/bin/python bench/train_sentiment_en.py --add corrections_en.csv
        # + the agents' corrections (manage.py export_corrections en; docs/triage.md)
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from sentiment_training import ADD_HELP, Provenance, train_and_write, with_corrections  # noqa: E402
from triage_corpus import LABELS, sentiment_file, twcs_sentiment  # noqa: E402

from inbox.triage.sentiment import MODEL_PATHS, FeatureSet  # noqa: E402

# Cross-validation on the written examples (2026-11-27, 3,638 of them): words 0.917,
# + pairs and marks 0.928, + letter 4-grams 0.932, each best at the smallest L2 tried.
FEATURE_SETS = (
    FeatureSet("en", bigrams=True, marks=True),
    FeatureSet("en", bigrams=True, chars=4, marks=True),
)
L2_GRID = (0.001, 0.003)
WRITTEN = LABELS / "sentiment_written_en.csv"
# A model derived from TWCS never ships (see above).
TWCS_OUTPUT = ROOT / "var" / "bench" / "sentiment_en.json"


ABOUT = (
    "English sentiment for care's triage: softmax regression weights, trained by "
    "bench/train_sentiment_en.py. Contains words, word pairs, letter n-grams and numbers "
    "only, no texts."
)
TWCS = Provenance(
    about=ABOUT,
    attribution=(
        "Trained on our labels of inbound customer tweets from the Customer Support on "
        "Twitter corpus (TWCS) by Thought Vector, published on Kaggle "
        "(https://www.kaggle.com/datasets/thoughtvector/customer-support-on-twitter)."
    ),
    licence=(
        "CC BY-NC-SA 4.0 (https://creativecommons.org/licenses/by-nc-sa/4.0/), as the TWCS "
        "corpus: non-commercial, share-alike"
    ),
    data="bench/labels/twcs_labels.csv over shared/data/corpus/twcs_first5000.csv",
    held_out=(
        "tweets whose id is not divisible by 3 and whose text's SHA-1 mod 10 is 0-3, never "
        "trained or tuned on"
    ),
)
WRITTEN_PROVENANCE = Provenance(
    about=ABOUT,
    attribution=(
        "Trained on care's own written examples (bench/labels/sentiment_written_en.csv); "
        "no third-party data."
    ),
    licence="care's own: the same terms as care's code",
    data="bench/labels/sentiment_written_en.csv",
    held_out=(
        "evaluated on the TWCS held-out set (real tweets, never trained or tuned on): "
        "bench/triage_quality.py"
    ),
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--twcs", action="store_true", help="train on TWCS (evaluation only)")
    parser.add_argument("--add", type=Path, nargs="+", default=[], help=ADD_HELP)
    args = parser.parse_args()
    if args.twcs:
        train = twcs_sentiment(held_out=False)
        print(f"training on {len(train)} texts {dict(Counter(e.label for e in train))}")
        train_and_write(train, FEATURE_SETS, L2_GRID, TWCS_OUTPUT, TWCS)
        return
    written = sentiment_file(WRITTEN)
    print(f"{len(written)} written examples {dict(Counter(e.label for e in written))}")
    train, provenance = with_corrections(written, WRITTEN_PROVENANCE, args.add)
    train_and_write(train, FEATURE_SETS, L2_GRID, MODEL_PATHS["en"], provenance)


if __name__ == "__main__":
    main()
