"""Language: "en", "id" or "other", by lingua (offline, models ship in the wheel).

One detector per process, built on first use for a small set of languages: the two the
team answers in, Malay (close to Indonesian; a Malay reading counts towards "id", since
the Indonesian team answers it), and enough others that "other" can win. Low-accuracy
mode (trigram models only) keeps it at ~25 MB and well under a millisecond; high-accuracy
mode costs ~280 MB per process for little gain on tweets (docs/triage.md).
"""

from __future__ import annotations

import threading

from lingua import Language, LanguageDetector, LanguageDetectorBuilder

from inbox.triage.label import UNKNOWN, Label
from inbox.triage.text import WORD_RE, strip_markup, word_set

LANGUAGES = (
    Language.ENGLISH,
    Language.INDONESIAN,
    Language.MALAY,
    Language.SPANISH,
    Language.PORTUGUESE,
    Language.FRENCH,
    Language.GERMAN,
    Language.VIETNAMESE,
    Language.THAI,
    Language.JAPANESE,
    Language.CHINESE,
    Language.KOREAN,
    Language.ARABIC,
)
OURS = {Language.ENGLISH: "en", Language.INDONESIAN: "id", Language.MALAY: "id"}
# Low-accuracy lingua misreads short customer English ("DM sent.", "I've cancelled my order
# and gone to Best Buy. Thank you." as German): each common word of one of our languages
# adds BOOST to it, up to MAX_BOOST. The words are frequent and rare in the other
# languages of the set.
FUNCTION_WORDS = {
    "en": word_set(
        """the my i i'm i've i'll you your you're yours is are was were and to for with this
        that it it's have has had not can't don't didn't won't what how why when please
        thanks thank get got just still will would can could been of on at our we they be do
        does did my me him her there here from about out up again any"""
    ),
    "id": word_set(
        """yang dan di ke dari ini itu saya aku gue gw kamu kalian anda tidak gak ga nggak ngga
        sudah belum udah ada bisa min kak dong sih ya aja banget lagi juga karena untuk
        dengan mau kok apa kenapa gimana tolong terima kasih makasih pagi malam mohon nya
        tapi kalau kalo jadi sama udh blm bgt yg"""
    ),
}
BOOST = 0.2
MAX_BOOST = 0.8
# Below this many letters a text is "short": it needs a clear winner, else "" (unsure).
SHORT_LETTERS = 20
SHORT_CONFIDENCE = 0.6
MIN_LETTERS = 3

_detector: LanguageDetector | None = None
_lock = threading.Lock()


def get_detector() -> LanguageDetector:
    """The process's detector, built once (about a second) on first use."""
    global _detector
    if _detector is None:
        with _lock:
            if _detector is None:
                _detector = (
                    LanguageDetectorBuilder.from_languages(*LANGUAGES)
                    .with_preloaded_language_models()
                    .with_low_accuracy_mode()
                    .build()
                )
    return _detector


def detect_language(text: str) -> Label:
    cleaned = strip_markup(text)
    letters = sum(len(word) for word in WORD_RE.findall(cleaned))
    if letters < MIN_LETTERS:
        return Label(UNKNOWN, 0.0, "too little text to tell")
    # The first few hundred characters tell the language; the rest only costs time.
    values = get_detector().compute_language_confidence_values(cleaned[:400])
    by_code: dict[str, float] = {}
    for value in values:
        code = OURS.get(value.language, "other")
        by_code[code] = by_code.get(code, 0.0) + value.value
    words = {w.lower().replace("’", "'") for w in WORD_RE.findall(cleaned)}
    boosted: dict[str, list[str]] = {}
    for code, vocabulary in FUNCTION_WORDS.items():
        hits = sorted(words & vocabulary)
        if hits:
            boosted[code] = hits
            by_code[code] = by_code.get(code, 0.0) + min(MAX_BOOST, BOOST * len(hits))
    if not any(by_code.values()):
        return Label("other", 0.0, "lingua: no known language")
    total = sum(by_code.values())
    code = max(by_code, key=by_code.__getitem__)
    confidence = by_code[code] / total
    top = values[0]
    why = f"lingua: {top.language.name.title()} {top.value:.2f}"
    if code == "id":
        parts = [v for v in values if OURS.get(v.language) == "id" and v.value >= 0.01]
        why = "lingua: " + ", ".join(f"{v.language.name.title()} {v.value:.2f}" for v in parts)
        if top.language == Language.MALAY:
            why += " (Malay is read as Indonesian)"
    elif code == "other" and top.value < confidence - 0.01:
        why += f" (other languages {confidence:.2f})"
    if code in boosted:
        why += f"; {code} words: {', '.join(boosted[code][:4])}"
    if letters < SHORT_LETTERS and confidence < SHORT_CONFIDENCE:
        return Label(UNKNOWN, round(confidence, 2), f"too short to be sure; {why}")
    return Label(code, round(confidence, 2), why)
