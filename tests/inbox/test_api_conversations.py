"""/api/v1/conversations/: filters, cursor pages, changes through the services, and 400s
with a message for every invalid filter or page value."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from care.models import Agent
from care.tokens import create_api_token
from inbox.models import Conversation, ConversationEvent, Tag
from tests.factories import (
    ChannelAccountFactory,
    ConversationFactory,
    CustomerIdentityFactory,
    DepartmentFactory,
    MessageFactory,
    make_agent,
)

pytestmark = pytest.mark.django_db
Status = Conversation.Status


def api_client(agent: Agent, scope: str = "write") -> Client:
    plaintext = create_api_token(agent=agent, name="tool", scope=scope)[1]
    return Client(headers={"Authorization": f"Bearer {plaintext}"})


def ids(response) -> list[int]:
    assert response.status_code == 200, response.content
    return [c["id"] for c in response.json()["results"]]


def test_filters_narrow_the_list(agent):
    channel = ChannelAccountFactory.create()
    other_channel = ChannelAccountFactory.create()
    billing = DepartmentFactory.create(slug="billing")
    plain = ConversationFactory.create(channel_account=channel)
    open_high = ConversationFactory.create(
        channel_account=channel, status=Status.OPEN, priority=30, assignee=agent
    )
    billed = ConversationFactory.create(channel_account=other_channel, department=billing)
    billed.tags.add(Tag.objects.create(name="refund"))
    Conversation.objects.filter(pk=plain.pk).update(updated_at=timezone.now() - timedelta(days=2))
    client = api_client(agent)
    url = reverse("api:conversations")
    assert ids(client.get(url, {"status": "open"})) == [open_high.pk]
    assert ids(client.get(url, {"priority": 30})) == [open_high.pk]
    assert ids(client.get(url, {"assignee": agent.pk})) == [open_high.pk]
    assert ids(client.get(url, {"department": "billing"})) == [billed.pk]
    assert ids(client.get(url, {"channel": other_channel.pk})) == [billed.pk]
    assert ids(client.get(url, {"tag": "refund"})) == [billed.pk]
    since = (timezone.now() - timedelta(days=1)).isoformat()
    assert sorted(ids(client.get(url, {"updated_after": since}))) == sorted(
        [open_high.pk, billed.pk]
    )


@pytest.mark.parametrize(
    "params",
    [
        {"status": "pending"},
        {"priority": "7"},
        {"assignee": "me"},
        {"channel": "x"},
        {"channel": "-1"},
        {"channel": "1.5e16"},
        {"updated_after": "0001-01-01T00:10:00+15:00"},
        {"updated_after": "yesterday"},
        {"page_size": "0"},
        {"page_size": "101"},
        {"page_size": "many"},
        {"cursor": "garbage"},
    ],
)
def test_invalid_filters_and_pages_are_a_400_with_a_message(agent, params):
    response = api_client(agent).get(reverse("api:conversations"), params)
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid"
    field = next(iter(params))
    assert field in body["extra"]["fields"]
    assert body["extra"]["fields"][field][0]


def test_any_offset_python_reads_is_accepted(agent):
    """PostgreSQL refuses offsets past ±15:59; schemathesis found the 500 this was."""
    conversation = ConversationFactory.create()
    response = api_client(agent).get(
        reverse("api:conversations"), {"updated_after": "2000-01-01T00:00:00+21:53"}
    )
    assert ids(response) == [conversation.pk]


def test_cursor_pages_walk_every_conversation_once(agent):
    channel = ChannelAccountFactory.create()
    made = [ConversationFactory.create(channel_account=channel).pk for _ in range(105)]
    client = api_client(agent)
    first = client.get(reverse("api:conversations"), {"page_size": 100}).json()
    assert len(first["results"]) == 100
    assert first["next"] and first["previous"] is None
    second = client.get(first["next"]).json()
    assert len(second["results"]) == 5
    assert second["next"] is None
    seen = [c["id"] for c in first["results"] + second["results"]]
    assert seen == sorted(made, reverse=True)
    default = client.get(reverse("api:conversations")).json()
    assert len(default["results"]) == 50


def test_patch_changes_the_case_through_the_services(agent):
    billing = DepartmentFactory.create(slug="billing")
    conversation = MessageFactory.create().conversation
    conversation.tags.add(Tag.objects.create(name="old"))
    response = api_client(agent).patch(
        reverse("api:conversation", args=[conversation.pk]),
        {
            "status": "waiting_on_customer",
            "priority": 40,
            "assignee": agent.pk,
            "department": "billing",
            "tags": ["#Battery", "refund"],
        },
        content_type="application/json",
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["status"] == "waiting_on_customer"
    assert body["priority"] == 40
    assert body["assignee"] == agent.pk
    assert body["department"] == "billing"
    assert sorted(body["tags"]) == ["battery", "refund"]
    conversation.refresh_from_db()
    assert conversation.department == billing
    kinds = set(conversation.events.values_list("kind", flat=True))
    Kind = ConversationEvent.Kind
    assert {Kind.STATUS, Kind.PRIORITY, Kind.ASSIGNED, Kind.ROUTED, Kind.TAGGED} <= kinds
    assert Kind.UNTAGGED in kinds


def test_patch_refusals_come_from_the_services_with_their_message(agent):
    holder = make_agent(Agent.Role.AGENT, display_name="Bob Holder")
    conversation = MessageFactory.create().conversation
    conversation.assignee = holder
    conversation.save()
    response = api_client(agent).patch(
        reverse("api:conversation", args=[conversation.pk]),
        {"assignee": agent.pk},
        content_type="application/json",
    )
    assert response.status_code == 400
    assert response.json()["code"] == "not_yours"
    assert "Bob Holder" in response.json()["message"]


def test_patch_refuses_an_unknown_status(agent):
    conversation = MessageFactory.create().conversation
    response = api_client(agent).patch(
        reverse("api:conversation", args=[conversation.pk]),
        {"status": "done"},
        content_type="application/json",
    )
    assert response.status_code == 400
    assert "status" in response.json()["extra"]["fields"]


def test_a_merged_conversation_says_where_it_went(agent):
    target = ConversationFactory.create()
    source = ConversationFactory.create(channel_account=target.channel_account, merged_into=target)
    response = api_client(agent).get(reverse("api:conversation", args=[source.pk]))
    assert response.status_code == 404
    assert f"#{target.pk}" in response.json()["message"]


def test_messages_come_oldest_first_and_customers_with_identities(agent):
    identity = CustomerIdentityFactory.create()
    conversation = ConversationFactory.create(customer=identity.customer)
    first = MessageFactory.create(conversation=conversation, author_identity=identity)
    second = MessageFactory.create(conversation=conversation, author_identity=identity)
    client = api_client(agent, scope="read")
    messages = client.get(reverse("api:messages", args=[conversation.pk])).json()["results"]
    assert [m["id"] for m in messages] == [first.pk, second.pk]
    assert "raw" not in messages[0]
    customer = client.get(reverse("api:customer", args=[identity.customer.pk])).json()
    assert customer["identities"][0]["handle"] == identity.handle


def test_customers_of_channels_the_agent_does_not_work_are_hidden(agent):
    elsewhere = ConversationFactory.create(channel_account=ChannelAccountFactory.create(agents=[]))
    client = api_client(agent)
    assert client.get(reverse("api:customer", args=[elsewhere.customer_id])).status_code == 404
    assert elsewhere.customer_id not in ids(client.get(reverse("api:customers")))


def test_notes_are_added_through_the_service(agent):
    conversation = MessageFactory.create().conversation
    client = api_client(agent)
    url = reverse("api:notes", args=[conversation.pk])
    empty = client.post(url, {"text": "   "}, content_type="application/json")
    assert empty.status_code == 400
    made = client.post(
        url, {"text": "Called; a courier comes Monday"}, content_type="application/json"
    )
    assert made.status_code == 201
    assert made.json()["author"] == agent.pk
    assert [n["id"] for n in client.get(url).json()["results"]] == [made.json()["id"]]


def test_the_list_shows_tags_by_name_and_its_queries_do_not_grow_with_the_rows(agent):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    billing = DepartmentFactory.create(slug="billing")
    vip, refund = Tag.objects.create(name="vip"), Tag.objects.create(name="refund")
    client = api_client(agent)
    url = reverse("api:conversations")

    def queries() -> int:
        client.get(url)  # the token's last_used_at is written on the first request only
        with CaptureQueriesContext(connection) as context:
            assert client.get(url).status_code == 200
        return len(context.captured_queries)

    first = ConversationFactory.create(department=billing)
    first.tags.add(vip, refund)
    one = queries()
    for _ in range(5):
        ConversationFactory.create(channel_account=ChannelAccountFactory.create()).tags.add(vip)
    assert queries() == one
    rows = {row["id"]: row for row in client.get(url).json()["results"]}
    assert len(rows) == 6
    assert rows[first.pk]["tags"] == ["refund", "vip"]
    assert rows[first.pk]["department"] == "billing"
    assert rows[first.pk]["platform"] == "x"
    single = client.get(reverse("api:conversation", args=[first.pk])).json()
    assert single["tags"] == ["refund", "vip"]
    assert ids(client.get(url, {"department": "nobody"})) == []


def test_a_customer_with_several_conversations_is_listed_once(agent):
    conversation = ConversationFactory.create()
    ConversationFactory.create(customer=conversation.customer)
    ConversationFactory.create(
        customer=conversation.customer, channel_account=conversation.channel_account
    )
    client = api_client(agent)
    assert ids(client.get(reverse("api:customers"))) == [conversation.customer_id]
