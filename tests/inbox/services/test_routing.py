"""Routing: the first matching rule sends a new conversation to a team, sets its priority
and tags or gives it to an agent; nothing matching leaves it in the central queue."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.urls import reverse

from care.errors import CareError
from inbox.channels.base import InboundAuthor, InboundEvent
from inbox.models import Conversation, ConversationEvent, RoutingRule, Topic
from inbox.services import routing
from inbox.services.assignment import auto_assign_conversations
from inbox.services.ingest import ingest_events
from tests.factories import ChannelAccountFactory, DepartmentFactory, make_agent

pytestmark = pytest.mark.django_db

T0 = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
BILLING_ID = "tagihan saya dobel bulan ini, kecewa banget. tolong dicek"
QUESTION_EN = "How do I reset my router password?"


def arrive(account, text: str, external_id: str, author: str = "7001", minutes: int = 0):
    person = InboundAuthor(external_id=author, handle=f"user{author}", name="U", followers_count=3)
    event = InboundEvent(
        kind="mention",
        external_id=external_id,
        text=text,
        created_at=T0 + timedelta(minutes=minutes),
        customer=person,
    )
    ingest_events(account=account, events=[event])
    return Conversation.objects.get(messages__external_id=external_id)


def rule(name: str, position: int, **fields) -> RoutingRule:
    topics = fields.pop("topics", [])
    created = RoutingRule.objects.create(name=name, position=position, **fields)
    created.topics.set(topics)
    return created


@pytest.fixture
def account():
    return ChannelAccountFactory.create(platform="x")


@pytest.fixture
def billing():
    return DepartmentFactory.create(name="Billing")


def test_a_billing_complaint_goes_to_billing_with_priority_and_tags(account, billing):
    topic = Topic.objects.create(name="billing", phrases=["tagihan", "invoice"])
    rule(
        "Indonesian billing complaints",
        1,
        languages=["id"],
        intents=["complaint"],
        topics=[topic],
        department=billing,
        set_priority=Conversation.Priority.HIGH,
        add_tags=["billing-queue"],
    )

    conversation = arrive(account, BILLING_ID, "1")

    assert conversation.department == billing
    assert conversation.priority == Conversation.Priority.HIGH
    assert [t.name for t in conversation.tags.all()] == ["billing-queue"]
    event = conversation.events.get(kind=ConversationEvent.Kind.ROUTED)
    assert event.data["rule"] == "Indonesian billing complaints"
    assert event.data["why"] == ["language id", "intent complaint", "topic billing"]


def test_nothing_matching_stays_in_the_central_queue(account, billing):
    rule("English only", 1, languages=["en"], department=billing)
    conversation = arrive(account, BILLING_ID, "1")
    assert conversation.department is None
    assert not conversation.events.filter(kind=ConversationEvent.Kind.ROUTED).exists()


def test_the_first_matching_rule_wins_and_order_can_be_changed(account, billing, supervisor):
    tech = DepartmentFactory.create(name="Technical Support")
    first = rule("Everything to billing", 1, department=billing)
    second = rule("Questions to tech", 2, intents=["question"], department=tech)
    assert arrive(account, QUESTION_EN, "1").department == billing

    routing.move_rule(rule=second, up=True, by=supervisor)

    assert list(RoutingRule.objects.all()) == [second, first]
    assert arrive(account, QUESTION_EN, "2", author="7002").department == tech


def test_rules_do_not_chain(account, billing):
    # The first rule makes the case urgent; the second would catch urgent cases, but a
    # conversation is routed once, by one rule.
    rule("VIP handle", 1, handles=["user7001"], set_priority=Conversation.Priority.URGENT)
    rule("Urgent to billing", 2, min_priority=Conversation.Priority.URGENT, department=billing)

    conversation = arrive(account, QUESTION_EN, "1")

    assert conversation.priority == Conversation.Priority.URGENT
    assert conversation.department is None
    assert conversation.events.filter(kind=ConversationEvent.Kind.ROUTED).count() == 1


def test_a_conversation_is_routed_when_it_opens_not_on_every_message(account, billing):
    conversation = arrive(account, QUESTION_EN, "1")
    rule("Everything to billing", 1, department=billing)
    arrive(account, "any update?", "2", minutes=5)
    conversation.refresh_from_db()
    assert conversation.department is None


def test_an_inactive_rule_is_skipped(account, billing):
    rule("Off", 1, department=billing, is_active=False)
    assert arrive(account, QUESTION_EN, "1").department is None


def test_assigning_to_an_agent_off_the_channel_is_skipped_and_said(account):
    elsewhere = make_agent(username="siti", initials="ST", channels=[])
    rule("To Siti", 1, assign_to=elsewhere)

    conversation = arrive(account, QUESTION_EN, "1")

    assert conversation.assignee is None
    event = conversation.events.get(kind=ConversationEvent.Kind.ROUTED)
    assert event.data["did"] == ["not assigned to ^ST: not on this channel"]


def test_a_rule_can_hand_a_case_to_one_agent(account):
    senior = make_agent(username="eko", initials="EK")
    rule("VIPs to Eko", 1, vip_only=True, assign_to=senior)
    arrive(account, QUESTION_EN, "1")  # not a VIP
    vip = arrive(account, QUESTION_EN, "2", author="7002")
    vip.customer.is_vip = True
    vip.customer.save()
    vip.status = Conversation.Status.RESOLVED
    vip.save()
    later = arrive(account, "Where is my parcel?", "3", author="7002", minutes=60 * 24 * 5)

    assert later.assignee == senior
    assert Conversation.objects.get(messages__external_id="1").assignee is None


def test_auto_assign_keeps_a_routed_case_within_its_department(account, billing, settings):
    settings.CARE_AUTO_ASSIGN = False
    make_agent(username="alexq", initials="AX")  # first in line, but not in Billing
    member = make_agent(username="dewiq", initials="DW")
    member.departments.add(billing)
    rule("All to billing", 1, department=billing)

    conversation = arrive(account, BILLING_ID, "1")
    auto_assign_conversations()

    conversation.refresh_from_db()
    assert conversation.assignee == member


def test_a_rule_that_does_nothing_is_refused(supervisor):
    with pytest.raises(CareError) as refused:
        routing.save_rule(rule=None, data={"name": "idle"}, channels=[], topics=[], by=supervisor)
    assert refused.value.code == "no_action"


def test_assigning_outside_the_rules_department_is_refused(supervisor, billing):
    agent = make_agent(username="budiq", initials="BD")
    with pytest.raises(CareError) as refused:
        routing.save_rule(
            rule=None,
            data={"name": "x", "department": billing, "assign_to": agent},
            channels=[],
            topics=[],
            by=supervisor,
        )
    assert refused.value.code == "agent_not_in_department"


# --- Settings → Routing ---------------------------------------------------------------


def test_only_supervisors_see_routing(login, agent, supervisor):
    assert login(agent).get(reverse("settings:routing")).status_code == 403
    assert login(agent).post(reverse("settings:routing-new"), {"name": "x"}).status_code == 403
    assert login(supervisor).get(reverse("settings:routing")).status_code == 200


def test_a_supervisor_adds_a_rule_and_tries_a_text(login, supervisor, account, billing):
    Topic.objects.create(name="billing", phrases=["tagihan"])
    client = login(supervisor)
    response = client.post(
        reverse("settings:routing-new"),
        {
            "name": "Billing complaints",
            "is_active": "on",
            "intents": ["complaint"],
            "topics": [Topic.objects.get().pk],
            "department": billing.pk,
            "set_priority": "30",
            "add_tags": "billing, @vip",
        },
        follow=True,
    )
    assert "Rule “Billing complaints” saved." in response.content.decode()
    saved = RoutingRule.objects.get()
    assert (saved.intents, saved.add_tags, saved.set_priority) == (
        ["complaint"],
        ["billing", "vip"],
        30,
    )

    body = client.get(
        reverse("settings:routing"), {"text": BILLING_ID, "channel": account.pk}
    ).content.decode()
    assert "Rule “Billing complaints” matches" in body
    assert "intent complaint, topic billing" in body

    body = client.get(
        reverse("settings:routing"), {"text": QUESTION_EN, "channel": account.pk}
    ).content.decode()
    assert "No rule matches: the central care queue." in body


def test_the_form_explains_a_rule_that_does_nothing(login, supervisor):
    response = login(supervisor).post(reverse("settings:routing-new"), {"name": "idle"})
    assert "The rule does nothing" in response.content.decode()
    assert not RoutingRule.objects.exists()


def test_rules_are_moved_and_deleted_from_the_page(login, supervisor, billing):
    first, second = rule("A", 1, department=billing), rule("B", 2, department=billing)
    client = login(supervisor)
    client.post(reverse("settings:routing-move", args=[second.pk]), {"direction": "up"})
    assert list(RoutingRule.objects.values_list("name", flat=True)) == ["B", "A"]
    client.post(reverse("settings:routing-delete", args=[first.pk]))
    assert list(RoutingRule.objects.values_list("name", flat=True)) == ["B"]


def test_the_conversation_says_which_rule_routed_it_and_why(login, agent, account, billing):
    rule("Questions to billing", 1, intents=["question"], department=billing)
    conversation = arrive(account, QUESTION_EN, "1")
    body = login(agent).get(reverse("inbox:conversation", args=[conversation.pk])).content.decode()
    assert "routed it by the rule “Questions to billing”: department Billing" in body
    assert "(intent question)" in body
