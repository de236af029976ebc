"""The one value every classifier returns: a label, how sure, and why."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Label:
    """A classifier's answer, shown to agents with its reason.

    `value` is "" when the classifier could not tell (or failed); `score` is a 0-1 strength
    (a probability only where `why` says "model"); `why` is short and human: the words, rule
    or score that decided, e.g. "lexicon: kecewa, parah" or "lingua: Indonesian 0.93".
    """

    value: str
    score: float
    why: str


UNKNOWN = ""
