"""What goes out: the team's replies to customers."""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Reply(models.Model):
    """A reply an agent wrote on a conversation.

    For now a reply is kept as a draft on the case; posting it to the platform (the
    outbox, signatures, approval) is the next step and grows from this row.
    """

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")

    conversation = models.ForeignKey(
        "inbox.Conversation", on_delete=models.CASCADE, related_name="replies"
    )
    author = models.ForeignKey("care.Agent", on_delete=models.PROTECT, related_name="replies")
    text = models.TextField(_("text"))
    private = models.BooleanField(_("private"), default=False)
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.DRAFT
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("reply")
        verbose_name_plural = _("replies")

    def __str__(self) -> str:
        return f"Reply on #{self.conversation_id} by {self.author_id}"
