"""A user's in-app notifications: the unread count for the bell, and marking them read."""

from __future__ import annotations

from collections.abc import Sequence

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import QuerySet
from django.utils import timezone

from care.models import Notification, NotificationPreference

Kind = NotificationPreference.Kind
# A notification's verb decides its kind, for the e-mail preference.
KIND_OF_VERB = {
    "escalation": Kind.ESCALATIONS,
    "escalation_answer": Kind.ESCALATIONS,
    "escalation_handed_back": Kind.ESCALATIONS,
    "update_customer": Kind.ESCALATIONS,
    "spike": Kind.ALERTS,
}


def kind_of(verb: str) -> str:
    if verb.startswith("sla_"):
        return Kind.SLA
    return KIND_OF_VERB.get(verb, Kind.CHANNELS)


def email_addresses(users: Sequence[AbstractBaseUser], verb: str) -> list[str]:
    """The e-mail addresses of those users who want this kind of notification by e-mail."""
    kind = kind_of(verb)
    declined = {
        user_id
        for user_id, off in NotificationPreference.objects.filter(
            user__in=[u.pk for u in users]
        ).values_list("user_id", "email_off")
        if kind in off
    }
    return [u.email for u in users if u.email and u.pk not in declined]  # type: ignore[attr-defined]


def save_email_preferences(
    *, user: AbstractBaseUser, email_on: list[str]
) -> NotificationPreference:
    preference, _created = NotificationPreference.objects.get_or_create(user_id=user.pk)
    preference.email_off = [kind for kind in Kind.values if kind not in email_on]
    preference.save(update_fields=["email_off"])
    return preference


def email_preferences(user: AbstractBaseUser) -> list[str]:
    """The kinds this user gets by e-mail (all, until they say otherwise)."""
    off = (
        NotificationPreference.objects.filter(user_id=user.pk)
        .values_list("email_off", flat=True)
        .first()
        or []
    )
    return [kind for kind in Kind.values if kind not in off]


def unread_notification_count(user: AbstractBaseUser | AnonymousUser) -> int:
    """One COUNT on the (recipient, read_at) index; zero for visitors."""
    if not user.is_authenticated:
        return 0
    return Notification.objects.filter(recipient_id=user.pk, read_at__isnull=True).count()


def recent_notifications(
    user: AbstractBaseUser | AnonymousUser, *, limit: int = 100
) -> QuerySet[Notification]:
    return Notification.objects.filter(recipient_id=user.pk).order_by("-created_at", "-id")[:limit]


def mark_all_notifications_read(*, user: AbstractBaseUser | AnonymousUser) -> int:
    """Mark every unread notification of the user read; returns how many changed."""
    return Notification.objects.filter(recipient_id=user.pk, read_at__isnull=True).update(
        read_at=timezone.now()
    )
