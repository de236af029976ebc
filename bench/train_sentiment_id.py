"""Train the Indonesian sentiment model: inbox/triage/models/sentiment_id.json.

Multinomial logistic regression (softmax, L2, balanced class weights) over the features
of `inbox.triage.sentiment.features`: the words, "not <word>" after a negator, and the
Indonesian lexicon's positive and negative sums. Trained on the 70% of IndoNLU SmSA
(`../shared/data/corpus/id_smsa_valid.tsv`, CC BY-SA 4.0) that `bench/triage_quality.py`
does not evaluate on (`bench/triage_corpus.py` holds the split); the L2 strength is
chosen by 5-fold cross-validation on that 70% only. Pure Python, no extra dependency:
full-batch Adam, about a minute on two cores.

The JSON holds words and numbers only, never a text, with its attribution and licence.

Usage:
    .venv/bin/python bench/train_sentiment_id.py
"""

from __future__ import annotations

import hashlib
import json
import math
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from triage_corpus import Example, smsa  # noqa: E402

from inbox.triage.sentiment import MODEL_PATH, features  # noqa: E402
from inbox.triage.text import tokenize  # noqa: E402

CLASSES = ("negative", "neutral", "positive")
L2_GRID = (0.0003, 0.001, 0.003)
MIN_DOCS = 2  # a word must appear in two training texts to get a weight
STEPS = 200
FOLDS = 5

Doc = list[tuple[int, float]]


def main() -> None:
    train = smsa(held_out=False)
    print(f"SmSA training split: {len(train)} texts {dict(Counter(e.label for e in train))}")
    best_l2, best_f1 = L2_GRID[0], -1.0
    for l2 in L2_GRID:
        scores = []
        for fold in range(FOLDS):
            fit_on = [e for e in train if _fold(e) != fold]
            check = [e for e in train if _fold(e) == fold]
            vocab, docs, ys = _prepare(fit_on)
            weights, bias = _fit(docs, ys, len(vocab), l2)
            scores.append(_macro_f1(check, vocab, weights, bias))
        mean = sum(scores) / len(scores)
        print(f"  l2={l2:<6} cross-validated macro-F1 {mean:.3f}")
        if mean > best_f1:
            best_l2, best_f1 = l2, mean
    vocab, docs, ys = _prepare(train)
    weights, bias = _fit(docs, ys, len(vocab), best_l2)
    kept = {
        name: [round(w, 4) for w in weights[i]]
        for name, i in vocab.items()
        if max(abs(w) for w in weights[i]) >= 0.02
    }
    model = {
        "about": (
            "Indonesian sentiment for care's triage: softmax regression weights, trained by "
            "bench/train_sentiment_id.py. Contains words and numbers only, no texts."
        ),
        "attribution": (
            "Trained on SmSA from IndoNLU: B. Wilie, K. Vincentio, G. I. Winata et al., "
            "'IndoNLU: Benchmark and Resources for Evaluating Indonesian Natural Language "
            "Understanding', AACL-IJCNLP 2020. https://github.com/indobenchmark/indonlu"
        ),
        "licence": "CC BY-SA 4.0 (https://creativecommons.org/licenses/by-sa/4.0/)",
        "training": {
            "data": "SmSA valid split as staged in shared/data/corpus/id_smsa_valid.tsv",
            "held_out": "texts whose SHA-1 mod 10 is 0, 1 or 2 (30%), never trained on",
            "texts": len(train),
            "l2": best_l2,
            "cv_macro_f1": round(best_f1, 3),
        },
        "classes": list(CLASSES),
        "bias": [round(b, 4) for b in bias],
        "weights": kept,
    }
    MODEL_PATH.write_text(
        json.dumps(model, ensure_ascii=False, indent=0, sort_keys=False) + "\n", encoding="utf-8"
    )
    size = MODEL_PATH.stat().st_size
    print(f"l2={best_l2}: {len(kept)} weighted features, {size / 1024:.0f} KiB -> {MODEL_PATH}")


def _fold(example: Example) -> int:
    seed = ("fold:" + example.text).encode("utf-8")
    digest = hashlib.sha1(seed, usedforsecurity=False).hexdigest()
    return int(digest, 16) % FOLDS


def _prepare(examples: list[Example]) -> tuple[dict[str, int], list[Doc], list[int]]:
    featured = [features(tokenize(e.text)) for e in examples]
    df = Counter(name for feats in featured for name in feats)
    vocab: dict[str, int] = {}
    for name, count in sorted(df.items()):
        if count >= MIN_DOCS or name.startswith("lex:"):
            vocab[name] = len(vocab)
    docs = [[(vocab[n], v) for n, v in feats.items() if n in vocab and v] for feats in featured]
    return vocab, docs, [CLASSES.index(e.label) for e in examples]


def _fit(
    docs: list[Doc], ys: list[int], n_features: int, l2: float
) -> tuple[list[list[float]], list[float]]:
    """Minimise mean class-weighted cross-entropy + l2/2 * |W|^2 with full-batch Adam."""
    k = len(CLASSES)
    counts = Counter(ys)
    class_weight = [len(ys) / (k * counts[c]) if counts[c] else 0.0 for c in range(k)]
    weights = [[0.0] * k for _ in range(n_features)]
    bias = [0.0] * k
    m_w = [[0.0] * k for _ in range(n_features)]
    v_w = [[0.0] * k for _ in range(n_features)]
    m_b, v_b = [0.0] * k, [0.0] * k
    rate, beta1, beta2, eps = 0.1, 0.9, 0.999, 1e-8
    n = len(docs)
    for step in range(1, STEPS + 1):
        grad_w = [[l2 * w for w in row] for row in weights]
        grad_b = [0.0] * k
        for doc, y in zip(docs, ys, strict=True):
            probs = _softmax(bias, weights, doc)
            scale = class_weight[y] / n
            delta = [(p - (1.0 if c == y else 0.0)) * scale for c, p in enumerate(probs)]
            for c in range(k):
                grad_b[c] += delta[c]
            for i, x in doc:
                row = grad_w[i]
                for c in range(k):
                    row[c] += delta[c] * x
        correction1, correction2 = 1 - beta1**step, 1 - beta2**step
        for i in range(n_features):
            for c in range(k):
                g = grad_w[i][c]
                m_w[i][c] = beta1 * m_w[i][c] + (1 - beta1) * g
                v_w[i][c] = beta2 * v_w[i][c] + (1 - beta2) * g * g
                weights[i][c] -= (
                    rate * (m_w[i][c] / correction1) / (math.sqrt(v_w[i][c] / correction2) + eps)
                )
        for c in range(k):
            g = grad_b[c]
            m_b[c] = beta1 * m_b[c] + (1 - beta1) * g
            v_b[c] = beta2 * v_b[c] + (1 - beta2) * g * g
            bias[c] -= rate * (m_b[c] / correction1) / (math.sqrt(v_b[c] / correction2) + eps)
    return weights, bias


def _softmax(bias: list[float], weights: list[list[float]], doc: Doc) -> list[float]:
    scores = list(bias)
    for i, x in doc:
        for c, w in enumerate(weights[i]):
            scores[c] += w * x
    top = max(scores)
    exps = [math.exp(s - top) for s in scores]
    total = sum(exps)
    return [e / total for e in exps]


def _macro_f1(
    examples: list[Example], vocab: dict[str, int], weights: list[list[float]], bias: list[float]
) -> float:
    pairs = []
    for e in examples:
        feats = features(tokenize(e.text))
        doc = [(vocab[n], v) for n, v in feats.items() if n in vocab and v]
        probs = _softmax(bias, weights, doc)
        pairs.append((e.label, CLASSES[max(range(len(CLASSES)), key=probs.__getitem__)]))
    f1s = []
    for c in CLASSES:
        tp = sum(1 for gold, pred in pairs if gold == pred == c)
        fp = sum(1 for gold, pred in pairs if pred == c and gold != c)
        fn = sum(1 for gold, pred in pairs if gold == c and pred != c)
        f1s.append(2 * tp / (2 * tp + fp + fn) if tp else 0.0)
    return sum(f1s) / len(f1s)


if __name__ == "__main__":
    main()
