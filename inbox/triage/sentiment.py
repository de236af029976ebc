"""Sentiment: negative, neutral or positive, for English and Bahasa Indonesia.

English is read with the team's lexicon (`lexicon.ENGLISH`). Indonesian is scored by a
small linear model (`models/sentiment_id.json`, trained by `bench/train_sentiment_id.py`
on IndoNLU SmSA; see `models/README.md`) whose features are the words plus the
Indonesian lexicon's two sums, so customer-care slang the training data lacks ("lemot",
"gangguan") still counts. Scoring is pure Python: a dot product and a softmax.
A text whose language is unknown ("") is read with both lexicons; other languages are
not scored.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from inbox.triage.label import Label
from inbox.triage.lexicon import ENGLISH, INDONESIAN, Lexicon, score_tokens
from inbox.triage.text import BOUNDARY, tokenize, variants

NEGATIVE, NEUTRAL, POSITIVE = "negative", "neutral", "positive"
MODEL_PATH = Path(__file__).resolve().parent / "models" / "sentiment_id.json"
# A lexicon sum this far from zero decides; closer is neutral.
THRESHOLD = 0.75


def classify_sentiment(text: str, language: str) -> Label:
    tokens = tokenize(text)
    if language == "id":
        model = load_model()
        if model is not None:
            return model.classify(tokens)
        return _from_lexicon(tokens, (INDONESIAN,))
    if language == "en":
        return _from_lexicon(tokens, (ENGLISH,))
    if language == "":
        return _from_lexicon(tokens, (ENGLISH, INDONESIAN))
    return Label(NEUTRAL, 0.0, "not scored: no word list for this language")


def _from_lexicon(tokens: list[str], lexicons: tuple[Lexicon, ...]) -> Label:
    positive = negative = 0.0
    hits: list[str] = []
    for lexicon in lexicons:
        pos, neg, words = score_tokens(tokens, lexicon)
        positive, negative = positive + pos, negative + neg
        hits += [w for w in words if w not in hits]
    net = positive - negative
    if net <= -THRESHOLD:
        value = NEGATIVE
    elif net >= THRESHOLD:
        value = POSITIVE
    else:
        value = NEUTRAL
    why = f"lexicon: {', '.join(hits[:6])}" if hits else "lexicon: no sentiment words"
    if value == NEUTRAL and hits:
        why += " (they cancel out)"
    strength = min(1.0, abs(net) / 4) if value != NEUTRAL else 1.0 - min(1.0, abs(net))
    return Label(value, round(strength, 2), why)


def features(tokens: list[str]) -> dict[str, float]:
    """The Indonesian model's inputs; `bench/train_sentiment_id.py` trains on the same."""
    return _features(tokens)[0]


def _features(tokens: list[str]) -> tuple[dict[str, float], list[str]]:
    out: dict[str, float] = {}
    negated_until = -1
    for i, token in enumerate(tokens):
        if token == BOUNDARY:
            negated_until = -1
            continue
        word = variants(token)[-1]
        if token in INDONESIAN.negators:
            negated_until = i + 2
            out["w:" + word] = 1.0
            continue
        key = ("n:" if i <= negated_until else "w:") + word
        out[key] = 1.0
    positive, negative, hits = score_tokens(tokens, INDONESIAN)
    out["lex:pos"] = positive / 2
    out["lex:neg"] = negative / 2
    return out, hits


@dataclass(frozen=True)
class LinearModel:
    classes: tuple[str, ...]
    bias: tuple[float, ...]
    weights: dict[str, tuple[float, ...]]

    def probabilities(self, feats: dict[str, float]) -> list[float]:
        scores = list(self.bias)
        for name, value in feats.items():
            row = self.weights.get(name)
            if row is not None:
                for k, w in enumerate(row):
                    scores[k] += w * value
        top = max(scores)
        exps = [math.exp(s - top) for s in scores]
        total = sum(exps)
        return [e / total for e in exps]

    def classify(self, tokens: list[str]) -> Label:
        feats, hits = _features(tokens)
        probs = self.probabilities(feats)
        k = max(range(len(probs)), key=probs.__getitem__)
        value = self.classes[k]
        # Why: the inputs that pushed hardest towards the chosen class; the lexicon's
        # sums are shown as the words that made them.
        pushes: list[tuple[float, str]] = []
        for name, x in feats.items():
            row = self.weights.get(name)
            if row is None or not x or name.removeprefix("w:") in INDONESIAN.negators:
                continue
            margin = (row[k] - max(w for j, w in enumerate(row) if j != k)) * x
            if margin > 0.05:
                pushes.append((margin, name))
        pushes.sort(reverse=True)
        shown: list[str] = []
        for _, name in pushes:
            from_lexicon = name.startswith("lex:")
            for word in hits if from_lexicon else [_readable(name)]:
                core = word if from_lexicon else name.partition(":")[2]
                if word not in shown and not any(core in s.split() for s in shown):
                    shown.append(word)
        reasons = ", ".join(shown[:5]) or "no strong words"
        return Label(value, round(probs[k], 2), f"model {probs[k]:.2f}: {reasons}")


def _readable(feature: str) -> str:
    kind, _, word = feature.partition(":")
    if kind == "n":
        return f"not {word}"
    if kind in ("w", "lex"):
        return word
    return feature


@cache
def load_model() -> LinearModel | None:
    """The Indonesian model, read once per process; None when the file is missing."""
    if not MODEL_PATH.exists():
        return None
    data = json.loads(MODEL_PATH.read_text(encoding="utf-8"))
    return LinearModel(
        classes=tuple(data["classes"]),
        bias=tuple(data["bias"]),
        weights={name: tuple(row) for name, row in data["weights"].items()},
    )
