"""Routing: a new conversation lands with the right team, priority, tags or agent.

Supervisors keep ordered rules (Settings → Routing). When ingest opens a conversation, the
first active rule whose conditions all hold for its first message applies its actions;
when none matches, the conversation stays in the central care queue. Rules do not chain:
a conversation is routed once, so what one rule sets (a priority, a tag) never makes
another rule fire, and no rule can bounce a case back and forth. Auto-assignment runs
after routing and keeps to the conversation's department when it has one.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from care.audit import record_audit
from care.errors import CareError
from care.models import Agent
from care.queue import enqueue_on_commit
from inbox.models import (
    ChannelAccount,
    Conversation,
    ConversationEvent,
    Department,
    Message,
    RoutingRule,
    Tag,
    Topic,
)
from inbox.services import triage
from inbox.triage import Triage


@dataclass(frozen=True)
class Facts:
    """What a rule looks at: the new conversation and its first customer message."""

    channel_id: int
    language: str = ""
    intent: str = ""
    sentiment: str = ""
    topics: frozenset[str] = frozenset()
    priority: int = Conversation.Priority.NORMAL
    vip: bool = False
    handle: str = ""


@dataclass
class LoadedRule:
    rule: RoutingRule
    channel_ids: set[int] = field(default_factory=set)
    topic_names: set[str] = field(default_factory=set)

    def reasons(self, facts: Facts) -> list[str] | None:
        """Why the rule matches (one reason per condition), or None when it does not."""
        rule, reasons = self.rule, []
        checks = [
            (self.channel_ids, facts.channel_id in self.channel_ids, "channel"),
            (rule.languages, facts.language in rule.languages, f"language {facts.language}"),
            (rule.intents, facts.intent in rule.intents, f"intent {facts.intent}"),
            (rule.sentiments, facts.sentiment in rule.sentiments, f"{facts.sentiment} sentiment"),
            (
                self.topic_names,
                bool(self.topic_names & facts.topics),
                "topic " + ", ".join(sorted(self.topic_names & facts.topics)),
            ),
            (
                rule.handles,
                facts.handle.lower() in {h.lower() for h in rule.handles},
                f"customer @{facts.handle}",
            ),
        ]
        for condition, holds, reason in checks:
            if condition:
                if not holds:
                    return None
                reasons.append(reason)
        if rule.min_priority is not None:
            if facts.priority < rule.min_priority:
                return None
            reasons.append(f"priority ≥ {Conversation.Priority(rule.min_priority).label}")
        if rule.vip_only:
            if not facts.vip:
                return None
            reasons.append("VIP customer")
        return reasons or ["matches everything"]


def load_rules() -> list[LoadedRule]:
    """The active rules in order, with their channels and topics (three queries)."""
    rules = (
        RoutingRule.objects.filter(is_active=True)
        .select_related("department", "assign_to__user", "acknowledge_with")
        .prefetch_related("channels", "topics")
    )
    return [
        LoadedRule(
            rule,
            {c.pk for c in rule.channels.all()},
            {t.name for t in rule.topics.all()},
        )
        for rule in rules
    ]


def first_match(rules: Sequence[LoadedRule], facts: Facts) -> tuple[LoadedRule, list[str]] | None:
    for loaded in rules:
        reasons = loaded.reasons(facts)
        if reasons is not None:
            return loaded, reasons
    return None


def facts_of(
    conversation: Conversation, message: Message, topics: Sequence[Topic], *, vip: bool
) -> Facts:
    handle = message.author_identity.handle if message.author_identity else ""
    return Facts(
        channel_id=conversation.channel_account_id,
        language=message.language or conversation.language,
        intent=message.intent,
        sentiment=message.sentiment,
        topics=frozenset(t.name for t in topics),
        priority=conversation.priority,
        vip=vip,
        handle=handle,
    )


def route_new_conversations(
    arrivals: Sequence[tuple[Conversation, Facts]], *, rules: Sequence[LoadedRule] | None = None
) -> list[Conversation]:
    """Apply the first matching rule to each newly opened conversation; the routed ones."""
    if not arrivals:
        return []
    rules = load_rules() if rules is None else rules
    if not rules:
        return []
    now = timezone.now()
    changed: list[Conversation] = []
    events: list[ConversationEvent] = []
    tag_names: dict[int, list[str]] = {}
    acknowledgements: list[tuple[int, int, int]] = []
    works = _channels_by_agent(rules)
    for conversation, facts in arrivals:
        found = first_match(rules, facts)
        if found is None:
            continue
        loaded, reasons = found
        rule = loaded.rule
        done = []
        if rule.department_id:
            conversation.department_id = rule.department_id
            done.append(f"department {rule.department.name}")  # type: ignore[union-attr]
        if rule.set_priority:
            conversation.priority = rule.set_priority
            done.append(f"priority {Conversation.Priority(rule.set_priority).label}")
        agent = rule.assign_to
        if agent is not None:
            # An agent who left, or does not work this channel, is skipped: auto-assign
            # finds someone else rather than the case waiting for nobody.
            if agent.user.is_active and conversation.channel_account_id in works[agent.pk]:
                conversation.assignee_id, conversation.assigned_at = agent.pk, now
                done.append(f"assigned to ^{agent.initials}")
            else:
                done.append(f"not assigned to ^{agent.initials}: not on this channel")
        if rule.add_tags:
            tag_names[conversation.pk] = list(rule.add_tags)
            done.append("tags " + ", ".join(rule.add_tags))
        signer = conversation.assignee_id if rule.assign_to_id else rule.acknowledge_as_id
        if rule.acknowledge_with_id and signer:
            acknowledgements.append((conversation.pk, rule.acknowledge_with_id, signer))
            done.append(f"acknowledged with “{rule.acknowledge_with}”")
        changed.append(conversation)
        events.append(
            ConversationEvent(
                conversation_id=conversation.pk,
                kind=ConversationEvent.Kind.ROUTED,
                data={"rule": rule.name, "why": reasons, "did": done},
                created_at=now,
            )
        )
    if changed:
        Conversation.objects.bulk_update(
            changed, ["department", "priority", "assignee", "assigned_at"]
        )
        ConversationEvent.objects.bulk_create(events)
    if tag_names:
        _add_tags(tag_names)
    for args in acknowledgements:
        # A task after commit: a platform hiccup never holds up ingest.
        from responses.tasks import acknowledge_task

        enqueue_on_commit(acknowledge_task, *args)
    return changed


def _channels_by_agent(rules: Sequence[LoadedRule]) -> dict[int, set[int]]:
    agent_ids = {r.rule.assign_to_id for r in rules if r.rule.assign_to_id}
    works: dict[int, set[int]] = {pk: set() for pk in agent_ids}
    through = Agent.channels.through.objects.filter(agent_id__in=agent_ids)
    for agent_id, channel_id in through.values_list("agent_id", "channelaccount_id"):
        works[agent_id].add(channel_id)
    return works


def _add_tags(tag_names: dict[int, list[str]]) -> None:
    wanted = {name for names in tag_names.values() for name in names}
    Tag.objects.bulk_create([Tag(name=name) for name in wanted], ignore_conflicts=True)
    tags = dict(Tag.objects.filter(name__in=wanted).values_list("name", "pk"))
    Conversation.tags.through.objects.bulk_create(
        [
            Conversation.tags.through(conversation_id=pk, tag_id=tags[name])
            for pk, names in tag_names.items()
            for name in names
        ],
        ignore_conflicts=True,
    )


# --- Supervisors' side ----------------------------------------------------------------


@dataclass
class RoutingTrial:
    triage: Triage
    facts: Facts
    rule: RoutingRule | None
    reasons: list[str]


def try_route(
    text: str,
    *,
    channel: ChannelAccount,
    handle: str = "",
    followers: int = 0,
    verified: bool = False,
    vip: bool = False,
) -> RoutingTrial:
    """What triage and routing would do with a new conversation opened by this text."""
    result = triage.try_text(text, followers=followers, verified=verified, is_vip=vip)
    facts = Facts(
        channel_id=channel.pk,
        language=result.language.value,
        intent=result.intent.value,
        sentiment=result.sentiment.value,
        topics=frozenset(label.value for label in result.topics),
        priority=result.priority,
        vip=vip,
        handle=handle.lstrip("@"),
    )
    found = first_match(load_rules(), facts)
    if found is None:
        return RoutingTrial(result, facts, None, [])
    return RoutingTrial(result, facts, found[0].rule, found[1])


@transaction.atomic
def save_rule(
    *,
    rule: RoutingRule | None,
    data: dict[str, object],
    channels: Sequence[ChannelAccount],
    topics: Sequence[Topic],
    by: Agent,
) -> RoutingRule:
    """Create or change a rule; one that does nothing is refused with the reason."""
    name = " ".join(str(data.get("name", "")).split())
    if not name:
        raise CareError(_("A rule needs a name."), code="no_name")
    department = data.get("department")
    assign_to = data.get("assign_to")
    tags = [str(t) for t in data.get("add_tags") or []]  # type: ignore[attr-defined]
    acknowledge_with = data.get("acknowledge_with")
    acknowledge_as = data.get("acknowledge_as")
    if not (department or data.get("set_priority") or assign_to or tags or acknowledge_with):
        raise CareError(
            _(
                "The rule does nothing: choose a department, a priority, tags, an agent or "
                "an acknowledgement."
            ),
            code="no_action",
        )
    if acknowledge_with and not (assign_to or acknowledge_as):
        raise CareError(
            _(
                "Say who signs the acknowledgement: assign the case to an agent, or choose "
                "who signs it."
            ),
            code="no_signer",
        )
    if (
        isinstance(department, Department)
        and isinstance(assign_to, Agent)
        and not assign_to.departments.filter(pk=department.pk).exists()
    ):
        raise CareError(
            _("%(agent)s is not in %(department)s: assign within the department or not at all.")
            % {"agent": assign_to.display_name, "department": department.name},
            code="agent_not_in_department",
        )
    if rule is None:
        last = RoutingRule.objects.order_by("-position").values_list("position", flat=True).first()
        rule = RoutingRule(position=(last or 0) + 1)
    for attr in ("languages", "intents", "sentiments", "handles"):
        setattr(rule, attr, list(data.get(attr) or []))  # type: ignore[call-overload]
    rule.name = name
    rule.is_active = bool(data.get("is_active"))
    rule.min_priority = data.get("min_priority") or None  # type: ignore[assignment]
    rule.vip_only = bool(data.get("vip_only"))
    rule.department = department if isinstance(department, Department) else None
    rule.set_priority = data.get("set_priority") or None  # type: ignore[assignment]
    rule.add_tags = tags
    rule.assign_to = assign_to if isinstance(assign_to, Agent) else None
    rule.acknowledge_with = acknowledge_with or None  # type: ignore[assignment]
    rule.acknowledge_as = acknowledge_as if isinstance(acknowledge_as, Agent) else None
    rule.save()
    rule.channels.set(channels)
    rule.topics.set(topics)
    record_audit(actor=by.user, verb="routing_rule_saved", target=rule, name=name)
    return rule


@transaction.atomic
def move_rule(*, rule: RoutingRule, up: bool, by: Agent) -> None:
    """Swap the rule with its neighbour: order decides which rule wins."""
    rules = list(RoutingRule.objects.order_by("position", "id"))
    index = rules.index(rule)
    other = index - 1 if up else index + 1
    if not 0 <= other < len(rules):
        return
    rules[index], rules[other] = rules[other], rules[index]
    for position, each in enumerate(rules, start=1):
        if each.position != position:
            each.position = position
            each.save(update_fields=["position", "updated_at"])
    record_audit(actor=by.user, verb="routing_rule_moved", target=rule, up=up)


def delete_rule(*, rule: RoutingRule, by: Agent) -> None:
    record_audit(actor=by.user, verb="routing_rule_deleted", target=rule, name=rule.name)
    rule.delete()
