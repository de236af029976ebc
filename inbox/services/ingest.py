"""The ingest pipeline: normalised events → stored once → threaded → customer → live inbox.

Called by the poller and by webhook processing with a batch of `InboundEvent`s. What
it guarantees:

* every customer message is stored exactly once: the (channel account, external id)
  unique constraint is the lock, and a batch seen twice stores nothing the second time;
* an edited comment keeps its earlier text, a deleted one is marked, never removed;
* a customer who writes again to a resolved case within the reopen window reopens
  it; after the window they get a new conversation;
* the brand's own posts and echoes are stored as outbound, never as customer messages.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from care import live, outbound_webhooks
from care.queue import enqueue_on_commit, resend_silent
from inbox import search
from inbox.channels.base import InboundAuthor, InboundEvent
from inbox.models import (
    ChannelAccount,
    Conversation,
    ConversationEvent,
    Customer,
    CustomerIdentity,
    InboundBatch,
    Message,
    Topic,
)
from inbox.services import routing, sla, triage

INGEST_EVENTS = frozenset({"conversation.created", "message.received"})
# X tags Indonesian as "in"; the team's languages are ISO 639-1 "en" and "id".
PLATFORM_LANGUAGES = {"en": "en", "in": "id", "id": "id"}


@dataclass
class IngestResult:
    stored: int = 0  # new messages
    duplicates: int = 0  # already stored: a redelivery, a re-fetch after a crash
    edited: int = 0
    deleted: int = 0
    unplaced: int = 0  # the brand's own posts that answer nothing we know
    conversations: set[int] = field(default_factory=set)
    reopened: int = 0

    def __iadd__(self, other: IngestResult) -> IngestResult:
        self.stored += other.stored
        self.duplicates += other.duplicates
        self.edited += other.edited
        self.deleted += other.deleted
        self.unplaced += other.unplaced
        self.reopened += other.reopened
        self.conversations |= other.conversations
        return self


def ingest_events(*, account: ChannelAccount, events: Sequence[InboundEvent]) -> IngestResult:
    """Store a batch of one account's events, each exactly once. Safe to repeat."""
    result = IngestResult()
    if not events:
        return result
    with transaction.atomic():
        creates, edits, deletes = _split(events)
        known = dict(
            Message.objects.filter(
                channel_account=account,
                external_id__in=[e.external_id for e in [*creates, *edits, *deletes]],
            ).values_list("external_id", "id")
        )
        created_here = {e.external_id for e in creates}
        # An edit of a comment we never saw (it arrived first, or the add was lost) is
        # stored as the comment: nothing the customer wrote is dropped.
        orphans = [e for e in edits if e.external_id not in known.keys() | created_here]
        # One per id; of several edits of an unseen comment, the last text wins.
        fresh = list(
            {e.external_id: e for e in [*creates, *orphans] if e.external_id not in known}.values()
        )
        result.duplicates = len({e.external_id for e in creates} & known.keys())
        if fresh:
            _store(account, fresh, result)
        orphan_ids = {e.external_id for e in orphans}
        result.edited = _apply_edits(account, [e for e in edits if e.external_id not in orphan_ids])
        result.deleted = _apply_deletes(account, deletes)
        if result.conversations:
            conversation_ids = sorted(result.conversations)
            transaction.on_commit(
                lambda: live.publish_inbox_update(
                    channel_account_id=account.pk, conversation_ids=conversation_ids
                )
            )
    return result


def _split(
    events: Sequence[InboundEvent],
) -> tuple[list[InboundEvent], list[InboundEvent], list[InboundEvent]]:
    """Creates (once per id), edits and deletes, oldest first; a batch may repeat an event."""
    seen: set[tuple[str, str, str]] = set()
    groups: dict[str, list[InboundEvent]] = {"create": [], "edit": [], "delete": []}
    for event in sorted(events, key=lambda e: e.created_at):
        key = (event.action, event.external_id, event.text if event.action == "edit" else "")
        if key in seen or event.action not in groups:
            continue
        seen.add(key)
        groups[event.action].append(event)
    return groups["create"], groups["edit"], groups["delete"]


def _store(account: ChannelAccount, events: list[InboundEvent], result: IngestResult) -> None:
    now = timezone.now()
    identities = upsert_identities(
        platform=account.platform, authors=[e.customer for e in events if e.customer]
    )
    # Batches of different customers go in parallel; two batches with the same customer
    # (a webhook and a poll bringing one comment) take turns, so they cannot both open
    # a conversation for it. After the lock, what is new is decided again.
    _lock_customers({i.customer_id for i in identities.values()})
    stored_meanwhile = set(
        Message.objects.filter(
            channel_account=account, external_id__in=[e.external_id for e in events]
        ).values_list("external_id", flat=True)
    )
    if stored_meanwhile:
        result.duplicates += len(stored_meanwhile)
        events = [e for e in events if e.external_id not in stored_meanwhile]
    # Where the messages these events answer live, in one query.
    reply_targets = dict(
        Message.objects.filter(
            channel_account=account,
            external_id__in={
                e.in_reply_to_external_id for e in events if e.in_reply_to_external_id
            },
        ).values_list("external_id", "conversation_id")
    )
    customer_ids = {i.customer_id for i in identities.values()}
    current: dict[int, Conversation] = {}
    for latest in Conversation.objects.filter(
        channel_account=account, customer_id__in=customer_ids, merged_into__isnull=True
    ).order_by("customer_id", "-opened_at", "-id"):
        current.setdefault(latest.customer_id, latest)
    by_id = {c.pk: c for c in current.values()}
    missing = set(reply_targets.values()) - set(by_id)
    by_id.update({c.pk: c for c in Conversation.objects.filter(pk__in=missing)})

    window = timedelta(hours=settings.CARE_REOPEN_WINDOW_HOURS)
    topics = triage.active_topics() if settings.CARE_TRIAGE else []
    sla_rules = sla.load_rules()
    vips = set(
        Customer.objects.filter(pk__in=customer_ids, is_vip=True).values_list("pk", flat=True)
    )
    topic_links: list[tuple[Message, Conversation, list[Topic]]] = []
    # The message that opened each new conversation: routing reads it.
    first_messages: dict[int, tuple[Message, list[Topic], bool]] = {}
    messages: list[Message] = []
    touched: dict[int, Conversation] = {}  # existing conversations, by pk
    reopened: set[int] = set()  # of those, the ones whose status changed
    unsolved: set[int] = set()  # of those, the ones that were resolved or closed
    opened: list[Conversation] = []  # new ones, inserted together below
    for event in events:
        identity = identities.get(event.customer.external_id) if event.customer else None
        target_id = reply_targets.get(event.in_reply_to_external_id)
        conversation: Conversation | None = None
        previous_status = ""
        if event.direction == Message.Direction.OUTBOUND:
            # The brand's own post joins the case it answers, and creates none.
            if target_id is not None:
                conversation = by_id.get(target_id)
            elif identity is not None:
                conversation = current.get(identity.customer_id)
            if conversation is None:
                result.unplaced += 1
                continue
        else:
            if identity is None:
                result.unplaced += 1
                continue
            conversation = current.get(identity.customer_id)
            if conversation is not None and not _continues(conversation, event.created_at, window):
                conversation = None
            if conversation is None:
                conversation = Conversation(
                    channel_account=account,
                    customer_id=identity.customer_id,
                    status=Conversation.Status.NEW,
                    language=PLATFORM_LANGUAGES.get(event.language, ""),
                    opened_at=event.created_at,
                    last_activity_at=event.created_at,
                )
                current[identity.customer_id] = conversation
                opened.append(conversation)
            previous_status = conversation.status
            if previous_status in (
                Conversation.Status.RESOLVED,
                Conversation.Status.CLOSED,
            ):
                conversation.status = Conversation.Status.OPEN
                conversation.resolved_at = None
                reopened.add(conversation.pk)
                unsolved.add(conversation.pk)
                result.reopened += 1
            elif conversation.status == Conversation.Status.WAITING_ON_CUSTOMER:
                conversation.status = Conversation.Status.OPEN
                reopened.add(conversation.pk)
        if event.created_at >= conversation.last_activity_at:
            conversation.preview = preview_of(event.text)
        conversation.search_text = search.appended(conversation.search_text, event.text)
        conversation.last_activity_at = max(conversation.last_activity_at, event.created_at)
        conversation.updated_at = now
        if conversation.pk is not None:
            touched[conversation.pk] = conversation
        message = Message(
            conversation=conversation,
            channel_account=account,
            direction=event.direction,
            kind=event.kind,
            external_id=event.external_id,
            in_reply_to_external_id=event.in_reply_to_external_id,
            author_identity=identity if event.direction == "inbound" else None,
            text=event.text,
            platform_created_at=event.created_at,
            received_at=now,
            raw=event.raw,
            attachments=list(event.attachments),
            permalink=event.permalink[:500],
        )
        matched: list[Topic] = []
        is_vip = identity is not None and identity.customer_id in vips
        if settings.CARE_TRIAGE and event.direction == Message.Direction.INBOUND:
            matched = triage.triage_message(
                message, conversation, identity=identity, is_vip=is_vip, topics=topics, now=now
            )
            if matched:
                topic_links.append((message, conversation, matched))
        # After triage: the priority it gave decides the SLA policy.
        _track_clocks(conversation, event, sla_rules, now, previous_status)
        if conversation.pk is None and id(conversation) not in first_messages:
            first_messages[id(conversation)] = (message, matched, is_vip)
        messages.append(message)
    # One INSERT for the batch's new conversations; their ids come back for the messages.
    Conversation.objects.bulk_create(opened, batch_size=500)
    # The constraint decides: a concurrent batch that stored one first wins, silently.
    Message.objects.bulk_create(messages, ignore_conflicts=True, batch_size=500)
    if topic_links:
        _link_topics(account, topic_links)
    if opened:
        _route(opened, first_messages, sla_rules)
    # bulk_update builds a CASE per field: only the fields that changed are sent.
    if touched:
        Conversation.objects.bulk_update(
            list(touched.values()),
            [
                "last_activity_at",
                "preview",
                "search_text",
                "updated_at",
                "first_response_at",
                "sentiment",
                "intent",
                "language",
                "priority",
                "priority_reasons",
                "priority_score",
                *sla.SLA_FIELDS,
            ],
        )
    if reopened:
        Conversation.objects.bulk_update(
            [touched[pk] for pk in reopened], ["status", "resolved_at", "updated_at"]
        )
    if unsolved:
        # On the case's history, and counted by the dashboard's "reopened cases".
        ConversationEvent.objects.bulk_create(
            ConversationEvent(
                conversation_id=pk, kind=ConversationEvent.Kind.REOPENED, data={"by": "customer"}
            )
            for pk in unsolved
        )
    result.stored = len(messages)
    result.conversations |= set(touched) | {c.pk for c in opened}
    listened = outbound_webhooks.subscribed_events() & INGEST_EVENTS
    if listened:
        _emit_webhooks(account, opened, messages, listened)
    if opened and settings.CARE_AUTO_ASSIGN:
        from inbox.tasks import auto_assign_task

        # New cases go to an available agent at once; the beat job catches up otherwise.
        enqueue_on_commit(auto_assign_task)
    if any(m.direction == Message.Direction.INBOUND for m in messages):
        ChannelAccount.objects.filter(pk=account.pk).update(last_inbound_at=now)


def _emit_webhooks(
    account: ChannelAccount,
    opened: list[Conversation],
    messages: list[Message],
    listened: frozenset[str],
) -> None:
    """Only when some subscription listens: building the payloads costs a query."""
    channel = {"id": account.pk, "platform": account.platform, "name": account.name}

    def author(message: Message) -> dict[str, str] | None:
        identity = message.author_identity
        if identity is None:
            return None
        return {
            "external_id": identity.external_id,
            "handle": identity.handle,
            "name": identity.name,
        }

    if "conversation.created" in listened and opened:
        first = {m.conversation.pk: m for m in reversed(messages) if m.conversation.pk}
        outbound_webhooks.emit_many(
            "conversation.created",
            [
                {
                    "conversation": {
                        **outbound_webhooks.conversation_payload(conversation),
                        "opened_at": conversation.opened_at,
                        "language": conversation.language,
                        "priority": conversation.priority,
                    },
                    "channel": channel,
                    "customer": author(first[conversation.pk])
                    if conversation.pk in first
                    else None,
                }
                for conversation in opened
            ],
        )
    inbound = [m for m in messages if m.direction == Message.Direction.INBOUND]
    if "message.received" in listened and inbound:
        # bulk_create(ignore_conflicts=True) hands back no ids: one query finds them.
        ids = dict(
            Message.objects.filter(
                channel_account=account, external_id__in=[m.external_id for m in inbound]
            ).values_list("external_id", "id")
        )
        outbound_webhooks.emit_many(
            "message.received",
            [
                {
                    "message": {
                        "id": ids[m.external_id],
                        "external_id": m.external_id,
                        "kind": m.kind,
                        "text": m.text,
                        "permalink": m.permalink,
                        "created_at": m.platform_created_at,
                        "language": m.language,
                        "sentiment": m.sentiment,
                        "intent": m.intent,
                        "author": author(m),
                    },
                    "conversation": outbound_webhooks.conversation_payload(m.conversation),
                    "channel": channel,
                }
                for m in inbound
                if m.external_id in ids
            ],
        )


def _route(
    opened: list[Conversation],
    first_messages: dict[int, tuple[Message, list[Topic], bool]],
    sla_rules: sla.SlaRules,
) -> None:
    arrivals = []
    for conversation in opened:
        message, topics, vip = first_messages[id(conversation)]
        arrivals.append((conversation, routing.facts_of(conversation, message, topics, vip=vip)))
    routed = routing.route_new_conversations(arrivals)
    # A new team or priority means other targets for the clocks already running.
    for conversation in routed:
        sla.recompute(conversation, sla_rules)
    if routed:
        Conversation.objects.bulk_update(routed, sla.SLA_FIELDS)


def _link_topics(
    account: ChannelAccount, links: list[tuple[Message, Conversation, list[Topic]]]
) -> None:
    # bulk_create(ignore_conflicts=True) hands back no ids: one query finds them.
    ids = dict(
        Message.objects.filter(
            channel_account=account, external_id__in=[m.external_id for m, _c, _t in links]
        ).values_list("external_id", "pk")
    )
    for message, _conversation, _topics in links:
        message.pk = ids.get(message.external_id)
    triage.link_topics([link for link in links if link[0].pk is not None])


def preview_of(text: str) -> str:
    """The first non-empty line, as the inbox list shows it."""
    for line in text.splitlines():
        if line.strip():
            return line.strip()[:200]
    return ""


def _track_clocks(
    conversation: Conversation,
    event: InboundEvent,
    rules: sla.SlaRules,
    now: datetime,
    previous_status: str,
) -> None:
    """The customer is owed an answer from their first unanswered message on; the
    brand's reply stops the clock (inbox/services/sla.py)."""
    if event.direction == Message.Direction.OUTBOUND:
        sla.stop_answer_clock(conversation)
        if conversation.first_response_at is None:
            conversation.first_response_at = event.created_at
        return
    if previous_status and previous_status != conversation.status:
        # The customer's message ends the wait: its time, not when we fetched it.
        sla.status_changed(conversation, previous_status, event.created_at, rules)
    if conversation.response_due_at is None:
        sla.start_answer_clock(conversation, event.created_at, rules)
    if conversation.pk is None and conversation.resolution_due_at is None:
        sla.start_resolution_clock(conversation, rules)


def _lock_customers(customer_ids: set[int]) -> None:
    """PostgreSQL advisory locks on these customers until the transaction ends.

    Taken in id order, so two batches cannot deadlock. SQLite needs none: its
    IMMEDIATE transactions already let one writer in at a time.
    """
    if connection.vendor != "postgresql" or not customer_ids:
        return
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_advisory_xact_lock(id) FROM "
            "(SELECT unnest(%s::bigint[]) AS id ORDER BY 1) AS customers",
            [sorted(customer_ids)],
        )


def _continues(conversation: Conversation, written_at: datetime, window: timedelta) -> bool:
    """Does a new message from the customer belong to their latest conversation?"""
    if conversation.is_open:
        return True
    resolved_at = conversation.resolved_at or conversation.last_activity_at
    return written_at - resolved_at <= window


def upsert_identities(
    *, platform: str, authors: Sequence[InboundAuthor]
) -> dict[str, CustomerIdentity]:
    """Each author's identity, created with a new customer if unknown, refreshed if known."""
    by_id = {a.external_id: a for a in authors if a.external_id}
    found = {
        i.external_id: i
        for i in CustomerIdentity.objects.filter(platform=platform, external_id__in=by_id)
    }
    changed: list[CustomerIdentity] = []
    for external_id, identity in found.items():
        if _refresh(identity, by_id[external_id]):
            changed.append(identity)
    if changed:
        CustomerIdentity.objects.bulk_update(
            changed, ["handle", "name", "avatar_url", "followers_count", "verified", "updated_at"]
        )
    missing = [a for external_id, a in by_id.items() if external_id not in found]
    if missing:
        customers = Customer.objects.bulk_create(
            [Customer(display_name=(a.name or a.handle)[:200]) for a in missing]
        )
        new = [
            CustomerIdentity(
                customer=customer,
                platform=platform,
                external_id=a.external_id,
                handle=a.handle[:100],
                name=a.name[:200],
                avatar_url=a.avatar_url[:500],
                followers_count=a.followers_count,
                verified=a.verified,
            )
            for customer, a in zip(customers, missing, strict=True)
        ]
        try:
            # Usually nobody else created these people meanwhile: one INSERT, ids back.
            with transaction.atomic():
                CustomerIdentity.objects.bulk_create(new)
            found.update({i.external_id: i for i in new})
        except IntegrityError:
            # Another batch (another account) created some first: theirs win, ours go.
            CustomerIdentity.objects.bulk_create(new, ignore_conflicts=True)
            created = {
                i.external_id: i
                for i in CustomerIdentity.objects.filter(
                    platform=platform, external_id__in=[a.external_id for a in missing]
                )
            }
            found.update(created)
            used = {i.customer_id for i in created.values()}
            spare = [c.pk for c in customers if c.pk not in used]
            Customer.objects.filter(pk__in=spare, identities__isnull=True).delete()
    return found


def _refresh(identity: CustomerIdentity, author: InboundAuthor) -> bool:
    changed = False
    for field_name, value in (
        ("handle", author.handle),
        ("name", author.name),
        ("avatar_url", author.avatar_url),
        ("followers_count", author.followers_count),
    ):
        if value not in ("", None) and getattr(identity, field_name) != value:
            setattr(identity, field_name, value)
            changed = True
    if author.handle and identity.verified != author.verified:
        identity.verified = author.verified
        changed = True
    if changed:
        identity.updated_at = timezone.now()
    return changed


def _apply_edits(account: ChannelAccount, edits: list[InboundEvent]) -> int:
    edited = 0
    for event in edits:
        message = Message.objects.filter(
            channel_account=account, external_id=event.external_id
        ).first()
        # Webhooks carry no edit time, so a redelivered or late edit is recognised by
        # its text: one we already showed is not applied again.
        earlier = {version["text"] for version in message.previous_texts} if message else set()
        if message is None or event.text == message.text or event.text in earlier:
            continue
        message.previous_texts = [
            *message.previous_texts,
            {"text": message.text, "replaced_at": timezone.now().isoformat()},
        ]
        message.text = event.text
        message.edited_at = timezone.now()
        message.save(update_fields=["previous_texts", "text", "edited_at"])
        search.rebuild_search_text([message.conversation_id])
        edited += 1
    return edited


def _apply_deletes(account: ChannelAccount, deletes: list[InboundEvent]) -> int:
    if not deletes:
        return 0
    deleted = Message.objects.filter(
        channel_account=account,
        external_id__in=[e.external_id for e in deletes],
        deleted_at__isnull=True,
    )
    conversation_ids = set(deleted.values_list("conversation_id", flat=True))
    count = deleted.update(deleted_at=timezone.now())
    # A post its author deleted is no longer found by search.
    search.rebuild_search_text(conversation_ids)
    return count


# --- pages kept for parallel ingestion ----------------------------------------------------
def stage_events(
    *, account: ChannelAccount, stream: str, events: Sequence[InboundEvent]
) -> InboundBatch | None:
    """Keep a polled page durably and enqueue its ingestion after commit."""
    from inbox.tasks import ingest_batch_task

    if not events:
        return None
    batch = InboundBatch.objects.create(
        channel_account=account,
        stream=stream,
        events_json=json.dumps([e.as_json() for e in events], ensure_ascii=False),
    )
    enqueue_on_commit(ingest_batch_task, batch.pk)
    return batch


def ingest_batch(*, batch_id: int, max_attempts: int = 5) -> IngestResult:
    """Ingest one kept page. Running it twice, or in two workers at once, stores nothing twice."""
    batch = InboundBatch.objects.select_related("channel_account").get(pk=batch_id)
    if batch.status != InboundBatch.Status.PENDING:
        return IngestResult()
    events = [InboundEvent.from_json(data) for data in json.loads(batch.events_json)]
    try:
        result = ingest_events(account=batch.channel_account, events=events)
    except Exception as exc:
        attempts = batch.attempts + 1
        InboundBatch.objects.filter(pk=batch.pk).update(
            attempts=attempts,
            error=f"{exc.__class__.__name__}: {exc}"[:2000],
            status=InboundBatch.Status.DEAD
            if attempts >= max_attempts
            else InboundBatch.Status.PENDING,
        )
        raise
    InboundBatch.objects.filter(pk=batch.pk, status=InboundBatch.Status.PENDING).update(
        status=InboundBatch.Status.DONE,
        stored=result.stored,
        attempts=batch.attempts + 1,
        processed_at=timezone.now(),
    )
    return result


def relay_stuck_batches(*, older_than: timedelta = timedelta(minutes=10)) -> int:
    """Enqueue again kept pages whose task was lost (a worker killed, the broker down)."""
    from inbox.tasks import ingest_batch_task

    waiting = InboundBatch.objects.filter(status=InboundBatch.Status.PENDING)
    return resend_silent(waiting, ingest_batch_task, older_than=older_than)
