"""Round-robin auto-assignment over available agents."""

from __future__ import annotations

import pytest

from care.models import Agent
from inbox.models import Conversation
from inbox.services.assignment import auto_assign_conversations, set_away
from tests.factories import ChannelAccountFactory, ConversationFactory, make_agent

pytestmark = pytest.mark.django_db
Status = Conversation.Status


def _assignees() -> list[str]:
    return [
        c.assignee.initials if c.assignee else "-"
        for c in Conversation.objects.order_by("opened_at", "id").select_related("assignee")
    ]


def test_new_cases_go_round_robin_oldest_first():
    make_agent(initials="AA")
    make_agent(initials="BB")
    account = ChannelAccountFactory.create()
    for _ in range(4):
        ConversationFactory.create(channel_account=account, status=Status.NEW)
    assert auto_assign_conversations() == 4
    assert sorted(_assignees()[:2]) == ["AA", "BB"]
    assert _assignees()[:2] == _assignees()[2:]


def test_an_away_agent_gets_nothing_and_is_back_in_the_round_later():
    alice = make_agent(initials="AA")
    make_agent(initials="BB")
    account = ChannelAccountFactory.create()
    set_away(agent=alice, away=True)
    ConversationFactory.create(channel_account=account)
    ConversationFactory.create(channel_account=account)
    auto_assign_conversations()
    assert _assignees() == ["BB", "BB"]
    set_away(agent=alice, away=False)
    ConversationFactory.create(channel_account=account)
    auto_assign_conversations()
    assert _assignees()[-1] == "AA"


def test_capacity_is_respected_and_the_rest_wait_unassigned():
    make_agent(initials="AA", capacity=2)
    account = ChannelAccountFactory.create()
    for _ in range(3):
        ConversationFactory.create(channel_account=account)
    assert auto_assign_conversations() == 2
    assert _assignees() == ["AA", "AA", "-"]


def test_languages_and_channels_decide_who_can_take_a_case():
    english_only = make_agent(initials="EN", languages=["en"])
    make_agent(initials="ID", languages=["id"])
    x = ChannelAccountFactory.create()
    ConversationFactory.create(channel_account=x, language="id")
    fb_only_english = ChannelAccountFactory.create(platform="facebook", agents=[english_only])
    ConversationFactory.create(channel_account=fb_only_english, language="id")
    auto_assign_conversations()
    assert _assignees() == ["ID", "-"]


def test_supervisors_are_not_auto_assigned_and_claimed_cases_are_left_alone(agent, supervisor):
    account = ChannelAccountFactory.create()
    claimed = ConversationFactory.create(channel_account=account, assignee=supervisor)
    ConversationFactory.create(channel_account=account)
    auto_assign_conversations()
    claimed.refresh_from_db()
    assert claimed.assignee == supervisor
    assert Agent.objects.get(pk=agent.pk).conversations.count() == 1
