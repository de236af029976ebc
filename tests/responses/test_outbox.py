"""The outbox posts every reply once, through the real tweepy and facebook-sdk clients,
against the platform simulator; each failure has its outcome."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from care.errors import CareError
from inbox.models import ChannelAccount, Conversation, Message
from inbox.services.channels import save_channel_credentials
from inbox.services.polling import poll_channel
from responses.models import OutboxEntry, Reply
from responses.services.outbox import deliver_reply, relay_outbox, retry_reply, send_reply
from simulator.core import Fault
from tests.conftest import sim_x_credentials
from tests.factories import make_agent

pytestmark = pytest.mark.django_db


def x_case(simulator, account, text="@NusantaraCares my laptop will not charge", author=None):
    """A customer's mention, polled into care: its conversation."""
    mention = simulator.x.add_mention(text=text, author=author or {"id": "5001"})
    poll_channel(account_id=account.pk)
    return Message.objects.get(external_id=mention["id"]).conversation


def send(conversation, agent, text="Sorry to hear that! Could you DM us the order number?", **kw):
    last = Message.objects.filter(conversation=conversation).order_by("-pk").first()
    return send_reply(
        conversation=conversation,
        by=agent,
        text=text,
        idempotency_key=kw.pop("key", None) or uuid.uuid4(),
        seen_message_id=last.pk if last else 0,
        seen_reply_id=Reply.objects.order_by("-pk").values_list("pk", flat=True).first() or 0,
        **kw,
    )


def due_now(reply):
    """What the beat relay and the countdown do when the wait is over."""
    OutboxEntry.objects.filter(pk=reply.pk).update(not_before=timezone.now())


def test_a_public_reply_is_signed_posted_once_and_joins_the_thread(simulator, x_account, agent):
    conversation = x_case(simulator, x_account)

    reply = send(conversation, agent)
    assert reply.status == Reply.Status.QUEUED
    assert OutboxEntry.objects.filter(pk=reply.pk).exists()
    assert deliver_reply(reply.pk) == "sent"

    reply.refresh_from_db()
    [posted] = simulator.x.latest_brand_replies(1)
    assert reply.status == Reply.Status.SENT
    assert reply.platform_id == posted["id"]
    assert posted["text"].endswith(f" ^{agent.initials}")
    assert posted["in_reply_to_user_id"] == "5001"
    assert reply.permalink.endswith(f"/status/{posted['id']}")
    assert not OutboxEntry.objects.filter(pk=reply.pk).exists()
    conversation.refresh_from_db()
    assert conversation.first_response_at is not None
    assert conversation.assignee == agent  # sending claimed the unassigned case
    stored = Message.objects.get(external_id=posted["id"])
    assert stored.direction == Message.Direction.OUTBOUND
    assert stored.author_agent == agent
    # The next poll brings nothing twice, and a task run twice posts nothing more.
    poll_channel(account_id=x_account.pk)
    assert Message.objects.filter(external_id=posted["id"]).count() == 1
    assert deliver_reply(reply.pk) == "done"
    assert len(simulator.x.latest_brand_replies(5)) == 1


def test_the_same_key_twice_makes_one_reply(simulator, x_account, agent):
    conversation = x_case(simulator, x_account)
    key = uuid.uuid4()
    first = send(conversation, agent, key=key)
    again = send(conversation, agent, key=key)
    assert first.pk == again.pk
    assert Reply.objects.count() == 1


def test_a_double_post_from_the_browser_queues_one_reply(simulator, x_account, agent, login):
    conversation = x_case(simulator, x_account)
    message = Message.objects.get(conversation=conversation)
    form = {
        "text": "Thanks for telling us, we will look into it",
        "seen_message_id": message.pk,
        "seen_reply_id": 0,
        "idempotency_key": str(uuid.uuid4()),
    }
    client = login(agent)
    url = reverse("inbox:reply", args=[conversation.pk])
    assert client.post(url, form).status_code == 302
    assert client.post(url, form).status_code == 302
    assert Reply.objects.count() == 1
    page = client.get(reverse("inbox:conversation", args=[conversation.pk])).content.decode()
    assert "Queued" in page


def test_another_agents_case_is_not_answered_by_me(simulator, x_account, agent):
    conversation = x_case(simulator, x_account)
    holder = make_agent(display_name="Bea Holder", initials="BH")
    Conversation.objects.filter(pk=conversation.pk).update(assignee=holder)
    with pytest.raises(CareError) as refused:
        send(conversation, agent)
    assert refused.value.code == "not_yours"
    assert "^BH" in refused.value.message
    assert not Reply.objects.exists()


def test_x_duplicate_text_fails_with_a_reason_and_can_be_reworded(simulator, x_account, agent):
    first = x_case(simulator, x_account, author={"id": "5001"})
    second = x_case(simulator, x_account, text="@NusantaraCares same here", author={"id": "5002"})
    deliver_reply(send(first, agent, text="We are on it").pk)

    reply = send(second, agent, text="We are on it")
    assert deliver_reply(reply.pk) == "failed"
    reply.refresh_from_db()
    assert reply.status == Reply.Status.FAILED
    assert reply.error == "X refuses duplicate text; change the wording."
    assert not OutboxEntry.objects.filter(pk=reply.pk).exists()
    assert agent.user.notifications.filter(verb="reply_failed").exists()

    retry_reply(reply=reply, by=agent, text="We are on it, sorry for the wait")
    assert deliver_reply(reply.pk) == "sent"
    reply.refresh_from_db()
    assert reply.signed_text == f"We are on it, sorry for the wait ^{agent.initials}"
    assert len(simulator.x.latest_brand_replies(5)) == 2


def test_a_429_waits_for_the_reset_then_sends(simulator, x_account, agent):
    conversation = x_case(simulator, x_account)
    reply = send(conversation, agent)
    simulator.sim.faults.add(Fault(platform="x", kind="rate_limit", reset_in=120))

    assert deliver_reply(reply.pk) == "rate_limited"
    reply.refresh_from_db()
    entry = OutboxEntry.objects.get(pk=reply.pk)
    assert reply.status == Reply.Status.QUEUED
    assert "rate limit" in reply.waiting_reason
    assert entry.not_before > timezone.now() + timedelta(seconds=100)
    assert deliver_reply(reply.pk) == "later"  # too early: nothing is called

    due_now(reply)
    assert deliver_reply(reply.pk) == "sent"
    assert len(simulator.x.latest_brand_replies(5)) == 1


def test_an_expired_token_holds_the_reply_until_the_channel_is_reconnected(
    simulator, x_account, agent, supervisor
):
    conversation = x_case(simulator, x_account)
    reply = send(conversation, agent)
    simulator.sim.faults.add(Fault(platform="x", kind="token_expired"))

    assert deliver_reply(reply.pk) == "held"
    reply.refresh_from_db()
    x_account.refresh_from_db()
    assert x_account.status == ChannelAccount.Status.REAUTH_REQUIRED
    assert reply.status == Reply.Status.QUEUED
    assert "needs a new token" in reply.waiting_reason
    assert OutboxEntry.objects.get(pk=reply.pk).held_for_reauth
    # Queued meanwhile: held at once, without calling X.
    later = send(conversation, agent, text="One more thing: which model is it?", confirmed=True)
    assert OutboxEntry.objects.get(pk=later.pk).held_for_reauth
    relay_outbox()
    assert deliver_reply(reply.pk) == "held"

    save_channel_credentials(
        account=x_account, credentials=sim_x_credentials(simulator.sim.config), by=supervisor.user
    )
    relay_outbox()
    assert deliver_reply(reply.pk) == "sent"
    assert deliver_reply(later.pk) == "sent"
    assert len(simulator.x.latest_brand_replies(5)) == 2


def test_a_server_error_is_retried_and_posts_once(simulator, x_account, agent):
    conversation = x_case(simulator, x_account)
    reply = send(conversation, agent)
    simulator.sim.faults.add(Fault(platform="x", kind="server_error"))

    assert deliver_reply(reply.pk) == "retrying"
    reply.refresh_from_db()
    assert reply.status == Reply.Status.SENDING
    assert "did not answer" in reply.waiting_reason
    due_now(reply)
    assert deliver_reply(reply.pk) == "sent"  # checked X first, found nothing, posted
    assert len(simulator.x.latest_brand_replies(5)) == 1


def test_a_timeout_after_x_posted_is_found_not_posted_again(simulator, x_account, agent, settings):
    settings.CARE_REPLY_SEND_TIMEOUT = 0.5
    conversation = x_case(simulator, x_account)
    reply = send(conversation, agent)
    simulator.sim.faults.add(Fault(platform="x", kind="slow_response", latency_ms=1500))

    assert deliver_reply(reply.pk) == "retrying"
    assert len(simulator.x.latest_brand_replies(5)) == 1  # X did post it
    due_now(reply)
    assert deliver_reply(reply.pk) == "sent"

    reply.refresh_from_db()
    [posted] = simulator.x.latest_brand_replies(5)
    assert reply.platform_id == posted["id"]


def test_after_the_last_try_the_reply_fails_with_a_retry(simulator, x_account, agent, settings):
    settings.CARE_REPLY_MAX_ATTEMPTS = 2
    conversation = x_case(simulator, x_account)
    reply = send(conversation, agent)
    simulator.sim.faults.add(Fault(platform="x", kind="server_error", remaining=10))
    assert deliver_reply(reply.pk) == "retrying"
    due_now(reply)
    assert deliver_reply(reply.pk) == "failed"
    reply.refresh_from_db()
    assert reply.error_code == "unreachable"
    assert "after 2 tries" in reply.error
    simulator.sim.faults.clear()

    retry_reply(reply=reply, by=agent)
    assert deliver_reply(reply.pk) == "sent"
    assert len(simulator.x.latest_brand_replies(5)) == 1


def test_a_lost_task_is_sent_again_by_the_relay(simulator, x_account, agent, eager_tasks):
    conversation = x_case(simulator, x_account)
    reply = send(conversation, agent)  # its task never ran: the test never commits
    assert relay_outbox() == 0  # not silent for long yet
    OutboxEntry.objects.filter(pk=reply.pk).update(
        enqueued_at=timezone.now() - timedelta(minutes=5)
    )

    assert relay_outbox() == 1  # eager: the task ran in the relay's call
    reply.refresh_from_db()
    assert reply.status == Reply.Status.SENT


def test_a_dm_goes_to_the_customer(simulator, x_account, agent):
    conversation = x_case(simulator, x_account, author={"id": "5007"})
    reply = send(
        conversation, agent, text="Hi! Could you share the serial number here?", private=True
    )
    assert reply.delivery == Reply.Delivery.DIRECT_MESSAGE
    assert deliver_reply(reply.pk) == "sent"
    reply.refresh_from_db()
    dm = Message.objects.get(external_id=reply.platform_id)
    assert dm.kind == Message.Kind.DIRECT_MESSAGE
    assert dm.text == "Hi! Could you share the serial number here?"  # a DM is not signed


def test_an_over_long_reply_is_refused_before_it_is_queued(simulator, x_account, agent):
    conversation = x_case(simulator, x_account)
    with pytest.raises(CareError) as refused:
        send(conversation, agent, text="x" * 279)
    assert refused.value.code == "too_long"
    assert not Reply.objects.exists()


# --- Facebook --------------------------------------------------------------------------------
def fb_comment_case(simulator, account, message="Layar retak setelah update", who="7001"):
    simulator.facebook.add_page_post(message="Promo NusaBook minggu ini")
    comment = simulator.facebook.add_comment(message=message, author={"id": who, "name": "Ani"})
    poll_channel(account_id=account.pk)
    return Message.objects.get(external_id=comment["id"]).conversation, comment


def messenger_case(simulator, account, *, days_ago=0.0, who="7002"):
    sent = simulator.facebook.add_messenger_message(
        text="Paket saya belum sampai", sender={"id": who, "name": "Dewi"}
    )
    poll_channel(account_id=account.pk)
    message = Message.objects.get(external_id=sent["id"])
    if days_ago:
        # Time passes on both sides: the platform's window and care's record of the message.
        simulator.sim.clock.advance(days_ago * 86400)
        Message.objects.filter(pk=message.pk).update(
            platform_created_at=message.platform_created_at - timedelta(days=days_ago)
        )
    return message.conversation


def test_a_comment_gets_a_signed_public_reply(simulator, fb_account, agent):
    conversation, _ = fb_comment_case(simulator, fb_account)
    reply = send(conversation, agent, text="Mohon maaf kak, boleh kirim foto layarnya?")
    assert deliver_reply(reply.pk) == "sent"
    [posted] = simulator.facebook.latest_page_replies(1)
    reply.refresh_from_db()
    assert posted["message"] == f"Mohon maaf kak, boleh kirim foto layarnya? ^{agent.initials}"
    assert reply.platform_id == posted["id"]
    assert Message.objects.get(external_id=posted["id"]).kind == Message.Kind.COMMENT


def test_a_comment_gets_one_private_reply_only(simulator, fb_account, agent):
    conversation, comment = fb_comment_case(simulator, fb_account)
    reply = send(conversation, agent, text="Halo kak, kami lanjutkan di sini ya", private=True)
    assert reply.delivery == Reply.Delivery.PRIVATE_REPLY
    assert reply.in_reply_to_external_id == comment["id"]
    assert deliver_reply(reply.pk) == "sent"

    with pytest.raises(CareError) as refused:
        send(conversation, agent, text="Satu lagi kak", private=True)
    assert refused.value.code == "private_reply_used"
    assert "one private reply per comment" in refused.value.message


def test_messenger_after_a_day_goes_with_the_human_agent_tag(simulator, fb_account, agent):
    conversation = messenger_case(simulator, fb_account, days_ago=3)
    reply = send(
        conversation, agent, text="Maaf menunggu kak, paketnya sudah dikirim ulang", private=True
    )
    assert reply.delivery == Reply.Delivery.MESSENGER
    assert reply.messenger_tag == "HUMAN_AGENT"
    assert deliver_reply(reply.pk) == "sent"


def test_messenger_after_seven_days_is_refused_with_the_reason(simulator, fb_account, agent):
    conversation = messenger_case(simulator, fb_account, days_ago=8)
    with pytest.raises(CareError) as refused:
        send(conversation, agent, text="Halo kak", private=True)
    assert refused.value.code == "window_closed"
    assert "8 days ago" in refused.value.message
    assert not Reply.objects.exists()


def test_a_window_the_platform_says_is_closed_fails_with_the_reason(simulator, fb_account, agent):
    conversation = messenger_case(simulator, fb_account)
    reply = send(conversation, agent, text="Halo kak, ada yang bisa dibantu?", private=True)
    simulator.sim.clock.advance(2 * 86400)  # care still thinks the window is open
    assert deliver_reply(reply.pk) == "failed"
    reply.refresh_from_db()
    assert reply.error_code == "window_closed"
    assert "Messenger's window closed" in reply.error


def test_a_timeout_after_facebook_posted_is_found_not_posted_again(
    simulator, fb_account, agent, settings
):
    settings.CARE_REPLY_SEND_TIMEOUT = 0.5
    conversation, _ = fb_comment_case(simulator, fb_account)
    reply = send(conversation, agent, text="Kami cek dulu ya kak")
    simulator.sim.faults.add(Fault(platform="facebook", kind="slow_response", latency_ms=1500))
    assert deliver_reply(reply.pk) == "retrying"
    due_now(reply)
    assert deliver_reply(reply.pk) == "sent"
    assert len(simulator.facebook.latest_page_replies(5)) == 1


# --- approval --------------------------------------------------------------------------------
def test_a_trainees_reply_waits_for_a_supervisor_who_edits_and_approves(
    simulator, x_account, trainee, supervisor, login
):
    conversation = x_case(simulator, x_account)
    reply = send(conversation, trainee, text="Pls DM us ur order number")
    assert reply.status == Reply.Status.PENDING_APPROVAL
    assert not OutboxEntry.objects.exists()
    assert supervisor.user.notifications.filter(verb="reply_awaits_approval").exists()

    client = login(supervisor)
    page = client.get(reverse("responses:approvals")).content.decode()
    assert "Pls DM us ur order number" in page
    client.post(
        reverse("responses:approval-review", args=[reply.pk]),
        {"decision": "approve", "text": "Sorry about that! Could you DM us your order number?"},
    )
    reply.refresh_from_db()
    assert reply.status == Reply.Status.QUEUED
    assert reply.reviewed_by == supervisor
    assert (
        reply.signed_text
        == f"Sorry about that! Could you DM us your order number? ^{trainee.initials}"
    )
    assert trainee.user.notifications.filter(verb="reply_approved").exists()
    assert deliver_reply(reply.pk) == "sent"


def test_a_rejected_reply_is_never_posted_and_the_trainee_learns_why(
    simulator, x_account, trainee, supervisor, login
):
    conversation = x_case(simulator, x_account)
    reply = send(conversation, trainee, text="Not our problem, ask the courier")
    client = login(supervisor)
    url = reverse("responses:approval-review", args=[reply.pk])
    client.post(url, {"decision": "reject", "reason": ""})
    reply.refresh_from_db()
    assert reply.status == Reply.Status.PENDING_APPROVAL  # no reason, no rejection

    client.post(url, {"decision": "reject", "reason": "We own the delivery; apologise first"})
    reply.refresh_from_db()
    assert reply.status == Reply.Status.REJECTED
    note = trainee.user.notifications.get(verb="reply_rejected")
    assert "apologise first" in note.text
    assert deliver_reply(reply.pk) == "done"
    assert simulator.x.latest_brand_replies(5) == []


def test_only_supervisors_see_approvals(trainee, agent, login):
    assert login(agent).get(reverse("responses:approvals")).status_code == 403
    assert login(trainee).get(reverse("responses:approvals")).status_code == 403


def test_a_channel_can_ask_approval_of_everyone(simulator, x_account, agent):
    ChannelAccount.objects.filter(pk=x_account.pk).update(replies_need_approval=True)
    conversation = x_case(simulator, x_account)
    assert send(conversation, agent).status == Reply.Status.PENDING_APPROVAL


def test_messenger_replies_carry_the_agents_persona_renewed_when_they_change(
    simulator, fb_account, agent, settings
):
    from care.services import update_agent
    from responses.models import MessengerPersona
    from responses.services.personas import sync_personas

    conversation = messenger_case(simulator, fb_account)
    reply = send(conversation, agent, text="Halo kak, kami cek resinya ya", private=True)
    assert deliver_reply(reply.pk) == "sent"
    reply.refresh_from_db()
    persona = MessengerPersona.objects.get(agent=agent, channel_account=fb_account)
    assert simulator.facebook.personas[persona.persona_id]["name"] == agent.display_name
    [sent] = [p for p in simulator.facebook.published() if p.get("id") == reply.platform_id]
    assert sent["persona_id"] == persona.persona_id

    update_agent(agent=agent, by=None, display_name="Sari Wulandari")
    assert sync_personas(agent) == 1
    renewed = MessengerPersona.objects.get(agent=agent, channel_account=fb_account)
    assert renewed.persona_id != persona.persona_id
    assert simulator.facebook.personas[renewed.persona_id]["name"] == "Sari Wulandari"
    assert persona.persona_id not in simulator.facebook.personas  # the old face is gone


def test_a_persona_the_page_refuses_does_not_stop_the_reply(simulator, fb_account, agent):
    conversation = messenger_case(simulator, fb_account)
    reply = send(conversation, agent, text="Halo kak", private=True)
    simulator.sim.faults.add(Fault(platform="facebook", kind="server_error"))  # the persona call
    assert deliver_reply(reply.pk) == "sent"


def test_an_automated_message_never_uses_the_human_agent_tag(simulator, fb_account):
    from responses.services.delivery import plan_route

    conversation = messenger_case(simulator, fb_account, days_ago=3)
    assert plan_route(conversation, private=True).tag == "HUMAN_AGENT"
    with pytest.raises(CareError) as refused:
        plan_route(conversation, private=True, human=False)
    assert refused.value.code == "window_closed"
