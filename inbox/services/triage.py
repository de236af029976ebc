"""Triage on arrival, the agents' corrections and the supervisors' topic rules.

Ingest calls `triage_message` for every customer message before storing it: the labels
(language, sentiment, intent, topics) and their reasons go on the message, the latest
ones and the priority on the conversation. Classification never blocks ingest: if it
fails, the message is stored without labels and `triage_error` says why (the inbox
flags it). The classifiers themselves are plain functions in inbox/triage/.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import asdict
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Count, QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from care.audit import record_audit
from care.errors import CareError
from care.models import Agent
from inbox import triage
from inbox.models import (
    Conversation,
    ConversationEvent,
    CustomerIdentity,
    Intent,
    Message,
    Sentiment,
    Topic,
    TriageCorrection,
)
from inbox.triage import priority
from inbox.triage.sentiment import MODEL_PATHS

logger = logging.getLogger(__name__)

LANGUAGES = {"en": _lazy("English"), "id": _lazy("Bahasa Indonesia"), "other": _lazy("Other")}


def active_topics() -> list[Topic]:
    return list(Topic.objects.filter(is_active=True))


def classify_text(
    text: str,
    *,
    identity: CustomerIdentity | None = None,
    is_vip: bool = False,
    topics: Iterable[Topic] = (),
    age_minutes: float = 0,
) -> triage.Triage:
    # Everything in the inbox was sent to the brand (a mention, a reply to its post, a
    # comment on its Page, a DM), even when its words name no one: "Disappointed."
    # under the Page's post is a complaint, not a remark about life.
    return triage.classify(
        text,
        followers=identity.followers_count or 0 if identity else 0,
        verified=bool(identity and identity.verified),
        is_vip=is_vip,
        topic_rules=topics,
        age_minutes=age_minutes,
        weights=settings.CARE_PRIORITY_WEIGHTS,
        addressed=True,
    )


def triage_message(
    message: Message,
    conversation: Conversation,
    *,
    identity: CustomerIdentity | None,
    is_vip: bool,
    topics: Sequence[Topic],
    now: datetime,
) -> list[Topic]:
    """Label an unsaved customer message and bring its conversation up to date.

    Returns the topics that matched, for the caller to link once the rows exist.
    """
    try:
        age = max(0.0, (now - message.platform_created_at).total_seconds() / 60)
        result = classify_text(
            message.text, identity=identity, is_vip=is_vip, topics=topics, age_minutes=age
        )
    except Exception as exc:  # classify() itself never raises; this guards the glue
        logger.exception("triage failed for message %s", message.external_id)
        message.triage_error = f"classification failed: {type(exc).__name__}: {exc}"[:300]
        return []
    message.language = result.language.value
    message.sentiment = result.sentiment.value
    message.intent = result.intent.value
    message.triage_error = result.error
    message.triage = {
        "language": asdict(result.language),
        "sentiment": asdict(result.sentiment),
        "intent": asdict(result.intent),
        "topics": [asdict(label) for label in result.topics],
        "priority": {
            "level": result.priority,
            "score": result.priority_score,
            "reasons": result.priority_reasons,
        },
    }
    if result.failed:
        return []
    base = result.priority_score - priority.age_points(age, settings.CARE_PRIORITY_WEIGHTS)
    conversation.priority_score = max(conversation.priority_score, base)
    # The conversation wears its latest customer message's labels.
    if message.platform_created_at >= conversation.last_activity_at or not conversation.intent:
        conversation.sentiment = message.sentiment
        conversation.intent = message.intent
        if message.language in ("en", "id") and not conversation.language:
            conversation.language = message.language
    # Automatic priority only rises: an urgent message lifts the case, a calm one after
    # it does not undo that (an agent can).
    if result.priority > conversation.priority:
        conversation.priority = result.priority
        conversation.priority_reasons = result.priority_reasons
    elif not conversation.priority_reasons:
        conversation.priority_reasons = result.priority_reasons
    by_name = {topic.name: topic for topic in topics}
    return [by_name[label.value] for label in result.topics if label.value in by_name]


def link_topics(links: Sequence[tuple[Message, Conversation, list[Topic]]]) -> None:
    """Store the topic links of freshly inserted messages and their conversations."""
    message_links = []
    conversation_links = []
    for message, conversation, topics in links:
        for topic in topics:
            message_links.append(Message.topics.through(message_id=message.pk, topic_id=topic.pk))
            conversation_links.append(
                Conversation.topics.through(conversation_id=conversation.pk, topic_id=topic.pk)
            )
    Message.topics.through.objects.bulk_create(message_links, ignore_conflicts=True)
    Conversation.topics.through.objects.bulk_create(conversation_links, ignore_conflicts=True)


# --- Corrections ----------------------------------------------------------------------

CHOICES: dict[str, tuple[str, ...]] = {
    TriageCorrection.Field.LANGUAGE: tuple(LANGUAGES),
    TriageCorrection.Field.SENTIMENT: tuple(Sentiment.values),
    TriageCorrection.Field.INTENT: tuple(Intent.values),
}


@transaction.atomic
def correct_label(
    *, message: Message, field: str, value: str | list[str], by: Agent
) -> TriageCorrection | None:
    """An agent says what a message really is; kept for retraining. None if unchanged."""
    if message.direction != Message.Direction.INBOUND:
        raise CareError(_("Only customers' messages carry labels."), code="not_inbound")
    if field == TriageCorrection.Field.TOPICS:
        names = sorted({str(v) for v in (value if isinstance(value, list) else [value]) if v})
        chosen = list(Topic.objects.filter(name__in=names))
        if len(chosen) != len(names):
            raise CareError(_("Unknown topic."), code="unknown_topic")
        before: object = sorted(message.topics.values_list("name", flat=True))
        if before == names:
            return None
        message.topics.set(chosen)
        message.conversation.topics.add(*chosen)
        after: object = names
    elif field in CHOICES:
        if value not in CHOICES[field]:
            raise CareError(_("Not a valid label."), code="invalid_label")
        before = getattr(message, field)
        if before == value:
            return None
        setattr(message, field, value)
        message.save(update_fields=[field])
        after = value
        conversation = message.conversation
        latest = (
            conversation.messages.filter(direction=Message.Direction.INBOUND)
            .order_by("-platform_created_at", "-id")
            .first()
        )
        if latest == message and field in ("sentiment", "intent"):
            setattr(conversation, field, value)
            conversation.save(update_fields=[field, "updated_at"])
    else:
        raise CareError(_("Not a label that can be corrected."), code="invalid_field")
    correction = TriageCorrection.objects.create(
        message=message, field=field, before=before, after=after, corrected_by=by
    )
    record_audit(
        actor=by.user,
        verb="label_corrected",
        target=message.conversation,
        message=message.pk,
        field=field,
        before=before,
        after=after,
    )
    return correction


def _sentiment_corrected() -> QuerySet[Message]:
    """Customers' messages whose sentiment an agent corrected: the team's training data."""
    return (
        Message.objects.filter(
            direction=Message.Direction.INBOUND,
            corrections__field=TriageCorrection.Field.SENTIMENT,
        )
        .exclude(text="")
        .exclude(sentiment="")
        .distinct()
    )


def corrected_sentiments(language: str) -> Iterator[tuple[str, str]]:
    """(text, sentiment) of the corrected messages in `language`, with the label the agents
    settled on (`manage.py export_corrections`, then `bench/train_sentiment_*.py --add`)."""
    return (
        _sentiment_corrected()
        .filter(language=language)
        .order_by("id")
        .values_list("text", "sentiment")
        .iterator(chunk_size=2000)
    )


def corrections_to_train_on() -> dict[str, int]:
    """How many corrected messages each model language could learn from (Settings → Topics)."""
    counts = dict(
        _sentiment_corrected()
        .filter(language__in=MODEL_PATHS)
        .order_by()
        .values_list("language")
        .annotate(n=Count("id", distinct=True))
    )
    return {language: counts.get(language, 0) for language in MODEL_PATHS}


# --- Topic rules ----------------------------------------------------------------------


def clean_phrases(text: str) -> list[str]:
    """One phrase a line (or comma-separated), trimmed, without repeats."""
    phrases: list[str] = []
    for line in text.replace(",", "\n").splitlines():
        phrase = " ".join(line.split())
        if phrase and phrase.lower() not in {p.lower() for p in phrases}:
            phrases.append(phrase)
    return phrases


def save_topic(
    *, topic: Topic | None, name: str, phrases: list[str], pattern: str, is_active: bool, by: Agent
) -> Topic:
    """Create or change a topic rule; an invalid or risky pattern is refused with the reason."""
    name = " ".join(name.split())
    if not name:
        raise CareError(_("A topic needs a name."), code="no_name")
    if not phrases and not pattern:
        raise CareError(_("Give at least one phrase or a pattern."), code="empty_rule")
    if pattern and (problem := triage.validate_pattern(pattern)):
        raise CareError(_("The pattern is refused: %(why)s") % {"why": problem}, code="pattern")
    clash = Topic.objects.filter(name__iexact=name)
    if topic is not None:
        clash = clash.exclude(pk=topic.pk)
    if clash.exists():
        raise CareError(_("Another topic already has this name."), code="duplicate")
    if topic is None:
        last = Topic.objects.order_by("-position").values_list("position", flat=True).first()
        topic = Topic(position=(last or 0) + 1)
    topic.name, topic.phrases, topic.pattern, topic.is_active = name, phrases, pattern, is_active
    topic.save()
    record_audit(actor=by.user, verb="topic_saved", target=topic, name=name)
    return topic


def delete_topic(*, topic: Topic, by: Agent) -> None:
    """Messages keep their history in `triage`; the links to the topic go with it."""
    record_audit(actor=by.user, verb="topic_deleted", target=topic, name=topic.name)
    topic.delete()


def try_text(
    text: str, *, followers: int = 0, verified: bool = False, is_vip: bool = False
) -> triage.Triage:
    """What triage would say about this text now, with the active topics: the settings
    page's "try this text" box."""
    return triage.classify(
        text,
        followers=followers,
        verified=verified,
        is_vip=is_vip,
        topic_rules=active_topics(),
        weights=settings.CARE_PRIORITY_WEIGHTS,
        addressed=True,  # as if it came into the inbox
    )


# --- Waiting raises the priority (Celery beat) ----------------------------------------


def rescore_waiting(now: datetime, *, limit: int = 2000) -> int:
    """Lift open cases whose customer has waited long enough to reach the next level.

    The score is triage's score plus `age_per_hour` points an hour unanswered (at most
    `age_max`); the SLA policy chosen when the clock started stays. Returns how many rose.
    """
    weights = settings.CARE_PRIORITY_WEIGHTS
    waiting = Conversation.objects.filter(
        merged_into__isnull=True,
        status__in=(Conversation.Status.NEW, Conversation.Status.OPEN),
        response_started_at__lte=now - timedelta(minutes=30),
        priority__lt=Conversation.Priority.URGENT,
    )
    # A priority an agent chose stands: waiting does not override a person.
    waiting = waiting.exclude(
        pk__in=ConversationEvent.objects.filter(
            kind=ConversationEvent.Kind.PRIORITY, actor__isnull=False
        ).values("conversation_id")
    ).only("pk", "priority", "priority_score", "priority_reasons", "response_started_at")
    raised = 0
    for conversation in waiting[:limit]:
        minutes = (now - conversation.response_started_at).total_seconds() / 60  # type: ignore[operator]
        score = conversation.priority_score + priority.age_points(minutes, weights)
        level = priority.level_for(score, weights)
        if level <= conversation.priority:
            continue
        reasons = [r for r in conversation.priority_reasons if not r.startswith("waiting ")]
        reasons.append(
            f"{priority.waiting_reason(minutes)} +{priority.age_points(minutes, weights):g}"
        )
        changed = Conversation.objects.filter(
            pk=conversation.pk, priority=conversation.priority
        ).update(priority=level, priority_reasons=reasons, updated_at=now)
        if changed:  # an agent may have set it meanwhile: theirs stands
            ConversationEvent.objects.create(
                conversation_id=conversation.pk,
                kind=ConversationEvent.Kind.PRIORITY,
                data={"from": conversation.priority, "to": level, "auto": True},
                created_at=now,
            )
            raised += 1
    return raised
