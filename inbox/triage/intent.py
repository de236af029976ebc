"""Intent: complaint, question, praise, spam or other, by rules a supervisor can read.

First rule that holds wins:
1. spam: two or more spam points (a bait phrase like "giveaway", "follow back", "slot
   gacor" is 2; a promo word like "diskon" or "don't miss" is 1, and 1 more with a link;
   three or more links are 2);
2. complaint: negative sentiment in a message addressed to someone (an @mention, "you",
   "min", "kak"), or a complaint cue ("refund", "kok", "where is my") unless the
   sentiment is positive;
3. question: a "?", or a question cue ("how do", "can you", "bagaimana cara", "kapan",
   "apakah", "mau tanya");
4. praise: thanks ("thanks", "makasih", "terima kasih"), or positive sentiment in a
   message addressed to someone;
5. other.
A problem put as a question ("why is my internet down again?") is a complaint: agents
treat it as one.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from inbox.triage.label import Label
from inbox.triage.text import count_urls, strip_markup

COMPLAINT, QUESTION, PRAISE, SPAM, OTHER = "complaint", "question", "praise", "spam", "other"


def _phrases(words: Iterable[str]) -> re.Pattern[str]:
    alternatives = sorted({w.strip().lower() for w in words}, key=len, reverse=True)
    body = "|".join(re.escape(w).replace(r"\ ", r"\s+") for w in alternatives)
    return re.compile(rf"(?<!\w)(?:{body})(?!\w)", re.IGNORECASE)


SPAM_BAIT = _phrases(
    """follow back|followback|follback|f4f|follow me back|follow and retweet|follow & rt|
    retweet to win|rt to win|re-tweet|giveaway|give away|sweepstakes|chance to win|
    win a|free followers|jual followers|crypto|bitcoin|btc|airdrop|nft|forex|
    binary option|slot gacor|gacor|maxwin|judi|togel|jackpot|pinjol|pinjaman online|
    cek bio|check my bio|link in bio|dm for promo""".replace("\n", "").split("|")
)
SPAM_PROMO = _phrases(
    """promo|diskon|discount|cashback|sale|order now|buy now|shop now|beli sekarang|
    don't miss|dont miss|miss this|jangan lewatkan|limited|now available|available for
    preorder|pre-order now|proud to announce|klik link|click the link|wa.me|whatsapp|
    open order|open po|hadiah|gratis ongkir|voucher|kode|contest|#contest""".replace(
        "\n", ""
    ).split("|")
)
COMPLAINT_CUES = _phrases(
    """refund|complaint|komplain|where is my|where's my|wheres my|still waiting|
    not received|never received|help me|please fix|fix this|fix it|kok|gimana sih|
    mana paket|belum sampai|belum masuk|belum diterima|belum dibalas|tolong dicek|
    tolong dibantu|lapor|pengaduan|keluhan|ganti rugi|uang kembali|
    dikembalikan|charged twice|double charged|overcharged|ditagih|tagihan ganda|
    klarifikasi|klarifikasinya|salah potong|kepotong dua kali|terpotong dua kali|
    gak kepotong|gk kepotong|ga kepotong|nggak kepotong|tidak terpotong|
    tidak kepotong""".replace("\n", "").split("|")
)
# With a "?" any of these asks; without one only QUESTION_CUES do ("when I type…" does not).
QUESTION_WORDS = _phrases(
    """how|what|when|where|which|who|why|is|are|do|does|did|can|could|will|would|should|
    any|anyone|apa|apakah|bagaimana|gimana|kapan|dimana|di mana|berapa|kenapa|mengapa|
    siapa|bisakah|bolehkah|gmn""".replace("\n", "").split("|")
)
QUESTION_CUES = _phrases(
    """how do|how can|how to|how much|how long|is it possible|do you have|can you tell|
    can i|could i|could you|can you|any update|any updates|anyway to|let me know|
    i have a question|quick question|i would like to know|apakah|bagaimana cara|
    gimana cara|caranya|kapan|berapa|mau tanya|boleh tanya|mohon info|info dong|ada info|
    bisa tolong|bisakah|bolehkah""".replace("\n", "").split("|")
)
# Whom a message speaks to: a complaint or praise is said to someone. Tweets full of
# feeling that address nobody ("hari ini sedih banget") are "other".
ADDRESSED = _phrases(
    """you|your|you're|youre|yours|u|ur|y'all|yall|kalian|anda|min|mimin|admin|kak|gan|
    sis|cs|customer service|pak|bu|bapak|ibu""".replace("\n", "").split("|")
)
MENTION_RE = re.compile(r"(?<!\w)@\w+|\[USERNAME\]", re.IGNORECASE)
THANKS = _phrases(
    """thanks|thank you|thank|thankyou|appreciate|cheers|makasih|terima kasih|
    terimakasih|trims|matur nuwun|hatur nuhun""".replace("\n", "").split("|")
)


def classify_intent(
    text: str, language: str, sentiment: Label, *, addressed: bool = False
) -> Label:
    """`language` is "en", "id", "other" or ""; the cues of both languages are always
    checked, since customers mix them ("min, my order belum sampai"). `addressed`: the
    message was sent to the brand (a DM, a Page comment), whatever its words."""
    cleaned = strip_markup(text, hashtags=False)
    links = count_urls(text)

    points, signs = _spam_points(text, cleaned, links)
    if points >= 2:
        return Label(SPAM, round(min(1.0, points / 3), 2), "spam: " + ", ".join(signs))

    complaint = _found(COMPLAINT_CUES, cleaned)
    addressed = addressed or bool(MENTION_RE.search(text)) or bool(ADDRESSED.search(cleaned))
    if sentiment.value == "negative" and (addressed or complaint):
        return Label(COMPLAINT, max(0.6, sentiment.score), f"complaint: negative ({sentiment.why})")
    if complaint and sentiment.value != "positive":
        return Label(COMPLAINT, 0.6, "complaint: " + _quote(complaint))

    if "?" in cleaned:
        question = ["?", *_found(QUESTION_WORDS, cleaned)]
    else:
        question = _found(QUESTION_CUES, cleaned)
    if question:
        return Label(QUESTION, 0.7 if "?" in question else 0.5, "question: " + _quote(question))

    thanks = _found(THANKS, cleaned)
    if thanks:
        return Label(PRAISE, max(0.5, sentiment.score), "praise: " + _quote(thanks))
    if sentiment.value == "positive" and addressed:
        return Label(PRAISE, max(0.5, sentiment.score), f"praise: positive ({sentiment.why})")
    if sentiment.value in ("negative", "positive"):
        return Label(OTHER, 0.5, f"other: {sentiment.value}, but addressed to no one")
    return Label(OTHER, 0.5, "other: no rule matched")


def _spam_points(text: str, cleaned: str, links: int) -> tuple[int, list[str]]:
    points, signs = 0, []
    # Spam is judged on the whole post: links and bait words in hashtags count.
    bait = _found(SPAM_BAIT, text)
    if bait:
        points += 2
        signs.append(_quote(bait))
    promo = _found(SPAM_PROMO, text)
    if promo:
        points += 1 + (1 if links else 0)
        signs.append(_quote(promo) + (" with a link" if links else ""))
    if links >= 3:
        points += 1
        signs.append(f"{links} links")
    if re.search(r"(?:\b0|\+62)8\d{8,11}\b", cleaned) and (bait or promo):
        points += 1
        signs.append("a phone number")
    return points, signs


def _found(pattern: re.Pattern[str], text: str) -> list[str]:
    hits: list[str] = []
    for match in pattern.finditer(text):
        word = " ".join(match.group().lower().split())
        if word not in hits:
            hits.append(word)
    return hits


def _quote(words: list[str]) -> str:
    return ", ".join(f"“{w}”" if w != "?" else "“?”" for w in words[:4])
