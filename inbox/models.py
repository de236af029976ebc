"""What comes in: channel accounts, customers, conversations (cases) and messages."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from care import crypto


class Platform(models.TextChoices):
    X = "x", "X"
    FACEBOOK = "facebook", "Facebook"


class BusinessCalendar(models.Model):
    """A team's working hours, time zone and holidays: SLA clocks count in these hours.

    `hours` maps an ISO weekday ("1" = Monday) to ranges like "08:00-12:00, 13:00-17:00";
    a weekday left out is closed, a calendar with no hours is open around the clock.
    """

    name = models.CharField(_("name"), max_length=80, unique=True)
    time_zone = models.CharField(_("time zone"), max_length=64, default="Asia/Jakarta")
    hours = models.JSONField(_("working hours"), default=dict, blank=True)
    # The calendar of conversations no department has taken (the central care queue).
    is_default = models.BooleanField(_("default"), default=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-is_default", "name"]
        verbose_name = _("business calendar")
        verbose_name_plural = _("business calendars")

    def __str__(self) -> str:
        return self.name


class Holiday(models.Model):
    calendar = models.ForeignKey(
        BusinessCalendar, on_delete=models.CASCADE, related_name="holidays"
    )
    date = models.DateField(_("date"))
    name = models.CharField(_("name"), max_length=120)

    class Meta:
        ordering = ["date"]
        constraints = [
            models.UniqueConstraint(fields=["calendar", "date"], name="holiday_once_a_day")
        ]
        verbose_name = _("holiday")
        verbose_name_plural = _("holidays")

    def __str__(self) -> str:
        return f"{self.date}: {self.name}"


class Department(models.Model):
    """A team that solves what customer care cannot: Billing, Technical Support…

    Members are users and need not be agents: a billing clerk can be reached
    about an escalation without working the inbox.
    """

    name = models.CharField(_("name"), max_length=80, unique=True)
    slug = models.SlugField(_("slug"), max_length=80, unique=True)
    contact_emails = models.JSONField(
        _("contact e-mails"), default=list, blank=True, help_text=_("Where escalations are sent.")
    )
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="departments", verbose_name=_("members")
    )
    lead = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="led_departments",
        verbose_name=_("lead"),
    )
    calendar = models.ForeignKey(
        BusinessCalendar,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="departments",
        verbose_name=_("business calendar"),
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("department")
        verbose_name_plural = _("departments")

    def __str__(self) -> str:
        return self.name


class ChannelAccount(models.Model):
    """The brand's X account or Facebook Page that customers write to."""

    class Status(models.TextChoices):
        HEALTHY = "healthy", _("Healthy")
        DEGRADED = "degraded", _("Degraded")
        RATE_LIMITED = "rate_limited", _("Rate limited")
        REAUTH_REQUIRED = "reauth_required", _("Needs a new token")
        PAUSED = "paused", _("Paused")

    platform = models.CharField(_("platform"), max_length=16, choices=Platform.choices)
    external_id = models.CharField(_("platform id"), max_length=64)
    name = models.CharField(_("handle or Page name"), max_length=100)
    # Fernet ciphertext of a JSON object; read with .credentials, never displayed.
    credentials_ciphertext = models.TextField(blank=True, editable=False)
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.HEALTHY
    )
    last_polled_at = models.DateTimeField(_("last poll"), null=True, blank=True)
    last_success_at = models.DateTimeField(_("last success"), null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True)
    last_error_at = models.DateTimeField(_("last error at"), null=True, blank=True)
    cursors = models.JSONField(
        _("cursors"), default=dict, blank=True, help_text=_("Where polling resumes, per stream.")
    )
    poll_interval_seconds = models.PositiveIntegerField(
        _("poll every (seconds)"),
        null=True,
        blank=True,
        help_text=_("Empty: the platform's default, which fits its rate limits."),
    )
    # Nothing is requested before this moment: set from a 429 or a usage header.
    rate_limited_until = models.DateTimeField(_("rate limited until"), null=True, blank=True)
    rate_limit_remaining = models.IntegerField(_("calls left in the window"), null=True, blank=True)
    usage_percent = models.PositiveSmallIntegerField(_("platform usage %"), null=True, blank=True)
    # X charges per post read: a monthly budget, and what this month used of it.
    monthly_read_budget = models.PositiveIntegerField(
        _("monthly read budget"),
        null=True,
        blank=True,
        help_text=_("Posts read per month (X bills per read). Polling slows as it nears the cap."),
    )
    reads_this_month = models.PositiveIntegerField(_("reads this month"), default=0)
    replies_need_approval = models.BooleanField(
        _("replies need a supervisor's approval"),
        default=False,
        help_text=_("Every reply on this channel waits for a supervisor (trainees' always do)."),
    )
    reads_month = models.CharField(max_length=7, blank=True)  # "2026-11"
    failing_since = models.DateTimeField(_("failing since"), null=True, blank=True)
    last_inbound_at = models.DateTimeField(_("last inbound"), null=True, blank=True)
    quiet_alerted_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["platform", "name"]
        verbose_name = _("channel account")
        verbose_name_plural = _("channel accounts")
        constraints = [
            models.UniqueConstraint(
                fields=["platform", "external_id"], name="one_account_per_platform_id"
            )
        ]

    def __str__(self) -> str:
        prefix = "@" if self.platform == Platform.X else ""
        return f"{self.get_platform_display()} {prefix}{self.name}"

    def __repr__(self) -> str:
        # Explicit, so the ciphertext never reaches a log through a repr.
        return f"<ChannelAccount {self.pk} {self.platform}:{self.external_id}>"

    @property
    def credentials(self) -> dict[str, Any]:
        """Decrypted credentials, for the channel adapter only."""
        return crypto.decrypt_json(self.credentials_ciphertext)

    def set_credentials(self, credentials: dict[str, Any]) -> None:
        self.credentials_ciphertext = crypto.encrypt_json(credentials)

    @property
    def has_credentials(self) -> bool:
        return bool(self.credentials_ciphertext)


class Customer(models.Model):
    """One person, who may write to us from several platforms (identities)."""

    display_name = models.CharField(_("name"), max_length=200, blank=True)
    # Set when a supervisor merges this customer into another; kept for the record.
    merged_into = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="merged_from"
    )
    is_vip = models.BooleanField(_("VIP"), default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("customer")
        verbose_name_plural = _("customers")

    def __str__(self) -> str:
        return self.display_name or f"Customer {self.pk}"


class CustomerIdentity(models.Model):
    """A customer's account on one platform, as the platform describes it."""

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="identities")
    platform = models.CharField(_("platform"), max_length=16, choices=Platform.choices)
    external_id = models.CharField(_("platform id"), max_length=64)
    handle = models.CharField(_("handle"), max_length=100, blank=True)
    name = models.CharField(_("name"), max_length=200, blank=True)
    avatar_url = models.URLField(_("avatar"), max_length=500, blank=True)
    followers_count = models.PositiveIntegerField(_("followers"), null=True, blank=True)
    verified = models.BooleanField(_("verified"), default=False)
    language = models.CharField(_("language"), max_length=8, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("customer identity")
        verbose_name_plural = _("customer identities")
        constraints = [
            models.UniqueConstraint(
                fields=["platform", "external_id"], name="one_identity_per_platform_id"
            )
        ]
        indexes = [models.Index(fields=["handle"])]

    def __str__(self) -> str:
        if self.platform == Platform.X and self.handle:
            return f"@{self.handle}"
        return self.name or self.handle or self.external_id


class Tag(models.Model):
    name = models.CharField(_("name"), max_length=50, unique=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Sentiment(models.TextChoices):
    NEGATIVE = "negative", _("Negative")
    NEUTRAL = "neutral", _("Neutral")
    POSITIVE = "positive", _("Positive")


class Intent(models.TextChoices):
    COMPLAINT = "complaint", _("Complaint")
    QUESTION = "question", _("Question")
    PRAISE = "praise", _("Praise")
    OTHER = "other", _("Other")
    SPAM = "spam", _("Spam")


class Topic(models.Model):
    """A supervisor's rule that names what a message is about ("billing", "laptop battery").

    Phrases match whole words, case-insensitively; the optional pattern is a regular
    expression for what phrases cannot say (inbox/triage/topics.py). Rules are tried in
    `position` order and every one that matches tags the message.
    """

    name = models.CharField(_("name"), max_length=60, unique=True)
    phrases = models.JSONField(_("phrases"), default=list, blank=True)
    pattern = models.CharField(_("pattern"), max_length=200, blank=True)
    position = models.PositiveIntegerField(_("order"), default=0)
    is_active = models.BooleanField(_("active"), default=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["position", "name"]
        verbose_name = _("topic")
        verbose_name_plural = _("topics")

    def __str__(self) -> str:
        return self.name


class Conversation(models.Model):
    """A case: everything one customer and the team said about one problem."""

    class Status(models.TextChoices):
        NEW = "new", _("New")
        OPEN = "open", _("Open")
        WAITING_ON_CUSTOMER = "waiting_on_customer", _("Waiting on customer")
        ESCALATED = "escalated", _("Escalated")
        RESOLVED = "resolved", _("Resolved")
        CLOSED = "closed", _("Closed")

    # What the inbox shows as work still to do.
    OPEN_STATUSES = (
        Status.NEW,
        Status.OPEN,
        Status.WAITING_ON_CUSTOMER,
        Status.ESCALATED,
    )
    # Solved: no answer owed, the clocks stopped.
    DONE_STATUSES = (Status.RESOLVED, Status.CLOSED)

    class Priority(models.IntegerChoices):
        # Numbers, so "sort by priority" is a plain ORDER BY.
        LOW = 10, _("Low")
        NORMAL = 20, _("Normal")
        HIGH = 30, _("High")
        URGENT = 40, _("Urgent")

    channel_account = models.ForeignKey(
        ChannelAccount, on_delete=models.PROTECT, related_name="conversations"
    )
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="conversations")
    status = models.CharField(
        _("status"), max_length=24, choices=Status.choices, default=Status.NEW
    )
    priority = models.PositiveSmallIntegerField(
        _("priority"), choices=Priority.choices, default=Priority.NORMAL
    )
    assignee = models.ForeignKey(
        "care.Agent",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="conversations",
        verbose_name=_("assignee"),
    )
    department = models.ForeignKey(
        Department,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="conversations",
        verbose_name=_("department"),
    )
    language = models.CharField(_("language"), max_length=8, blank=True)
    tags = models.ManyToManyField(Tag, blank=True, related_name="conversations")
    # Triage of the customer's latest message (inbox/services/triage.py).
    sentiment = models.CharField(
        _("sentiment"), max_length=10, blank=True, choices=Sentiment.choices
    )
    intent = models.CharField(_("intent"), max_length=12, blank=True, choices=Intent.choices)
    topics = models.ManyToManyField(Topic, blank=True, related_name="conversations")
    # Why the priority is what it is: the last automatic scoring, for the agent to read.
    priority_reasons = models.JSONField(_("priority reasons"), default=list, blank=True)
    # The triage score before waiting time, so beat can add the age as a case waits.
    priority_score = models.FloatField(default=0)
    # Set when this case was merged into another; its messages moved there.
    merged_into = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="merged_from"
    )
    assigned_at = models.DateTimeField(_("assigned"), null=True, blank=True)
    opened_at = models.DateTimeField(_("opened"), default=timezone.now)
    # When the customer is owed an answer: set when they write and nobody has answered
    # since, cleared by the brand's reply. A flat target until SLA policies exist.
    response_due_at = models.DateTimeField(_("answer due"), null=True, blank=True)
    # The SLA clocks (inbox/services/sla.py): when the current answer clock started, when
    # it reaches 75 %, and how far it got ("" / "warned" / "breached"); the same for the
    # resolution clock, which pauses while the case waits on the customer.
    sla_policy = models.ForeignKey(
        "SlaPolicy", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    response_started_at = models.DateTimeField(null=True, blank=True)
    response_warn_at = models.DateTimeField(null=True, blank=True)
    response_sla = models.CharField(max_length=8, blank=True)
    resolution_due_at = models.DateTimeField(_("resolution due"), null=True, blank=True)
    resolution_warn_at = models.DateTimeField(null=True, blank=True)
    resolution_sla = models.CharField(max_length=8, blank=True)
    waiting_since = models.DateTimeField(null=True, blank=True)
    paused_minutes = models.FloatField(default=0)
    # A supervisor grouped it with others of the same spike, to answer them together.
    incident = models.ForeignKey(
        "Incident", null=True, blank=True, on_delete=models.SET_NULL, related_name="conversations"
    )
    # The latest message's first line, kept here so the list reads no message rows.
    preview = models.CharField(_("latest message"), max_length=200, blank=True)
    # Every message's text, newest last and capped (inbox/search.py): what search reads.
    search_text = models.TextField(
        _("search text"), blank=True, default="", db_default="", editable=False
    )
    first_response_at = models.DateTimeField(_("first response"), null=True, blank=True)
    resolved_at = models.DateTimeField(_("resolved"), null=True, blank=True)
    last_activity_at = models.DateTimeField(_("last activity"), default=timezone.now)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("conversation")
        verbose_name_plural = _("conversations")
        indexes = [
            # The inbox's views: Mine / Unassigned / All open, newest activity first.
            models.Index(fields=["status", "assignee", "-last_activity_at"], name="conv_queue_idx"),
            models.Index(
                fields=["department", "status", "-last_activity_at"], name="conv_dept_idx"
            ),
            models.Index(
                fields=["channel_account", "status", "-last_activity_at"], name="conv_channel_idx"
            ),
            models.Index(fields=["customer", "-opened_at"], name="conv_customer_idx"),
            # What /inbox/live reads every second: "did anything change?"
            models.Index(fields=["updated_at"], name="conv_updated_idx"),
            models.Index(fields=["status", "response_due_at"], name="conv_due_idx"),
            # The API's lists by status or department, newest id first (cursor pages): a
            # page of ?status=open or ?department=billing no longer walks the older
            # conversations of every other status or team (docs/benchmarks.md).
            models.Index(fields=["status", "-id"], name="conv_status_id_idx"),
            models.Index(fields=["department", "-id"], name="conv_department_id_idx"),
        ]

    def __str__(self) -> str:
        return f"#{self.pk}"

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN_STATUSES


class Message(models.Model):
    """One post, comment or private message, stored exactly as written."""

    class Direction(models.TextChoices):
        INBOUND = "inbound", _("Inbound")
        OUTBOUND = "outbound", _("Outbound")

    class Kind(models.TextChoices):
        MENTION = "mention", _("Public mention")
        REPLY = "reply", _("Public reply")
        COMMENT = "comment", _("Comment")
        DIRECT_MESSAGE = "direct_message", _("Direct message")
        MESSENGER = "messenger", _("Messenger message")

    conversation = models.ForeignKey(
        Conversation, on_delete=models.CASCADE, related_name="messages"
    )
    channel_account = models.ForeignKey(
        ChannelAccount, on_delete=models.PROTECT, related_name="messages"
    )
    direction = models.CharField(_("direction"), max_length=8, choices=Direction.choices)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    external_id = models.CharField(_("platform id"), max_length=64)
    in_reply_to_external_id = models.CharField(_("in reply to"), max_length=64, blank=True)
    author_identity = models.ForeignKey(
        CustomerIdentity,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="messages",
    )
    author_agent = models.ForeignKey(
        "care.Agent", null=True, blank=True, on_delete=models.PROTECT, related_name="messages"
    )
    text = models.TextField(_("text"), blank=True)
    platform_created_at = models.DateTimeField(_("created on the platform"))
    received_at = models.DateTimeField(_("received"), default=timezone.now)
    raw = models.JSONField(_("raw payload"), default=dict, blank=True)
    attachments = models.JSONField(
        _("attachments"), default=list, blank=True, help_text=_("[{type, url, media_id}]")
    )
    # An edited comment keeps what it said before: [{"text", "replaced_at"}], oldest first.
    previous_texts = models.JSONField(_("earlier versions"), default=list, blank=True)
    edited_at = models.DateTimeField(_("edited"), null=True, blank=True)
    # Deleted on the platform: marked, never removed, so the case keeps its record.
    deleted_at = models.DateTimeField(_("deleted on the platform"), null=True, blank=True)
    permalink = models.URLField(_("link"), max_length=500, blank=True)
    # Triage on arrival (customer messages only): the labels, and each one's reason in
    # `triage` ({"language": {"value", "score", "why"}, …}). A failed classification
    # leaves the labels empty and says why in `triage_error`: the message is stored anyway.
    language = models.CharField(_("language"), max_length=8, blank=True)
    sentiment = models.CharField(
        _("sentiment"), max_length=10, blank=True, choices=Sentiment.choices
    )
    intent = models.CharField(_("intent"), max_length=12, blank=True, choices=Intent.choices)
    topics = models.ManyToManyField(Topic, blank=True, related_name="messages")
    triage = models.JSONField(_("triage"), default=dict, blank=True)
    triage_error = models.CharField(_("triage error"), max_length=300, blank=True)

    class Meta:
        ordering = ["platform_created_at", "id"]
        verbose_name = _("message")
        verbose_name_plural = _("messages")
        constraints = [
            # Our lock against duplicates: a delivery seen twice is stored once.
            models.UniqueConstraint(
                fields=["channel_account", "external_id"], name="one_message_per_platform_id"
            ),
            models.CheckConstraint(
                condition=~Q(author_identity__isnull=False, author_agent__isnull=False),
                name="message_has_one_author",
            ),
        ]
        indexes = [
            models.Index(fields=["conversation", "platform_created_at"], name="msg_thread_idx"),
            models.Index(
                fields=["channel_account", "in_reply_to_external_id"], name="msg_reply_idx"
            ),
            # The dashboard's rollups recount each hour's messages (care/metrics/rollups.py).
            models.Index(fields=["received_at"], name="msg_received_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.get_direction_display()} {self.get_kind_display()} {self.external_id}"


class InternalNote(models.Model):
    """A note for the team, never shown to the customer."""

    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="notes")
    author = models.ForeignKey("care.Agent", on_delete=models.PROTECT, related_name="notes")
    text = models.TextField(_("text"))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("internal note")
        verbose_name_plural = _("internal notes")

    def __str__(self) -> str:
        return f"Note on #{self.conversation_id} by {self.author}"


class ConversationEvent(models.Model):
    """Something that happened to a case besides messages: a claim, a status, a tag.

    The conversation page shows these between the messages, in time order, so anyone
    opening the case sees who did what before answering.
    """

    class Kind(models.TextChoices):
        CLAIMED = "claimed", _("Claimed")
        ASSIGNED = "assigned", _("Assigned")
        UNASSIGNED = "unassigned", _("Unassigned")
        STATUS = "status", _("Status changed")
        PRIORITY = "priority", _("Priority changed")
        TAGGED = "tagged", _("Tagged")
        UNTAGGED = "untagged", _("Tag removed")
        MERGED = "merged", _("Merged")
        ESCALATED = "escalated", _("Escalated")
        SPAM = "spam", _("Marked as spam")
        ROUTED = "routed", _("Routed")
        SLA = "sla", _("SLA warning or breach")
        HANDED_BACK = "handed_back", _("Handed back")
        MOVED_PRIVATE = "moved_private", _("Moved to a private channel")
        CALL_LOGGED = "call_logged", _("Call logged")
        FOLLOW_UP = "follow_up", _("Follow-up")
        REOPENED = "reopened", _("Reopened")
        COUPON = "coupon", _("Goodwill offer given")

    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="events")
    actor = models.ForeignKey(
        "care.Agent", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["conversation", "created_at"], name="conv_event_idx")]

    def __str__(self) -> str:
        return f"{self.kind} on #{self.conversation_id}"


class Escalation(models.Model):
    """A case handed to a department that can solve it; the care team keeps the customer."""

    conversation = models.ForeignKey(
        Conversation, on_delete=models.CASCADE, related_name="escalations"
    )
    department = models.ForeignKey(Department, on_delete=models.PROTECT, related_name="+")
    # None: raised by care itself (an SLA policy's automatic escalation on breach).
    raised_by = models.ForeignKey(
        "care.Agent", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    summary = models.TextField(_("summary"))
    due_at = models.DateTimeField(_("due"), null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    handed_back_at = models.DateTimeField(_("handed back"), null=True, blank=True)
    handed_back_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    hand_back_note = models.TextField(_("what was done"), blank=True)
    # Each reminder once (inbox/services/departments.py).
    reminded_at = models.DateTimeField(null=True, blank=True)
    lead_alerted_at = models.DateTimeField(null=True, blank=True)
    update_reminded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("escalation")
        verbose_name_plural = _("escalations")

    def __str__(self) -> str:
        return f"#{self.conversation_id} to {self.department}"


class EscalationComment(models.Model):
    """The internal thread between the care team and the department on one escalation."""

    escalation = models.ForeignKey(Escalation, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    text = models.TextField(_("text"))
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"On escalation {self.escalation_id} by {self.author_id}"


class ConversationViewer(models.Model):
    """Who has a conversation open right now, and whether they are typing a reply.

    Each open page says so every few seconds; a row older than a few heartbeats means
    the agent left. A table rather than a cache, so it works the same in the demo
    (no Redis) and with many web processes.
    """

    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="viewers")
    agent = models.ForeignKey("care.Agent", on_delete=models.CASCADE, related_name="+")
    seen_at = models.DateTimeField(default=timezone.now)
    typing_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["conversation", "agent"], name="one_viewer_row")
        ]

    def __str__(self) -> str:
        return f"{self.agent_id} on #{self.conversation_id}"


class BulkChange(models.Model):
    """One bulk action on many conversations, with what each looked like before.

    The browser sends a big selection in chunks sharing one `group`; undo restores every
    chunk of the group, but only conversations nobody touched since.
    """

    group = models.UUIDField(db_index=True)
    actor = models.ForeignKey("care.Agent", on_delete=models.PROTECT, related_name="+")
    action = models.CharField(max_length=16)
    # {conversation id: {"status", "assignee_id", "tag_ids", "updated_at"}}
    before = models.JSONField(default=dict)
    created_at = models.DateTimeField(default=timezone.now)
    undone_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.action} on {len(self.before)} conversations"


class WebhookDelivery(models.Model):
    """A webhook body exactly as it arrived, kept before it is processed.

    Stored first and processed by a task, so a crash or a bug loses nothing: a
    delivery that cannot be processed stays here as a dead letter to inspect and replay.
    """

    class Status(models.TextChoices):
        RECEIVED = "received", _("Received")
        PROCESSED = "processed", _("Processed")
        IGNORED = "ignored", _("Ignored")
        DEAD = "dead", _("Dead letter")

    platform = models.CharField(_("platform"), max_length=16, choices=Platform.choices)
    body = models.TextField(_("body"))
    headers = models.JSONField(_("headers"), default=dict, blank=True)
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.RECEIVED
    )
    error = models.TextField(_("error"), blank=True)
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    events_stored = models.PositiveIntegerField(_("messages stored"), default=0)
    received_at = models.DateTimeField(_("received"), default=timezone.now, db_index=True)
    processed_at = models.DateTimeField(_("processed"), null=True, blank=True)
    # When its processing task was last sent; the relay re-sends only long-silent ones.
    enqueued_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-received_at", "-id"]
        verbose_name = _("webhook delivery")
        verbose_name_plural = _("webhook deliveries")
        indexes = [models.Index(fields=["status", "-received_at"], name="webhook_status_idx")]

    def __str__(self) -> str:
        return f"{self.platform} delivery {self.pk} ({self.status})"


class ChannelIncident(models.Model):
    """Something a supervisor must know about a channel: an outage, a token, a silence."""

    class Kind(models.TextChoices):
        REAUTH_REQUIRED = "reauth_required", _("Token expired or revoked")
        RATE_LIMITED = "rate_limited", _("Rate limited")
        OUTAGE = "outage", _("Platform errors")
        QUIET = "quiet", _("Unusually quiet")
        BACKFILL = "backfill", _("Caught up after a gap")

    channel_account = models.ForeignKey(
        ChannelAccount, on_delete=models.CASCADE, related_name="incidents"
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    detail = models.TextField(_("detail"), blank=True)
    started_at = models.DateTimeField(_("started"), default=timezone.now)
    ended_at = models.DateTimeField(_("ended"), null=True, blank=True)
    messages_recovered = models.PositiveIntegerField(_("messages caught up"), default=0)

    class Meta:
        ordering = ["-started_at", "-id"]
        verbose_name = _("channel incident")
        verbose_name_plural = _("channel incidents")

    def __str__(self) -> str:
        return f"{self.get_kind_display()} on {self.channel_account}"

    @property
    def is_open(self) -> bool:
        return self.ended_at is None


class InboundBatch(models.Model):
    """A page of polled events, kept until it is ingested.

    The poller stores each page here and moves its cursor once every page is kept;
    workers ingest the pages in parallel. A page whose task was lost stays pending until
    the relay enqueues it again, so a crash between fetching and storing loses nothing.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        DONE = "done", _("Ingested")
        DEAD = "dead", _("Failed")

    channel_account = models.ForeignKey(
        ChannelAccount, on_delete=models.CASCADE, related_name="inbound_batches"
    )
    stream = models.CharField(max_length=32)
    # JSON text, not a JSONField: it is written once and read once, never queried, and
    # PostgreSQL would parse every page into jsonb for nothing.
    events_json = models.TextField()
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True)
    stored = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)
    processed_at = models.DateTimeField(null=True, blank=True)
    enqueued_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["status", "created_at"], name="inbound_batch_status_idx")]

    def __str__(self) -> str:
        return f"{self.stream} batch {self.pk} of {self.channel_account_id} ({self.status})"


class TriageCorrection(models.Model):
    """An agent's correction of a label, kept as training data for the classifiers."""

    class Field(models.TextChoices):
        LANGUAGE = "language", _("Language")
        SENTIMENT = "sentiment", _("Sentiment")
        INTENT = "intent", _("Intent")
        TOPICS = "topics", _("Topics")

    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="corrections")
    field = models.CharField(_("label"), max_length=12, choices=Field.choices)
    before = models.JSONField(_("before"))
    after = models.JSONField(_("after"))
    corrected_by = models.ForeignKey(
        "care.Agent", null=True, on_delete=models.SET_NULL, related_name="triage_corrections"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("triage correction")
        verbose_name_plural = _("triage corrections")

    def __str__(self) -> str:
        return f"{self.field} of message {self.message_id}: {self.before} -> {self.after}"


class RoutingRule(models.Model):
    """A supervisor's rule: conversations that match go to a team, get a priority, tags or
    an agent (inbox/services/routing.py). Rules are tried in `position` order and the
    first that matches a new conversation applies; none matching: the central queue.

    Empty conditions match anything; the conditions given must all hold.
    """

    name = models.CharField(_("name"), max_length=80)
    position = models.PositiveIntegerField(_("order"), default=0)
    is_active = models.BooleanField(_("active"), default=True)
    # Conditions (lists mean "any of").
    channels = models.ManyToManyField(ChannelAccount, blank=True, related_name="+")
    languages = models.JSONField(_("languages"), default=list, blank=True)
    intents = models.JSONField(_("intents"), default=list, blank=True)
    sentiments = models.JSONField(_("sentiments"), default=list, blank=True)
    topics = models.ManyToManyField(Topic, blank=True, related_name="routing_rules")
    min_priority = models.PositiveSmallIntegerField(
        _("priority at least"), null=True, blank=True, choices=Conversation.Priority.choices
    )
    vip_only = models.BooleanField(_("VIP customers only"), default=False)
    handles = models.JSONField(_("customer handles"), default=list, blank=True)
    # Actions.
    department = models.ForeignKey(
        Department, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        verbose_name=_("send to department"),
    )  # fmt: skip
    set_priority = models.PositiveSmallIntegerField(
        _("set priority"), null=True, blank=True, choices=Conversation.Priority.choices
    )
    add_tags = models.JSONField(_("add tags"), default=list, blank=True)
    assign_to = models.ForeignKey(
        "care.Agent", null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        verbose_name=_("assign to"),
    )  # fmt: skip
    # An acknowledgement from a saved reply, signed by the assigned agent or, without one,
    # by `acknowledge_as` (a shift lead): the customer hears from a person at once.
    acknowledge_with = models.ForeignKey(
        "responses.CannedResponse", null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+", verbose_name=_("acknowledge with"),
    )  # fmt: skip
    acknowledge_as = models.ForeignKey(
        "care.Agent", null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        verbose_name=_("signed by"),
    )  # fmt: skip
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["position", "id"]
        verbose_name = _("routing rule")
        verbose_name_plural = _("routing rules")

    def __str__(self) -> str:
        return self.name


class SlaPolicy(models.Model):
    """Answer and resolution targets, in minutes of business time (or calendar time).

    The most specific policy applies: one for the conversation's priority and channel,
    then one for its priority, then one for its channel, then one for any.
    """

    name = models.CharField(_("name"), max_length=80)
    priority = models.PositiveSmallIntegerField(
        _("priority"), null=True, blank=True, choices=Conversation.Priority.choices
    )
    channel = models.ForeignKey(
        ChannelAccount, null=True, blank=True, on_delete=models.CASCADE, related_name="+",
        verbose_name=_("channel"),
    )  # fmt: skip
    first_response_minutes = models.PositiveIntegerField(_("first answer within (minutes)"))
    next_response_minutes = models.PositiveIntegerField(_("next answer within (minutes)"))
    resolution_minutes = models.PositiveIntegerField(
        _("resolved within (minutes)"), null=True, blank=True
    )
    business_hours = models.BooleanField(_("count business hours only"), default=True)
    escalate_on_breach = models.ForeignKey(
        Department, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        verbose_name=_("on breach, escalate to"),
    )  # fmt: skip
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-priority", "name"]
        verbose_name = _("SLA policy")
        verbose_name_plural = _("SLA policies")

    def __str__(self) -> str:
        return self.name


class VolumeAlert(models.Model):
    """A topic or a channel far above its usual level (inbox/services/alerts.py)."""

    class Kind(models.TextChoices):
        TOPIC = "topic", _("Topic")
        CHANNEL = "channel", _("Channel")

    kind = models.CharField(_("kind"), max_length=8, choices=Kind.choices)
    topic = models.ForeignKey(
        Topic, null=True, blank=True, on_delete=models.CASCADE, related_name="alerts"
    )
    channel_account = models.ForeignKey(
        ChannelAccount, null=True, blank=True, on_delete=models.CASCADE, related_name="alerts"
    )
    window_start = models.DateTimeField(_("from"))
    window_end = models.DateTimeField(_("until"))
    count = models.PositiveIntegerField(_("messages"))
    peak_count = models.PositiveIntegerField(_("peak"))
    usual = models.FloatField(_("usual level"))
    spread = models.FloatField(_("spread"))
    threshold = models.FloatField(_("threshold"))
    created_at = models.DateTimeField(default=timezone.now)
    last_seen_at = models.DateTimeField(default=timezone.now)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["closed_at", "-created_at"], name="alert_open_idx")]
        verbose_name = _("volume alert")
        verbose_name_plural = _("volume alerts")

    def __str__(self) -> str:
        return self.headline()

    @property
    def subject(self) -> str:
        if self.topic_id:
            return self.topic.name  # type: ignore[union-attr]
        return str(self.channel_account)

    def headline(self) -> str:
        minutes = round((self.window_end - self.window_start).total_seconds() / 60)
        return _(
            "Spike: “%(subject)s”, %(count)s messages in %(minutes)s minutes (usually %(usual)s)"
        ) % {
            "subject": self.subject,
            "count": self.count,
            "minutes": minutes,
            "usual": f"{self.usual:g}",
        }


class Incident(models.Model):
    """Conversations of one spike, grouped by a supervisor to be answered together."""

    name = models.CharField(_("name"), max_length=120)
    alert = models.ForeignKey(
        VolumeAlert, null=True, blank=True, on_delete=models.SET_NULL, related_name="incidents"
    )
    created_by = models.ForeignKey(
        "care.Agent", null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("incident")
        verbose_name_plural = _("incidents")

    def __str__(self) -> str:
        return self.name
