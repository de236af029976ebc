"""The conversation page: the whole thread, the customer panel, actions, stale pages."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from inbox.models import Conversation, ConversationEvent, InternalNote, Message, Tag
from inbox.services.conversations import merge_conversations
from tests.factories import (
    ChannelAccountFactory,
    ConversationFactory,
    CustomerIdentityFactory,
    DepartmentFactory,
    MessageFactory,
)

pytestmark = pytest.mark.django_db
Status = Conversation.Status


def _url(conversation: Conversation) -> str:
    return reverse("inbox:conversation", args=[conversation.pk])


def test_the_thread_shows_messages_notes_and_changes_in_time_order(login, agent):
    now = timezone.now()
    first = MessageFactory.create(
        text="My battery died", platform_created_at=now - timedelta(minutes=30)
    )
    conversation = first.conversation
    InternalNote.objects.create(conversation=conversation, author=agent, text="Checking stock")
    MessageFactory.create(
        conversation=conversation,
        direction=Message.Direction.OUTBOUND,
        kind=Message.Kind.REPLY,
        text="Sorry to hear that! DM us? ^AA",
        author_agent=agent,
        platform_created_at=now + timedelta(minutes=1),
        permalink="https://x.com/BrandCares/status/1460323737035677700",
    )
    ConversationEvent.objects.create(
        conversation=conversation,
        actor=agent,
        kind=ConversationEvent.Kind.STATUS,
        data={"from": "open", "to": "resolved"},
        created_at=now + timedelta(minutes=2),
    )
    body = login(agent).get(_url(conversation)).content.decode()
    order = [
        body.index("My battery died"),
        body.index("Checking stock"),
        body.index("Sorry to hear that!"),
        body.index("changed the status from Open to Resolved"),
    ]
    assert order == sorted(order)
    assert 'href="https://x.com/BrandCares/status/1460323737035677700"' in body
    assert "View on X" in body


def test_edited_and_deleted_messages_keep_their_record(login, agent):
    message = MessageFactory.create(
        text="now polite",
        previous_texts=[{"text": "angry first words", "replaced_at": "2026-11-20T10:00:00Z"}],
        edited_at=timezone.now(),
        deleted_at=timezone.now(),
    )
    body = login(agent).get(_url(message.conversation)).content.decode()
    assert "angry first words" in body
    assert "Deleted on the platform" in body


def test_customer_text_with_html_is_shown_as_text(login, agent):
    message = MessageFactory.create(text="<script>alert(document.cookie)</script>")
    body = login(agent).get(_url(message.conversation)).content.decode()
    assert "<script>alert(document.cookie)</script>" not in body
    assert "&lt;script&gt;alert(document.cookie)&lt;/script&gt;" in body


def test_the_customer_panel_shows_who_this_is_and_what_came_before(login, agent):
    conversation = MessageFactory.create().conversation
    customer = conversation.customer
    CustomerIdentityFactory.create(
        customer=customer, handle="rina_w", followers_count=12873, verified=True
    )
    CustomerIdentityFactory.create(
        customer=customer, platform="facebook", handle="", name="Rina Wulandari"
    )
    earlier = ConversationFactory.create(
        customer=customer,
        channel_account=conversation.channel_account,
        status=Status.RESOLVED,
        resolved_at=timezone.now() - timedelta(days=40),
        opened_at=timezone.now() - timedelta(days=41),
        preview="Charger arrived broken",
    )
    battery = Tag.objects.create(name="battery")
    conversation.tags.add(battery)
    earlier.tags.add(battery)
    body = login(agent).get(_url(conversation)).content.decode()
    assert "@rina_w" in body
    assert "12873 followers" in body
    assert "verified" in body
    assert "Rina Wulandari" in body
    assert f"#{earlier.pk}" in body
    assert "Charger arrived broken" in body
    assert "battery × 2" in body  # a recurring topic


def test_a_conversation_of_a_channel_the_agent_does_not_work_is_not_found(login, agent):
    hidden = ConversationFactory.create(channel_account=ChannelAccountFactory.create(agents=[]))
    client = login(agent)
    assert client.get(_url(hidden)).status_code == 404
    assert client.post(reverse("inbox:action", args=[hidden.pk, "claim"])).status_code == 404
    assert client.post(reverse("inbox:presence", args=[hidden.pk])).status_code == 404


def test_a_deleted_conversation_gives_a_clear_not_found_page(login, agent):
    body = login(agent).get(reverse("inbox:conversation", args=[999999])).content.decode()
    assert "Page not found" in body
    assert "merged" in body


def test_a_merged_conversation_leads_to_the_one_it_went_into(login, agent):
    source = MessageFactory.create().conversation
    target = ConversationFactory.create(
        customer=source.customer, channel_account=source.channel_account
    )
    merge_conversations(source=source, target=target, by=agent)
    client = login(agent)
    response = client.get(_url(source), follow=True)
    assert response.redirect_chain[-1][0] == _url(target)
    assert f"was merged into #{target.pk}" in response.content.decode()
    action = client.post(
        reverse("inbox:action", args=[source.pk, "claim"]), HTTP_X_REQUESTED_WITH="fetch"
    )
    assert action.status_code == 409
    assert action.json()["url"] == _url(target)


def test_actions_change_the_case_and_show_in_the_thread(login, agent):
    conversation = MessageFactory.create().conversation
    billing = DepartmentFactory.create(name="Billing")
    client = login(agent)
    client.post(reverse("inbox:action", args=[conversation.pk, "claim"]))
    client.post(reverse("inbox:action", args=[conversation.pk, "tags"]), {"add": "refund, Billing"})
    client.post(reverse("inbox:action", args=[conversation.pk, "priority"]), {"priority": 30})
    client.post(reverse("inbox:action", args=[conversation.pk, "note"]), {"text": "VIP, be quick"})
    client.post(
        reverse("inbox:action", args=[conversation.pk, "escalate"]),
        {"department": billing.pk, "summary": "Charged twice for order 5521"},
    )
    conversation.refresh_from_db()
    assert conversation.assignee == agent
    assert sorted(conversation.tags.values_list("name", flat=True)) == ["billing", "refund"]
    assert conversation.priority == 30
    assert conversation.status == Status.ESCALATED
    assert conversation.department == billing
    body = client.get(_url(conversation)).content.decode()
    assert "claimed the conversation" in body
    assert "VIP, be quick" in body
    assert "escalated to Billing" in body
    assert "Charged twice for order 5521" in body


def test_a_refused_action_says_why(login, agent, supervisor):
    conversation = ConversationFactory.create(assignee=supervisor, status=Status.OPEN)
    response = login(agent).post(
        reverse("inbox:action", args=[conversation.pk, "claim"]), follow=True
    )
    assert "Sam Supervisor (^SS) already claimed this conversation." in response.content.decode()
    conversation.refresh_from_db()
    assert conversation.assignee == supervisor


def test_escalating_without_a_summary_is_refused_with_the_reason(login, agent):
    conversation = ConversationFactory.create()
    billing = DepartmentFactory.create()
    response = login(agent).post(
        reverse("inbox:action", args=[conversation.pk, "escalate"]),
        {"department": billing.pk, "summary": "  "},
        HTTP_X_REQUESTED_WITH="fetch",
    )
    assert response.status_code == 400
    conversation.refresh_from_db()
    assert conversation.status != Status.ESCALATED


def test_presence_shows_who_else_is_here_and_who_types(login, agent, supervisor, client):
    from django.test import Client

    conversation = ConversationFactory.create()
    url = reverse("inbox:presence", args=[conversation.pk])
    other = Client()
    other.force_login(supervisor.user)
    other.post(url, {"typing": "1"})
    data = login(agent).post(url).json()
    assert data["viewers"] == [{"name": "Sam Supervisor", "initials": "SS", "typing": True}]
    other.post(url, {"leaving": "1"})
    assert login(agent).post(url).json()["viewers"] == []


def test_the_page_costs_the_same_queries_for_two_messages_or_twenty(login, agent):
    conversation = MessageFactory.create().conversation
    MessageFactory.create(conversation=conversation)
    client = login(agent)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(_url(conversation)).status_code == 200
        return len(captured)

    queries()  # the first visit also creates the agent's presence row
    two = queries()
    for n in range(18):
        MessageFactory.create(conversation=conversation, text=f"more {n}")
        InternalNote.objects.create(conversation=conversation, author=agent, text=f"note {n}")
    assert queries() == two


def test_merge_moves_the_thread_into_the_other_conversation(login, agent):
    source = MessageFactory.create(text="from the first case").conversation
    target = MessageFactory.create(
        conversation__customer=source.customer,
        conversation__channel_account=source.channel_account,
    ).conversation
    response = login(agent).post(
        reverse("inbox:merge", args=[source.pk]), {"into": target.pk}, follow=True
    )
    assert response.redirect_chain[-1][0] == _url(target)
    assert "from the first case" in response.content.decode()
