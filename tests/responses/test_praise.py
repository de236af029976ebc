"""Praise and goodwill: thank & like through the real clients against the simulator, and
coupon codes given once each."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from care.errors import CareError
from care.models import AuditEvent
from inbox.models import Conversation, ConversationEvent, Intent, Message, Sentiment, Topic
from inbox.services.polling import poll_channel
from responses.models import Coupon, CouponPool, Reply
from responses.services.canned import create_canned
from responses.services.goodwill import (
    Suggestion,
    add_codes,
    create_pool,
    give_coupon,
    goodwill_suggestion,
)
from responses.services.outbox import deliver_reply
from responses.services.praise import DEFAULT_THANKS, like_message, thank_and_like
from responses.tasks import like_message_task
from simulator.core import Fault
from tests.factories import (
    ChannelAccountFactory,
    ConversationFactory,
    CustomerFactory,
    MessageFactory,
    make_agent,
)

pytestmark = pytest.mark.django_db


def praised(conversation: Conversation) -> Conversation:
    """Triage's labels for a praise, set here so the test does not hang on the model."""
    Message.objects.filter(conversation=conversation).update(intent=Intent.PRAISE)
    Conversation.objects.filter(pk=conversation.pk).update(intent=Intent.PRAISE, language="en")
    conversation.refresh_from_db()
    return conversation


def x_praise(simulator, account, text="@NusantaraCares the new laptop is great, thanks!"):
    mention = simulator.x.add_mention(text=text, author={"id": "5001", "name": "Rina Wijaya"})
    poll_channel(account_id=account.pk)
    return praised(Message.objects.get(external_id=mention["id"]).conversation), mention


def fb_praise(simulator, account):
    simulator.facebook.add_page_post(message="Promo NusaBook minggu ini")
    comment = simulator.facebook.add_comment(
        message="Teknisinya ramah sekali, terima kasih!", author={"id": "7001", "name": "Ani"}
    )
    poll_channel(account_id=account.pk)
    return praised(Message.objects.get(external_id=comment["id"]).conversation), comment


def likes_on_x(simulator) -> set[str]:
    with simulator.sim.lock:
        return set(simulator.x.likes)


# --- thank & like ----------------------------------------------------------------------------
def test_thank_and_like_posts_one_signed_thanks_and_likes_the_tweet(
    agent, simulator, x_account, eager_tasks, django_capture_on_commit_callbacks
):
    conversation, mention = x_praise(simulator, x_account)

    with django_capture_on_commit_callbacks(execute=True):
        reply = thank_and_like(conversation=conversation, by=agent)  # posted by its task
    with django_capture_on_commit_callbacks(execute=True):
        again = thank_and_like(conversation=conversation, by=agent)

    reply.refresh_from_db()
    [posted] = simulator.x.latest_brand_replies(5)
    assert again.pk == reply.pk
    assert reply.purpose == Reply.Purpose.THANKS
    assert reply.status == Reply.Status.SENT
    assert posted["text"] == f"{reply.text} ^{agent.initials}"
    assert "Rina" in reply.text and "Wijaya" not in reply.text  # the first name
    assert reply.text in [t.format(name="Rina") for t in DEFAULT_THANKS["en"]]
    assert likes_on_x(simulator) == {mention["id"]}
    conversation.refresh_from_db()
    assert conversation.assignee == agent  # the unassigned case became the sender's
    assert AuditEvent.objects.filter(verb="praise_thanked").count() == 1
    # The second press found the first thanks: no second reply, no second like.
    assert AuditEvent.objects.filter(verb="message_liked").count() == 1


def test_thank_and_like_on_facebook_likes_the_comment(
    agent, simulator, fb_account, eager_tasks, django_capture_on_commit_callbacks
):
    conversation, comment = fb_praise(simulator, fb_account)
    Conversation.objects.filter(pk=conversation.pk).update(language="id")
    conversation.refresh_from_db()

    with django_capture_on_commit_callbacks(execute=True):
        reply = thank_and_like(conversation=conversation, by=agent)  # posted by its task

    reply.refresh_from_db()
    assert reply.status == Reply.Status.SENT
    [posted] = simulator.facebook.latest_page_replies(1)
    assert posted["message"] == f"{reply.text} ^{agent.initials}"
    assert "Kak Ani" in reply.text
    with simulator.sim.lock:
        assert simulator.facebook.comments[comment["id"]].liked_by_page is True
    assert [p["id"] for p in simulator.facebook.published() if p["kind"] == "like"] == [
        comment["id"]
    ]


def test_a_failing_like_does_not_block_the_thanks(
    agent, simulator, x_account, django_capture_on_commit_callbacks
):
    conversation, mention = x_praise(simulator, x_account)
    simulator.sim.faults.add(Fault(platform="x", kind="server_error", remaining=1))

    with django_capture_on_commit_callbacks() as callbacks:
        reply = thank_and_like(conversation=conversation, by=agent)
    message = Message.objects.get(external_id=mention["id"])
    with pytest.raises(Exception, match="X server error 503"):
        like_message(message.pk, last_try=False)  # the task tries again later

    assert len(callbacks) == 2  # the reply's task and the like's, sent after commit
    assert deliver_reply(reply.pk) == "sent"
    assert like_message(message.pk) == "liked"
    assert likes_on_x(simulator) == {mention["id"]}


def test_the_like_task_retries_a_passing_error_and_records_a_lasting_one(
    agent, simulator, x_account
):
    _conversation, mention = x_praise(simulator, x_account)
    message = Message.objects.get(external_id=mention["id"])
    simulator.sim.faults.add(Fault(platform="x", kind="server_error", remaining=1))
    assert like_message_task.apply(args=(message.pk,)).get() == "liked"

    simulator.sim.faults.add(Fault(platform="x", kind="server_error", remaining=None))
    assert like_message_task.apply(args=(message.pk,)).get() == "failed"

    failed = AuditEvent.objects.get(verb="message_like_failed")
    assert failed.data["message"] == message.pk
    assert "503" in failed.data["error"]


def test_a_deleted_post_is_not_liked_and_says_why(agent, simulator, x_account):
    _conversation, mention = x_praise(simulator, x_account)
    message = Message.objects.get(external_id=mention["id"])
    with simulator.sim.lock:
        simulator.x.tweets[mention["id"]]["deleted"] = True

    assert like_message(message.pk, last_try=False) == "failed"  # refused: no retry
    assert "cannot be found" in AuditEvent.objects.get(verb="message_like_failed").data["error"]


def test_only_praise_is_ever_liked(
    agent, simulator, x_account, eager_tasks, django_capture_on_commit_callbacks
):
    mention = simulator.x.add_mention(text="@NusantaraCares my laptop will not charge")
    poll_channel(account_id=x_account.pk)
    conversation = Message.objects.get(external_id=mention["id"]).conversation
    Message.objects.filter(conversation=conversation).update(intent=Intent.COMPLAINT)

    with django_capture_on_commit_callbacks(execute=True):
        reply = thank_and_like(conversation=conversation, by=agent)

    reply.refresh_from_db()
    assert (reply.purpose, reply.status) == (Reply.Purpose.THANKS, Reply.Status.SENT)
    assert likes_on_x(simulator) == set()
    assert AuditEvent.objects.get(verb="praise_thanked").data["liked_message"] is None


def test_praise_in_a_dm_is_thanked_in_the_dm_without_a_like(
    agent, simulator, x_account, django_capture_on_commit_callbacks
):
    event = simulator.x.add_dm(text="Terima kasih, sudah beres!", sender={"id": "5009"})
    poll_channel(account_id=x_account.pk)
    conversation = praised(Message.objects.get(external_id=event["id"]).conversation)

    reply = thank_and_like(conversation=conversation, by=agent)

    assert reply.delivery == Reply.Delivery.DIRECT_MESSAGE
    assert deliver_reply(reply.pk) == "sent"
    assert likes_on_x(simulator) == set()


def test_the_saved_reply_thanks_is_preferred_and_rotates(agent, simulator, x_account):
    create_canned(
        title="Thanks for the praise",
        language="en",
        shortcut="praise thanks",
        wordings=["Thank you, {customer_name}!", "So kind of you, {customer_name}."],
        by=None,
    )
    create_canned(title="Terima kasih", language="id", shortcut="thanks", wordings=["X"], by=None)
    first, _ = x_praise(simulator, x_account)
    mention = simulator.x.add_mention(
        text="@NusantaraCares great service today", author={"id": "5002", "name": "Rina Putri"}
    )
    poll_channel(account_id=x_account.pk)
    second = praised(Message.objects.get(external_id=mention["id"]).conversation)

    replies = [thank_and_like(conversation=c, by=agent) for c in (first, second)]

    assert [r.text for r in replies] == ["Thank you, Rina Wijaya!", "So kind of you, Rina Putri."]


def test_the_default_thanks_rotate_per_agent_in_the_customers_language(agent):
    account = ChannelAccountFactory.create()
    texts = []
    for n in range(4):
        conversation = ConversationFactory.create(
            channel_account=account,
            customer=CustomerFactory.create(display_name=f"Budi Santoso {n}"),
            language="id",
            intent=Intent.PRAISE,
        )
        MessageFactory.create(conversation=conversation, intent=Intent.PRAISE, text="mantap")
        texts.append(thank_and_like(conversation=conversation, by=agent).text)

    expected = [t.format(name="Kak Budi") for t in DEFAULT_THANKS["id"]]
    assert texts == [*expected, expected[0]]


def test_thanks_follow_the_assignee_rule(agent, simulator, x_account):
    conversation, _ = x_praise(simulator, x_account)
    holder = make_agent(display_name="Bea Holder", initials="BH")
    Conversation.objects.filter(pk=conversation.pk).update(assignee=holder)

    with pytest.raises(CareError) as refused:
        thank_and_like(conversation=conversation, by=agent)

    assert refused.value.code == "not_yours"
    assert not Reply.objects.exists()


def test_the_page_offers_thank_and_like_on_praise_and_t_posts_it(
    agent, simulator, x_account, login
):
    conversation, _ = x_praise(simulator, x_account)
    client = login(agent)
    page = client.get(reverse("inbox:conversation", args=[conversation.pk])).content.decode()
    assert 'data-shortcut="t"' in page
    assert "praise.js" in page

    response = client.post(reverse("responses:thank", args=[conversation.pk]))

    reply = Reply.objects.get()
    assert response.status_code == 302
    assert response["Location"].endswith(f"#reply-{reply.pk}")
    followed = client.get(response["Location"]).content.decode()
    assert "Thanks queued" in followed
    assert "liked too" in followed


def test_no_thank_button_without_praise(agent, login):
    conversation = ConversationFactory.create(intent=Intent.COMPLAINT)
    page = login(agent).get(reverse("inbox:conversation", args=[conversation.pk])).content
    assert b'data-shortcut="t"' not in page


def test_an_agent_not_working_the_channel_gets_404(agent, login):
    other = make_agent(display_name="Olga Other", initials="OO")
    conversation = ConversationFactory.create(
        channel_account=ChannelAccountFactory.create(agents=[other]), intent=Intent.PRAISE
    )
    pool = CouponPool.objects.create(name="Maaf", offer="10 %")
    Coupon.objects.create(pool=pool, code="MAAF-1")
    client = login(agent)

    assert client.post(reverse("responses:thank", args=[conversation.pk])).status_code == 404
    given = client.post(reverse("responses:give-coupon", args=[conversation.pk]), {"pool": pool.pk})
    assert given.status_code == 404
    assert not Reply.objects.exists()
    assert not Coupon.objects.filter(given_at__isnull=False).exists()


# --- goodwill suggestions --------------------------------------------------------------------
def history(customer, count, *, days_ago=10, **fields):
    """`count` earlier conversations of the customer, `days_ago` days ago."""
    opened = timezone.now() - timedelta(days=days_ago)
    account = ChannelAccountFactory.create()
    made = []
    for _ in range(count):
        conversation = ConversationFactory.create(
            channel_account=account, customer=customer, **fields
        )
        Conversation.objects.filter(pk=conversation.pk).update(opened_at=opened)
        made.append(conversation)
    return made


def suggested(conversation: Conversation) -> Suggestion:
    suggestion = goodwill_suggestion(conversation)
    assert suggestion is not None
    return suggestion


def test_a_first_time_customer_gets_no_suggestion(agent):
    assert goodwill_suggestion(ConversationFactory.create()) is None


def test_the_fifth_conversation_in_a_year_suggests_an_offer(agent, settings):
    customer = CustomerFactory.create()
    history(customer, 3, days_ago=200)
    history(customer, 1, days_ago=400)  # over a year ago: not counted
    fourth = ConversationFactory.create(customer=customer)
    assert goodwill_suggestion(fourth) is None

    history(customer, 1, days_ago=30)
    suggestion = goodwill_suggestion(fourth)
    assert suggestion is not None
    assert suggestion.reasons == ["5th conversation in 12 months"]
    settings.CARE_GOODWILL_MIN_CONVERSATIONS = 6
    assert goodwill_suggestion(fourth) is None


def test_a_topic_for_the_third_time_in_90_days_suggests_an_offer(agent):
    battery = Topic.objects.create(name="laptop battery", phrases=["battery"])
    billing = Topic.objects.create(name="billing", phrases=["bill"])
    customer = CustomerFactory.create()
    for earlier in history(customer, 2, days_ago=20):
        earlier.topics.add(battery, billing)
    history(customer, 1, days_ago=120)[0].topics.add(billing)  # billing twice only in 90 days
    conversation = ConversationFactory.create(customer=customer)
    conversation.topics.add(battery)
    assert suggested(conversation).reasons == ["3rd time about laptop battery"]

    conversation.topics.set([billing])
    assert suggested(conversation).reasons == ["3rd time about billing"]
    conversation.topics.clear()
    assert goodwill_suggestion(conversation) is None


def test_three_unhappy_conversations_in_90_days_suggest_an_offer(agent, settings):
    settings.CARE_GOODWILL_MIN_CONVERSATIONS = 10
    customer = CustomerFactory.create()
    history(customer, 2, sentiment=Sentiment.NEGATIVE)
    history(customer, 1, days_ago=100, sentiment=Sentiment.NEGATIVE)
    conversation = ConversationFactory.create(customer=customer)
    assert goodwill_suggestion(conversation) is None

    history(customer, 1, sentiment=Sentiment.NEGATIVE)
    assert suggested(conversation).reasons == ["3 unhappy conversations in the last 90 days"]


def test_the_suggestion_lists_active_pools_with_codes_left(agent, settings):
    settings.CARE_GOODWILL_MIN_CONVERSATIONS = 1
    conversation = ConversationFactory.create()
    full = create_pool(name="Maaf voucher 10%", offer="10 % off", by=None)
    add_codes(pool=full, text="A1\nA2", by=None)
    create_pool(name="Empty", offer="nothing left", by=None)
    off = create_pool(name="Old", offer="5 % off", by=None)
    add_codes(pool=off, text="B1", by=None)
    CouponPool.objects.filter(pk=off.pk).update(is_active=False)

    suggestion = suggested(conversation)

    assert [(o.pool.name, o.free) for o in suggestion.pools] == [("Maaf voucher 10%", 2)]
    give_coupon(conversation=conversation, pool=full, by=agent)
    suggestion = suggested(conversation)
    assert suggestion.pools == []  # this case got its code from that pool
    assert [c.code for c in suggestion.given] == ["A1"]


# --- giving codes ----------------------------------------------------------------------------
def test_each_code_is_given_once_and_recorded(agent):
    pool = create_pool(name="Maaf", offer="10 % off", by=None)
    add_codes(pool=pool, text="CODE-1\nCODE-2", by=None)
    first, second, third = ConversationFactory.create_batch(3)

    a = give_coupon(conversation=first, pool=pool, by=agent)
    b = give_coupon(conversation=second, pool=pool, by=agent)
    with pytest.raises(CareError) as empty:
        give_coupon(conversation=third, pool=pool, by=agent)

    assert {a.code, b.code} == {"CODE-1", "CODE-2"}
    assert empty.value.code == "empty"
    assert empty.value.message.startswith("The pool is empty")
    assert (a.customer, a.conversation, a.given_by) == (first.customer, first, agent)
    assert a.given_at is not None
    event = ConversationEvent.objects.get(conversation=first)
    assert (event.kind, event.actor, event.data["code"]) == ("coupon", agent, a.code)
    assert AuditEvent.objects.filter(verb="coupon_given").count() == 2


def test_the_same_case_gets_one_code_per_pool(agent):
    pool = create_pool(name="Maaf", offer="10 % off", by=None)
    add_codes(pool=pool, text="C1\nC2", by=None)
    conversation = ConversationFactory.create()
    given = give_coupon(conversation=conversation, pool=pool, by=agent)

    with pytest.raises(CareError) as refused:
        give_coupon(conversation=conversation, pool=pool, by=agent)

    assert refused.value.code == "already_given"
    assert given.code in refused.value.message
    assert Coupon.objects.filter(given_at__isnull=True).count() == 1


def test_an_inactive_pool_gives_nothing(agent):
    pool = create_pool(name="Maaf", offer="10 % off", by=None)
    add_codes(pool=pool, text="C1", by=None)
    CouponPool.objects.filter(pk=pool.pk).update(is_active=False)
    pool.refresh_from_db()
    with pytest.raises(CareError) as refused:
        give_coupon(conversation=ConversationFactory.create(), pool=pool, by=agent)
    assert refused.value.code == "inactive"


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_agents_at_the_same_moment_get_two_different_codes():
    agents = [make_agent(initials="AQ"), make_agent(initials="BQ")]
    pool = create_pool(name="Maaf", offer="10 % off", by=None)
    add_codes(pool=pool, text="\n".join(f"CODE-{n}" for n in range(5)), by=None)
    conversations = ConversationFactory.create_batch(2)
    start = threading.Barrier(2)
    codes: list[str] = []
    errors: list[BaseException] = []

    def give(conversation, agent):
        try:
            start.wait()
            codes.append(give_coupon(conversation=conversation, pool=pool, by=agent).code)
        except BaseException as error:  # reported below, not lost in the thread
            errors.append(error)
        finally:
            connection.close()

    threads = [
        threading.Thread(target=give, args=pair) for pair in zip(conversations, agents, strict=True)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)

    assert errors == []
    assert len(codes) == 2 and len(set(codes)) == 2
    assert Coupon.objects.filter(given_at__isnull=False).count() == 2


def test_pasted_codes_skip_blanks_and_duplicates(agent):
    other = create_pool(name="Other", offer="5 %", by=None)
    add_codes(pool=other, text="KNOWN", by=None)
    pool = create_pool(name="Maaf", offer="10 %", by=None)

    added = add_codes(pool=pool, text="A1\n\n  A2  \nA1\nKNOWN\n" + "X" * 65 + "\n", by=agent)

    assert (added.added, added.duplicates, added.blank, added.too_long) == (2, 2, 1, 1)
    assert sorted(pool.coupons.values_list("code", flat=True)) == ["A1", "A2"]


def test_a_pool_needs_a_unique_name(agent):
    create_pool(name="Maaf voucher", offer="10 %", by=agent)
    with pytest.raises(CareError) as refused:
        create_pool(name="maaf  VOUCHER", offer="x", by=agent)
    assert refused.value.code == "duplicate"
    with pytest.raises(CareError):
        create_pool(name=" ", offer="x", by=agent)


# --- pages -----------------------------------------------------------------------------------
def test_an_agent_gives_a_code_from_the_customer_panel(agent, login, settings):
    settings.CARE_GOODWILL_MIN_CONVERSATIONS = 1
    conversation = ConversationFactory.create()
    pool = create_pool(name="Maaf voucher 10%", offer="Diskon 10%", by=None)
    add_codes(pool=pool, text="MAAF10-AAAA\nMAAF10-BBBB", by=None)
    client = login(agent)
    url = reverse("inbox:conversation", args=[conversation.pk])
    before = client.get(url).content.decode()
    assert "1st conversation in 12 months" in before
    assert "Give a code" in before

    response = client.post(
        reverse("responses:give-coupon", args=[conversation.pk]), {"pool": pool.pk}
    )

    assert response.status_code == 302
    assert response["Location"].endswith("#goodwill")
    page = client.get(response["Location"]).content.decode()
    assert "Code MAAF10-AAAA given (Diskon 10%)" in page
    assert 'data-insert-code="MAAF10-AAAA"' in page
    assert "Give a code" not in page  # one per pool per case; the pool has no other use


def test_giving_from_an_empty_pool_says_so(agent, login, settings):
    settings.CARE_GOODWILL_MIN_CONVERSATIONS = 1
    conversation = ConversationFactory.create()
    pool = create_pool(name="Maaf", offer="10 %", by=None)
    client = login(agent)

    response = client.post(
        reverse("responses:give-coupon", args=[conversation.pk]), {"pool": pool.pk}, follow=True
    )

    assert "The pool is empty" in response.content.decode()
    page = client.get(reverse("inbox:conversation", args=[conversation.pk])).content.decode()
    assert "No goodwill code left to give" in page


def test_only_supervisors_manage_pools(agent, login):
    client = login(agent)
    assert client.get(reverse("responses:goodwill")).status_code == 403
    assert client.post(reverse("responses:goodwill-new"), {"name": "x"}).status_code == 403
    assert not CouponPool.objects.exists()


def test_a_supervisor_creates_a_pool_adds_codes_and_deactivates_it(supervisor, login):
    client = login(supervisor)
    created = client.post(
        reverse("responses:goodwill-new"),
        {"name": "Maaf voucher 10%", "offer": "Diskon 10%", "codes": "M1\nM2\n\nM1\n"},
        follow=True,
    )
    pool = CouponPool.objects.get()
    assert "2 codes added; 1 duplicate skipped; 1 blank line skipped." in created.content.decode()

    added = client.post(
        reverse("responses:goodwill-pool", args=[pool.pk]), {"codes": "M3\nM2"}, follow=True
    )
    assert "1 code added; 1 duplicate skipped." in added.content.decode()
    listing = client.get(reverse("responses:goodwill")).content.decode()
    assert "Maaf voucher 10%" in listing and ">3<" in listing

    client.post(reverse("responses:goodwill-active", args=[pool.pk]), {"active": "0"})
    pool.refresh_from_db()
    assert pool.is_active is False
    settings_page = client.get(reverse("settings:index")).content.decode()
    assert reverse("responses:goodwill") in settings_page


def test_pool_names_and_offers_are_escaped(supervisor, agent, login, settings):
    settings.CARE_GOODWILL_MIN_CONVERSATIONS = 1
    pool = create_pool(name="<script>alert(1)</script>", offer="<b>free</b>", by=None)
    add_codes(pool=pool, text="<i>CODE</i>", by=None)
    conversation = ConversationFactory.create()
    give_coupon(conversation=conversation, pool=pool, by=agent)

    listing = login(supervisor).get(reverse("responses:goodwill")).content.decode()
    detail = login(supervisor).get(reverse("responses:goodwill-pool", args=[pool.pk])).content
    page = login(agent).get(reverse("inbox:conversation", args=[conversation.pk])).content

    assert "<script>alert(1)</script>" not in listing
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in listing
    assert b"<i>CODE</i>" not in detail and b"&lt;i&gt;CODE&lt;/i&gt;" in detail
    assert b"<b>free</b>" not in page and b"&lt;b&gt;free&lt;/b&gt;" in page
