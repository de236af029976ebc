"""Shared trainer of the sentiment models (`bench/train_sentiment_en.py`, `_id.py`).

Multinomial logistic regression (softmax, L2, balanced class weights) over the features
of `inbox.triage.sentiment.features`. Which feature set (word pairs, letter n-grams,
punctuation and emoji marks) and which L2 strength are chosen by 5-fold cross-validation
on the training examples only; the caller never passes held-out texts. Pure Python, no
extra dependency: full-batch Adam, the folds spread over the machine's cores.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
from collections import Counter
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, replace
from pathlib import Path

from tqdm import tqdm
from triage_corpus import Example, sentiment_file

from inbox.triage.sentiment import FeatureSet, features
from inbox.triage.text import tokenize

CLASSES = ("negative", "neutral", "positive")
MIN_DOCS = 2  # a feature must appear in two training texts to get a weight
STEPS = 200
FOLDS = 5

Doc = list[tuple[int, float]]
ADD_HELP = "files of agents' corrections (manage.py export_corrections) to train on too"


def select_and_train(
    train: Sequence[Example], feature_sets: Sequence[FeatureSet], l2_grid: Sequence[float]
) -> tuple[FeatureSet, float, float, dict[str, list[float]], list[float], list[str]]:
    """Cross-validate every (feature set, L2) on `train`, then fit the best on all of it.

    Returns the feature set, L2, its cross-validated macro-F1, the weights kept, the
    bias, and the lines of the cross-validation report."""
    tasks = [(fs, l2, fold) for fs in feature_sets for l2 in l2_grid for fold in range(FOLDS)]
    with ProcessPoolExecutor(max_workers=os.cpu_count() or 1) as pool:
        runs = pool.map(_cv_task, [(list(train), *task) for task in tasks])
        scores = list(tqdm(runs, total=len(tasks), desc="cross-validation", unit="fit"))
    report = []
    best: tuple[float, int, FeatureSet, float] | None = None
    for n, (fs, l2) in enumerate((fs, l2) for fs in feature_sets for l2 in l2_grid):
        mean = sum(scores[n * FOLDS : (n + 1) * FOLDS]) / FOLDS
        report.append(f"  {_describe(fs)} l2={l2:<6} cross-validated macro-F1 {mean:.3f}")
        print(report[-1], flush=True)
        if best is None or mean > best[0]:
            best = (mean, n, fs, l2)
    assert best is not None
    mean, _, feature_set, l2 = best
    vocab, docs, ys = prepare(train, feature_set)
    weights, bias = fit(docs, ys, len(vocab), l2, progress=True)
    kept = {
        name: [round(w, 4) for w in weights[i]]
        for name, i in vocab.items()
        if max(abs(w) for w in weights[i]) >= 0.02
    }
    return feature_set, l2, mean, kept, [round(b, 4) for b in bias], report


@dataclass(frozen=True)
class Provenance:
    """What a model file says of itself: what it is, what it learned from, its licence."""

    about: str
    attribution: str
    licence: str
    data: str
    held_out: str


def with_corrections(
    train: Sequence[Example], provenance: Provenance, files: Sequence[Path]
) -> tuple[list[Example], Provenance]:
    """Add the agents' corrections (`manage.py export_corrections` files) to `train`.

    Where a corrected text is also a training text, the team's label wins. The model
    then holds words of the team's customers, and says so in its licence."""
    if not files:
        return list(train), provenance
    added = [e for path in files for e in sentiment_file(path)]
    corrected = {e.text for e in added}
    kept = [e for e in train if e.text not in corrected]
    print(f"adding {len(added)} corrected messages {dict(Counter(e.label for e in added))}")
    names = ", ".join(path.name for path in files)
    return kept + added, replace(
        provenance,
        attribution=f"{provenance.attribution} Also trained on the team's corrected messages.",
        licence=(
            f"{provenance.licence}; with the team's corrections ({names}), which are its "
            "customers' words: keep this model inside the team's own deployment"
        ),
        data=f"{provenance.data} + agents' corrections ({names}, {len(added)} texts)",
    )


def train_and_write(
    train: Sequence[Example],
    feature_sets: Sequence[FeatureSet],
    l2_grid: Sequence[float],
    path: Path,
    provenance: Provenance,
) -> None:
    """Choose, train and write a model with its provenance (both `train_sentiment_*`)."""
    feature_set, l2, cv_f1, weights, bias, _ = select_and_train(train, feature_sets, l2_grid)
    path.parent.mkdir(parents=True, exist_ok=True)
    header: dict[str, object] = {
        "about": provenance.about,
        "attribution": provenance.attribution,
        "licence": provenance.licence,
        "training": {
            "data": provenance.data,
            "held_out": provenance.held_out,
            "texts": len(train),
            "min_docs": MIN_DOCS,
            "l2": l2,
            "cv_macro_f1": round(cv_f1, 3),
        },
    }
    size = write_model(path, header, feature_set, classes=list(CLASSES), bias=bias, weights=weights)
    print(f"chose {feature_set} l2={l2}: {len(weights)} weighted features, {size / 1024:.0f} KiB")
    print(f"wrote {path}")


def write_model(
    path: Path, header: dict[str, object], feature_set: FeatureSet, **rest: object
) -> int:
    model = {**header, "features": feature_set.as_dict(), **rest}
    path.write_text(
        json.dumps(model, ensure_ascii=False, indent=0, sort_keys=False) + "\n", encoding="utf-8"
    )
    return path.stat().st_size


def _describe(fs: FeatureSet) -> str:
    return f"bigrams={fs.bigrams!s:<5} chars={fs.chars} marks={fs.marks!s:<5}"


def _cv_task(args: tuple[list[Example], FeatureSet, float, int]) -> float:
    train, feature_set, l2, fold = args
    fit_on = [e for e in train if fold_of(e) != fold]
    check = [e for e in train if fold_of(e) == fold]
    vocab, docs, ys = prepare(fit_on, feature_set)
    weights, bias = fit(docs, ys, len(vocab), l2)
    return macro_f1(check, feature_set, vocab, weights, bias)


def fold_of(example: Example) -> int:
    seed = ("fold:" + example.text).encode("utf-8")
    digest = hashlib.sha1(seed, usedforsecurity=False).hexdigest()
    return int(digest, 16) % FOLDS


def featurize(example: Example, feature_set: FeatureSet) -> dict[str, float]:
    return features(tokenize(example.text), feature_set, example.text)


def prepare(
    examples: Sequence[Example], feature_set: FeatureSet
) -> tuple[dict[str, int], list[Doc], list[int]]:
    featured = [featurize(e, feature_set) for e in examples]
    df = Counter(name for feats in featured for name in feats)
    vocab: dict[str, int] = {}
    for name, count in sorted(df.items()):
        if count >= MIN_DOCS or name.startswith(("lex:", "m:")):
            vocab[name] = len(vocab)
    docs = [[(vocab[n], v) for n, v in feats.items() if n in vocab and v] for feats in featured]
    return vocab, docs, [CLASSES.index(e.label) for e in examples]


def fit(
    docs: list[Doc], ys: list[int], n_features: int, l2: float, *, progress: bool = False
) -> tuple[list[list[float]], list[float]]:
    """Minimise mean class-weighted cross-entropy + l2/2 * |W|^2 with full-batch Adam.

    Written out for the three classes: pure Python, so every loop level counts."""
    assert len(CLASSES) == 3
    counts = Counter(ys)
    class_weight = [len(ys) / (3 * counts[c]) if counts[c] else 0.0 for c in range(3)]
    n = len(docs)
    w0, w1, w2 = [0.0] * n_features, [0.0] * n_features, [0.0] * n_features
    weights_by_class = (w0, w1, w2)
    m = [[0.0] * n_features for _ in range(3)]
    v = [[0.0] * n_features for _ in range(3)]
    bias = [0.0] * 3
    m_b, v_b = [0.0] * 3, [0.0] * 3
    rate, beta1, beta2, eps = 0.1, 0.9, 0.999, 1e-8
    targets = [(1.0 if y == 0 else 0.0, 1.0 if y == 1 else 0.0, 1.0 if y == 2 else 0.0) for y in ys]
    scales = [class_weight[y] / n for y in ys]
    exp, sqrt = math.exp, math.sqrt
    steps = range(1, STEPS + 1)
    for step in tqdm(steps, desc="final model", unit="step") if progress else steps:
        g0 = [l2 * w for w in w0]
        g1 = [l2 * w for w in w1]
        g2 = [l2 * w for w in w2]
        gb0 = gb1 = gb2 = 0.0
        b0, b1, b2 = bias
        for doc, (t0, t1, t2), scale in zip(docs, targets, scales, strict=True):
            s0, s1, s2 = b0, b1, b2
            for i, x in doc:
                s0 += w0[i] * x
                s1 += w1[i] * x
                s2 += w2[i] * x
            top = max(s0, s1, s2)
            e0, e1, e2 = exp(s0 - top), exp(s1 - top), exp(s2 - top)
            total = e0 + e1 + e2
            d0 = (e0 / total - t0) * scale
            d1 = (e1 / total - t1) * scale
            d2 = (e2 / total - t2) * scale
            gb0 += d0
            gb1 += d1
            gb2 += d2
            for i, x in doc:
                g0[i] += d0 * x
                g1[i] += d1 * x
                g2[i] += d2 * x
        step1 = rate / (1 - beta1**step)
        correction2 = 1 - beta2**step
        for c, grad in enumerate((g0, g1, g2)):
            w_c, m_c, v_c = weights_by_class[c], m[c], v[c]
            for i in range(n_features):
                g = grad[i]
                mi = m_c[i] = beta1 * m_c[i] + (1 - beta1) * g
                vi = v_c[i] = beta2 * v_c[i] + (1 - beta2) * g * g
                w_c[i] -= step1 * mi / (sqrt(vi / correction2) + eps)
        for c, g in enumerate((gb0, gb1, gb2)):
            m_b[c] = beta1 * m_b[c] + (1 - beta1) * g
            v_b[c] = beta2 * v_b[c] + (1 - beta2) * g * g
            bias[c] -= step1 * m_b[c] / (sqrt(v_b[c] / correction2) + eps)
    return [[w0[i], w1[i], w2[i]] for i in range(n_features)], bias


def softmax(bias: list[float], weights: list[list[float]], doc: Doc) -> list[float]:
    scores = list(bias)
    for i, x in doc:
        for c, w in enumerate(weights[i]):
            scores[c] += w * x
    top = max(scores)
    exps = [math.exp(s - top) for s in scores]
    total = sum(exps)
    return [e / total for e in exps]


def macro_f1(
    examples: Sequence[Example],
    feature_set: FeatureSet,
    vocab: dict[str, int],
    weights: list[list[float]],
    bias: list[float],
) -> float:
    pairs = []
    for e in examples:
        feats = featurize(e, feature_set)
        doc = [(vocab[n], v) for n, v in feats.items() if n in vocab and v]
        probs = softmax(bias, weights, doc)
        pairs.append((e.label, CLASSES[max(range(len(CLASSES)), key=probs.__getitem__)]))
    f1s = []
    for c in CLASSES:
        tp = sum(1 for gold, pred in pairs if gold == pred == c)
        fp = sum(1 for gold, pred in pairs if pred == c and gold != c)
        fn = sum(1 for gold, pred in pairs if gold == c and pred != c)
        f1s.append(2 * tp / (2 * tp + fp + fn) if tp else 0.0)
    return sum(f1s) / len(f1s)
