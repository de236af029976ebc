"""The agents' inbox in a real browser: live list, keyboard, bulk undo, presence, collisions.

Each test is one thing an agent notices. Times: the list asks /inbox/live every second and
a conversation page reports every 2 seconds, so "live" means within a few seconds here.
"""

from __future__ import annotations

import itertools
import re
import uuid
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from care.models import Agent
from inbox.channels.base import InboundAuthor, InboundEvent
from inbox.models import ChannelAccount, Conversation
from inbox.services.conversations import claim_conversation
from inbox.services.ingest import ingest_events
from responses.services.outbox import send_reply
from tests.browser import BROWSER_MARKS, close_quietly, log_in
from tests.factories import ChannelAccountFactory, DepartmentFactory, make_agent

pytestmark = BROWSER_MARKS

LIVE = 8_000  # ms: a live change shows within a few polls, well under this
_post_ids = itertools.count(1460323737035677698)
_user_ids = itertools.count(2244994945)


@pytest.fixture(autouse=True)
def _no_auto_assign(settings):
    """New cases stay unassigned: no worker runs here, and the tests decide who holds what."""
    settings.CARE_AUTO_ASSIGN = False


@pytest.fixture
def alice(transactional_db) -> Agent:
    return make_agent(display_name="Alice Agent", initials="AA")


@pytest.fixture
def bob(transactional_db) -> Agent:
    return make_agent(display_name="Bob Agent", initials="BB")


@pytest.fixture
def other_page(browser, live_server):
    """A second agent's browser: its own context, so its own session cookie."""
    context = browser.new_context(viewport={"width": 1280, "height": 720}, base_url=live_server.url)
    yield context.new_page()
    close_quietly(context)


def _channel(*agents: Agent) -> ChannelAccount:
    account = ChannelAccountFactory.create(name="BrandCares")
    for agent in agents:
        agent.channels.add(account)
    return account


def _mention(
    account: ChannelAccount,
    text: str,
    *,
    handle: str,
    name: str = "",
    user_id: str | None = None,
    minutes_ago: int = 0,
) -> Conversation:
    """A customer's post stored the way the poller stores it; its conversation back."""
    user_id = user_id or str(next(_user_ids))
    ingest_events(
        account=account,
        events=[
            InboundEvent(
                kind="mention",
                external_id=str(next(_post_ids)),
                created_at=timezone.now() - timedelta(minutes=minutes_ago),
                text=text,
                customer=InboundAuthor(
                    external_id=user_id, handle=handle, name=name or handle.title()
                ),
            )
        ],
    )
    return Conversation.objects.filter(
        channel_account=account, customer__identities__external_id=user_id
    ).latest("opened_at")


def _open(page, agent: Agent, path: str = "/inbox/") -> None:
    log_in(page, agent.user.username)
    page.wait_for_url("**/inbox/")
    if path != "/inbox/":
        page.goto(path)


def _mark_page(page) -> None:
    """A flag that only survives if the page is never reloaded."""
    page.evaluate("window.stillTheSamePage = true")


def _not_reloaded(page) -> bool:
    return page.evaluate("window.stillTheSamePage === true")


def test_two_agents_see_each_other_and_who_is_typing(page, other_page, alice, bob):
    conversation = _mention(
        _channel(alice, bob), "@BrandCares my laptop will not charge", handle="rina"
    )
    url = f"/inbox/{conversation.pk}/"
    _open(page, alice, url)
    _open(other_page, bob, url)

    presence_a = page.locator("[data-presence]")
    expect(presence_a).to_be_visible(timeout=LIVE)
    expect(presence_a).to_contain_text("Also here: ^BB", timeout=LIVE)
    expect(other_page.locator("[data-presence]")).to_contain_text("Also here: ^AA", timeout=LIVE)
    expect(presence_a).not_to_contain_text("typing")

    other_page.locator("[data-reply-form] textarea").press_sequentially("Hi Rina, sorry")

    expect(presence_a.locator(".viewer.typing")).to_have_text("^BB typing a reply…", timeout=LIVE)
    # Bob's own page never lists Bob.
    expect(other_page.locator("[data-presence]")).not_to_contain_text("^BB")


def test_a_claim_shows_on_the_other_agents_open_page(page, other_page, alice, bob):
    conversation = _mention(_channel(alice, bob), "@BrandCares where is my refund", handle="budi")
    url = f"/inbox/{conversation.pk}/"
    _open(other_page, bob, url)
    expect(other_page.locator("[data-claim]")).to_have_text("Unassigned")
    _mark_page(other_page)
    _open(page, alice, url)

    page.keyboard.press("a")

    expect(page.locator("[data-claim]")).to_have_text("Yours")
    expect(page.locator(".messages")).to_contain_text("You claimed this conversation.")
    expect(other_page.locator("[data-claim]")).to_have_text(
        "Claimed by Alice Agent (^AA)", timeout=LIVE
    )
    expect(other_page.locator(".timeline")).to_contain_text("^AA claimed the conversation")
    # Bob's side panel follows: the assignee menu now names Alice.
    expect(other_page.locator("#assignee")).to_have_value(str(alice.pk), timeout=LIVE)
    expect(page.locator("[data-claim-form]")).to_be_hidden()
    assert _not_reloaded(other_page), "Bob's page reloaded"
    conversation.refresh_from_db()
    assert conversation.assignee == alice


def test_a_claim_made_before_the_pages_first_heartbeat_still_shows(page, alice, bob):
    conversation = _mention(_channel(alice, bob), "@BrandCares where is my refund", handle="budi")
    # Bob's page loads, but its heartbeats do not get through at first (a flaky network).
    page.route("**/presence", lambda route: route.abort())
    _open(page, bob, f"/inbox/{conversation.pk}/")
    expect(page.locator("[data-claim]")).to_have_text("Unassigned")
    claim_conversation(conversation=conversation, by=alice)
    page.unroute("**/presence")

    expect(page.locator("[data-claim]")).to_have_text("Claimed by Alice Agent (^AA)", timeout=LIVE)


def _customer_writes_again(conversation: Conversation, alice: Agent) -> str:
    identity = conversation.customer.identities.get()
    _mention(
        conversation.channel_account,
        "Also the charger smells burnt",
        handle=identity.handle,
        user_id=identity.external_id,
    )
    return "Also the charger smells burnt"


def _colleague_answers(conversation: Conversation, alice: Agent) -> str:
    send_reply(
        conversation=conversation,
        by=alice,
        text="Please send us your order number.",
        idempotency_key=uuid.uuid4(),
        confirmed=True,
    )
    return "Please send us your order number."


@pytest.mark.parametrize("meanwhile", [_customer_writes_again, _colleague_answers])
def test_a_reply_is_held_back_when_something_arrived_since_the_page_opened(
    page, alice, bob, meanwhile
):
    conversation = _mention(
        _channel(alice, bob), "@BrandCares my laptop will not charge", handle="rina"
    )
    _open(page, bob, f"/inbox/{conversation.pk}/")
    news = meanwhile(conversation, alice)

    mine = "Sorry to hear that, Rina. Could you try another socket?"
    page.locator("[data-reply-form] textarea").fill(mine)
    page.get_by_role("button", name="Send").click()

    warning = page.locator("#new-activity")
    expect(warning).to_be_visible()
    expect(warning).to_contain_text("New since you opened this conversation")
    expect(warning).to_contain_text(news)
    expect(page.locator("[data-reply-form] textarea")).to_have_value(mine)
    assert conversation.replies.filter(author=bob).count() == 0

    page.get_by_role("button", name="Send anyway").click()

    if meanwhile is _colleague_answers:
        # Alice's answer made the case hers: Bob reads it and does not answer twice.
        expect(page.locator("[data-reply-form] .error")).to_contain_text("holds this conversation")
        assert conversation.replies.filter(author=bob).count() == 0
        return
    expect(page.locator(".messages")).to_contain_text("Reply queued")
    queued = page.locator(".timeline .entry.reply", has_text=mine)
    expect(queued).to_be_visible()
    expect(queued).to_contain_text("Queued")
    expect(queued).to_contain_text("^BB")
    expect(page.locator("#new-activity")).to_have_count(0)
    assert conversation.replies.filter(author=bob, text=mine).count() == 1


def test_the_list_and_a_conversation_work_from_the_keyboard(page, alice):
    account = _channel(alice)
    DepartmentFactory.create(name="Billing")
    newest = _mention(account, "@BrandCares the app crashes", handle="ani", minutes_ago=1)
    middle = _mention(account, "@BrandCares my parcel is late", handle="budi", minutes_ago=2)
    _mention(account, "@BrandCares wrong colour delivered", handle="citra", minutes_ago=3)
    _open(page, alice)

    rows = page.locator(".conversation-row")
    expect(rows).to_have_count(3)
    cursor = page.locator(".conversation-row.cursor")
    expect(cursor).to_have_attribute("data-id", str(newest.pk))
    page.keyboard.press("j")
    expect(cursor).to_have_attribute("data-id", str(middle.pk))
    page.keyboard.press("k")
    expect(cursor).to_have_attribute("data-id", str(newest.pk))

    page.keyboard.press("?")
    dialog = page.locator("#shortcuts")
    expect(dialog).to_be_visible()
    expect(dialog).to_contain_text("Keyboard shortcuts")
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()

    page.keyboard.press("/")
    search = page.locator("#inbox-q")
    expect(search).to_be_focused()
    expect(search).to_have_value("")  # the slash opened the box, it was not typed into it
    page.keyboard.press("Escape")
    expect(search).not_to_be_focused()

    page.keyboard.press("j")
    expect(cursor).to_have_attribute("data-id", str(middle.pk))
    page.keyboard.press("Enter")
    page.wait_for_url(f"**/inbox/{middle.pk}/")

    # On the conversation: r, n and e go to the reply, the note and the escalation.
    reply = page.locator("[data-reply-form] textarea")
    page.keyboard.press("r")
    expect(reply).to_be_focused()
    expect(reply).to_have_value("")  # the r went to the page, not into the box
    page.keyboard.type("Sorry to hear that")
    page.keyboard.press("Escape")
    expect(reply).not_to_be_focused()
    # A second Esc would go back to the list, but not over a half-written reply.
    page.keyboard.press("Escape")
    page.wait_for_timeout(300)
    assert page.url.endswith(f"/inbox/{middle.pk}/")
    expect(reply).to_have_value("Sorry to hear that")
    reply.fill("")
    page.keyboard.press("Escape")
    page.keyboard.press("n")
    expect(page.locator("#note-text")).to_be_focused()
    page.keyboard.press("Escape")
    page.keyboard.press("e")
    expect(page.locator("#escalate")).to_have_attribute("open", "")
    expect(page.locator("#escalate-department")).to_be_visible()
    page.keyboard.press("Escape")

    # The shortcuts dialog closes with Esc here too, and the page stays.
    page.keyboard.press("?")
    expect(dialog).to_be_visible()
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    assert page.url.endswith(f"/inbox/{middle.pk}/")

    page.keyboard.press("s")
    expect(page.locator("[data-status]")).to_have_text("Resolved")
    middle.refresh_from_db()
    assert middle.status == Conversation.Status.RESOLVED

    page.keyboard.press("Escape")
    page.wait_for_url("**/inbox/")
    expect(rows).to_have_count(2)


def test_a_new_mention_appears_in_the_open_list_without_a_reload(page, alice):
    account = _channel(alice)
    _mention(account, "@BrandCares the app crashes", handle="ani", minutes_ago=5)
    _open(page, alice)
    expect(page.locator(".conversation-row")).to_have_count(1)
    _mark_page(page)

    _mention(account, "@BrandCares my order never came", handle="dewi")

    row = page.locator(".conversation-row", has_text="my order never came")
    expect(row).to_be_visible(timeout=LIVE)
    expect(row).to_have_class(re.compile(r"\brow-new\b"))
    expect(page.locator("[data-live-flash]")).to_have_text("1 new")
    expect(page.locator(".conversation-row")).to_have_count(2)
    expect(page.locator(".conversation-row").first).to_contain_text("my order never came")
    expect(page.locator("[data-view=all] .count")).to_have_text("2")
    assert _not_reloaded(page), "the list reloaded"


def test_a_mention_stored_before_the_lists_first_poll_still_shows(page, alice):
    account = _channel(alice)
    _mention(account, "@BrandCares the app crashes", handle="ani", minutes_ago=5)
    # The list loads, but its first looks at /inbox/live do not get through.
    page.route("**/inbox/live", lambda route: route.abort())
    _open(page, alice)
    expect(page.locator(".conversation-row")).to_have_count(1)
    _mention(account, "@BrandCares my order never came", handle="dewi")
    page.unroute("**/inbox/live")

    expect(page.locator(".conversation-row")).to_have_count(2, timeout=LIVE)
    expect(page.locator("[data-live-flash]")).to_have_text("1 new")


def test_bulk_resolve_and_undo(page, alice):
    account = _channel(alice)
    texts = ["spam one", "spam two", "spam three", "a real question"]
    for minutes, text in enumerate(texts):
        _mention(account, f"@BrandCares {text}", handle=f"bot{minutes}", minutes_ago=minutes)
    _open(page, alice)
    rows = page.locator(".conversation-row")
    expect(rows).to_have_count(4)

    # Two with the keyboard, one with its checkbox.
    page.keyboard.press("x")
    page.keyboard.press("j")
    page.keyboard.press("x")
    rows.nth(2).locator(".row-check").check()
    bar = page.locator("[data-bulkbar]")
    expect(bar).to_be_visible()
    expect(bar.locator("[data-bulk-count]")).to_have_text("3 selected")

    bar.get_by_role("button", name="Resolve").click()

    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("a real question")
    toast = page.locator("[data-toast]")
    expect(toast).to_be_visible()
    expect(toast).to_contain_text("Resolve: 3")
    expect(bar).to_be_hidden()
    assert Conversation.objects.filter(status=Conversation.Status.RESOLVED).count() == 3

    toast.get_by_role("button", name="Undo").click()

    expect(rows).to_have_count(4)
    expect(toast).to_contain_text("3")
    expect(page.locator("[data-view=all] .count")).to_have_text("4")
    assert not Conversation.objects.filter(status=Conversation.Status.RESOLVED).exists()


def test_the_inbox_in_bahasa_indonesia(page, alice):
    conversation = _mention(_channel(alice), "@BrandCares aplikasinya error terus", handle="sari")
    _open(page, alice)
    page.select_option("#language-select", "id")

    expect(page.locator("nav.mainnav")).to_contain_text("Kotak Masuk")
    expect(page.locator("html")).to_have_attribute("lang", "id")
    expect(page.locator("#inbox-heading")).to_have_text("Semua terbuka")
    views = page.locator(".inbox-views")
    expect(views.locator("[data-view=mine]")).to_contain_text("Milik saya")
    expect(views.locator("[data-view=unassigned]")).to_contain_text("Belum ditugaskan")
    expect(views.locator("[data-view=waiting]")).to_contain_text("Menunggu pelanggan")
    expect(views.locator("[data-view=escalated]")).to_contain_text("Dieskalasi")
    expect(views.locator("[data-view=resolved]")).to_contain_text("Selesai")
    expect(page.locator("#inbox-q")).to_have_attribute(
        "placeholder", "Cari pesan atau @pengguna  ( / )"
    )
    expect(page.locator(".conversation-row")).to_contain_text("aplikasinya error terus")

    # The conversation page too.
    page.keyboard.press("Enter")
    page.wait_for_url(f"**/inbox/{conversation.pk}/")
    expect(page.locator("[data-claim]")).to_have_text("Belum ditugaskan")
    expect(page.locator("[data-send-button]")).to_contain_text("Kirim")
    page.keyboard.press("a")
    expect(page.locator("[data-claim]")).to_have_text("Milik Anda")


def test_the_inbox_fits_a_phone(browser, live_server, alice):
    # The hard cases: a preview longer than the screen (one line, cut with an ellipsis) and
    # a display name with no space to break at.
    conversation = _mention(
        _channel(alice),
        "@BrandCares my laptop will not charge since the last update, I tried two cables "
        "and another socket already, see https://example.com/orders/INV-2024-000123456789",
        handle="sumbermakmur_id",
        name="SumberMakmurSejahteraElektronik",
    )
    context = browser.new_context(viewport={"width": 390, "height": 844}, base_url=live_server.url)
    page = context.new_page()
    try:
        _open(page, alice)
        expect(page.locator(".conversation-row")).to_have_count(1)
        expect(page.locator(".conversation-row")).to_be_visible()
        assert page.evaluate("document.documentElement.scrollWidth") <= 390

        page.locator(".conversation-row a.customer").click()
        page.wait_for_url(f"**/inbox/{conversation.pk}/")
        reply = page.locator("[data-reply-form] textarea")
        expect(reply).to_be_visible()
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        box = reply.bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 390
    finally:
        close_quietly(context)
