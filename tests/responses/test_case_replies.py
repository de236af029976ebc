"""Acknowledge, move to private, log a call, resolve with a public summary."""

from __future__ import annotations

import uuid

import pytest
from django.urls import reverse

from care.errors import CareError
from inbox.models import Conversation, ConversationEvent, Message
from inbox.services.polling import poll_channel
from responses.models import CallLog, Reply
from responses.services import case_replies
from responses.services.outbox import deliver_reply
from tests.responses.test_outbox import fb_comment_case, x_case

pytestmark = pytest.mark.django_db


def test_acknowledging_posts_a_signed_wording_in_the_customers_language(
    simulator, x_account, agent, login
):
    conversation = x_case(simulator, x_account, text="@NusantaraCares paket saya belum sampai")
    Conversation.objects.filter(pk=conversation.pk).update(language="id")
    key = str(uuid.uuid4())
    client = login(agent)
    url = reverse("responses:acknowledge", args=[conversation.pk])
    client.post(url, {"idempotency_key": key})
    client.post(url, {"idempotency_key": key})  # a double press

    reply = Reply.objects.get()
    assert reply.purpose == Reply.Purpose.ACKNOWLEDGEMENT
    first_name = conversation.customer.display_name.split(" ")[0]
    wordings = case_replies.DEFAULT_WORDINGS[Reply.Purpose.ACKNOWLEDGEMENT]["id"]
    assert reply.text in [w.format(name=first_name) for w in wordings]
    assert deliver_reply(reply.pk) == "sent"
    [posted] = simulator.x.latest_brand_replies(5)
    assert posted["text"].endswith(f"^{agent.initials}")


def test_moving_to_private_on_x_invites_a_dm_that_joins_the_same_case(
    simulator, x_account, agent, login
):
    conversation = x_case(simulator, x_account, author={"id": "5101"})
    login(agent).post(
        reverse("responses:move-private", args=[conversation.pk]),
        {"idempotency_key": str(uuid.uuid4()), "text": ""},
    )
    invitation = Reply.objects.get()
    assert invitation.purpose == Reply.Purpose.MOVE_PRIVATE
    assert invitation.delivery == Reply.Delivery.PUBLIC_REPLY
    assert "DM" in invitation.text
    assert deliver_reply(invitation.pk) == "sent"
    assert conversation.events.filter(kind=ConversationEvent.Kind.MOVED_PRIVATE).exists()

    simulator.x.add_dm(text="Order 5531, thanks", sender={"id": "5101"})
    x_account.refresh_from_db()
    x_account.cursors.pop("polled_at", None)  # X allows a DM read a minute: as if one passed
    x_account.save(update_fields=["cursors"])
    poll_channel(account_id=x_account.pk)
    dm = Message.objects.get(text="Order 5531, thanks")
    assert dm.conversation_id == conversation.pk
    conversation.refresh_from_db()
    assert conversation.status == Conversation.Status.OPEN
    page = login(agent).get(reverse("inbox:conversation", args=[conversation.pk])).content.decode()
    assert 'name="private" id="id_private" checked' in page  # the box now answers in private
    assert "moved the case to a private channel" in page


def test_moving_to_private_on_facebook_is_a_private_reply_to_the_comment(
    simulator, fb_account, agent
):
    conversation, comment = fb_comment_case(simulator, fb_account)
    reply = case_replies.move_to_private(
        conversation=conversation, by=agent, idempotency_key=uuid.uuid4()
    )
    assert reply.delivery == Reply.Delivery.PRIVATE_REPLY
    assert reply.in_reply_to_external_id == comment["id"]
    assert deliver_reply(reply.pk) == "sent"


def test_a_call_is_logged_on_the_case_and_shown_in_the_thread(simulator, x_account, agent, login):
    conversation = x_case(simulator, x_account)
    client = login(agent)
    url = reverse("responses:log-call", args=[conversation.pk])
    client.post(url, {"outcome": "maybe", "notes": "?"})
    assert not CallLog.objects.exists()
    client.post(
        url, {"outcome": "solved", "minutes": "7", "notes": "Reset <b>BIOS</b>, charging again"}
    )
    call = CallLog.objects.get()
    assert (call.outcome, call.minutes, call.agent) == ("solved", 7, agent)
    page = client.get(reverse("inbox:conversation", args=[conversation.pk])).content.decode()
    assert "Solved on the call" in page
    assert "Reset &lt;b&gt;BIOS&lt;/b&gt;" in page


def test_resolving_with_a_summary_posts_it_where_the_complaint_began(
    simulator, x_account, agent, login
):
    conversation = x_case(simulator, x_account)
    mention = Message.objects.get(conversation=conversation)
    login(agent).post(
        reverse("responses:resolve-summary", args=[conversation.pk]),
        {
            "idempotency_key": str(uuid.uuid4()),
            "summary": "Solved in DM, thanks for your patience!",
        },
    )
    conversation.refresh_from_db()
    assert conversation.status == Conversation.Status.RESOLVED
    summary = Reply.objects.get(purpose=Reply.Purpose.SUMMARY)
    assert summary.in_reply_to_external_id == mention.external_id
    assert deliver_reply(summary.pk) == "sent"


def test_a_summary_that_cannot_go_leaves_the_case_open(simulator, x_account, agent):
    conversation = x_case(simulator, x_account)
    with pytest.raises(CareError):
        case_replies.resolve_with_summary(
            conversation=conversation, by=agent, idempotency_key=uuid.uuid4(), summary="x" * 300
        )
    conversation.refresh_from_db()
    assert conversation.status != Conversation.Status.RESOLVED
    assert not Reply.objects.exists()


def test_a_routing_rule_acknowledges_a_new_case_signed_by_its_agent(
    simulator, x_account, agent, supervisor, eager_tasks, django_capture_on_commit_callbacks
):
    from inbox.models import RoutingRule
    from inbox.services import routing
    from responses.services.canned import create_canned

    seen = create_canned(
        title="Seen, on it",
        language="en",
        wordings=["Thanks {customer_name}, we've got case #{case_number} and are on it."],
        by=supervisor,
    )
    with pytest.raises(CareError) as unsigned:
        routing.save_rule(
            rule=None,
            data={"name": "Ack all", "is_active": True, "acknowledge_with": seen},
            channels=[],
            topics=[],
            by=supervisor,
        )
    assert unsigned.value.code == "no_signer"
    routing.save_rule(
        rule=None,
        data={"name": "Ack all", "is_active": True, "acknowledge_with": seen, "assign_to": agent},
        channels=[],
        topics=[],
        by=supervisor,
    )
    assert RoutingRule.objects.get().acknowledge_with == seen

    simulator.x.add_mention(text="@NusantaraCares my invoice is wrong", author={"id": "5301"})
    with django_capture_on_commit_callbacks(execute=True):
        poll_channel(account_id=x_account.pk)
    reply = Reply.objects.get(purpose=Reply.Purpose.ACKNOWLEDGEMENT)
    assert reply.author == agent
    assert reply.text.startswith("Thanks ")
    assert f"#{reply.conversation_id}" in reply.text
    if reply.status != Reply.Status.SENT:  # on_commit inside a callback: run it as the worker
        deliver_reply(reply.pk)
    [posted] = simulator.x.latest_brand_replies(5)
    assert posted["text"].endswith(f"^{agent.initials}")
    # Routed again (another poll, a retried task): still one acknowledgement.
    case_replies.auto_acknowledge(
        conversation_id=reply.conversation_id, canned_id=seen.pk, agent_id=agent.pk
    )
    assert Reply.objects.filter(purpose=Reply.Purpose.ACKNOWLEDGEMENT).count() == 1
