"""What every app shares: the people of the care team, the audit trail, heartbeats."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.serializers.json import DjangoJSONEncoder
from django.core.validators import MinValueValidator, RegexValidator, URLValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from care import crypto
from care.validators import validate_photo


def _default_languages() -> list[str]:
    return ["en", "id"]


class Agent(models.Model):
    """A member of the care team: the face and the initials behind every reply."""

    class Role(models.TextChoices):
        AGENT = "agent", _("Agent")
        TRAINEE = "trainee", _("Trainee")
        SUPERVISOR = "supervisor", _("Supervisor")
        ADMIN = "admin", _("Admin")

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="agent"
    )
    display_name = models.CharField(_("display name"), max_length=80)
    initials = models.CharField(
        _("initials"),
        max_length=4,
        unique=True,
        validators=[
            RegexValidator(
                r"^[A-Z]{2,4}$",
                _("Initials are 2 to 4 letters A–Z, for example AB."),
                code="invalid_initials",
            )
        ],
        help_text=_("Signs every public reply, for example ^AB."),
        error_messages={"unique": _("Another agent already signs with these initials.")},
    )
    photo = models.ImageField(
        _("photo"), upload_to="agents/", blank=True, validators=[validate_photo]
    )
    role = models.CharField(_("role"), max_length=16, choices=Role.choices, default=Role.AGENT)
    languages = models.JSONField(
        _("languages"), default=_default_languages, help_text=_("Language codes, e.g. en, id.")
    )
    capacity = models.PositiveSmallIntegerField(
        _("capacity"),
        default=15,
        validators=[MinValueValidator(1)],
        help_text=_("Most open conversations assigned at once."),
    )
    departments = models.ManyToManyField(
        "inbox.Department", blank=True, related_name="agents", verbose_name=_("departments")
    )
    channels = models.ManyToManyField(
        "inbox.ChannelAccount",
        blank=True,
        related_name="agents",
        verbose_name=_("channels"),
        help_text=_("The channel accounts whose conversations this agent sees."),
    )
    # Round-robin: the available agent assigned longest ago goes next.
    last_assigned_at = models.DateTimeField(null=True, blank=True)
    time_zone = models.CharField(_("time zone"), max_length=64, default=settings.TIME_ZONE)
    is_away = models.BooleanField(_("away"), default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["display_name"]
        verbose_name = _("agent")
        verbose_name_plural = _("agents")
        permissions = [
            ("work_inbox", "Can triage and answer in the shared inbox"),
            ("post_replies", "Can post replies without approval"),
            ("approve_replies", "Can approve or reject trainees' replies"),
            ("reassign_conversations", "Can reassign conversations of others"),
            ("merge_customers", "Can merge customers"),
            ("view_dashboard", "Can see the supervisors' dashboards"),
            ("manage_channels", "Can connect, pause and resume channel accounts"),
            ("manage_team", "Can add agents and change roles"),
            ("see_all_channels", "Can see the conversations of every channel account"),
            ("manage_triage", "Can edit topics, routing rules and SLA policies"),
            ("manage_webhooks", "Can subscribe other tools to events (outbound webhooks)"),
        ]

    def __str__(self) -> str:
        return f"{self.display_name} (^{self.initials})"

    @property
    def first_name(self) -> str:
        return self.display_name.split()[0] if self.display_name else self.initials

    @property
    def signature(self) -> str:
        return f"^{self.initials}"


class AuditEvent(models.Model):
    """Who did what to what, and when. Written by services, never edited."""

    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="audit_events",
        help_text=_("Empty when the system acted (a task, a webhook)."),
    )
    verb = models.CharField(max_length=64)
    target_type = models.ForeignKey(ContentType, null=True, on_delete=models.SET_NULL)
    target_id = models.CharField(max_length=64, blank=True)
    target_repr = models.CharField(max_length=200, blank=True)
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["target_type", "target_id", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.actor or 'system'} {self.verb} {self.target_repr}"


class ServiceHeartbeat(models.Model):
    """The last sign of life of a Celery worker or beat, read by /healthz."""

    class Service(models.TextChoices):
        WORKER = "worker"
        BEAT = "beat"

    service = models.CharField(max_length=16, choices=Service.choices)
    hostname = models.CharField(max_length=255)
    beat_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["service", "hostname"], name="one_heartbeat_per_process"
            )
        ]

    def __str__(self) -> str:
        return f"{self.service}@{self.hostname} {self.beat_at:%H:%M:%S}"


class Notification(models.Model):
    """An in-app message for one user: a channel needs a token, a topic is spiking…"""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    verb = models.CharField(max_length=64)
    text = models.CharField(_("text"), max_length=500)
    url = models.CharField(_("link"), max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        indexes = [models.Index(fields=["recipient", "read_at"], name="notification_unread_idx")]

    def __str__(self) -> str:
        return f"{self.verb} for {self.recipient}"


class NotificationPreference(models.Model):
    """Which kinds of notification a user also wants by e-mail; in-app ones always arrive."""

    class Kind(models.TextChoices):
        ESCALATIONS = "escalations", _("Escalations and their reminders")
        SLA = "sla", _("SLA warnings and breaches")
        ALERTS = "alerts", _("Early-warning spikes")
        CHANNELS = "channels", _("Channel problems (tokens, outages)")

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_preference"
    )
    email_off = models.JSONField(_("no e-mail for"), default=list, blank=True)

    def __str__(self) -> str:
        return f"Notification preferences of {self.user_id}"


class ApiToken(models.Model):
    """A key another tool uses for the REST API on an agent's behalf (docs/api.md).

    Only the SHA-256 of the token is kept. A token is 32 random bytes: nobody can guess
    it from its hash, so a slow password hash (PBKDF2) would add no protection and cost
    every API request its time. `prefix` (the first 8 characters) tells tokens apart in
    lists without giving the rest away.
    """

    class Scope(models.TextChoices):
        READ = "read", _("Read only")
        WRITE = "write", _("Read and write")

    agent = models.ForeignKey(Agent, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("name"), max_length=80)
    prefix = models.CharField(_("prefix"), max_length=8)
    secret_hash = models.CharField(max_length=64, unique=True, editable=False)
    scope = models.CharField(_("scope"), max_length=8, choices=Scope.choices, default=Scope.READ)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"


class WebhookSubscription(models.Model):
    """Another tool that hears of events: a URL, the events it wants, a signing secret.

    The secret is encrypted at rest (care/crypto.py) and shown only once, when created;
    the receiver keeps it to verify X-Care-Signature (docs/webhooks.md).
    """

    name = models.CharField(_("name"), max_length=80)
    url = models.URLField(
        _("URL"), max_length=500, validators=[URLValidator(schemes=["http", "https"])]
    )
    # Fernet ciphertext of {"secret": …}; read with .secret, never displayed after creation.
    secret_ciphertext = models.TextField(editable=False)
    events = models.JSONField(_("events"), default=list)
    is_active = models.BooleanField(_("active"), default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("webhook subscription")
        verbose_name_plural = _("webhook subscriptions")

    def __str__(self) -> str:
        return self.name

    def __repr__(self) -> str:
        # Explicit, so the ciphertext never reaches a log through a repr.
        return f"<WebhookSubscription {self.pk} {self.url}>"

    @property
    def secret(self) -> str:
        return str(crypto.decrypt_json(self.secret_ciphertext).get("secret", ""))

    def set_secret(self, secret: str) -> None:
        self.secret_ciphertext = crypto.encrypt_json({"secret": secret})


class WebhookDelivery(models.Model):
    """One event for one subscription, and how its POSTs went (outbound; inbox's
    WebhookDelivery keeps what the platforms send us).

    `event_id` stays the same across retries and replays, so a receiver can dedupe.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        DELIVERED = "delivered", _("Delivered")
        FAILED = "failed", _("Failed")

    subscription = models.ForeignKey(
        WebhookSubscription, on_delete=models.CASCADE, related_name="deliveries"
    )
    event = models.CharField(_("event"), max_length=40)
    event_id = models.UUIDField(_("event id"), default=uuid.uuid4, editable=False)
    payload = models.JSONField(_("payload"), default=dict, encoder=DjangoJSONEncoder)
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_status_code = models.PositiveSmallIntegerField(_("response code"), null=True, blank=True)
    last_error = models.CharField(_("error"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    last_attempt_at = models.DateTimeField(_("last attempt"), null=True, blank=True)
    delivered_at = models.DateTimeField(_("delivered"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("outbound webhook delivery")
        verbose_name_plural = _("outbound webhook deliveries")
        indexes = [
            models.Index(fields=["subscription", "-created_at"], name="outbound_delivery_log_idx"),
            # The relay's question: which deliveries are still pending, oldest first?
            models.Index(
                fields=["created_at"],
                name="outbound_delivery_pending_idx",
                condition=models.Q(status="pending"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.event} to {self.subscription_id} ({self.status})"
