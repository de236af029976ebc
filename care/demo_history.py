"""Two weeks of past, solved cases for `make demo`, so the dashboard has a history to show.

The customers' texts come from the simulator's phrase book (written for care, never from a
corpus) and are classified by the real triage. Every case is solved and closed: nothing
here waits for an agent, and nothing is posted to the simulator. The live traffic of the
simulator then adds today's figures on top. Idempotent: the first case's platform id marks
the history as loaded.
"""

from __future__ import annotations

import math
import random
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from care.metrics.models import RollupState
from care.models import Agent
from inbox.models import (
    ChannelAccount,
    Conversation,
    ConversationEvent,
    Customer,
    CustomerIdentity,
    Department,
    Escalation,
    Message,
    Platform,
    Topic,
    VolumeAlert,
)
from inbox.services import triage
from responses.models import FollowUp, Reply, SurveyAnswer
from simulator import phrases

DAYS = 14
MARK = "hist-"
GIVEN = ["Ayu", "Bayu", "Citra", "Dimas", "Eka", "Fitri", "Gilang", "Hana", "Indra", "Joko"]
FAMILY = ["Saputra", "Wijaya", "Hakim", "Kusuma", "Siregar", "Nasution", "Pratama", "Lubis"]
ANSWERS = {
    "id": [
        "Halo {name}, mohon maaf atas kendalanya. Boleh DM nomor pesanannya? Kami cek sekarang.",
        "Terima kasih sudah menghubungi kami, {name}. Tim kami sedang menindaklanjuti, ya.",
        "Hai {name}, sudah kami teruskan ke tim terkait. Kami kabari lagi hari ini.",
    ],
    "en": [
        "Hi {name}, sorry about this. Could you DM us your order number? We'll look at it now.",
        "Thanks for reaching out, {name}. We're on it and will update you today.",
        "Hi {name}, we've passed this to the right team and will get back to you shortly.",
    ],
}
CLOSINGS = {
    "id": "Sudah beres ya, {name}. Kalau ada kendala lagi, kabari kami.",
    "en": "All sorted now, {name}. Let us know if anything else comes up.",
}


def load_demo_history(now: datetime | None = None, days: int = DAYS) -> int:
    """Create the past cases once; return how many were created."""
    if Message.objects.filter(external_id=f"{MARK}in-0").exists():
        return 0
    agents = list(Agent.objects.filter(role=Agent.Role.AGENT).order_by("pk"))
    accounts = list(ChannelAccount.objects.order_by("pk"))
    if not agents or not accounts:
        return 0
    now = now or timezone.now()
    rng = random.Random(2026)  # noqa: S311 -- the same demo every time
    topics = list(Topic.objects.filter(is_active=True))
    departments = list(Department.objects.exclude(slug="customer-care"))
    with transaction.atomic():
        count = 0
        for day in range(days, 0, -1):
            for _ in range(rng.randint(18, 30)):
                _past_case(
                    rng, count, now - timedelta(days=day), agents, accounts, topics, departments
                )
                count += 1
        _past_spike(now, topics)
        # These messages were "received" in the past: the next rollup run recomputes all.
        RollupState.objects.all().delete()
    return count


def _past_case(
    rng: random.Random,
    n: int,
    day: datetime,
    agents: list[Agent],
    accounts: list[ChannelAccount],
    topics: list[Topic],
    departments: list[Department],
) -> None:
    language = phrases.pick_language(rng)
    account = rng.choice(accounts)
    kind = "mention" if account.platform == Platform.X else "comment"
    composed = phrases.compose(rng, language=language, kind=kind)
    local = timezone.localtime(day)
    # Customers write mostly in the day, some in the evening, a few at night.
    hour = rng.choice([8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 2])
    start = local.replace(hour=hour, minute=rng.randrange(60), second=rng.randrange(60))
    name = f"{rng.choice(GIVEN)} {rng.choice(FAMILY)}"
    customer = Customer.objects.create(display_name=name)
    identity = CustomerIdentity.objects.create(
        customer=customer,
        platform=account.platform,
        external_id=f"{MARK}{n}",
        handle=name.lower().replace(" ", "_"),
        name=name,
        language=language,
    )
    labels = triage.classify_text(composed.text, identity=identity, topics=topics)
    agent = rng.choice(agents)
    # First answers: minutes in working hours, longer at night (the team is off).
    minutes = rng.lognormvariate(math.log(18), 0.9)
    if not 8 <= hour < 20:
        minutes += rng.uniform(6, 10) * 60
    answered = start + timedelta(minutes=minutes)
    resolved = answered + timedelta(hours=rng.lognormvariate(math.log(5), 1.0))
    conversation = Conversation.objects.create(
        channel_account=account,
        customer=customer,
        status=Conversation.Status.CLOSED if rng.random() < 0.3 else Conversation.Status.RESOLVED,
        priority=labels.priority,
        priority_reasons=labels.priority_reasons,
        priority_score=labels.priority_score,
        assignee=agent,
        assigned_at=start + timedelta(minutes=1),
        language=labels.language.value,
        sentiment=labels.sentiment.value,
        intent=labels.intent.value,
        opened_at=start,
        first_response_at=answered,
        resolved_at=resolved,
        last_activity_at=resolved,
        preview=composed.text[:200],
    )
    conversation.topics.set([t for t in topics if t.name in {x.value for x in labels.topics}])
    inbound = Message.objects.create(
        conversation=conversation,
        channel_account=account,
        direction=Message.Direction.INBOUND,
        kind=kind,
        external_id=f"{MARK}in-{n}",
        author_identity=identity,
        text=composed.text,
        platform_created_at=start,
        received_at=start + timedelta(seconds=rng.randrange(2, 40)),
        language=labels.language.value,
        sentiment=labels.sentiment.value,
        intent=labels.intent.value,
    )
    inbound.topics.set(conversation.topics.all())
    first = customer.display_name.split()[0]
    for i, (at, text) in enumerate(
        [
            (answered, rng.choice(ANSWERS[language]).format(name=first)),
            (resolved - timedelta(minutes=5), CLOSINGS[language].format(name=first)),
        ]
    ):
        Message.objects.create(
            conversation=conversation,
            channel_account=account,
            direction=Message.Direction.OUTBOUND,
            kind="reply" if account.platform == Platform.X else "comment",
            external_id=f"{MARK}out-{n}-{i}",
            author_agent=agent,
            text=f"{text} ^{agent.initials}",
            platform_created_at=at,
            received_at=at,
        )
    if minutes > 120:
        ConversationEvent.objects.create(
            conversation=conversation,
            kind=ConversationEvent.Kind.SLA,
            data={"clock": "response", "state": "breached"},
            created_at=start + timedelta(minutes=120),
        )
    if departments and rng.random() < 0.12:
        raised = answered + timedelta(minutes=10)
        Escalation.objects.create(
            conversation=conversation,
            department=rng.choice(departments),
            raised_by=agent,
            summary="Needs a check the care team cannot do.",
            due_at=raised + timedelta(hours=8),
            created_at=raised,
            handed_back_at=min(resolved, raised + timedelta(hours=rng.uniform(1, 7))),
            hand_back_note="Checked and fixed.",
        )
    if rng.random() < 0.05:
        ConversationEvent.objects.create(
            conversation=conversation,
            kind=ConversationEvent.Kind.REOPENED,
            data={"by": "customer"},
            created_at=resolved - timedelta(hours=1),
        )
    _follow_up(rng, conversation, agent, resolved, labels.sentiment.value)


def _follow_up(
    rng: random.Random, conversation: Conversation, agent: Agent, resolved: datetime, mood: str
) -> None:
    sent = resolved + timedelta(hours=settings.CARE_FOLLOW_UP_HOURS)
    if sent > timezone.now():
        return
    reply = Reply.objects.create(
        conversation=conversation,
        author=agent,
        text="Is it solved?",
        signed_text="Is it solved?",
        purpose=Reply.Purpose.FOLLOW_UP,
        status=Reply.Status.SENT,
        platform_id=f"{MARK}fu-{conversation.pk}",
    )
    follow_up = FollowUp.objects.create(
        conversation=conversation,
        agent=agent,
        resolved_at=resolved,
        due_at=sent,
        sent_at=sent,
        reply=reply,
        status=FollowUp.Status.SENT,
    )
    if rng.random() < 0.45:
        happy = rng.random() < (0.6 if mood == "negative" else 0.85)
        score = rng.choice([4, 5, 5]) if happy else rng.choice([1, 2, 3])
        trust = rng.choice(["more", "more", "same"]) if happy else rng.choice(["same", "less"])
        SurveyAnswer.objects.create(
            follow_up=follow_up,
            satisfaction=score,
            trust=trust,
            answered_at=sent + timedelta(hours=rng.uniform(0.2, 12)),
        )
        FollowUp.objects.filter(pk=follow_up.pk).update(status=FollowUp.Status.ANSWERED)


def _past_spike(now: datetime, topics: list[Topic]) -> None:
    """Five days ago, battery complaints tripled for an afternoon: the alert it raised."""
    topic = next((t for t in topics if t.name == "laptop battery"), None)
    if topic is None:
        return
    start = timezone.localtime(now - timedelta(days=5)).replace(hour=15, minute=0, second=0)
    VolumeAlert.objects.create(
        kind=VolumeAlert.Kind.TOPIC,
        topic=topic,
        window_start=start,
        window_end=start + timedelta(minutes=15),
        count=31,
        peak_count=31,
        usual=4,
        spread=2,
        threshold=16,
        created_at=start + timedelta(minutes=15),
        last_seen_at=start + timedelta(minutes=40),
        closed_at=start + timedelta(hours=3),
    )
