"""The REST API: tokens (shown once, stored hashed, scoped, revocable), who may reach
which endpoint (a role x endpoint x method matrix), idempotent replies, the schema."""

from __future__ import annotations

import io
import json
import uuid
from typing import Any

import pytest
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.urls import reverse

from care.models import Agent, ApiToken, AuditEvent
from care.tokens import create_api_token, hash_token, revoke_api_token
from inbox.models import Conversation, Escalation, InternalNote, Message
from inbox.services.channels import connect_channel
from responses.models import Reply
from tests.factories import (
    ChannelAccountFactory,
    ConversationFactory,
    DepartmentFactory,
    MessageFactory,
    make_agent,
)

pytestmark = pytest.mark.django_db


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def token_for(agent: Agent, scope: str = "write") -> str:
    return create_api_token(agent=agent, name="CRM sync", scope=scope)[1]


def a_case(**kwargs: Any) -> Conversation:
    """A conversation with the customer's mention to answer, on a channel everyone works."""
    message = MessageFactory.create(conversation=ConversationFactory.create(**kwargs))
    return message.conversation


# --- Tokens -----------------------------------------------------------------------------


def test_a_new_token_works_and_only_its_hash_is_stored(agent):
    token, plaintext = create_api_token(agent=agent, name="CRM sync", scope="read")
    assert token.prefix == plaintext[:8]
    assert token.secret_hash == hash_token(plaintext)
    # Nowhere in the table: the plaintext is not kept, in any column.
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM care_apitoken")
        rows = cursor.fetchall()
    assert plaintext not in repr(rows)
    response = Client().get(reverse("api:me"), headers=bearer(plaintext))
    assert response.status_code == 200
    assert response.json()["initials"] == agent.initials
    token.refresh_from_db()
    assert token.last_used_at is not None
    assert AuditEvent.objects.filter(verb="api_token_created").exists()


def test_an_unknown_or_revoked_token_is_a_401_with_the_error_body(agent, supervisor):
    token, plaintext = create_api_token(agent=agent, name="CRM", scope="write")
    revoke_api_token(token=token, by=supervisor)
    for value in (plaintext, "not-a-token"):
        response = Client().get(reverse("api:conversations"), headers=bearer(value))
        assert response.status_code == 401
        assert set(response.json()) == {"message", "code", "extra"}
    assert AuditEvent.objects.filter(verb="api_token_revoked").exists()


def test_no_credentials_is_a_401(db):
    response = Client().get(reverse("api:conversations"))
    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"


def test_a_read_only_token_may_not_write(agent):
    plaintext = token_for(agent, scope="read")
    conversation = a_case()
    client = Client()
    assert client.get(reverse("api:conversations"), headers=bearer(plaintext)).status_code == 200
    patch = client.patch(
        reverse("api:conversation", args=[conversation.pk]),
        {"priority": 30},
        content_type="application/json",
        headers=bearer(plaintext),
    )
    post = client.post(
        reverse("api:notes", args=[conversation.pk]),
        {"text": "Called the customer"},
        content_type="application/json",
        headers=bearer(plaintext),
    )
    for response in (patch, post):
        assert response.status_code == 403
        assert response.json()["message"] == "This token is read-only."
    assert not InternalNote.objects.exists()


def test_a_token_of_an_agent_who_left_stops_working(agent):
    plaintext = token_for(agent)
    agent.user.is_active = False
    agent.user.save()
    assert Client().get(reverse("api:me"), headers=bearer(plaintext)).status_code == 401


def test_an_agent_revokes_only_their_own_tokens(agent):
    other = make_agent(Agent.Role.AGENT)
    token, _ = create_api_token(agent=other, name="theirs", scope="read")
    with pytest.raises(Exception, match="your own"):
        revoke_api_token(token=token, by=agent)


# --- The API tokens page ------------------------------------------------------------------


def test_the_page_shows_a_new_token_once_and_lists_its_prefix(agent, login):
    client = login(agent)
    response = client.post(reverse("settings:api-tokens"), {"name": "Zapier", "scope": "write"})
    assert response.status_code == 200
    token = ApiToken.objects.get()
    shown = response.content.decode()
    start = shown.index("data-new-token>") + len("data-new-token>")
    plaintext = shown[start : shown.index("</code>", start)]
    assert hash_token(plaintext) == token.secret_hash
    assert "no-store" in response["Cache-Control"]
    again = client.get(reverse("settings:api-tokens")).content.decode()
    assert plaintext not in again
    assert token.prefix in again
    assert "Zapier" in again


def test_revoking_from_the_page_asks_first(agent, login):
    client = login(agent)
    token, plaintext = create_api_token(agent=agent, name="Zapier", scope="read")
    url = reverse("settings:api-token-revoke", args=[token.pk])
    confirm = client.get(url)
    assert "Revoke the token" in confirm.content.decode()
    token.refresh_from_db()
    assert token.revoked_at is None
    client.post(url)
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert Client().get(reverse("api:me"), headers=bearer(plaintext)).status_code == 401


def test_agents_see_their_own_tokens_supervisors_everyones(agent, supervisor, login):
    other = make_agent(Agent.Role.AGENT, display_name="Bob")
    theirs, _ = create_api_token(agent=other, name="Bobs-robot", scope="read")
    page = login(agent).get(reverse("settings:api-tokens")).content.decode()
    assert "Bobs-robot" not in page
    url = reverse("settings:api-token-revoke", args=[theirs.pk])
    assert login(agent).post(url).status_code == 404
    page = login(supervisor).get(reverse("settings:api-tokens")).content.decode()
    assert "Bobs-robot" in page
    login(supervisor).post(url)
    theirs.refresh_from_db()
    assert theirs.revoked_at is not None


def test_settings_links_to_the_tokens_page(agent, login):
    page = login(agent).get(reverse("settings:index")).content.decode()
    assert reverse("settings:api-tokens") in page


# --- Who may reach what: role x endpoint x method --------------------------------------

ROLES = ["trainee", "agent", "supervisor", "admin", "outsider", "anonymous"]
AGENT_ROLES = {"trainee", "agent", "supervisor", "admin"}
SUPERVISORS = {"supervisor", "admin"}

# (url name, method, needs a conversation, body, expected status for a permitted agent,
#  the roles permitted)
ENDPOINTS: list[tuple[str, str, bool, dict[str, Any] | None, int, set[str]]] = [
    ("api:me", "get", False, None, 200, AGENT_ROLES),
    ("api:agents", "get", False, None, 200, AGENT_ROLES),
    ("api:conversations", "get", False, None, 200, AGENT_ROLES),
    ("api:conversation", "get", True, None, 200, AGENT_ROLES),
    ("api:conversation", "patch", True, {"priority": 30, "tags": ["battery"]}, 200, AGENT_ROLES),
    ("api:messages", "get", True, None, 200, AGENT_ROLES),
    ("api:notes", "get", True, None, 200, AGENT_ROLES),
    ("api:notes", "post", True, {"text": "Called them back"}, 201, AGENT_ROLES),
    ("api:replies", "get", True, None, 200, AGENT_ROLES),
    ("api:replies", "post", True, {"text": "Sorry to hear that! DM us?"}, 201, AGENT_ROLES),
    ("api:customers", "get", False, None, 200, AGENT_ROLES),
    ("api:departments", "get", False, None, 200, AGENT_ROLES),
    ("api:escalations", "get", False, None, 200, AGENT_ROLES),
    ("api:alerts", "get", False, None, 200, AGENT_ROLES),
    ("api:channels", "get", False, None, 200, SUPERVISORS),
    ("api:metrics", "get", False, None, 200, SUPERVISORS),
    ("api-schema", "get", False, None, 200, AGENT_ROLES),
]


def _client_as(role: str) -> Client:
    client = Client()
    if role == "anonymous":
        return client
    if role == "outsider":
        from tests.factories import UserFactory

        client.force_login(UserFactory.create())
        return client
    agent = make_agent({"admin": Agent.Role.ADMIN}.get(role, role))
    client.defaults["HTTP_AUTHORIZATION"] = f"Bearer {token_for(agent)}"
    return client


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(
    ("name", "method", "per_case", "body", "ok", "allowed"),
    ENDPOINTS,
    ids=[f"{e[1]}-{e[0]}" for e in ENDPOINTS],
)
def test_permission_matrix(role, name, method, per_case, body, ok, allowed):
    client = _client_as(role)  # first: the channel factory gives the channel to every agent
    args = [a_case().pk] if per_case else []
    kwargs: dict[str, Any] = {}
    if body is not None:
        kwargs = {"data": json.dumps(body), "content_type": "application/json"}
    if name == "api:replies" and method == "post":
        kwargs["HTTP_IDEMPOTENCY_KEY"] = str(uuid.uuid4())
    response = getattr(client, method)(reverse(name, args=args), **kwargs)
    if role == "anonymous":
        expected = 401
    elif role in allowed:
        expected = ok
    else:
        expected = 403
    assert response.status_code == expected, response.content


@pytest.mark.parametrize("role", ["trainee", "agent"])
def test_a_case_on_a_channel_the_agent_does_not_work_is_a_404(role):
    client = _client_as(role)
    elsewhere = a_case(channel_account=ChannelAccountFactory.create(agents=[]))
    for name in ("api:conversation", "api:messages", "api:notes", "api:replies"):
        assert client.get(reverse(name, args=[elsewhere.pk])).status_code == 404
    listed = client.get(reverse("api:conversations")).json()["results"]
    assert elsewhere.pk not in [c["id"] for c in listed]


def test_an_agents_token_cannot_reach_supervisor_endpoints(agent, supervisor):
    ChannelAccountFactory.create()
    response = Client().get(reverse("api:channels"), headers=bearer(token_for(agent)))
    assert response.status_code == 403
    assert set(response.json()) == {"message", "code", "extra"}
    assert (
        Client().get(reverse("api:channels"), headers=bearer(token_for(supervisor))).status_code
        == 200
    )


def test_channel_health_never_shows_credentials(supervisor):
    connect_channel(
        platform="x",
        external_id="4242",
        name="BrandCares",
        credentials={"bearer_token": "SECRET-BEARER", "access_token": "SECRET-ACCESS"},
        by=None,
    )
    response = Client().get(reverse("api:channels"), headers=bearer(token_for(supervisor)))
    body = response.content.decode()
    assert response.status_code == 200
    assert "SECRET" not in body
    assert "credentials" not in body
    assert set(response.json()["results"][0]) == {
        "id",
        "platform",
        "name",
        "status",
        "last_success_at",
        "last_error_at",
    }


# --- Replies: idempotent ----------------------------------------------------------------


def test_the_same_idempotency_key_twice_makes_one_reply(agent):
    conversation = a_case()
    client = Client(headers=bearer(token_for(agent)))
    url = reverse("api:replies", args=[conversation.pk])
    key = str(uuid.uuid4())
    body = {"text": "Sorry to hear that! Could you DM us the order number?"}
    first = client.post(url, body, content_type="application/json", HTTP_IDEMPOTENCY_KEY=key)
    again = client.post(url, body, content_type="application/json", HTTP_IDEMPOTENCY_KEY=key)
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["id"] == again.json()["id"]
    assert first.json()["status"] == Reply.Status.QUEUED
    assert Reply.objects.count() == 1
    listed = client.get(url).json()["results"]
    assert [r["id"] for r in listed] == [first.json()["id"]]
    assert {"status", "platform_id", "permalink"} <= set(listed[0])


@pytest.mark.parametrize("key", [None, "", "not-a-uuid"])
def test_a_reply_without_a_valid_idempotency_key_is_refused(agent, key):
    conversation = a_case()
    headers = {} if key is None else {"HTTP_IDEMPOTENCY_KEY": key}
    response = Client(headers=bearer(token_for(agent))).post(
        reverse("api:replies", args=[conversation.pk]),
        {"text": "Hello"},
        content_type="application/json",
        **headers,
    )
    assert response.status_code == 400
    assert response.json()["code"] == "idempotency_key"
    assert "Idempotency-Key" in response.json()["message"]
    assert not Reply.objects.exists()


def test_a_key_used_on_another_conversation_is_refused(agent):
    client = Client(headers=bearer(token_for(agent)))
    key = str(uuid.uuid4())
    for conversation, status in ((a_case(), 201), (a_case(), 400)):
        response = client.post(
            reverse("api:replies", args=[conversation.pk]),
            {"text": "Sorry to hear that!"},
            content_type="application/json",
            HTTP_IDEMPOTENCY_KEY=key,
        )
        assert response.status_code == status
    assert Reply.objects.count() == 1


def test_an_api_reply_is_posted_once_through_the_outbox(simulator, x_account, agent):
    from inbox.services.polling import poll_channel
    from responses.services.outbox import deliver_reply

    mention = simulator.x.add_mention(text="@NusantaraCares my laptop", author={"id": "5001"})
    poll_channel(account_id=x_account.pk)
    conversation = Message.objects.get(external_id=mention["id"]).conversation
    client = Client(headers=bearer(token_for(agent)))
    url = reverse("api:replies", args=[conversation.pk])
    key = str(uuid.uuid4())
    for _attempt in range(2):
        client.post(
            url, {"text": "Sorry!"}, content_type="application/json", HTTP_IDEMPOTENCY_KEY=key
        )
    reply = Reply.objects.get()
    deliver_reply(reply.pk)
    reply.refresh_from_db()
    assert reply.status == Reply.Status.SENT
    [posted] = simulator.x.latest_brand_replies(5)
    assert posted["id"] == reply.platform_id
    listed = client.get(url).json()["results"][0]
    assert listed["platform_id"] == reply.platform_id


# --- Schema and docs --------------------------------------------------------------------


def test_the_schema_generates_without_warnings():
    out = io.StringIO()
    call_command("spectacular", "--validate", "--fail-on-warn", stdout=out)
    assert "/api/v1/conversations/{id}/replies/" in out.getvalue()


def test_the_docs_need_a_login_and_serve_swagger_from_our_static_files(agent, login):
    assert Client().get(reverse("api-docs")).status_code in (401, 403)
    page = login(agent).get(reverse("api-docs"))
    assert page.status_code == 200
    html = page.content.decode()
    assert "swagger-ui" in html
    assert "cdn" not in html.lower()


def test_escalations_list_only_visible_ones(agent):
    mine = a_case()
    elsewhere = a_case(channel_account=ChannelAccountFactory.create(agents=[]))
    department = DepartmentFactory.create()
    for case in (mine, elsewhere):
        Escalation.objects.create(
            conversation=case, department=department, raised_by=agent, summary="Refund"
        )
    listed = Client(headers=bearer(token_for(agent))).get(reverse("api:escalations")).json()
    assert [e["conversation"] for e in listed["results"]] == [mine.pk]


def test_reads_and_writes_are_throttled_per_token(agent, monkeypatch):
    from django.core.cache import cache

    from care.tokens import ReadThrottle, WriteThrottle

    monkeypatch.setattr(ReadThrottle, "THROTTLE_RATES", {"read": "2/min", "write": "1/min"})
    monkeypatch.setattr(WriteThrottle, "THROTTLE_RATES", {"read": "2/min", "write": "1/min"})
    token, plaintext = create_api_token(agent=agent, name="busy", scope="write")
    other, other_plaintext = create_api_token(agent=agent, name="calm", scope="read")
    # The cache (Redis) outlives the test database, whose ids start again each run.
    for pk in (token.pk, other.pk):
        cache.delete_many([f"throttle_read_token-{pk}", f"throttle_write_token-{pk}"])
    client = Client(headers=bearer(plaintext))
    url = reverse("api:me")
    assert [client.get(url).status_code for _ in range(3)] == [200, 200, 429]
    throttled = client.get(url)
    assert throttled.json()["code"] == "throttled"
    assert int(throttled["Retry-After"]) > 0
    # Another token has its own count; writes are counted apart from reads.
    assert Client(headers=bearer(other_plaintext)).get(url).status_code == 200
    notes = reverse("api:notes", args=[a_case().pk])
    assert client.post(notes, {"text": "one"}, content_type="application/json").status_code == 201
    assert client.post(notes, {"text": "two"}, content_type="application/json").status_code == 429
