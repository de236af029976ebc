"""Benchmark: triage quality (per-class precision, recall, F1) and cost per message.

Reads the corpora from ../shared/data/corpus/ (never copied here) and our labels from
bench/labels/:
* language: TWCS customer tweets we labelled (all English) and the Indonesian SmSA and
  EmoT texts;
* Indonesian sentiment: the SmSA held-out 30% (the model never trained on it), and EmoT
  tweets with emotions mapped to sentiment (happy/love → positive, anger/sadness/fear →
  negative; EmoT has no neutral class);
* English sentiment and intent: 1,160 TWCS customer tweets we labelled (docs/triage.md);
  the held-out 296 (`triage_corpus.twcs_held_out`) were never trained or tuned on, the
  rest trained the English model (`bench/train_sentiment_en.py`);
* Indonesian intent: 150 EmoT tweets we labelled;
* cost: `classify()` on every text of the three corpora with ten topic rules, one at a
  time, as ingest calls it.
Prints Markdown tables for docs/benchmarks.md.

Usage:
    .venv/bin/python bench/triage_quality.py
    .venv/bin/python bench/triage_quality.py --errors train  # training-part mistakes
"""

from __future__ import annotations

import argparse
import platform
import resource
import statistics
import sys
import time
from collections import Counter
from collections.abc import Callable, Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from triage_corpus import (  # noqa: E402
    Example,
    corpus_file,
    emot_intent,
    emot_rows,
    smsa,
    twcs,
    twcs_held_out,
)

from inbox.triage import TopicRule, classify  # noqa: E402
from inbox.triage.intent import classify_intent  # noqa: E402
from inbox.triage.language import detect_language, get_detector  # noqa: E402
from inbox.triage.lexicon import ENGLISH, INDONESIAN  # noqa: E402
from inbox.triage.sentiment import _from_lexicon, classify_sentiment  # noqa: E402
from inbox.triage.text import tokenize  # noqa: E402

SENTIMENTS = ("negative", "neutral", "positive")
INTENTS = ("complaint", "question", "praise", "spam", "other")
EMOTION_SENTIMENT = {
    "happy": "positive",
    "love": "positive",
    "anger": "negative",
    "sadness": "negative",
    "fear": "negative",
}
TOPIC_RULES = [
    TopicRule("Refund", ["refund", "money back", "uang kembali", "pengembalian dana"]),
    TopicRule("Delivery", ["delivery", "package", "parcel", "paket", "kurir", "resi"]),
    TopicRule("Login", ["login", "log in", "password", "locked out", "akun", "otp"]),
    TopicRule("Billing", ["bill", "charged", "invoice", "tagihan", "pulsa", "saldo"]),
    TopicRule("Network", ["internet", "wifi", "signal", "sinyal", "jaringan", "lemot"]),
    TopicRule("App", ["app", "update", "crash", "aplikasi", "error"]),
    TopicRule("Flight", ["flight", "boarding", "baggage", "penerbangan", "bagasi"]),
    TopicRule("Food", ["burrito", "bowl", "order", "makanan", "pesanan"]),
    TopicRule("Store", [], r"\bstore\s*#?\d+|\btoko\s+\w+"),
    TopicRule("Promo", ["promo", "discount", "diskon", "voucher", "cashback"]),
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--errors", choices=["train"], help="print the mistakes on the English training part"
    )
    parser.add_argument(
        "--english-model",
        type=Path,
        help="score English with this model file (bench/train_sentiment_en.py's, not shipped)",
    )
    args = parser.parse_args()
    if args.english_model:
        from inbox.triage import sentiment

        sentiment.MODEL_PATHS["en"] = args.english_model
        sentiment.load_model.cache_clear()

    started = time.perf_counter()
    get_detector()
    build_s = time.perf_counter() - started
    print(
        f"# triage quality — Python {platform.python_version()}, "
        f"language detector built in {build_s:.2f} s"
    )

    labelled = twcs()
    english_sentiment = [s for s, _ in labelled]
    english_intent = [i for _, i in labelled]
    held_out = smsa(held_out=True)
    emot = emot_rows()

    print("\n## Language")
    _language("TWCS labelled (English)", [e.text for e in english_sentiment], "en", args.errors)
    _language("SmSA held-out (Indonesian)", [e.text for e in held_out], "id", args.errors)
    _language("EmoT all (Indonesian)", [e.text for e in emot], "id", args.errors)

    print("\n## Sentiment, Indonesian: SmSA held-out")
    _report(
        "model (language given as id)",
        held_out,
        lambda e: classify_sentiment(e.text, "id").value,
        SENTIMENTS,
    )
    _report(
        "lexicon only",
        held_out,
        lambda e: _from_lexicon(tokenize(e.text), (INDONESIAN,)).value,
        SENTIMENTS,
    )
    _report("pipeline (classify)", held_out, lambda e: classify(e.text).sentiment.value, SENTIMENTS)

    print("\n## Sentiment, Indonesian tweets: EmoT, emotions mapped to sentiment")
    mapped = [Example(e.key, e.text, EMOTION_SENTIMENT[e.label]) for e in emot]
    _report("pipeline (classify)", mapped, lambda e: classify(e.text).sentiment.value, SENTIMENTS)

    test = [e for e in english_sentiment if twcs_held_out(e)]
    print(f"\n## Sentiment, English: TWCS labelled, held-out {len(test)}")
    _report(
        "model (language given as en)",
        test,
        lambda e: classify_sentiment(e.text, "en").value,
        SENTIMENTS,
    )
    _report(
        "lexicon only (the English classifier before the model)",
        test,
        lambda e: _from_lexicon(tokenize(e.text), (ENGLISH,)).value,
        SENTIMENTS,
    )
    _report("pipeline (classify)", test, lambda e: classify(e.text).sentiment.value, SENTIMENTS)

    print("\n## Intent, English: TWCS labelled")
    test_intent = [i for s, i in labelled if twcs_held_out(s)]
    _report(
        f"pipeline, all {len(english_intent)}",
        english_intent,
        lambda e: classify(e.text).intent.value,
        INTENTS,
    )
    _report(
        f"pipeline, held-out {len(test_intent)}",
        test_intent,
        lambda e: classify(e.text).intent.value,
        INTENTS,
    )

    print("\n## Intent, Indonesian: EmoT sample we labelled")
    _report("pipeline (classify)", emot_intent(), lambda e: classify(e.text).intent.value, INTENTS)

    if args.errors:
        _show_errors([s for s in english_sentiment if not twcs_held_out(s)], "sentiment")
        _show_errors([i for s, i in labelled if not twcs_held_out(s)], "intent")

    print("\n## Cost of classify() per message")
    with corpus_file("twcs_first5000.csv").open(encoding="utf-8") as f:
        import csv

        everything = [row["text"] for row in csv.DictReader(f)]
    everything += [e.text for e in smsa(held_out=False)] + [e.text for e in held_out]
    everything += [e.text for e in emot]
    _cost(everything)


def _language(name: str, texts: Sequence[str], expected: str, errors: str | None) -> None:
    got = Counter(detect_language(t).value for t in texts)
    share = {k: v / len(texts) for k, v in got.items()}
    print(
        f"| {name} | {len(texts)} | {share.get(expected, 0):.1%} correct | "
        + ", ".join(f"{k or 'unsure'} {v:.1%}" for k, v in sorted(share.items()) if k != expected)
        + " |"
    )


def _report(
    name: str,
    examples: Sequence[Example],
    predict: Callable[[Example], str],
    classes: Sequence[str],
) -> float:
    pairs = [(e.label, predict(e)) for e in examples]
    present = [c for c in classes if any(gold == c or pred == c for gold, pred in pairs)]
    print(
        f"\n{name}: {len(pairs)} texts, accuracy {sum(g == p for g, p in pairs) / len(pairs):.3f}"
    )
    print("| class | support | precision | recall | F1 |")
    print("|---|---|---|---|---|")
    f1s = []
    for c in present:
        tp = sum(1 for g, p in pairs if g == p == c)
        fp = sum(1 for g, p in pairs if p == c and g != c)
        fn = sum(1 for g, p in pairs if g == c and p != c)
        support = tp + fn
        precision = tp / (tp + fp) if tp + fp else 0.0
        recall = tp / support if support else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        if support:
            f1s.append(f1)
        print(f"| {c} | {support} | {precision:.2f} | {recall:.2f} | {f1:.2f} |")
    macro = sum(f1s) / len(f1s)
    print(f"| **macro-F1** (classes with support) | {len(pairs)} | | | **{macro:.3f}** |")
    return macro


def _show_errors(examples: Sequence[Example], kind: str) -> None:
    print(f"\n## {kind} mistakes on the English training part")
    for e in examples:
        result = classify(e.text)
        label = result.sentiment if kind == "sentiment" else result.intent
        if label.value != e.label:
            print(f"{e.key}\tgold={e.label}\tgot={label.value}\t{label.why}\t{e.text[:140]!r}")


def _cost(texts: list[str]) -> None:
    for text in texts[:200] + texts[-200:]:  # warm caches (topic regexes, both models)
        classify(text, topic_rules=TOPIC_RULES)
    timings = []
    for text in texts:
        started = time.perf_counter_ns()
        classify(text, followers=1200, topic_rules=TOPIC_RULES, age_minutes=30)
        timings.append((time.perf_counter_ns() - started) / 1e6)
    timings.sort()
    p95 = timings[int(len(timings) * 0.95) - 1]
    print(
        f"| {len(texts)} messages | p50 {statistics.median(timings):.3f} ms | "
        f"p95 {p95:.3f} ms | max {timings[-1]:.3f} ms | "
        f"total {sum(timings) / 1000:.2f} s | peak RSS "
        f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB |"
    )
    _routing_cost(texts)
    # Sentiment and intent without language detection, to show where the time goes.
    began = time.perf_counter()
    for text in texts:
        classify_intent(text, "en", classify_sentiment(text, "en"))
    per_message = (time.perf_counter() - began) / len(texts) * 1000
    print(f"(sentiment + intent alone: {per_message:.3f} ms)")


def _routing_cost(texts: list[str]) -> None:
    """Classification plus routing: the first match over 20 ordered rules, as ingest does
    for a new conversation (the rules are loaded once per batch, so no query here)."""
    import os
    import tempfile

    os.environ.setdefault("CARE_VAR_DIR", tempfile.mkdtemp(prefix="care-triage-bench-"))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "care.settings")
    import django

    django.setup()
    from inbox.models import RoutingRule
    from inbox.services.routing import Facts, LoadedRule, first_match

    names = [rule.name for rule in TOPIC_RULES]
    rules = []
    for n in range(20):  # narrow rules first, a catch-all last: most messages try them all
        rule = RoutingRule(
            name=f"rule {n}",
            languages=[["en"], ["id"], []][n % 3],
            intents=[["complaint"], ["question"], ["praise", "other"]][n % 3],
            sentiments=[["negative"], []][n % 2],
            min_priority=30 if n % 4 == 0 else None,
            vip_only=n == 7,
        )
        rules.append(LoadedRule(rule, {1} if n % 5 == 0 else set(), {names[n % len(names)]}))
    rules.append(LoadedRule(RoutingRule(name="everything else"), set(), set()))
    timings = []
    for text in texts:
        started = time.perf_counter_ns()
        result = classify(text, followers=1200, topic_rules=TOPIC_RULES, age_minutes=30)
        facts = Facts(
            channel_id=2,
            language=result.language.value,
            intent=result.intent.value,
            sentiment=result.sentiment.value,
            topics=frozenset(label.value for label in result.topics),
            priority=result.priority,
        )
        first_match(rules, facts)
        timings.append((time.perf_counter_ns() - started) / 1e6)
    timings.sort()
    p95 = timings[int(len(timings) * 0.95) - 1]
    print(
        f"| classification + routing (21 rules) | p50 {statistics.median(timings):.3f} ms | "
        f"p95 {p95:.3f} ms | max {timings[-1]:.3f} ms |"
    )


if __name__ == "__main__":
    main()
