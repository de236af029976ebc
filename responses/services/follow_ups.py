"""After a case is solved: ask the customer whether it is, and how much they trust us now.

`schedule_follow_up` runs when a conversation becomes resolved or closed; beat's
`send_due_follow_ups` sends each follow-up `CARE_FOLLOW_UP_HOURS` later through the
outbox, signed by the agent who solved it, on the route of the case's last reply, with a
link to the survey. The link carries a signed token (no login) valid `CARE_SURVEY_DAYS`;
`answer_survey` keeps one answer per follow-up, and a low score reopens the case for the
same agent.

Guarantees:
* at most one follow-up per resolution, and none once one went out on the case: a
  customer who answered "yes, thanks" and so reopened the case is not asked again;
* none for spam, for a case without a customer message, or one we never answered;
* nothing is sent for a case that is no longer resolved or closed when it falls due (the
  customer wrote again, an agent reopened it): that follow-up is cancelled instead;
* a follow-up the outbox refuses (no public post to answer, Messenger's window closed,
  too long) is cancelled, logged and audited with the reason; it is never retried.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core import signing
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from care.audit import record_audit
from care.errors import CareError
from care.models import Agent
from care.services import notify_users
from inbox.models import Conversation, ConversationEvent, Message
from inbox.selectors import works_channel
from inbox.services import sla
from inbox.services.conversations import SPAM_TAG
from responses.models import FollowUp, Reply, SurveyAnswer
from responses.services.canned import customer_name
from responses.services.outbox import send_reply

log = logging.getLogger(__name__)

Status = FollowUp.Status
DONE = Conversation.DONE_STATUSES
SURVEY_SALT = "care.survey"
# Beat was down, or follow-ups were switched off for a while: a question this late
# reads odd ("is it solved?" a week on), so it is cancelled rather than sent.
TOO_LATE = timedelta(days=2)
# Each beat run sends at most this many; the next run takes the rest.
BATCH = 200
LOW_SATISFACTION = 2
COMMENT_MAX = 1000

# The customer's words, in the conversation's language: two wordings each, taken in turn,
# so a busy public timeline does not repeat itself. Short enough for X with the link
# (23) and a signature; the name is capped below.
GREETINGS = {"en": ("Hi {name}", "Hi there"), "id": ("Halo kak {name}", "Halo kak")}
WORDINGS = {
    "en": (
        "{greeting}, checking in: is the problem solved now? "
        "Tell us how we did, it takes 30 seconds: {link}",
        "{greeting}, we hope everything works again. Did we fix it for you? "
        "A 30-second survey: {link}",
    ),
    "id": (
        "{greeting}, apakah masalahnya sudah beres? "
        "Ceritakan pengalamanmu dengan kami dalam 30 detik: {link}",
        "{greeting}, semoga semuanya sudah lancar lagi ya. Sudah teratasi? "
        "Isi survei singkat 30 detik: {link}",
    ),
}
NAME_MAX = 20


# --- scheduling -------------------------------------------------------------------------
def schedule_follow_up(conversation: Conversation, *, agent: Agent | None) -> FollowUp | None:
    """Plan the follow-up of a conversation that has just been resolved or closed.

    `agent` is who solved it (the assignee, else whoever resolved it): they sign the
    follow-up. Returns None when no follow-up is due: switched off, spam, no customer
    message, never answered, already planned for this resolution, or already asked.
    """
    hours = settings.CARE_FOLLOW_UP_HOURS
    if hours <= 0 or conversation.status not in DONE or conversation.resolved_at is None:
        return None
    if conversation.merged_into_id is not None:
        return None  # a merged case lives on in its target
    # all(), not filter(): bulk actions have the tags prefetched.
    if any(tag.name == SPAM_TAG for tag in conversation.tags.all()):
        return None
    # "Is it solved?" only makes sense if we spoke: a reply on its way counts (an agent
    # often sends and resolves in one go), as does a call. Checked first: a bulk close of
    # noise stops here.
    answered = (
        Reply.objects.filter(conversation=conversation)
        .exclude(status__in=(Reply.Status.FAILED, Reply.Status.REJECTED))
        .exists()
        or conversation.calls.exists()
    )
    if not answered:
        return None
    if not Message.objects.filter(
        conversation=conversation, direction=Message.Direction.INBOUND, deleted_at__isnull=True
    ).exists():
        return None
    earlier = FollowUp.objects.filter(conversation=conversation)
    if earlier.filter(status__in=(Status.SENT, Status.ANSWERED)).exists():
        return None  # asked once already: a second "is it solved?" is nagging
    if earlier.filter(status=Status.SCHEDULED, resolved_at=conversation.resolved_at).exists():
        return None
    # One planned for an earlier resolution (reopened, solved again) is superseded.
    for stale in earlier.filter(status=Status.SCHEDULED):
        _cancel(stale, reason="superseded")
    return FollowUp.objects.create(
        conversation=conversation,
        agent=agent,
        resolved_at=conversation.resolved_at,
        due_at=conversation.resolved_at + timedelta(hours=hours),
    )


# --- sending (beat) ---------------------------------------------------------------------
def send_due_follow_ups(now: datetime | None = None) -> int:
    """Send the follow-ups that are due; returns how many were queued on the outbox.

    Each follow-up is claimed in its own transaction with SKIP LOCKED, so two beats or
    workers never send the same one, and one refusal does not undo the others.
    """
    if settings.CARE_FOLLOW_UP_HOURS <= 0:
        return 0  # switched off: nothing goes out, not even what was planned before
    now = now or timezone.now()
    due = list(
        FollowUp.objects.filter(status=Status.SCHEDULED, due_at__lte=now)
        .order_by("due_at")
        .values_list("pk", flat=True)[:BATCH]
    )
    return sum(_send_one(pk, now) for pk in due)


@transaction.atomic
def _send_one(follow_up_id: int, now: datetime) -> bool:
    follow_up = (
        FollowUp.objects.select_for_update(skip_locked=True, of=("self",))
        .select_related("conversation__channel_account", "conversation__customer", "agent__user")
        .filter(pk=follow_up_id, status=Status.SCHEDULED)
        .first()
    )
    if follow_up is None:
        return False  # another worker has it, or it is done
    conversation = follow_up.conversation
    reason = _why_not_now(follow_up, conversation, now)
    if reason:
        _cancel(follow_up, reason=reason)
        return False
    agent = _signer(follow_up, conversation)
    if agent is None:
        _cancel(follow_up, reason="no_agent")
        return False
    private = _goes_private(conversation)
    try:
        try:
            reply = _send(follow_up, conversation, agent, private=private)
        except CareError as refused:
            if not (private and refused.code == "window_closed"):
                raise
            # Messenger's window closed, and the human-agent tag is for people, not for
            # automated questions: ask where the case began, in public, if it began there.
            reply = _send(follow_up, conversation, agent, private=False)
    except CareError as refused:
        # The outbox said why it cannot go (no post to answer, a closed window, too
        # long): the case stays solved, the follow-up is dropped with that reason.
        _cancel(follow_up, reason=refused.code, detail=refused.message)
        return False
    follow_up.status = Status.SENT
    follow_up.sent_at = timezone.now()  # not `now`: a late beat run still says when
    follow_up.reply = reply
    follow_up.agent = agent
    follow_up.save(update_fields=["status", "sent_at", "reply", "agent"])
    record_audit(actor=None, verb="follow_up_sent", target=conversation, follow_up=follow_up.pk)
    return True


def _why_not_now(follow_up: FollowUp, conversation: Conversation, now: datetime) -> str:
    if conversation.status not in DONE or conversation.merged_into_id is not None:
        return "reopened"
    if conversation.resolved_at != follow_up.resolved_at:
        return "superseded"  # reopened and solved again: that resolution has its own
    if conversation.tags.filter(name=SPAM_TAG).exists():
        return "spam"
    if now - follow_up.due_at > TOO_LATE:
        return "too_late"
    return ""


def _send(follow_up: FollowUp, conversation: Conversation, agent: Agent, *, private: bool) -> Reply:
    return send_reply(
        conversation=conversation,
        by=agent,
        text=follow_up_text(follow_up, conversation),
        idempotency_key=uuid.uuid5(uuid.NAMESPACE_URL, f"care-follow-up-{follow_up.pk}"),
        confirmed=True,
        on_behalf=True,
        automated=True,
        purpose=Reply.Purpose.FOLLOW_UP,
        private=private,
    )


def _signer(follow_up: FollowUp, conversation: Conversation) -> Agent | None:
    """Who signs: the agent who solved it, else the case's holder, if still on the team."""
    for agent in (follow_up.agent, conversation.assignee):
        if agent is not None and agent.user.is_active:
            return agent
    return None


def _goes_private(conversation: Conversation) -> bool:
    """The route of the case's last reply: a customer served in DM or Messenger is asked
    there, not in public."""
    last = (
        Reply.objects.filter(conversation=conversation, status=Reply.Status.SENT)
        .order_by("-sent_at", "-pk")
        .values_list("private", flat=True)
        .first()
    )
    return bool(last)


def follow_up_text(follow_up: FollowUp, conversation: Conversation) -> str:
    """The question, in the conversation's language (English otherwise), with the link."""
    language = conversation.language if conversation.language in WORDINGS else "en"
    with_name, without_name = GREETINGS[language]
    name = _first_name(conversation)
    greeting = with_name.format(name=name) if name else without_name
    wording = WORDINGS[language][follow_up.pk % len(WORDINGS[language])]
    return wording.format(greeting=greeting, link=survey_url(follow_up))


def _first_name(conversation: Conversation) -> str:
    name = customer_name(conversation)
    if not name or name.startswith("@"):
        return ""  # a handle is no name to greet someone by
    first = name.split()[0]
    return first if len(first) <= NAME_MAX else ""


def _cancel(follow_up: FollowUp, *, reason: str, detail: str = "") -> None:
    follow_up.status = Status.CANCELLED
    follow_up.save(update_fields=["status"])
    log.info("follow-up %s cancelled: %s %s", follow_up.pk, reason, detail)
    record_audit(
        actor=None,
        verb="follow_up_cancelled",
        target=follow_up.conversation,
        follow_up=follow_up.pk,
        reason=reason,
        detail=detail[:300],
    )


# --- the survey link ----------------------------------------------------------------------
def _signer_of_links() -> signing.TimestampSigner:
    return signing.TimestampSigner(salt=SURVEY_SALT)


def survey_token(follow_up: FollowUp) -> str:
    return _signer_of_links().sign_object({"f": follow_up.pk})


def survey_url(follow_up: FollowUp) -> str:
    """The survey's absolute address; valid CARE_SURVEY_DAYS from now."""
    base = settings.CARE_PUBLIC_URL.rstrip("/")
    return base + reverse("survey", args=[survey_token(follow_up)])


def follow_up_for_token(token: str) -> FollowUp:
    """The follow-up a survey link is for, or CareError "expired" / "invalid".

    An expired link still names its follow-up (extra["follow_up"]), so the page can say
    it in the customer's language.
    """
    signer = _signer_of_links()
    try:
        payload = signer.unsign_object(token, max_age=timedelta(days=settings.CARE_SURVEY_DAYS))
    except signing.SignatureExpired:
        expired = _payload_id(signer.unsign_object(token))
        raise CareError(
            _("This link has expired."), code="expired", extra={"follow_up": expired}
        ) from None
    except (signing.BadSignature, ValueError):
        raise CareError(_("This link is not valid."), code="invalid") from None
    follow_up = (
        FollowUp.objects.select_related("conversation__channel_account", "agent")
        .filter(pk=_payload_id(payload))
        .exclude(status__in=(Status.SCHEDULED, Status.CANCELLED))
        .first()
    )
    if follow_up is None:
        raise CareError(_("This link is not valid."), code="invalid")
    return follow_up


def _payload_id(payload: Any) -> int:
    """The follow-up's id in a token's payload; 0 (no row has it) if there is none."""
    value = payload.get("f") if isinstance(payload, dict) else None
    return value if isinstance(value, int) else 0


# --- answering --------------------------------------------------------------------------
@dataclass(frozen=True)
class SurveyOutcome:
    answer: SurveyAnswer
    created: bool  # False: it was answered before, and stays as it was


@transaction.atomic
def answer_survey(
    token: str, *, satisfaction: int, trust: str, comment: str = "", language: str = ""
) -> SurveyOutcome:
    """Keep the customer's answer, once per follow-up; a second one changes nothing.

    A low score (satisfaction 1-2, or trusting the brand less) reopens the case for the
    agent who solved it, with an event on the thread and a notification.
    """
    found = follow_up_for_token(token)
    if satisfaction not in range(1, 6) or trust not in SurveyAnswer.Trust.values:
        raise CareError(_("Choose a score and an answer about trust."), code="invalid_answer")
    # Locked: two submits at once (a double tap) make one answer.
    follow_up = FollowUp.objects.select_for_update().get(pk=found.pk)
    existing = SurveyAnswer.objects.filter(follow_up=follow_up).first()
    if existing is not None:
        return SurveyOutcome(existing, created=False)
    answer = SurveyAnswer.objects.create(
        follow_up=follow_up,
        satisfaction=satisfaction,
        trust=trust,
        comment=comment.strip()[:COMMENT_MAX],
        language=language[:8],
    )
    follow_up.status = Status.ANSWERED
    follow_up.save(update_fields=["status"])
    conversation = found.conversation
    record_audit(
        actor=None,
        verb="survey_answered",
        target=conversation,
        follow_up=follow_up.pk,
        satisfaction=satisfaction,
        trust=trust,
    )
    if is_low_score(answer):
        _reopen_for_agent(follow_up, answer)
    else:
        # The live page shows the answer in the thread.
        Conversation.objects.filter(pk=conversation.pk).update(updated_at=timezone.now())
    return SurveyOutcome(answer, created=True)


def is_low_score(answer: SurveyAnswer) -> bool:
    """Unhappy, or trusting us less: the case is not really solved."""
    return answer.satisfaction <= LOW_SATISFACTION or answer.trust == SurveyAnswer.Trust.LESS


def _reopen_for_agent(follow_up: FollowUp, answer: SurveyAnswer) -> None:
    conversation = Conversation.objects.select_for_update().get(pk=follow_up.conversation_id)
    while conversation.merged_into_id is not None:  # the case lives on in its target
        conversation = Conversation.objects.select_for_update().get(pk=conversation.merged_into_id)
    # The agent who solved it, else whoever holds it now, if still on the team and the
    # channel; nobody otherwise, and auto-assignment gives it to someone available.
    agent = next(
        (
            candidate
            for candidate in (follow_up.agent, conversation.assignee)
            if candidate is not None
            and candidate.user.is_active
            and works_channel(candidate, conversation.channel_account_id)
        ),
        None,
    )
    if conversation.status in DONE:
        now = timezone.now()
        previous = conversation.status
        conversation.status = Conversation.Status.OPEN
        conversation.resolved_at = None
        if agent != conversation.assignee:
            conversation.assignee = agent
            conversation.assigned_at = now if agent else None
        clocks = sla.status_changed(conversation, previous, now)
        fields = ["status", "resolved_at", "assignee", "assigned_at", "updated_at"]
        conversation.save(update_fields=[*fields, *clocks])
        data = {"reason": "survey", "satisfaction": answer.satisfaction, "trust": answer.trust}
        ConversationEvent.objects.create(
            conversation=conversation, actor=None, kind=ConversationEvent.Kind.REOPENED, data=data
        )
        record_audit(actor=None, verb="conversation_reopened", target=conversation, **data)
    else:
        # Already open again (the customer wrote): whoever holds it hears of the score.
        agent = conversation.assignee
        conversation.save(update_fields=["updated_at"])
    if agent is None:
        return
    values = {"case": conversation.pk, "score": answer.satisfaction}
    if answer.trust == SurveyAnswer.Trust.LESS:
        text = _(
            "#%(case)s is open again: the customer trusts the brand less after it "
            "(%(score)s/5 in the survey)."
        )
    else:
        text = _("#%(case)s is open again: the customer gave %(score)s/5 in the survey.")
    notify_users(
        users=[agent.user],
        verb="survey_low_score",
        text=text % values,
        url=reverse("inbox:conversation", args=[conversation.pk]) + f"#survey-{answer.pk}",
    )
