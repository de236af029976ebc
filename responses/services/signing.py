"""Signatures and length limits, the @DellCares way: a person signs every reply.

A public X reply ends with the agent's initials (`CARE_X_SIGNATURE`, default " ^{initials}");
a Facebook reply with the first name or initials (`CARE_FACEBOOK_SIGNATURE`, default
" ^{initials}"). Private messages are not signed here: on Messenger each agent's reply
carries their persona, and a DM is one person talking to one person.

Length counts as each platform counts, signature included. On X that is the weighted
length of twitter-text (a URL counts 23, CJK and emoji 2), computed by the maintained
`twitter-text-parser`; on Facebook, characters. A reply over the limit is refused before
it is kept, with a message that says by how much.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.utils.translation import gettext as _
from twitter_text import parse_tweet

from care.errors import CareError
from care.models import Agent
from inbox.models import Conversation, Platform

# What each platform accepts, per kind of reply.
LIMITS = {
    (Platform.X, False): 280,  # a public reply
    (Platform.X, True): 10_000,  # a DM
    (Platform.FACEBOOK, False): 8_000,  # a comment reply
    (Platform.FACEBOOK, True): 2_000,  # Messenger
}


@dataclass(frozen=True)
class ReplyLength:
    signed_text: str
    signature: str
    length: int
    limit: int

    @property
    def over(self) -> int:
        return max(0, self.length - self.limit)

    @property
    def left(self) -> int:
        return self.limit - self.length


def signature(agent: Agent, platform: str, *, private: bool) -> str:
    if private:
        return ""
    template = (
        settings.CARE_X_SIGNATURE if platform == Platform.X else settings.CARE_FACEBOOK_SIGNATURE
    )
    return template.format(initials=agent.initials, first_name=agent.first_name)


def measure(text: str, *, agent: Agent, platform: str, private: bool) -> ReplyLength:
    sign = signature(agent, platform, private=private)
    signed = f"{text.rstrip()}{sign}"
    # X weighs URLs, emoji and CJK; Facebook counts characters.
    length = parse_tweet(signed).weightedLength if platform == Platform.X else len(signed)
    return ReplyLength(signed, sign, length, LIMITS[(Platform(platform), private)])


def check_length(
    text: str, *, agent: Agent, conversation: Conversation, private: bool
) -> ReplyLength:
    """The signed reply, or a refusal that says how much to cut."""
    measured = measure(
        text, agent=agent, platform=conversation.channel_account.platform, private=private
    )
    if measured.over:
        raise CareError(
            _("Too long by %(over)s: %(length)s of %(limit)s characters, with the signature.")
            % {"over": measured.over, "length": measured.length, "limit": measured.limit},
            code="too_long",
        )
    return measured
