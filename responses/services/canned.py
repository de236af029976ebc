"""Saved replies (canned responses): the answers the team types every day.

A saved reply has a title, a language and one or more wordings. Wordings may use three
variables, filled in for the conversation and the agent when the reply box inserts one:
{customer_name}, {agent_first_name} and {case_number}. Each agent gets the wording they
used least recently, so the same answer does not read the same in every public thread.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.db.models import (
    Case,
    Exists,
    IntegerField,
    OuterRef,
    Q,
    Subquery,
    Value,
    When,
    prefetch_related_objects,
)
from django.utils import timezone
from django.utils.translation import gettext as _

from care.audit import record_audit
from care.errors import CareError
from care.models import Agent
from inbox.models import Conversation, Platform
from responses.models import CannedResponse, CannedWording, CannedWordingUse

PLACEHOLDERS = ("customer_name", "agent_first_name", "case_number")
# Only {word} is a variable: a smiley like ":{" or a lone brace stays text.
PLACEHOLDER = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")
# When the customer has no name nor handle, a greeting still reads naturally.
CUSTOMER_FALLBACK = {"en": "there", "id": "Kak"}
MAX_WORDING_LENGTH = 10_000  # the reply box's own limit


def _allowed() -> str:
    return ", ".join(f"{{{name}}}" for name in PLACEHOLDERS)


def _clean(
    *, canned: CannedResponse | None, title: str, language: str, wordings: Iterable[str]
) -> tuple[str, list[str]]:
    title = " ".join(title.split())
    if not title:
        raise CareError(_("A saved reply needs a title."), code="no_title")
    if language not in CannedResponse.Language.values:
        raise CareError(_("Choose English or Bahasa Indonesia."), code="language")
    texts = [text.strip() for text in wordings if text.strip()]
    if not texts:
        raise CareError(_("Write at least one wording."), code="no_wording")
    if any(len(text) > MAX_WORDING_LENGTH for text in texts):
        raise CareError(
            _("A wording can be at most %(limit)s characters.") % {"limit": MAX_WORDING_LENGTH},
            code="too_long",
        )
    unknown = sorted(
        {name for text in texts for name in PLACEHOLDER.findall(text)} - set(PLACEHOLDERS)
    )
    if unknown:
        raise CareError(
            _("Unknown variable %(unknown)s. The variables are %(allowed)s.")
            % {"unknown": ", ".join(f"{{{name}}}" for name in unknown), "allowed": _allowed()},
            code="placeholder",
            extra={"unknown": unknown, "allowed": list(PLACEHOLDERS)},
        )
    clash = CannedResponse.objects.filter(title__iexact=title, language=language)
    if canned is not None:
        clash = clash.exclude(pk=canned.pk)
    if clash.exists():
        raise CareError(_duplicate_message(title, language), code="duplicate")
    return title, texts


def _duplicate_message(title: str, language: str) -> str:
    return _("There is already a saved reply “%(title)s” in %(language)s.") % {
        "title": title,
        "language": CannedResponse.Language(language).label,
    }


def _set_wordings(canned: CannedResponse, texts: list[str]) -> None:
    # A wording kept word for word keeps its row, so the agents' rotation through it
    # survives an edit of the others.
    existing = {wording.text: wording for wording in canned.wordings.all()}
    kept = []
    for position, text in enumerate(texts):
        wording = existing.pop(text, None)
        if wording is None:
            wording = CannedWording.objects.create(canned=canned, text=text, position=position)
        elif wording.position != position:
            wording.position = position
            wording.save(update_fields=["position"])
        kept.append(wording.pk)
    canned.wordings.exclude(pk__in=kept).delete()


def _save(
    canned: CannedResponse,
    *,
    title: str,
    language: str,
    shortcut: str,
    texts: list[str],
    is_active: bool,
) -> None:
    canned.title, canned.language, canned.is_active = title, language, is_active
    canned.shortcut = " ".join(shortcut.split())[:100]
    try:
        with transaction.atomic():  # the constraint decides a race between two editors
            canned.save()
    except IntegrityError:
        raise CareError(_duplicate_message(title, language), code="duplicate") from None
    _set_wordings(canned, texts)


@transaction.atomic
def create_canned(
    *,
    title: str,
    language: str,
    wordings: Iterable[str],
    shortcut: str = "",
    is_active: bool = True,
    by: Agent | None,
) -> CannedResponse:
    """A new saved reply. Refused (CareError) without a title or a non-empty wording,
    with a variable other than the three known ones, or with a title the language
    already has (any case)."""
    title, texts = _clean(canned=None, title=title, language=language, wordings=wordings)
    canned = CannedResponse(created_by=by)
    _save(
        canned, title=title, language=language, shortcut=shortcut, texts=texts, is_active=is_active
    )
    record_audit(actor=by.user if by else None, verb="canned_created", target=canned)
    return canned


@transaction.atomic
def update_canned(
    *,
    canned: CannedResponse,
    title: str,
    language: str,
    wordings: Iterable[str],
    shortcut: str = "",
    is_active: bool = True,
    by: Agent,
) -> CannedResponse:
    """Change a saved reply; the same refusals as create_canned. The wordings given
    replace the old ones, in their order."""
    title, texts = _clean(canned=canned, title=title, language=language, wordings=wordings)
    _save(
        canned, title=title, language=language, shortcut=shortcut, texts=texts, is_active=is_active
    )
    record_audit(actor=by.user, verb="canned_updated", target=canned)
    return canned


@transaction.atomic
def delete_canned(*, canned: CannedResponse, by: Agent) -> None:
    """Replies already written with it keep their text: nothing points back at it."""
    record_audit(actor=by.user, verb="canned_deleted", target=canned, title=canned.title)
    canned.delete()


def search_canned(
    query: str, *, language: str | None = None, limit: int = 8
) -> list[CannedResponse]:
    """Active saved replies whose title, search words or a wording contain every word of
    `query` (any case); an empty query finds them all. The given language comes first,
    then titles and search words that match before matches inside a wording."""
    terms = query.split()[:5]
    matches = CannedResponse.objects.filter(is_active=True)
    for term in terms:
        in_wording = CannedWording.objects.filter(canned=OuterRef("pk"), text__icontains=term)
        matches = matches.filter(
            Q(title__icontains=term) | Q(shortcut__icontains=term) | Exists(in_wording)
        )
    language_rank = (
        Case(When(language=language, then=Value(0)), default=Value(1), output_field=IntegerField())
        if language
        else Value(0)
    )
    first = terms[0] if terms else ""
    name_rank = (
        Case(
            When(Q(title__istartswith=first) | Q(shortcut__icontains=first), then=Value(0)),
            default=Value(1),
            output_field=IntegerField(),
        )
        if first
        else Value(0)
    )
    ranked = matches.annotate(language_rank=language_rank, name_rank=name_rank)
    return list(ranked.order_by("language_rank", "name_rank", "title", "pk")[:limit])


def pick_wordings(canned: Iterable[CannedResponse], *, agent: Agent) -> dict[int, CannedWording]:
    """For each saved reply, the wording this agent used least recently (never used
    first, then in their order); one query for all of them."""
    last_use = CannedWordingUse.objects.filter(wording=OuterRef("pk"), agent=agent).values(
        "used_at"
    )[:1]
    wordings = (
        CannedWording.objects.filter(canned__in=list(canned))
        .annotate(last_used=Subquery(last_use))
        .order_by("canned_id", "position", "id")
    )
    picked: dict[int, CannedWording] = {}
    for wording in wordings:
        current = picked.get(wording.canned_id)
        if current is None or _staler(wording, current):
            picked[wording.canned_id] = wording
    return picked


def _staler(wording: CannedWording, than: CannedWording) -> bool:
    mine, theirs = getattr(wording, "last_used", None), getattr(than, "last_used", None)
    if theirs is None:
        return False  # `than` comes first in order and was never used: it wins
    return mine is None or mine < theirs


def pick_wording(canned: CannedResponse, *, agent: Agent) -> CannedWording | None:
    return pick_wordings([canned], agent=agent).get(canned.pk)


def record_wording_use(*, wording: CannedWording, agent: Agent) -> None:
    """The agent inserted this wording: next time they get another one."""
    CannedWordingUse.objects.update_or_create(
        wording=wording, agent=agent, defaults={"used_at": timezone.now()}
    )


def customer_name(conversation: Conversation) -> str:
    """What the team calls the customer: their name, else their name or handle on the
    conversation's platform (then on any other); "" when nothing is known."""
    customer = conversation.customer
    if customer.display_name.strip():
        return customer.display_name.strip()
    platform = conversation.channel_account.platform
    identities = sorted(customer.identities.all(), key=lambda i: (i.platform != platform, i.pk))
    for identity in identities:
        if identity.name.strip():
            return identity.name.strip()
        if identity.handle:
            return f"@{identity.handle}" if identity.platform == Platform.X else identity.handle
    return ""


def render_wording(wording: CannedWording, *, conversation: Conversation, agent: Agent) -> str:
    """The wording with its variables filled in for this conversation and agent. A
    missing customer name becomes a neutral word of the reply's language, so no
    "{customer_name}" ever reaches a customer."""
    language = wording.canned.language
    values = {
        "customer_name": customer_name(conversation) or CUSTOMER_FALLBACK.get(language, ""),
        "agent_first_name": agent.first_name,
        "case_number": str(conversation.pk),
    }
    # Unknown names cannot be saved (create/update refuse them); left as written if
    # one slipped in another way, so the agent sees it before sending.
    return PLACEHOLDER.sub(lambda match: values.get(match.group(1), match.group(0)), wording.text)


@dataclass(frozen=True)
class CannedSuggestion:
    canned: CannedResponse
    wording: CannedWording
    text: str  # the wording, filled in


def suggest_canned(
    query: str, *, conversation: Conversation, agent: Agent, limit: int = 8
) -> list[CannedSuggestion]:
    """What the reply box's `;` picker offers: search_canned in the conversation's
    language first, each with this agent's next wording, filled in."""
    found = search_canned(query, language=conversation.language or None, limit=limit)
    picked = pick_wordings(found, agent=agent)
    prefetch_related_objects([conversation.customer], "identities")  # one query, not 8
    suggestions = []
    for canned in found:
        wording = picked.get(canned.pk)
        if wording is None:
            continue  # only possible for rows written around the service
        wording.canned = canned
        text = render_wording(wording, conversation=conversation, agent=agent)
        suggestions.append(CannedSuggestion(canned=canned, wording=wording, text=text))
    return suggestions
