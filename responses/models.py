"""What goes out: the team's replies to customers, and the outbox that posts them once."""

from __future__ import annotations

import uuid

from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Reply(models.Model):
    """A reply an agent wrote on a conversation, from the send button to the platform.

    pending approval → queued → sending → sent (platform id and link) / failed (a reason,
    and a retry). "Sending" that outlives its attempt means the result is unknown: the
    next attempt first asks the platform whether it was posted (responses/services/outbox.py).
    """

    class Status(models.TextChoices):
        PENDING_APPROVAL = "pending_approval", _("Waiting for approval")
        QUEUED = "queued", _("Queued")
        SENDING = "sending", _("Sending")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")
        REJECTED = "rejected", _("Rejected")

    class Purpose(models.TextChoices):
        ANSWER = "answer", _("Answer")
        ACKNOWLEDGEMENT = "acknowledgement", _("Acknowledgement")
        MOVE_PRIVATE = "move_private", _("Invitation to a private chat")
        SUMMARY = "summary", _("Public summary")
        FOLLOW_UP = "follow_up", _("Follow-up")
        THANKS = "thanks", _("Thanks for praise")
        INCIDENT = "incident", _("Incident answer")

    class Delivery(models.TextChoices):
        PUBLIC_REPLY = "public_reply", _("Public reply")
        DIRECT_MESSAGE = "direct_message", _("Direct message")  # X DM
        MESSENGER = "messenger", _("Messenger message")
        PRIVATE_REPLY = "private_reply", _("Private reply to a comment")  # Facebook

    conversation = models.ForeignKey(
        "inbox.Conversation", on_delete=models.CASCADE, related_name="replies"
    )
    author = models.ForeignKey("care.Agent", on_delete=models.PROTECT, related_name="replies")
    text = models.TextField(_("text"))
    private = models.BooleanField(_("private"), default=False)
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.QUEUED
    )
    # The browser's key for this send: a double click or a retried POST finds this row.
    idempotency_key = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    delivery = models.CharField(
        _("sent as"), max_length=16, choices=Delivery.choices, default=Delivery.PUBLIC_REPLY
    )
    purpose = models.CharField(
        _("purpose"), max_length=16, choices=Purpose.choices, default=Purpose.ANSWER
    )
    # Images sent with the reply, checked and resized when attached (responses/services/
    # attachments.py): [{"path", "name", "content_type", "width", "height", "bytes"}].
    attachments = models.JSONField(_("attachments"), default=list, blank=True)
    # What is posted: the text with its signature, fixed when the reply is queued.
    signed_text = models.TextField(_("posted text"), blank=True)
    # The platform id this answers (a tweet, comment) or whom it goes to (a DM, Messenger).
    in_reply_to_external_id = models.CharField(max_length=64, blank=True)
    recipient_external_id = models.CharField(max_length=64, blank=True)
    messenger_tag = models.CharField(max_length=24, blank=True)  # HUMAN_AGENT after 24 h
    platform_id = models.CharField(_("platform id"), max_length=64, blank=True)
    permalink = models.URLField(_("link"), max_length=500, blank=True)
    message = models.OneToOneField(
        "inbox.Message",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="reply",
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    # Set when an attempt starts, cleared when it ends: still set on the next attempt means
    # the last one died or timed out without an answer.
    attempt_started_at = models.DateTimeField(null=True, blank=True)
    error = models.CharField(_("why it failed"), max_length=500, blank=True)
    error_code = models.CharField(max_length=32, blank=True)
    # Why a queued reply waits (a rate limit's reset, a channel that needs a new token).
    waiting_reason = models.CharField(max_length=300, blank=True)
    reviewed_by = models.ForeignKey(
        "care.Agent",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="reviewed_replies",
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    rejection_reason = models.CharField(_("reason"), max_length=500, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    queued_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("reply")
        verbose_name_plural = _("replies")
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="sent") | ~Q(platform_id=""), name="sent_reply_has_platform_id"
            )
        ]
        indexes = [models.Index(fields=["status", "created_at"], name="reply_status_idx")]

    def __str__(self) -> str:
        return f"Reply on #{self.conversation_id} by {self.author_id}"

    @property
    def is_pending(self) -> bool:
        return self.status in (self.Status.QUEUED, self.Status.SENDING)


class OutboxEntry(models.Model):
    """A reply still to be posted: written with the reply, deleted when it is sent or fails.

    The Celery task is only a nudge; this row is the promise. The beat relay sends the
    task again for rows whose task was lost (Redis down, a worker killed).
    """

    # The reply's id is the entry's: the task, the relay and the lock all name one number.
    reply = models.OneToOneField(
        Reply, on_delete=models.CASCADE, primary_key=True, related_name="outbox"
    )
    # Not before this moment: a rate limit's reset, or the backoff after a failure.
    not_before = models.DateTimeField(default=timezone.now)
    # Held until the channel gets a new token; released by the re-authorisation.
    held_for_reauth = models.BooleanField(default=False)
    enqueued_at = models.DateTimeField(default=timezone.now)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["not_before"], name="outbox_due_idx")]

    def __str__(self) -> str:
        return f"Outbox for reply {self.reply_id}"


# --- Saved replies (canned responses) ----------------------------------------------------


class CannedResponse(models.Model):
    """A saved reply: an answer the team types every day, in one language.

    It has one or more wordings (CannedWording) so the same answer does not read the same
    in every public thread; `{customer_name}`, `{agent_first_name}` and `{case_number}`
    are filled in when an agent inserts it (responses/services/canned.py).
    """

    # The codes conversations and triage use for a language (inbox/services/triage.py).
    class Language(models.TextChoices):
        ENGLISH = "en", _("English")
        INDONESIAN = "id", _("Bahasa Indonesia")

    title = models.CharField(_("title"), max_length=100)
    language = models.CharField(
        _("language"), max_length=8, choices=Language.choices, default=Language.ENGLISH
    )
    # Words the `;` picker also finds it by: "ship kirim paket".
    shortcut = models.CharField(_("search words"), max_length=100, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    created_by = models.ForeignKey(
        "care.Agent", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["language", "title"]
        verbose_name = _("saved reply")
        verbose_name_plural = _("saved replies")
        constraints = [
            models.UniqueConstraint(
                Lower("title"),
                models.F("language"),
                name="canned_title_once_per_language",
            )
        ]

    def __str__(self) -> str:
        return self.title


class CannedWording(models.Model):
    """One way of saying a saved reply; the agent gets the one they used least recently."""

    canned = models.ForeignKey(CannedResponse, on_delete=models.CASCADE, related_name="wordings")
    text = models.TextField(_("text"))
    position = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        ordering = ["position", "id"]
        verbose_name = _("wording")
        verbose_name_plural = _("wordings")

    def __str__(self) -> str:
        return f"{self.canned_id}.{self.position}"


class CannedWordingUse(models.Model):
    """When an agent last inserted a wording: per agent, so each agent rotates through
    the wordings on their own and two agents' replies do not step on each other."""

    wording = models.ForeignKey(CannedWording, on_delete=models.CASCADE, related_name="uses")
    agent = models.ForeignKey("care.Agent", on_delete=models.CASCADE, related_name="+")
    used_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["wording", "agent"], name="one_wording_use_per_agent")
        ]

    def __str__(self) -> str:
        return f"{self.wording_id} by {self.agent_id}"


class MessengerPersona(models.Model):
    """An agent's face on one Facebook Page's Messenger: their name and photo on each reply.

    Graph personas cannot be edited: when the agent's name or photo changes, a new persona
    is made and the old one deleted (responses/services/personas.py).
    """

    agent = models.ForeignKey("care.Agent", on_delete=models.CASCADE, related_name="personas")
    channel_account = models.ForeignKey(
        "inbox.ChannelAccount", on_delete=models.CASCADE, related_name="personas"
    )
    persona_id = models.CharField(max_length=64)
    name = models.CharField(max_length=200)
    picture_url = models.URLField(max_length=500, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["agent", "channel_account"], name="one_persona_per_agent_and_page"
            )
        ]

    def __str__(self) -> str:
        return f"Persona {self.persona_id} of {self.agent_id}"


class CallLog(models.Model):
    """A phone call about the case, and how it ended: the thread shows it took place."""

    class Outcome(models.TextChoices):
        SOLVED = "solved", _("Solved on the call")
        FOLLOW_UP = "follow_up", _("Needs a follow-up")
        NO_ANSWER = "no_answer", _("No answer")
        ESCALATED = "escalated", _("Passed to a department")

    conversation = models.ForeignKey(
        "inbox.Conversation", on_delete=models.CASCADE, related_name="calls"
    )
    agent = models.ForeignKey("care.Agent", on_delete=models.PROTECT, related_name="calls")
    outcome = models.CharField(_("outcome"), max_length=16, choices=Outcome.choices)
    notes = models.TextField(_("notes"), blank=True)
    minutes = models.PositiveSmallIntegerField(_("minutes"), null=True, blank=True)
    called_at = models.DateTimeField(_("called at"), default=timezone.now)

    class Meta:
        ordering = ["called_at", "id"]

    def __str__(self) -> str:
        return f"Call on #{self.conversation_id}: {self.outcome}"


class FollowUp(models.Model):
    """After a case is solved, the question: is it solved, and do you trust us again?

    Scheduled on resolution, sent by beat on the same channel with a link to the survey
    (a signed, expiring token: no login), answered at most once.
    """

    class Status(models.TextChoices):
        SCHEDULED = "scheduled", _("Scheduled")
        SENT = "sent", _("Sent")
        ANSWERED = "answered", _("Answered")
        CANCELLED = "cancelled", _("Cancelled")  # reopened before it went out

    conversation = models.ForeignKey(
        "inbox.Conversation", on_delete=models.CASCADE, related_name="follow_ups"
    )
    # Who solved it: the follow-up is signed by them, a low score reopens the case for them.
    agent = models.ForeignKey(
        "care.Agent", null=True, blank=True, on_delete=models.SET_NULL, related_name="follow_ups"
    )
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.SCHEDULED
    )
    resolved_at = models.DateTimeField()
    due_at = models.DateTimeField(db_index=True)
    reply = models.OneToOneField(
        Reply, null=True, blank=True, on_delete=models.SET_NULL, related_name="follow_up"
    )
    sent_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-due_at"]

    def __str__(self) -> str:
        return f"Follow-up on #{self.conversation_id} ({self.status})"


class SurveyAnswer(models.Model):
    """The customer's answer: satisfaction 1-5, trust after this case, a comment."""

    class Trust(models.TextChoices):
        MORE = "more", _("More")
        SAME = "same", _("The same")
        LESS = "less", _("Less")

    follow_up = models.OneToOneField(FollowUp, on_delete=models.CASCADE, related_name="answer")
    satisfaction = models.PositiveSmallIntegerField(_("satisfaction"))
    trust = models.CharField(_("trust"), max_length=8, choices=Trust.choices)
    comment = models.TextField(_("comment"), blank=True)
    language = models.CharField(max_length=8, blank=True)
    answered_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(satisfaction__gte=1) & Q(satisfaction__lte=5),
                name="satisfaction_1_to_5",
            )
        ]

    def __str__(self) -> str:
        return f"{self.satisfaction}/5, trust {self.trust}"


class CouponPool(models.Model):
    """A goodwill offer and its codes, e.g. "10 % off the next order"."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    offer = models.CharField(_("what the customer gets"), max_length=200)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return self.name


class Coupon(models.Model):
    """One code, given at most once; who got it, on which case, from whom, is kept."""

    pool = models.ForeignKey(CouponPool, on_delete=models.CASCADE, related_name="coupons")
    code = models.CharField(_("code"), max_length=64, unique=True)
    given_at = models.DateTimeField(null=True, blank=True)
    customer = models.ForeignKey(
        "inbox.Customer", null=True, blank=True, on_delete=models.SET_NULL, related_name="coupons"
    )
    conversation = models.ForeignKey(
        "inbox.Conversation",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="coupons",
    )
    given_by = models.ForeignKey(
        "care.Agent", null=True, blank=True, on_delete=models.SET_NULL, related_name="coupons"
    )

    class Meta:
        indexes = [models.Index(fields=["pool", "given_at"], name="coupon_free_idx")]
        constraints = [
            models.CheckConstraint(
                condition=Q(given_at__isnull=True) | Q(conversation__isnull=False),
                name="given_coupon_has_a_case",
            )
        ]

    def __str__(self) -> str:
        return f"{self.pool}: {self.code}"
