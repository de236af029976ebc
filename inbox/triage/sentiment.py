"""Sentiment: negative, neutral or positive, for English and Bahasa Indonesia.

Both languages are scored by a small linear model (softmax regression) whose weights
live in `models/` (see `models/README.md`):
* English: `models/sentiment_en.json`, trained by `bench/train_sentiment_en.py` on
  care's own written examples (`bench/labels/sentiment_written_en.csv`);
* Indonesian: `models/sentiment_id.json`, trained by `bench/train_sentiment_id.py` on
  IndoNLU SmSA.
The inputs are the words, "not <word>" after a negator, optionally word pairs, pieces of
words and punctuation/emoji marks (the model file says which), plus the language's
lexicon sums (`lexicon.ENGLISH`, `lexicon.INDONESIAN`), so customer-care words the
training data lacks ("lemot", "gangguan", "overcharged") still count. Scoring is pure
Python: a dot product and a softmax; each model file is read once per process. Without
its model file a language falls back to its lexicon. A text whose language is unknown
("") is read with both lexicons; other languages are not scored.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path

from inbox.triage.label import Label
from inbox.triage.lexicon import EMOJI, ENGLISH, INDONESIAN, Lexicon, score_tokens
from inbox.triage.text import BOUNDARY, tokenize, variants

NEGATIVE, NEUTRAL, POSITIVE = "negative", "neutral", "positive"
MODELS = Path(__file__).resolve().parent / "models"
MODEL_PATHS = {"en": MODELS / "sentiment_en.json", "id": MODELS / "sentiment_id.json"}
MODEL_PATH = MODEL_PATHS["id"]
LEXICONS = {"en": ENGLISH, "id": INDONESIAN}
# Words the models weigh but an agent learns nothing from: left out of the "why".
FUNCTION_WORDS = {
    "en": frozenset(
        (  # noqa: SIM905 -- a word list reads better as words
            "a an the i me my mine we us our you your he him his she her it its they them "
            "their this that these those to of for in on at by with from as about into over "
            "after and or so if then than is am are was were be been being do does did has "
            "have had will would can could should just also there here what when where who "
            "how which all any some up out"
        ).split()
    ),
    "id": frozenset(
        (  # noqa: SIM905
            "yang di ke dari dan atau ini itu saya aku kami kita anda kamu dia mereka nya "
            "untuk dengan pada dalam juga sudah udah akan bisa ada adalah jadi karena kalau "
            "tapi sama mau lagi aja saja ya sih dong kok deh si para"
        ).split()
    ),
}
# A lexicon sum this far from zero decides; closer is neutral.
THRESHOLD = 0.75


def classify_sentiment(text: str, language: str) -> Label:
    tokens = tokenize(text)
    if language in LEXICONS:
        model = load_model(language)
        if model is not None:
            return model.classify(text, tokens)
        return _from_lexicon(tokens, (LEXICONS[language],))
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


@dataclass(frozen=True)
class FeatureSet:
    """Which inputs a model reads; stored in its file so training and scoring agree."""

    language: str = "id"
    bigrams: bool = False  # "b:w1 w2": two words in a row within a clause
    chars: int = 0  # "c:<gram>": letter n-grams of this size inside each word (0: none)
    marks: bool = False  # "m:?", "m:!", and the emoji sums "m:emoji+", "m:emoji-"

    def as_dict(self) -> dict[str, object]:
        return {"bigrams": self.bigrams, "chars": self.chars, "marks": self.marks}


def features(
    tokens: list[str], feature_set: FeatureSet | None = None, text: str = ""
) -> dict[str, float]:
    """A model's inputs; `bench/train_sentiment_*.py` train on the same."""
    return _features(tokens, feature_set or FeatureSet(), text)[0]


def _features(
    tokens: list[str], feature_set: FeatureSet, text: str
) -> tuple[dict[str, float], list[str]]:
    lexicon = LEXICONS[feature_set.language]
    out: dict[str, float] = {}
    negated_until = -1
    previous = ""
    size = feature_set.chars
    for i, token in enumerate(tokens):
        if token == BOUNDARY:
            negated_until = -1
            previous = ""
            continue
        word = variants(token)[-1]
        if token in lexicon.negators:
            negated_until = i + 2
            out["w:" + word] = 1.0
        else:
            out[("n:" if i <= negated_until else "w:") + word] = 1.0
        if feature_set.bigrams and previous:
            out[f"b:{previous} {word}"] = 1.0
        previous = word
        if size:
            for gram in _letter_grams(word, size):
                out[gram] = 0.5
    positive, negative, hits = score_tokens(tokens, lexicon)
    out["lex:pos"] = positive / 2
    out["lex:neg"] = negative / 2
    if feature_set.marks and text:
        good = bad = 0.0
        for char in text:
            weight = EMOJI.get(char)
            if weight is not None:
                if weight > 0:
                    good += 1
                else:
                    bad += 1
        if good:
            out["m:emoji+"] = min(good, 3.0) / 2
        if bad:
            out["m:emoji-"] = min(bad, 3.0) / 2
        if "?" in text:
            out["m:?"] = 1.0
        if "!" in text:
            out["m:!"] = 1.0
    return out, hits


@lru_cache(maxsize=20_000)
def _letter_grams(word: str, size: int) -> tuple[str, ...]:
    """The word's letter n-grams with "<" and ">" marking its start and end."""
    if len(word) < size:
        return ()
    marked = f"<{word}>"
    return tuple("c:" + marked[k : k + size] for k in range(len(marked) - size + 1))


@dataclass(frozen=True)
class LinearModel:
    classes: tuple[str, ...]
    bias: tuple[float, ...]
    weights: dict[str, tuple[float, ...]]
    feature_set: FeatureSet = FeatureSet()

    def probabilities(self, feats: dict[str, float]) -> list[float]:
        return self._scored(feats)[0]

    def _scored(
        self, feats: dict[str, float]
    ) -> tuple[list[float], list[tuple[str, tuple[float, ...], float]]]:
        """Class probabilities, and the weighted inputs worth showing as reasons (not the
        letter n-grams), so `classify` need not look them up again."""
        weights = self.weights
        shown: list[tuple[str, tuple[float, ...], float]] = []
        if len(self.bias) == 3:  # written out: this runs for every message
            s0, s1, s2 = self.bias
            for name, value in feats.items():
                row = weights.get(name)
                if row is not None:
                    s0 += row[0] * value
                    s1 += row[1] * value
                    s2 += row[2] * value
                    if name[0] != "c":
                        shown.append((name, row, value))
            scores = [s0, s1, s2]
        else:
            scores = list(self.bias)
            for name, value in feats.items():
                row = weights.get(name)
                if row is not None:
                    for k, w in enumerate(row):
                        scores[k] += w * value
                    if name[0] != "c":
                        shown.append((name, row, value))
        top = max(scores)
        exps = [math.exp(s - top) for s in scores]
        total = sum(exps)
        return [e / total for e in exps], shown

    def classify(self, text: str, tokens: list[str] | None = None) -> Label:
        if tokens is None:
            tokens = tokenize(text)
        feats, hits = _features(tokens, self.feature_set, text)
        probs, inputs = self._scored(feats)
        k = max(range(len(probs)), key=probs.__getitem__)
        value = self.classes[k]
        # Why: the inputs that pushed hardest towards the chosen class; the lexicon's
        # sums are shown as the words that made them. Letter n-grams are not shown.
        negators = LEXICONS[self.feature_set.language].negators
        others = [j for j in range(len(probs)) if j != k]
        pushes: list[tuple[float, str]] = []
        for name, row, x in inputs:
            margin = (row[k] - max([row[j] for j in others])) * x
            # Small pushes ("the", "was") explain nothing; the negator itself neither.
            if margin > 0.2 and name[2:] not in negators:
                pushes.append((margin, name))
        pushes.sort(reverse=True)
        shown: list[str] = []
        plain = FUNCTION_WORDS.get(self.feature_set.language, frozenset())
        for _, name in pushes:
            from_lexicon = name.startswith("lex:")
            for word in hits if from_lexicon else [_readable(name)]:
                core = word if from_lexicon else name.partition(":")[2]
                if not from_lexicon and plain.issuperset(core.split()):
                    continue  # "i", "my", "in the" weigh in, but tell an agent nothing
                if word not in shown and not any(core in s.split() for s in shown):
                    shown.append(word)
        reasons = ", ".join(shown[:5]) or "no strong words"
        return Label(value, round(probs[k], 2), f"model {probs[k]:.2f}: {reasons}")


def _readable(feature: str) -> str:
    kind, _, word = feature.partition(":")
    if kind == "n":
        return f"not {word}"
    if kind == "m":
        return {"emoji+": "happy emoji", "emoji-": "unhappy emoji"}.get(word, f"“{word}”")
    return word


@cache
def load_model(language: str = "id") -> LinearModel | None:
    """The language's model, read once per process; None when the file is missing."""
    path = MODEL_PATHS.get(language)
    if path is None or not path.exists():
        return None
    data = json.loads(path.read_text(encoding="utf-8"))
    options = data.get("features", {})
    return LinearModel(
        classes=tuple(data["classes"]),
        bias=tuple(data["bias"]),
        weights={name: tuple(row) for name, row in data["weights"].items()},
        feature_set=FeatureSet(
            language=language,
            bigrams=bool(options.get("bigrams", False)),
            chars=int(options.get("chars", 0)),
            marks=bool(options.get("marks", False)),
        ),
    )
