"""A user's in-app notifications: the unread count for the bell, and marking them read."""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import QuerySet
from django.utils import timezone

from care.models import Notification


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
