"""Topics: supervisors' keyword and phrase rules, matched on word boundaries.

A rule is anything with `name`, `phrases` and `pattern` (the lead's model or the
`TopicRule` below). Phrases match whole words, case-insensitively, any run of spaces
between words: "refund" tags "REFUND please" but not "refunded"; "kartu kredit" tags
"kartu  kredit". The optional pattern is a Python regular expression for what phrases
cannot say ("paket\\s*(?:belum|blm)\\s*(?:sampai|sampe)"); `validate_pattern` refuses one that
is invalid or could take forever, and a refused pattern is skipped at match time, never
raised.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Protocol

from django.utils.translation import gettext as _

from inbox.triage.label import Label
from inbox.triage.text import MAX_CHARS

MAX_PATTERN_LENGTH = 200


class TopicRuleLike(Protocol):
    @property
    def name(self) -> str: ...
    @property
    def phrases(self) -> Sequence[str]: ...
    @property
    def pattern(self) -> str | None: ...


@dataclass(frozen=True)
class TopicRule:
    name: str
    phrases: Sequence[str] = ()
    pattern: str | None = None


def match_topics(text: str, rules: Iterable[TopicRuleLike]) -> list[Label]:
    """One label per rule that matches, in rule order; why = the phrase or pattern hit."""
    text = text[:MAX_CHARS]
    labels = []
    for rule in rules:
        phrases, pattern = _compiled(tuple(rule.phrases), rule.pattern or "")
        if phrases is not None and (match := phrases.search(text)):
            words = " ".join(match.group().split())
            labels.append(Label(rule.name, 1.0, f"phrase: “{words}”"))
        elif pattern is not None and (match := pattern.search(text)):
            labels.append(Label(rule.name, 1.0, f"pattern: “{match.group()[:40]}”"))
    return labels


def validate_pattern(pattern: str) -> str | None:
    """Why the pattern is refused, for the supervisor; None when it is fine."""
    if len(pattern) > MAX_PATTERN_LENGTH:
        return _("The pattern is longer than %(max)d characters.") % {"max": MAX_PATTERN_LENGTH}
    try:
        compiled = re.compile(pattern, re.IGNORECASE)
    except re.error as exc:
        return _("The pattern is not a valid regular expression: %(error)s.") % {"error": exc}
    if re.search(r"\\[1-9]|\(\?P=", pattern):
        return _("Back-references (\\1, (?P=name)) are not allowed: they can be very slow.")
    if _nested_repeat(pattern):
        return _(
            "A repeated group contains another repeat, like (a+)+: on some messages it "
            "would take forever. Repeat only the inner part."
        )
    if compiled.search("") is not None:
        return _("The pattern matches empty text, so it would tag every message.")
    return None


@lru_cache(maxsize=512)
def _compiled(
    phrases: tuple[str, ...], pattern: str
) -> tuple[re.Pattern[str] | None, re.Pattern[str] | None]:
    words = sorted({" ".join(p.split()) for p in phrases if p.strip()}, key=len, reverse=True)
    phrase_re = None
    if words:
        body = "|".join(re.escape(w).replace(r"\ ", r"\s+") for w in words)
        phrase_re = re.compile(rf"(?<!\w)(?:{body})(?!\w)", re.IGNORECASE)
    pattern_re = None
    if pattern and validate_pattern(pattern) is None:
        pattern_re = re.compile(pattern, re.IGNORECASE)
    return phrase_re, pattern_re


_REPEAT = re.compile(r"[*+]|\{\d*,\d*\}")


def _nested_repeat(pattern: str) -> bool:
    """Does a group that is repeated (`(...)*`, `+`, `{m,n}`) itself contain a repeat?

    A small scanner over the pattern: escapes and character classes are skipped, each
    open group remembers whether a repeat occurred inside it.
    """
    stack: list[bool] = []  # per open group: has it a repeat inside?
    i, n = 0, len(pattern)
    while i < n:
        char = pattern[i]
        if char == "\\":
            i += 2
            continue
        if char == "[":
            i = _skip_class(pattern, i)
            continue
        if char == "(":
            stack.append(False)
        elif char == ")" and stack:
            inner = stack.pop()
            repeated = _REPEAT.match(pattern, i + 1) is not None
            if inner and repeated:
                return True
            if stack and (inner or repeated):
                stack[-1] = True
        elif _REPEAT.match(pattern, i) and stack:
            stack[-1] = True
        i += 1
    return False


def _skip_class(pattern: str, i: int) -> int:
    """Index just past the character class that starts at `i`."""
    j = i + 1
    if j < len(pattern) and pattern[j] == "^":
        j += 1
    if j < len(pattern) and pattern[j] == "]":
        j += 1  # "[]...]": a literal ] first
    while j < len(pattern) and pattern[j] != "]":
        j += 2 if pattern[j] == "\\" else 1
    return j + 1
