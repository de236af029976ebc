"""schemathesis against our OpenAPI schema on a small data set: no 5xx, and every
response that the schema describes matches it (issue 8, "Bad input and security")."""

from __future__ import annotations

from typing import Any

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from drf_spectacular.generators import SchemaGenerator
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.core.result import Ok
from schemathesis.specs.openapi.checks import response_schema_conformance

from care.models import Agent
from care.tokens import create_api_token
from tests.factories import (
    ChannelAccountFactory,
    ConversationFactory,
    CustomerIdentityFactory,
    DepartmentFactory,
    MessageFactory,
    make_agent,
)

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]
EXAMPLES_PER_OPERATION = 15


@pytest.fixture
def small_data_set() -> dict[str, str]:
    """A supervisor's write token (every endpoint open to it), a few cases to find."""
    supervisor = make_agent(Agent.Role.SUPERVISOR)
    make_agent(Agent.Role.AGENT)
    DepartmentFactory.create(slug="billing")
    channel = ChannelAccountFactory.create()
    for _ in range(3):
        identity = CustomerIdentityFactory.create()
        conversation = ConversationFactory.create(
            channel_account=channel, customer=identity.customer
        )
        MessageFactory.create(conversation=conversation, author_identity=identity)
    plaintext = create_api_token(agent=supervisor, name="schemathesis", scope="write")[1]
    return {"Authorization": f"Bearer {plaintext}"}


@pytest.fixture
def wsgi_app_keeping_the_test_connection():
    """Django's WSGI handler, minus closing the connection after each request (as Django's
    test client does): the test's transaction must survive the calls."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield get_wsgi_application()
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


def test_no_operation_answers_5xx_or_breaks_its_schema(
    small_data_set, wsgi_app_keeping_the_test_connection
):
    raw: dict[str, Any] = SchemaGenerator().get_schema(request=None, public=True)
    schema = schemathesis.openapi.from_dict(raw)
    schema.app = wsgi_app_keeping_the_test_connection
    results = list(schema.get_all_operations())
    assert all(isinstance(result, Ok) for result in results), "the schema has invalid parts"
    operations = [result.ok() for result in results if isinstance(result, Ok)]
    assert len(operations) > 10

    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(
            max_examples=EXAMPLES_PER_OPERATION,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        def check(case: Any) -> None:
            case.call_and_validate(
                headers=small_data_set,
                checks=[not_a_server_error, response_schema_conformance],
            )

        check()
