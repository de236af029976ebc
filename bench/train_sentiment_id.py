"""Train the Indonesian sentiment model: inbox/triage/models/sentiment_id.json.

Softmax regression over `inbox.triage.sentiment.features` (words, "not <word>" after a
negator, the Indonesian lexicon's two sums, and, if cross-validation prefers them, word
pairs, letter 4-grams and "?"/"!"/emoji marks). Trained on the 70% of IndoNLU SmSA
(`../shared/data/corpus/id_smsa_valid.tsv`, CC BY-SA 4.0) that `bench/triage_quality.py`
does not evaluate on (`bench/triage_corpus.py` holds the split); the feature set and the
L2 strength are chosen by 5-fold cross-validation on that 70% only
(`bench/sentiment_training.py`). Pure Python, no extra dependency: about ten minutes on
two cores.

The JSON holds words, word pairs, letter n-grams and numbers only, never a text, with
its attribution and licence.

Usage:
    .venv/bin/python bench/train_sentiment_id.py
    .venv/bin/python bench/train_sentiment_id.py --add corrections_id.csv
        # + the agents' corrections (manage.py export_corrections id; docs/triage.md)
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
from triage_corpus import smsa  # noqa: E402

from inbox.triage.sentiment import MODEL_PATHS, FeatureSet  # noqa: E402

FEATURE_SETS = (
    FeatureSet("id", marks=True),
    FeatureSet("id", bigrams=True, marks=True),
    FeatureSet("id", bigrams=True, chars=4, marks=True),
)
L2_GRID = (0.001, 0.003)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--add", type=Path, nargs="+", default=[], help=ADD_HELP)
    args = parser.parse_args()
    smsa_train = smsa(held_out=False)
    print(
        f"SmSA training split: {len(smsa_train)} texts {dict(Counter(e.label for e in smsa_train))}"
    )
    provenance = Provenance(
        about=(
            "Indonesian sentiment for care's triage: softmax regression weights, trained "
            "by bench/train_sentiment_id.py. Contains words, word pairs, letter n-grams "
            "and numbers only, no texts."
        ),
        attribution=(
            "Trained on SmSA from IndoNLU: B. Wilie, K. Vincentio, G. I. Winata et al., "
            "'IndoNLU: Benchmark and Resources for Evaluating Indonesian Natural Language "
            "Understanding', AACL-IJCNLP 2020. https://github.com/indobenchmark/indonlu"
        ),
        licence="CC BY-SA 4.0 (https://creativecommons.org/licenses/by-sa/4.0/)",
        data="SmSA valid split as staged in shared/data/corpus/id_smsa_valid.tsv",
        held_out="texts whose SHA-1 mod 10 is 0, 1 or 2 (30%), never trained on",
    )
    train, provenance = with_corrections(smsa_train, provenance, args.add)
    train_and_write(train, FEATURE_SETS, L2_GRID, MODEL_PATHS["id"], provenance)


if __name__ == "__main__":
    main()
