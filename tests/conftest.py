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
from django.utils import translation

from care.models import Agent
from tests.factories import UserFactory, make_agent

IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
pytest_plugins = ["tests.browser"]


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


@pytest.fixture(autouse=True, scope="session")
def _fast_password_hashing():
    """Tests make over a thousand users: production's PBKDF2 costs 0.5 s a password on a
    2-core machine, most of a CI run. What is tested is who may log in, not the hasher."""
    from django.test.utils import override_settings

    with override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]):
        yield


@pytest.fixture(autouse=True)
def _english_outside_requests():
    """Each test starts in the default language. LocaleMiddleware activates a request's
    language and, as in a real server, leaves it active on the thread afterwards."""
    translation.activate(django_settings.LANGUAGE_CODE)
    yield
    translation.deactivate()


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


@pytest.fixture
def eager_tasks():
    """Celery tasks run in-process when enqueued (no worker), errors raised to the test."""
    from care.celery import app

    app.conf.task_always_eager = True
    app.conf.task_eager_propagates = True
    try:
        yield app
    finally:
        app.conf.task_always_eager = False
        app.conf.task_eager_propagates = False


@pytest.fixture
def simulator(settings):
    """The platform simulator on a free port, with care's settings pointing at it."""
    from simulator.core import SimConfig
    from simulator.server import start_in_thread

    running = start_in_thread()
    config: SimConfig = running.sim.config
    settings.X_API_BASE_URL = running.x_base_url
    settings.GRAPH_API_BASE_URL = running.graph_base_url
    settings.X_CONSUMER_KEY = config.x_consumer_key
    settings.X_CONSUMER_SECRET = config.x_consumer_secret
    settings.FACEBOOK_APP_SECRET = config.fb_app_secret
    settings.FACEBOOK_VERIFY_TOKEN = config.fb_verify_token
    try:
        yield running
    finally:
        running.stop()


def sim_x_credentials(config) -> dict[str, str]:
    return {
        "bearer_token": config.x_bearer_token,
        "consumer_key": config.x_consumer_key,
        "consumer_secret": config.x_consumer_secret,
        "access_token": config.x_access_token,
        "access_token_secret": config.x_access_token_secret,
    }


@pytest.fixture
def x_account(db, simulator):
    from inbox.services.channels import connect_channel

    config = simulator.sim.config
    return connect_channel(
        platform="x",
        external_id=config.x_user_id,
        name=config.x_username,
        credentials=sim_x_credentials(config),
        by=None,
    )


@pytest.fixture
def fb_account(db, simulator):
    from inbox.services.channels import connect_channel

    config = simulator.sim.config
    return connect_channel(
        platform="facebook",
        external_id=config.fb_page_id,
        name=config.fb_page_name,
        credentials={"page_access_token": config.fb_page_token},
        by=None,
    )
