"""Personas and markers shared by every test.

Personas follow healthchecks' alice/bob/charlie: one per role, plus an outsider
who has a login but is not on the care team.
"""

from __future__ import annotations

import os
from collections.abc import Callable

import pytest
from django.conf import settings as django_settings
from django.contrib.auth.models import User
from django.test import Client

from care.models import Agent
from tests.factories import UserFactory, make_agent

IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    on_postgres = django_settings.DATABASES["default"]["ENGINE"].endswith("postgresql")
    has_redis = bool(django_settings.REDIS_URL)
    for item in items:
        if "postgres" in item.keywords and not on_postgres:
            if IN_CI:
                raise pytest.UsageError("CI must run on PostgreSQL: set DATABASE_URL")
            item.add_marker(pytest.mark.skip(reason="needs PostgreSQL: set DATABASE_URL"))
        if "redis" in item.keywords and not has_redis:
            if IN_CI:
                raise pytest.UsageError("CI must run with Redis: set REDIS_URL")
            item.add_marker(pytest.mark.skip(reason="needs Redis: set REDIS_URL"))


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    """Uploaded photos go to a temporary folder, never into var/."""
    settings.MEDIA_ROOT = str(tmp_path / "media")


@pytest.fixture
def agent(db: None) -> Agent:
    return make_agent(Agent.Role.AGENT, display_name="Alice Agent", initials="AA")


@pytest.fixture
def trainee(db: None) -> Agent:
    return make_agent(Agent.Role.TRAINEE, display_name="Tia Trainee", initials="TT")


@pytest.fixture
def supervisor(db: None) -> Agent:
    return make_agent(Agent.Role.SUPERVISOR, display_name="Sam Supervisor", initials="SS")


@pytest.fixture
def admin_agent(db: None) -> Agent:
    return make_agent(Agent.Role.ADMIN, display_name="Ada Admin", initials="AD")


@pytest.fixture
def outsider(db: None) -> User:
    """A billing clerk: a department member with a login, not an agent."""
    user: User = UserFactory.create(username="charlie")
    return user


@pytest.fixture
def login(client: Client) -> Callable[[User | Agent], Client]:
    def _login(who: User | Agent) -> Client:
        user = who.user if isinstance(who, Agent) else who
        client.force_login(user)
        return client

    return _login
