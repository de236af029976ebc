"""Text clean-up shared by the classifiers: no platform markup, lower-case word tokens."""

from __future__ import annotations

import re
from functools import lru_cache

URL_RE = re.compile(r"(?:https?://|www\.)\S+", re.IGNORECASE)
MENTION_RE = re.compile(r"(?<!\w)@\w+")
HASHTAG_RE = re.compile(r"(?<!\w)#\w+")
# [USERNAME]/[URL] are the placeholders anonymised corpora use for the same things.
PLACEHOLDER_RE = re.compile(r"\[(?:USERNAME|URL|HASHTAG)\]", re.IGNORECASE)
HTML_ENTITIES = {"&amp;": "&", "&lt;": "<", "&gt;": ">", "&quot;": '"', "&#39;": "'"}
# Letters (any script) with inner apostrophes ("don't") and Indonesian reduplication ("hati2").
WORD_RE = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)?2?")
# Punctuation that ends a clause: tokenize() keeps it as BOUNDARY, so a negator's reach
# stops there ("So far no, but thanks" is not "no thanks").
TOKEN_RE = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)?2?|[.,!?;:]+")
BOUNDARY = "."
# Three or more of a letter is shouting ("parahhh", "gooood"): squeeze to two; lookups try
# one too (`variants`), so both "good" and "parah" are found.
REPEAT_RE = re.compile(r"([^\W\d_])\1{2,}")
DOUBLE_RE = re.compile(r"([^\W\d_])\1")
# Chat spellings of Indonesian words, read as the word (negators stay as written: they are
# listed in every spelling, and agents see the customer's own word in the "why").
SHORTHAND = {
    "bgt": "banget",
    "bngt": "banget",
    "tdk": "tidak",
    "blm": "belum",
    "blum": "belum",
    "yg": "yang",
    "sdh": "sudah",
    "udh": "sudah",
    "udah": "sudah",
    "dah": "sudah",
    "dgn": "dengan",
    "krn": "karena",
    "karna": "karena",
    "utk": "untuk",
    "jd": "jadi",
    "tp": "tapi",
    "tpi": "tapi",
    "gmn": "gimana",
    "gmna": "gimana",
    "knp": "kenapa",
    "brp": "berapa",
    "dmn": "dimana",
    "kpn": "kapan",
    "bs": "bisa",
    "bsa": "bisa",
    "sy": "saya",
    "org": "orang",
    "lg": "lagi",
    "trs": "terus",
    "msh": "masih",
    "mksh": "makasih",
    "makasi": "makasih",
    "trims": "terima kasih",
    "terimakasih": "terima kasih",
    "tq": "thanks",
    "thx": "thanks",
    "ty": "thanks",
    "pls": "please",
    "plz": "please",
    "u": "you",
    "ur": "your",
}

MAX_CHARS = 5_000  # longer posts are cut: cost per message stays bounded


def strip_markup(text: str, *, hashtags: bool = True) -> str:
    """The text without URLs, @mentions and (unless `hashtags` is False) #hashtags."""
    text = text[:MAX_CHARS]
    for entity, char in HTML_ENTITIES.items():
        text = text.replace(entity, char)
    text = URL_RE.sub(" ", text)
    text = PLACEHOLDER_RE.sub(" ", text)
    text = MENTION_RE.sub(" ", text)
    text = HASHTAG_RE.sub(" ", text) if hashtags else text.replace("#", " ")
    return " ".join(text.split())


def tokenize(text: str) -> list[str]:
    """Lower-case word tokens of the text with markup removed; hashtag words are kept."""
    cleaned = strip_markup(text, hashtags=False).lower().replace("’", "'")
    tokens: list[str] = []
    for match in TOKEN_RE.finditer(cleaned):
        if not match.group()[0].isalpha():
            if tokens and tokens[-1] != BOUNDARY:
                tokens.append(BOUNDARY)
            continue
        token = REPEAT_RE.sub(r"\1\1", match.group())
        if token.endswith("2") and len(token) > 2:
            token = token[:-1]  # "hati2" reads "hati-hati": the stem carries the meaning
        tokens.extend(SHORTHAND.get(token, token).split())
    return tokens


def word_set(text: str) -> frozenset[str]:
    """A word list written as one string, words separated by white space."""
    return frozenset(text.split())


@lru_cache(maxsize=20_000)  # bounded: a flood of odd words cannot grow it
def variants(token: str) -> tuple[str, ...]:
    """The token as written, then with doubled letters made single ("mantapp" -> "mantap")."""
    single = DOUBLE_RE.sub(r"\1", token)
    return (token,) if single == token else (token, single)


# Endings tried when a word is not in a list as written: "messes" -> "mess",
# "lemotnya" -> "lemot". Longest first; the stem must keep three letters.
SUFFIXES = ("nya", "ing", "ed", "es", "s", "lah", "kah", "in")


def stems(token: str) -> list[str]:
    out = []
    for suffix in SUFFIXES:
        if token.endswith(suffix) and len(token) - len(suffix) >= 3:
            stem = token[: -len(suffix)]
            out.append(stem)
            if suffix in ("ing", "ed") and len(stem) > 3 and stem[-1] == stem[-2]:
                out.append(stem[:-1])  # "stopped" -> "stop"
            if suffix in ("ing", "ed", "es"):
                out.append(stem + "e")  # "charged" -> "charge"
    return out


def count_urls(text: str) -> int:
    return len(URL_RE.findall(text[:MAX_CHARS]))
