"""Priority: points from intent, sentiment, reach, VIP, urgent words and age → a level.

Every factor adds (or removes) points and says so in a reason; the sum picks the level.
The weights are a plain dict so supervisors can tune them; missing keys fall back to
`DEFAULT_WEIGHTS`. Levels are `Conversation.Priority` values.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping

LOW, NORMAL, HIGH, URGENT = 10, 20, 30, 40  # = inbox.models.Conversation.Priority

DEFAULT_WEIGHTS: dict[str, float] = {
    # Every message starts here: a plain message is "normal", praise and spam fall below.
    "base": 10,
    # Intent: a complaint needs an answer first, spam never.
    "intent_complaint": 20,
    "intent_question": 10,
    "intent_praise": -5,
    "intent_other": 0,
    "intent_spam": -50,
    # Sentiment: an angry customer before a neutral one.
    "sentiment_negative": 15,
    "sentiment_neutral": 0,
    "sentiment_positive": -5,
    # Reach: points per tenfold followers above `reach_from` (1,000 → 0, 10,000 → 5,
    # 100,000 → 10, …), at most `reach_max`.
    "reach_per_tenfold": 5,
    "reach_from": 1_000,
    "reach_max": 20,
    "verified": 10,
    "vip": 30,
    # Any urgent word (legal threat, safety, going viral, regulator): once, not per word.
    "urgent_words": 25,
    # Age: points per hour unanswered, at most `age_max`.
    "age_per_hour": 5,
    "age_max": 20,
    # Levels: a score at or above each threshold reaches that level. With the defaults a
    # negative complaint is normal (45) and turns high after an hour unanswered (50); an
    # urgent word or a VIP on top of it makes it urgent (70).
    "level_normal": 10,
    "level_high": 50,
    "level_urgent": 70,
}

URGENT_WORDS = (
    # Legal and regulators.
    "lawyer",
    "attorney",
    "sue",
    "lawsuit",
    "legal action",
    "ombudsman",
    "regulator",
    "pengacara",
    "kuasa hukum",
    "somasi",
    "gugat",
    "menggugat",
    "pengadilan",
    "polisi",
    "lapor polisi",
    "ylki",
    "bpkn",
    "ojk",
    "kominfo",
    # Money.
    "refund",
    "chargeback",
    "fraud",
    "scam",
    "stolen",
    "hacked",
    "penipuan",
    "ditipu",
    "dibobol",
    "diretas",
    "uang hilang",
    "saldo hilang",
    # Safety.
    "fire",
    "explode",
    "exploded",
    "injured",
    "injury",
    "hospital",
    "accident",
    "danger",
    "dangerous",
    "bahaya",
    "berbahaya",
    "kebakaran",
    "terbakar",
    "meledak",
    "ledakan",
    "kecelakaan",
    "luka",
    "keracunan",
    "rumah sakit",
    # Going public.
    "viral",
    "journalist",
    "wartawan",
)
_URGENT_RE = re.compile(
    r"(?<!\w)(?:"
    + "|".join(re.escape(w).replace(r"\ ", r"\s+") for w in sorted(URGENT_WORDS, key=len)[::-1])
    + r")(?!\w)",
    re.IGNORECASE,
)
LEVEL_NAMES = {LOW: "low", NORMAL: "normal", HIGH: "high", URGENT: "urgent"}


def score_priority(
    intent: str,
    sentiment: str,
    followers: int,
    verified: bool,
    is_vip: bool,
    text: str,
    age_minutes: float,
    weights: Mapping[str, float] | None = None,
) -> tuple[int, float, list[str]]:
    """(level, score, reasons): one reason per factor that moved the score."""
    w = {**DEFAULT_WEIGHTS, **(weights or {})}
    score = float(w["base"])
    reasons: list[str] = [f"base {w['base']:g}"]

    def add(points: float, reason: str) -> None:
        nonlocal score
        if points:
            score += points
            reasons.append(f"{reason} {points:+g}")

    if intent:
        add(w.get(f"intent_{intent}", 0), f"intent {intent}")
    if sentiment:
        add(w.get(f"sentiment_{sentiment}", 0), f"{sentiment} sentiment")
    if followers > w["reach_from"] > 0:
        tenfolds = math.log10(followers / w["reach_from"])
        points = round(min(w["reach_max"], w["reach_per_tenfold"] * tenfolds), 1)
        add(points, f"reach {followers:,} followers")
    if verified:
        add(w["verified"], "verified account")
    if is_vip:
        add(w["vip"], "VIP customer")
    urgent = _urgent_words(text)
    if urgent:
        add(w["urgent_words"], "urgent words: " + ", ".join(urgent[:4]))
    if age_minutes > 0:
        add(age_points(age_minutes, w), waiting_reason(age_minutes))
    return level_for(score, w), round(score, 1), reasons


def age_points(age_minutes: float, weights: Mapping[str, float] | None = None) -> float:
    """Points for waiting unanswered: `age_per_hour` an hour, at most `age_max`."""
    w = {**DEFAULT_WEIGHTS, **(weights or {})}
    return round(min(w["age_max"], w["age_per_hour"] * max(0.0, age_minutes) / 60), 1)


def waiting_reason(age_minutes: float) -> str:
    return f"waiting {_duration(age_minutes)}"


def level_for(score: float, weights: Mapping[str, float] | None = None) -> int:
    w = {**DEFAULT_WEIGHTS, **(weights or {})}
    if score >= w["level_urgent"]:
        return URGENT
    if score >= w["level_high"]:
        return HIGH
    if score >= w["level_normal"]:
        return NORMAL
    return LOW


def _urgent_words(text: str) -> list[str]:
    found: list[str] = []
    for match in _URGENT_RE.finditer(text[:5_000]):
        word = " ".join(match.group().lower().split())
        if word not in found:
            found.append(word)
    return found


def _duration(minutes: float) -> str:
    if minutes < 60:
        return f"{minutes:.0f} min"
    if minutes < 48 * 60:
        return f"{minutes / 60:.1f} h"
    return f"{minutes / 1440:.1f} days"
