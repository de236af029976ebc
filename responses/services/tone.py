"""The reply box's second look: does this sound like a calm person who read the complaint?

Brand accounts are judged in public by one reply. A reply in capitals, with "!!!", that
skips the apology a complaint needs, or that blames the customer gets screenshotted; a
reply the team already sent word for word reads like a bot. These checks warn while the
agent types and never refuse: the agent knows the case (a shouting customer quoted, an
acronym-heavy order status), so the send button asks once and then sends.

Cheap enough for every pause in typing: two queries at most, the team's last
`CARE_SAMENESS_WINDOW` reply texts and this customer's reply texts, none for an empty box.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.conf import settings
from django.utils.translation import gettext as _

from care.models import Agent
from inbox.models import Conversation, Intent, Sentiment
from responses.models import Reply
from responses.services.signing import signature


@dataclass(frozen=True)
class ReplyWarning:
    code: str
    message: str


# What is not the agent's own prose: a handle, a link, a signature ("^AB").
_HANDLE = re.compile(r"(?<!\w)@\w+")
_URL = re.compile(r"(?:https?://|www\.)\S+", re.IGNORECASE)
_SIGNATURE = re.compile(r"(?<!\w)\^\w+")
_LETTERS = re.compile(r"[^\W\d_]+")

# Capitals: shouting from this share of at least this many letters.
CAPS_SHARE = 0.7
CAPS_MIN_LETTERS = 12
# "DM", "OTP", "JNE" among normal words are names, not shouting.
ACRONYM_MAX_LETTERS = 4

# Three or more, also mixed: "!!!", "???", "?!?".
_REPEATED_PUNCTUATION = re.compile(r"[!?]{3,}")


def _phrases(*patterns: str) -> re.Pattern[str]:
    """Whole words only: "sorry" never matches inside "sorryness", "tenang" not "ketenangan"."""
    return re.compile(
        "|".join(rf"(?<!\w)(?:{pattern})(?!\w)" for pattern in patterns), re.IGNORECASE
    )


# An apology or empathy, English or Indonesian; Indonesian suffixes (-nya, -kan) allowed.
_ACKNOWLEDGEMENT = _phrases(
    r"sorry",
    r"apologi[sz]e[sd]?",
    r"apolog(?:y|ies)",
    r"(?:we|i)\s+(?:do\s+)?understand",
    r"understandabl[ey]",
    r"frustrat\w*",
    r"inconvenien\w*",
    r"regret\w*",
    r"(?:thank\s+you|thanks)\s+for\s+(?:your\s+patience|being\s+patient|bearing\s+with\s+us)",
    r"maaf\w*",  # maaf, mohon maaf (atas), maafkan
    r"(?:kami|saya)\s+(?:sangat\s+)?(?:mengerti|memahami|paham)",
    r"ketidaknyamanan\w*",
    r"kesabaran\w*",  # terima kasih atas kesabarannya
    r"(?:sudah|telah)\s+(?:mau\s+)?(?:bersabar|menunggu)",
    r"(?:turut\s+)?prihatin",
    r"menyesal\w*",
)

# Blaming or talking down. The lookaheads keep the everyday "you should have received
# an e-mail" / "seharusnya kakak sudah menerima SMS" out; "not your fault" is kind.
_BLAME = _phrases(
    r"(?<!not\s)(?<!n't\s)your\s+(?:own\s+)?fault",
    r"you\s+should(?:\s+have|'ve)(?!\s+(?:received|receive|got|gotten|been|had|a|an|the|it"
    r"|your|our|this|that)\b)",
    r"you\s+failed\s+to",
    r"you\s+(?:didn't|did\s+not)\s+read",
    r"(?:as|like)\s+(?:i|we)\s+(?:already\s+)?(?:said|told\s+you)",
    r"(?:i|we)\s+already\s+told\s+you",
    r"calm\s+down",
    r"obviously",
    r"clearly\s+you",
    r"(?<!bukan\s)(?:ke)?salah(?:an)?\s+(?:anda|kamu|kakak|sendiri)",
    r"(?:se)?harusnya\s+(?:anda|kamu|kakak)(?!\s+(?:sudah\s+|telah\s+)?(?:menerima|terima"
    r"|mendapat\w*|dapat)\b)",
    r"(?:sudah|kan\s+sudah)\s+(?:kami|saya)\s+(?:bilang|katakan)",
    r"(?:kami|saya)\s+sudah\s+bilang",
    r"(?:kan\s+)?sudah\s+dibilang",
    r"tenang\s+(?:saja\s+|aja\s+)?dulu",
)


def review_reply(
    text: str, *, conversation: Conversation, agent: Agent, private: bool
) -> list[ReplyWarning]:
    """What the agent may want to change before sending; empty for a good reply.

    Only warnings: nothing here refuses a reply. At most one of the two sameness warnings:
    when both apply, the customer's, the stronger one.
    """
    if not text.strip():
        return []
    prose = _prose(text)
    warnings = []
    if _is_shouting(prose):
        warnings.append(
            ReplyWarning(
                "all_caps",
                _("Mostly capital letters reads as shouting: write it in normal case."),
            )
        )
    if _REPEATED_PUNCTUATION.search(prose):
        warnings.append(
            ReplyWarning(
                "repeated_punctuation",
                _('"!!!" or "???" can sound angry or sarcastic: one mark is enough.'),
            )
        )
    complaint = (
        conversation.sentiment == Sentiment.NEGATIVE or conversation.intent == Intent.COMPLAINT
    )
    if complaint and not _ACKNOWLEDGEMENT.search(prose):
        warnings.append(
            ReplyWarning(
                "no_acknowledgement",
                _('The customer complained: start by acknowledging it ("Sorry…", "Mohon maaf…").'),
            )
        )
    # Each phrase once, as the agent wrote it, so they can find it in their text.
    blamed = dict.fromkeys(" ".join(match.group().split()) for match in _BLAME.finditer(prose))
    if blamed:
        warnings.append(
            ReplyWarning(
                "blame",
                _("%(phrases)s can sound like blaming the customer: say what happens next instead.")
                % {"phrases": ", ".join(f'"{phrase}"' for phrase in blamed)},
            )
        )
    sameness = _sameness(text, conversation=conversation, agent=agent, private=private)
    if sameness:
        warnings.append(sameness)
    return warnings


def _prose(text: str) -> str:
    text = text.replace("\u2019", "'")  # the curly apostrophe phones type
    return _SIGNATURE.sub(" ", _URL.sub(" ", _HANDLE.sub(" ", text)))


def _is_shouting(prose: str) -> bool:
    words = _LETTERS.findall(prose)
    upper = total = 0
    for i, word in enumerate(words):
        if word.isupper() and len(word) <= ACRONYM_MAX_LETTERS:
            # A short capital word next to a normal one is an acronym ("DM", "OTP"); in a
            # run of capitals ("WE ARE SO SORRY") it is part of the shouting.
            neighbours = words[max(0, i - 1) : i] + words[i + 1 : i + 2]
            if any(not other.isupper() for other in neighbours):
                continue
        total += len(word)
        upper += sum(1 for letter in word if letter.isupper())
    return total >= CAPS_MIN_LETTERS and upper >= CAPS_SHARE * total


def normalise(text: str) -> str:
    """What "the same wording" compares: no handles or signatures, case and spacing folded."""
    text = _SIGNATURE.sub(" ", _HANDLE.sub(" ", text))
    return " ".join(text.casefold().split())


def _sameness(
    text: str, *, conversation: Conversation, agent: Agent, private: bool
) -> ReplyWarning | None:
    own_signature = signature(agent, conversation.channel_account.platform, private=private)
    if own_signature.strip() and text.rstrip().endswith(own_signature.strip()):
        text = text.rstrip()[: -len(own_signature.strip())]
    wording = normalise(text)
    if not wording:
        return None
    # Texts only, compared here: the normalising is Python, and a few hundred short
    # strings cost less than a clever query.
    customer_texts = (
        Reply.objects.filter(conversation__customer_id=conversation.customer_id)
        .order_by()
        .values_list("text", flat=True)
    )
    if any(normalise(earlier) == wording for earlier in customer_texts):
        return ReplyWarning(
            "same_for_customer",
            _(
                "This customer already got exactly this reply: say it in new words, "
                "or say what changed."
            ),
        )
    window = settings.CARE_SAMENESS_WINDOW
    if window <= 0:
        return None
    # Any conversation, newest first: the team's recent voice, whoever wrote it.
    team_texts = Reply.objects.order_by("-created_at", "-id").values_list("text", flat=True)[
        :window
    ]
    if any(normalise(earlier) == wording for earlier in team_texts):
        return ReplyWarning(
            "same_as_team",
            _(
                "The team sent exactly this reply recently: make it personal "
                "(their name, their case)."
            ),
        )
    return None
