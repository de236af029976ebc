"""Claiming and assigning: one owner at a time, and only supervisors take cases from others."""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from care.errors import CareError
from care.models import Agent
from inbox.models import Conversation, ConversationEvent
from inbox.services.conversations import assign_conversation, claim_conversation
from tests.factories import ChannelAccountFactory, ConversationFactory, make_agent

pytestmark = pytest.mark.django_db
Status = Conversation.Status


def test_claiming_makes_the_case_mine_and_opens_it(agent):
    conversation = ConversationFactory.create(status=Status.NEW)
    claim_conversation(conversation=conversation, by=agent)
    conversation.refresh_from_db()
    assert conversation.assignee == agent
    assert conversation.status == Status.OPEN
    assert conversation.assigned_at is not None
    assert conversation.events.get().kind == ConversationEvent.Kind.CLAIMED


def test_a_case_another_agent_claimed_cannot_be_claimed(agent):
    bob = make_agent(display_name="Bob Agent", initials="BB")
    conversation = ConversationFactory.create()
    claim_conversation(conversation=conversation, by=bob)
    with pytest.raises(CareError) as refused:
        claim_conversation(conversation=Conversation.objects.get(pk=conversation.pk), by=agent)
    assert refused.value.code == "claimed"
    assert "^BB" in refused.value.message
    assert Conversation.objects.get(pk=conversation.pk).assignee == bob


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_agents_claiming_at_once_get_one_owner():
    alice = make_agent(display_name="Alice", initials="AL")
    bob = make_agent(display_name="Bob", initials="BO")
    conversation = ConversationFactory.create()
    barrier = threading.Barrier(2)
    outcomes: dict[str, str] = {}

    def claim(agent: Agent) -> None:
        barrier.wait()
        try:
            claim_conversation(conversation=Conversation.objects.get(pk=conversation.pk), by=agent)
            outcomes[agent.initials] = "won"
        except CareError:
            outcomes[agent.initials] = "refused"
        finally:
            connection.close()

    threads = [threading.Thread(target=claim, args=(a,)) for a in (alice, bob)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes.values()) == ["refused", "won"]
    winner = Conversation.objects.get(pk=conversation.pk).assignee
    assert winner is not None and outcomes[winner.initials] == "won"


def test_an_agent_can_hand_on_an_unassigned_case(agent):
    bob = make_agent(display_name="Bob Agent", initials="BB")
    conversation = ConversationFactory.create()
    assign_conversation(conversation=conversation, assignee=bob, by=agent)
    assert Conversation.objects.get(pk=conversation.pk).assignee == bob


def test_only_a_supervisor_takes_a_case_from_another_agent(agent, supervisor):
    bob = make_agent(display_name="Bob Agent", initials="BB")
    conversation = ConversationFactory.create(assignee=bob)
    with pytest.raises(CareError) as refused:
        assign_conversation(conversation=conversation, assignee=agent, by=agent)
    assert refused.value.code == "not_yours"
    assign_conversation(conversation=conversation, assignee=agent, by=supervisor)
    assert Conversation.objects.get(pk=conversation.pk).assignee == agent


def test_a_case_cannot_go_to_an_agent_who_does_not_work_its_channel(agent, supervisor):
    conversation = ConversationFactory.create(
        channel_account=ChannelAccountFactory.create(agents=[supervisor])
    )
    with pytest.raises(CareError) as refused:
        assign_conversation(conversation=conversation, assignee=agent, by=supervisor)
    assert refused.value.code == "no_access"
