"""Reads of the inbox, shared by pages, the API and dashboards.

Every read an agent makes goes through `visible_conversations(agent)`: an agent sees the
conversations of the channel accounts they work (Agent.channels); supervisors and admins
(`care.see_all_channels`) see all. `access_conversation` is the permission-checked getter.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from itertools import chain
from typing import Any

from django.db.models import Count, Max, Prefetch, Q, QuerySet
from django.http import Http404, QueryDict
from django.utils import timezone

from care.models import Agent
from inbox.models import (
    Conversation,
    ConversationEvent,
    CustomerIdentity,
    Intent,
    InternalNote,
    Message,
    Sentiment,
    Tag,
)
from inbox.search import search_condition

Status = Conversation.Status


def current_conversations() -> QuerySet[Conversation]:
    """Conversations that were not merged into another (those live on in their target)."""
    return Conversation.objects.filter(merged_into__isnull=True)


def sees_all_channels(agent: Agent) -> bool:
    return agent.user.has_perm("care.see_all_channels")


def works_channel(agent: Agent, channel_account_id: int) -> bool:
    """Whether the agent may see and be given this channel account's conversations."""
    return sees_all_channels(agent) or agent.channels.filter(pk=channel_account_id).exists()


def visible_conversations(agent: Agent) -> QuerySet[Conversation]:
    conversations = current_conversations()
    channel_ids = visible_channel_ids(agent)
    if channel_ids is None:
        return conversations
    # The ids, not a join through Agent.channels: with a list of constants PostgreSQL keeps
    # its ordered index reads (the newest rows of a view, MAX(updated_at) for /inbox/live);
    # the join turned each into a scan of every conversation (docs/benchmarks.md).
    return conversations.filter(channel_account_id__in=channel_ids)


def visible_channel_ids(agent: Agent) -> list[int] | None:
    """The channel accounts an agent works, or None for "every one".

    Kept on the agent for the request: a list page asks five times.
    """
    if sees_all_channels(agent):
        return None
    cached: list[int] | None = getattr(agent, "_visible_channel_ids", None)
    if cached is None:
        cached = list(agent.channels.values_list("pk", flat=True))
        agent._visible_channel_ids = cached  # type: ignore[attr-defined]
    return cached


class ConversationMerged(Exception):
    """The page asked for a conversation that now lives on in another one."""

    def __init__(self, target: Conversation) -> None:
        super().__init__(f"merged into #{target.pk}")
        self.target = target


def access_conversation(agent: Agent, pk: int, *, for_update: bool = False) -> Conversation:
    """The conversation, if this agent may see it: 404 otherwise (its existence included).

    A merged conversation raises ConversationMerged with the one it lives on in, so a
    stale page can say where the case went.
    """
    conversations = Conversation.objects.select_related(
        "customer", "channel_account", "assignee", "department", "merged_into"
    )
    if for_update:
        conversations = conversations.select_for_update(of=("self",))
    if not sees_all_channels(agent):
        conversations = conversations.filter(channel_account__agents=agent)
    conversation = conversations.filter(pk=pk).first()
    if conversation is None:
        raise Http404("conversation")
    if conversation.merged_into_id is not None:
        target = conversation
        while target.merged_into_id is not None:  # merged twice: follow to the end
            target = Conversation.objects.select_related("merged_into").get(
                pk=target.merged_into_id
            )
        raise ConversationMerged(target)
    return conversation


def conversation_counts_by_status() -> dict[str, int]:
    """{status: count} for every status, zero included; one GROUP BY query."""
    counts = dict(current_conversations().values_list("status").annotate(n=Count("id")).order_by())
    return {status: counts.get(status, 0) for status in Conversation.Status.values}


# --- The inbox list ---------------------------------------------------------------------

VIEWS = ("mine", "unassigned", "all", "waiting", "escalated", "resolved")
# Work still to do that nobody waits on: what Mine and Unassigned show.
ACTIONABLE = (Status.NEW, Status.OPEN)
SORTS = {
    "activity": ("-last_activity_at", "-id"),
    "age": ("opened_at", "id"),
    "priority": ("-priority", "-last_activity_at", "-id"),
    "due": ("response_due_at", "-priority", "id"),
}
PAGE_SIZE = 50


def view_filter(view: str, agent: Agent) -> Q:
    if view == "mine":
        return Q(assignee=agent, status__in=Conversation.OPEN_STATUSES)
    if view == "unassigned":
        return Q(assignee__isnull=True, status__in=ACTIONABLE)
    if view == "waiting":
        return Q(status=Status.WAITING_ON_CUSTOMER)
    if view == "escalated":
        return Q(status=Status.ESCALATED)
    if view == "resolved":
        return Q(status__in=(Status.RESOLVED, Status.CLOSED))
    return Q(status__in=Conversation.OPEN_STATUSES)  # "all": all open


@dataclass
class InboxQuery:
    """What the list shows, read from the URL so a view can be bookmarked and shared."""

    view: str = "all"
    channel: int | None = None
    department: int | None = None
    status: str = ""
    priority: int | None = None
    language: str = ""
    tag: str = ""
    sentiment: str = ""
    intent: str = ""
    topic: str = ""
    since: date | None = None
    until: date | None = None
    q: str = ""
    sort: str = "activity"
    page: int = 1
    errors: list[str] = field(default_factory=list)

    @classmethod
    def from_params(cls, params: QueryDict) -> InboxQuery:
        query = cls()
        view = params.get("view", "")
        query.view = view if view in VIEWS else "all"
        query.channel = _int(params.get("channel"))
        query.department = _int(params.get("department"))
        status = params.get("status", "")
        query.status = status if status in Status.values else ""
        query.priority = _int(params.get("priority"))
        query.language = params.get("language", "")[:8]
        query.tag = params.get("tag", "")[:50]
        sentiment, intent = params.get("sentiment", ""), params.get("intent", "")
        query.sentiment = sentiment if sentiment in Sentiment.values else ""
        query.intent = intent if intent in Intent.values else ""
        query.topic = params.get("topic", "")[:60]
        query.since = _date(params.get("since"), query.errors)
        query.until = _date(params.get("until"), query.errors)
        query.q = params.get("q", "").strip()[:200]
        sort = params.get("sort", "")
        query.sort = sort if sort in SORTS else "activity"
        query.page = max(1, _int(params.get("page")) or 1)
        return query

    def filters(self) -> Q:
        """The filters besides the view, combined with AND."""
        q = Q()
        if self.channel:
            q &= Q(channel_account_id=self.channel)
        if self.department:
            q &= Q(department_id=self.department)
        if self.status:
            q &= Q(status=self.status)
        if self.priority:
            q &= Q(priority=self.priority)
        if self.language:
            q &= Q(language=self.language)
        if self.tag:
            q &= Q(tags__name=self.tag)
        if self.sentiment:
            q &= Q(sentiment=self.sentiment)
        if self.intent:
            q &= Q(intent=self.intent)
        if self.topic:
            q &= Q(topics__name=self.topic)
        tz = timezone.get_current_timezone()
        if self.since:
            q &= Q(last_activity_at__gte=datetime.combine(self.since, time.min, tzinfo=tz))
        if self.until:
            end = datetime.combine(self.until + timedelta(days=1), time.min, tzinfo=tz)
            q &= Q(last_activity_at__lt=end)
        return q

    def params(self, **changes: Any) -> str:
        """This query as a URL query string, with some values changed (for links)."""
        values = {
            "view": self.view,
            "channel": self.channel,
            "department": self.department,
            "status": self.status,
            "priority": self.priority,
            "language": self.language,
            "tag": self.tag,
            "sentiment": self.sentiment,
            "intent": self.intent,
            "topic": self.topic,
            "since": self.since.isoformat() if self.since else "",
            "until": self.until.isoformat() if self.until else "",
            "q": self.q,
            "sort": "" if self.sort == "activity" else self.sort,
        }
        values.update(changes)
        out = QueryDict(mutable=True)
        for key, value in values.items():
            if value not in ("", None):
                out[key] = str(value)
        return out.urlencode()

    @property
    def has_filters(self) -> bool:
        return bool(self.filters() or self.q)


def _int(value: str | None) -> int | None:
    try:
        return int(value) if value else None
    except ValueError:
        return None


def _date(value: str | None, errors: list[str]) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        errors.append(value)
        return None


def inbox_rows(agent: Agent, query: InboxQuery) -> tuple[list[Conversation], bool]:
    """One page of the list and whether another follows, in a fixed number of queries."""
    conversations = visible_conversations(agent).filter(view_filter(query.view, agent))
    conversations = conversations.filter(query.filters())
    if query.q:
        conversations = conversations.filter(search_condition(query.q))
    if query.tag or query.topic:
        conversations = conversations.distinct()
    order = SORTS[query.sort]
    start = (query.page - 1) * PAGE_SIZE
    rows = list(
        conversations.select_related("customer", "channel_account", "assignee")
        .prefetch_related(
            Prefetch("customer__identities", queryset=CustomerIdentity.objects.order_by("id")),
            Prefetch("tags", queryset=Tag.objects.order_by("name")),
        )
        .order_by(*order)[start : start + PAGE_SIZE + 1]
    )
    more = len(rows) > PAGE_SIZE
    rows = rows[:PAGE_SIZE]
    for conversation in rows:
        platform = conversation.channel_account.platform
        identities = list(conversation.customer.identities.all())
        conversation.identity = next(  # type: ignore[attr-defined]
            (i for i in identities if i.platform == platform), identities[0] if identities else None
        )
    return rows, more


# The archive only grows: past this many, the Resolved count shows "1000+".
RESOLVED_COUNT_CAP = 1000


def view_counts(agent: Agent) -> dict[str, int | str]:
    """How many conversations each view holds for this agent.

    The open views are counted in one aggregate over open conversations only (a partial
    index on PostgreSQL); the Resolved archive is counted up to a cap, so the cost does
    not grow with years of history.
    """
    conversations = visible_conversations(agent)
    open_views = [view for view in VIEWS if view != "resolved"]
    counts: dict[str, int | str] = dict(
        conversations.filter(status__in=Conversation.OPEN_STATUSES).aggregate(
            **{view: Count("pk", filter=view_filter(view, agent)) for view in open_views}
        )
    )
    resolved = (
        conversations.filter(view_filter("resolved", agent))
        .values("pk")[: RESOLVED_COUNT_CAP + 1]
        .count()
    )
    counts["resolved"] = resolved if resolved <= RESOLVED_COUNT_CAP else f"{RESOLVED_COUNT_CAP}+"
    return counts


def inbox_version(agent: Agent) -> dict[str, Any]:
    """What moves when this agent's inbox changes: two index lookups, cheap every second."""
    conversations = visible_conversations(agent)
    changed = conversations.aggregate(at=Max("updated_at"))["at"]
    latest = Message.objects.all()
    channel_ids = visible_channel_ids(agent)
    if channel_ids is not None:
        latest = latest.filter(channel_account_id__in=channel_ids)
    return {
        "latest_message_id": latest.aggregate(latest=Max("id"))["latest"] or 0,
        "changed_at": changed.isoformat() if changed else None,
    }


# --- One conversation ---------------------------------------------------------------


@dataclass
class TimelineEntry:
    kind: str  # "message", "note", "event", "reply", "survey"
    at: datetime
    item: Any


def conversation_timeline(conversation: Conversation) -> list[TimelineEntry]:
    """Messages, internal notes, replies and status changes, in the order they happened."""
    from responses.models import CallLog, Reply

    # channel_account: the thread links each post to its platform (a query per message without).
    # A sent reply shows once, as the reply (its status, link, agent), not again as the
    # brand's message it became.
    messages = (
        Message.objects.filter(conversation=conversation, reply__isnull=True)
        .select_related("author_identity", "author_agent", "channel_account")
        .prefetch_related("topics")
    )
    notes = InternalNote.objects.filter(conversation=conversation).select_related("author")
    # A logged call shows as the call itself (outcome, notes), not also as its event.
    events = (
        ConversationEvent.objects.filter(conversation=conversation)
        .exclude(kind=ConversationEvent.Kind.CALL_LOGGED)
        .select_related("actor")
    )
    replies = Reply.objects.filter(conversation=conversation).select_related(
        "author", "reviewed_by"
    )
    calls = CallLog.objects.filter(conversation=conversation).select_related("agent")
    entries = chain(
        (TimelineEntry("call", c.called_at, c) for c in calls),
        (TimelineEntry("message", m.platform_created_at, m) for m in messages),
        (TimelineEntry("note", n.created_at, n) for n in notes),
        (TimelineEntry("event", e.created_at, e) for e in events),
        (TimelineEntry("reply", r.created_at, r) for r in replies),
        # The customer's survey answer after a follow-up (responses/services/follow_ups.py).
        (TimelineEntry("survey", a.answered_at, a) for a in _survey_answers(conversation)),
    )
    return sorted(entries, key=lambda e: e.at)


def _survey_answers(conversation: Conversation) -> Any:
    from responses.models import SurveyAnswer

    return SurveyAnswer.objects.filter(follow_up__conversation=conversation)


@dataclass
class CustomerHistory:
    identities: list[CustomerIdentity]
    previous: list[Conversation]
    topics: list[tuple[str, int]]  # (tag, how many of their conversations carry it)
    conversation_count: int


def customer_history(conversation: Conversation, agent: Agent) -> CustomerHistory:
    """What the agent should know before answering: who this is and what came before."""
    customer = conversation.customer
    identities = list(customer.identities.order_by("platform", "id"))
    theirs = visible_conversations(agent).filter(customer=customer)
    previous = list(
        theirs.exclude(pk=conversation.pk)
        .select_related("channel_account", "assignee")
        .order_by("-opened_at")[:10]
    )
    topics = list(
        Tag.objects.filter(conversations__customer=customer)
        .annotate(n=Count("conversations"))
        .filter(n__gte=2)
        .order_by("-n", "name")
        .values_list("name", "n")[:8]
    )
    return CustomerHistory(
        identities=identities,
        previous=previous,
        topics=topics,
        conversation_count=len(previous) + 1,
    )


def merge_candidates(conversation: Conversation, agent: Agent) -> list[Conversation]:
    """Other current conversations of the same customer, which this one can merge into."""
    return list(
        visible_conversations(agent)
        .filter(customer=conversation.customer)
        .exclude(pk=conversation.pk)
        .order_by("-last_activity_at")[:20]
    )


def assignable_agents(conversation: Conversation | None = None) -> list[Agent]:
    """Agents who may be given a conversation (of this channel, when one is given)."""
    agents = Agent.objects.filter(user__is_active=True).select_related("user")
    if conversation is not None:
        agents = agents.filter(
            Q(channels=conversation.channel_account_id)
            | Q(role__in=(Agent.Role.SUPERVISOR, Agent.Role.ADMIN))
        ).distinct()
    return list(agents.order_by("display_name"))


def new_since(
    conversation: Conversation, *, agent: Agent, message_id: int, reply_id: int
) -> tuple[list[Message], list[Any]]:
    """Customer messages and other agents' replies that arrived after the page was opened."""
    from responses.models import Reply

    messages = list(
        Message.objects.filter(conversation=conversation, pk__gt=message_id)
        .exclude(author_agent=agent)
        .select_related("author_identity", "author_agent")
    )
    replies = list(
        Reply.objects.filter(conversation=conversation, pk__gt=reply_id)
        .exclude(author=agent)
        .select_related("author")
    )
    return messages, replies
