"""Writes that belong to the project as a whole: agents, roles, heartbeats."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import timedelta
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AnonymousUser, Group, User
from django.core.exceptions import ValidationError
from django.core.files.base import File
from django.core.files.uploadedfile import UploadedFile
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from care.audit import record_audit
from care.models import Agent, Notification, ServiceHeartbeat
from care.notifications import email_addresses
from care.photos import prepare_photo
from care.queue import enqueue_on_commit


def record_heartbeat(*, service: str, hostname: str) -> None:
    """Say that a worker or beat process is alive now."""
    ServiceHeartbeat.objects.update_or_create(
        service=service, hostname=hostname, defaults={"beat_at": timezone.now()}
    )


def prune_heartbeats(*, older_than: timedelta = timedelta(days=1)) -> int:
    deleted, _ = ServiceHeartbeat.objects.filter(beat_at__lt=timezone.now() - older_than).delete()
    return deleted


def normalise_initials(initials: str) -> str:
    return initials.strip().lstrip("^").upper()


def _apply_role(user: User, role: str) -> None:
    # Only admins reach the admin site, with every right there; the group carries the
    # rights of the other roles.
    user.is_staff = user.is_superuser = role == Agent.Role.ADMIN
    user.save(update_fields=["is_staff", "is_superuser"])
    user.groups.set([Group.objects.get(name=role)])


@transaction.atomic
def create_agent(
    *,
    username: str,
    display_name: str,
    initials: str,
    role: str = Agent.Role.AGENT,
    email: str = "",
    password: str | None = None,
    photo: File[Any] | None = None,
    languages: list[str] | None = None,
    capacity: int = 15,
    departments: Iterable[Any] = (),
    channels: Iterable[Any] | None = None,
    by: User | AnonymousUser | None = None,
) -> Agent:
    """Create a user and their agent profile; refuses clashing or malformed initials.

    A new agent works every connected channel unless `channels` says which.
    """
    user_model = get_user_model()
    if user_model.objects.filter(username=username).exists():
        raise ValidationError({"username": _("A user with that username already exists.")})
    user = user_model(username=username, email=email)
    if password:
        user.set_password(password)
    else:
        user.set_unusable_password()
    user.save()
    agent = Agent(
        user=user,
        display_name=display_name,
        initials=normalise_initials(initials),
        role=role,
        capacity=capacity,
        languages=languages or ["en", "id"],
    )
    if photo is not None:
        agent.photo = photo
    agent.full_clean(exclude=["user"])
    if photo is not None:
        agent.photo = prepare_photo(photo)
    agent.save()
    agent.departments.set(departments)
    if channels is None:
        from inbox.models import ChannelAccount

        channels = ChannelAccount.objects.all()
    agent.channels.set(channels)
    _apply_role(user, role)
    record_audit(actor=by, verb="agent_created", target=agent, role=role)
    return agent


PROFILE_FIELDS = {
    "display_name",
    "initials",
    "photo",
    "languages",
    "capacity",
    "time_zone",
    "is_away",
    "departments",
    "channels",
}


@transaction.atomic
def update_agent(*, agent: Agent, by: User | AnonymousUser | None, **fields: Any) -> Agent:
    """Change an agent's profile; validation errors name the field and why."""
    unknown = set(fields) - PROFILE_FIELDS
    if unknown:
        raise TypeError(f"update_agent cannot change {sorted(unknown)}")
    departments = fields.pop("departments", None)
    channels = fields.pop("channels", None)
    if "initials" in fields:
        fields["initials"] = normalise_initials(fields["initials"])
    if "photo" in fields and not fields["photo"]:
        fields["photo"] = ""  # a cleared file input gives False
    face = (agent.display_name, agent.photo.name if agent.photo else "")
    for name, value in fields.items():
        setattr(agent, name, value)
    agent.full_clean(exclude=["user"])
    photo = fields.get("photo")
    if isinstance(photo, UploadedFile):  # a new upload, not the stored file
        agent.photo = prepare_photo(photo)
    agent.save()
    if departments is not None:
        agent.departments.set(departments)
    if channels is not None:
        agent.channels.set(channels)
        fields["channels"] = [c.pk for c in channels]
    record_audit(actor=by, verb="agent_updated", target=agent, fields=sorted(fields))
    if face != (agent.display_name, agent.photo.name if agent.photo else ""):
        # Messenger shows the agent's name and photo: their personas are made anew.
        from responses.tasks import sync_personas_task

        enqueue_on_commit(sync_personas_task, agent.pk)
    return agent


@transaction.atomic
def set_agent_role(*, agent: Agent, role: str, by: User | AnonymousUser | None) -> Agent:
    if role not in Agent.Role.values:
        raise ValidationError({"role": _("Unknown role.")})
    previous = agent.role
    agent.role = role
    agent.save(update_fields=["role", "updated_at"])
    _apply_role(agent.user, role)
    record_audit(actor=by, verb="role_changed", target=agent, previous=previous, role=role)
    return agent


def notify_role(*, roles: tuple[str, ...], verb: str, text: str, url: str = "") -> int:
    """Tell everyone with one of these roles: in the app, and by e-mail after commit."""
    agents = list(Agent.objects.filter(role__in=roles, user__is_active=True).select_related("user"))
    return notify_agents(agents=agents, verb=verb, text=text, url=url)


def notify_agents(*, agents: list[Agent], verb: str, text: str, url: str = "") -> int:
    """Tell these agents: in the app, and by e-mail after commit."""
    return notify_users(users=[a.user for a in agents], verb=verb, text=text, url=url)


def notify_users(
    *,
    users: Sequence[User],
    verb: str,
    text: str,
    url: str = "",
    body: str = "",
    also_email: Iterable[str] = (),
) -> int:
    """Tell these users in the app, and by e-mail after commit those who want this kind
    (and `also_email`, e.g. a department's shared address). `body` replaces the default
    e-mail text, the notification and its link."""
    Notification.objects.bulk_create(
        [Notification(recipient=u, verb=verb, text=text[:500], url=url) for u in users]
    )
    emails = sorted(set(email_addresses(users, verb)) | set(also_email))
    if emails:
        transaction.on_commit(
            lambda: send_mail(
                subject=f"[care] {text[:120]}",
                message=body or f"{text}\n\n{url}",
                from_email=None,
                recipient_list=emails,
                fail_silently=True,
            )
        )
    return len(users)
