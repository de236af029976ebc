"""Roles are Django groups with permissions; an agent's role decides their group.

The matrix below is the single source: `sync_role_groups` writes it to the
database after every migrate, so a deploy never leaves a group out of date.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import Group, Permission

from care.models import Agent

Role = Agent.Role

_TRAINEE = ["care.work_inbox"]
_AGENT = [*_TRAINEE, "care.post_replies"]
_SUPERVISOR = [
    *_AGENT,
    "care.approve_replies",
    "care.reassign_conversations",
    "care.merge_customers",
    "care.view_dashboard",
    "care.manage_channels",
    "care.see_all_channels",
    "care.manage_triage",
    "care.manage_webhooks",
]
_ADMIN = [*_SUPERVISOR, "care.manage_team"]

ROLE_PERMISSIONS: dict[str, list[str]] = {
    Role.TRAINEE: _TRAINEE,
    Role.AGENT: _AGENT,
    Role.SUPERVISOR: _SUPERVISOR,
    Role.ADMIN: _ADMIN,
}


def sync_role_groups(**kwargs: Any) -> None:
    """Create one group per role and give it exactly the permissions above."""
    for role, perms in ROLE_PERMISSIONS.items():
        group, _ = Group.objects.get_or_create(name=role)
        wanted = []
        for perm in perms:
            app_label, codename = perm.split(".")
            wanted.append(
                Permission.objects.get(content_type__app_label=app_label, codename=codename)
            )
        group.permissions.set(wanted)
