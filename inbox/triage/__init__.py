"""Triage: classify a message on arrival: language, sentiment, intent, topics, priority.

Plain functions, no database: the ingest pipeline calls `classify()` once per customer
message and stores what it returns. Every label carries its reason (`Label.why`) so
agents see why, and can correct it. See docs/triage.md.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from inbox.triage.intent import classify_intent
from inbox.triage.label import UNKNOWN, Label
from inbox.triage.language import detect_language
from inbox.triage.priority import DEFAULT_WEIGHTS, NORMAL, score_priority
from inbox.triage.sentiment import classify_sentiment
from inbox.triage.topics import TopicRule, TopicRuleLike, match_topics, validate_pattern

__all__ = [
    "DEFAULT_WEIGHTS",
    "Label",
    "TopicRule",
    "TopicRuleLike",
    "Triage",
    "classify",
    "classify_intent",
    "classify_sentiment",
    "detect_language",
    "match_topics",
    "score_priority",
    "validate_pattern",
]


@dataclass(frozen=True)
class Triage:
    language: Label
    sentiment: Label
    intent: Label
    topics: list[Label] = field(default_factory=list)
    priority: int = NORMAL  # a Conversation.Priority value
    priority_score: float = 0.0
    priority_reasons: list[str] = field(default_factory=list)
    error: str = ""  # set when a step failed: its labels are "" and the caller flags it

    @property
    def failed(self) -> bool:
        return bool(self.error)


def classify(
    text: str,
    *,
    followers: int = 0,
    verified: bool = False,
    is_vip: bool = False,
    topic_rules: Iterable[TopicRuleLike] = (),
    age_minutes: float = 0,
    weights: Mapping[str, float] | None = None,
    addressed: bool = False,
) -> Triage:
    """Classify one message. Never raises: a step that fails leaves "" labels with
    why = "classification failed: …" and sets `error`; the steps before it are kept.
    `addressed`: it was sent to the brand (see `classify_intent`)."""
    failed = Label(UNKNOWN, 0.0, "")
    language = sentiment = intent = failed
    topics: list[Label] = []
    try:
        language = detect_language(text)
        sentiment = classify_sentiment(text, language.value)
        intent = classify_intent(text, language.value, sentiment, addressed=addressed)
        topics = match_topics(text, topic_rules)
        level, score, reasons = score_priority(
            intent.value,
            sentiment.value,
            followers,
            verified,
            is_vip,
            text,
            age_minutes,
            weights,
        )
    except Exception as exc:
        error = f"classification failed: {type(exc).__name__}: {exc}"[:300]
        broken = Label(UNKNOWN, 0.0, error)
        return Triage(
            language=language if language is not failed else broken,
            sentiment=sentiment if sentiment is not failed else broken,
            intent=intent if intent is not failed else broken,
            topics=topics,
            priority=NORMAL,
            priority_score=0.0,
            priority_reasons=[error],
            error=error,
        )
    return Triage(language, sentiment, intent, topics, level, score, reasons)
