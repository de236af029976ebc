"""Praise and goodwill in a real browser: `t` thanks the customer; the customer panel
suggests a goodwill offer, gives a code and inserts it in the reply."""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from care.models import Agent
from inbox.models import Conversation, Intent, Message, Sentiment, Topic
from responses.models import Reply
from responses.services.goodwill import add_codes, create_pool
from tests.browser import BROWSER_MARKS, log_in
from tests.factories import (
    ChannelAccountFactory,
    ConversationFactory,
    CustomerFactory,
    CustomerIdentityFactory,
    MessageFactory,
    make_agent,
)

# Set CARE_SCREENSHOTS=1 to refresh the docs' picture; otherwise it goes to a tmp dir.
DOCS_SCREENSHOT = Path(__file__).resolve().parents[2] / "docs" / "screenshots" / "goodwill.png"

pytestmark = BROWSER_MARKS


@pytest.fixture
def alice(transactional_db) -> Agent:
    return make_agent(display_name="Alice Agent", initials="AA")


def praise_case(
    alice: Agent, *, text: str = "@BrandCares the new battery is great!"
) -> Conversation:
    account = ChannelAccountFactory.create(name="BrandCares", agents=[alice])
    customer = CustomerFactory.create(display_name="Rina Wijaya")
    identity = CustomerIdentityFactory.create(
        customer=customer, handle="rina_w", name="Rina Wijaya"
    )
    conversation = ConversationFactory.create(
        channel_account=account,
        customer=customer,
        language="en",
        intent=Intent.PRAISE,
        sentiment=Sentiment.POSITIVE,
        preview=text,
    )
    MessageFactory.create(
        conversation=conversation,
        author_identity=identity,
        text=text,
        intent=Intent.PRAISE,
        sentiment=Sentiment.POSITIVE,
    )
    return conversation


def test_pressing_t_thanks_the_customer_and_the_reply_shows_queued(page, alice):
    conversation = praise_case(alice)
    log_in(page, alice.user.username)
    page.wait_for_url("**/inbox/")
    page.goto(f"/inbox/{conversation.pk}/")
    expect(page.locator("[data-shortcut=t]")).to_be_visible()

    page.locator("body").press("t")

    page.wait_for_url(f"**/inbox/{conversation.pk}/#reply-*")
    reply = Reply.objects.get()
    entry = page.locator(f"#reply-{reply.pk}")
    expect(entry).to_contain_text("Thanks for praise")
    expect(entry.locator(".reply-status")).to_have_text("Queued")
    expect(entry).to_contain_text("Rina")
    expect(page.locator(".messages")).to_contain_text("Thanks queued")
    assert reply.purpose == Reply.Purpose.THANKS
    assert Conversation.objects.get(pk=conversation.pk).assignee == alice


def test_t_in_the_reply_box_is_just_a_letter(page, alice):
    conversation = praise_case(alice)
    log_in(page, alice.user.username)
    page.wait_for_url("**/inbox/")
    page.goto(f"/inbox/{conversation.pk}/")

    box = page.locator("form[data-reply-form] textarea")
    box.click()
    box.press_sequentially("thanks", delay=20)

    expect(box).to_have_value("thanks")
    assert not Reply.objects.exists()


def test_the_customer_panel_suggests_an_offer_and_inserts_the_code(page, alice, tmp_path):
    conversation = praise_case(alice, text="@BrandCares battery died again, third time!")
    Conversation.objects.filter(pk=conversation.pk).update(
        intent=Intent.COMPLAINT, sentiment=Sentiment.NEGATIVE
    )
    Message.objects.filter(conversation=conversation).update(intent=Intent.COMPLAINT)
    battery = Topic.objects.create(name="laptop battery", phrases=["battery"])
    conversation.topics.add(battery)
    for days, preview in [(20, "Battery drains in an hour"), (60, "Battery swollen?"),
                          (150, "Where is my invoice"), (250, "Keyboard key stuck")]:  # fmt: skip
        earlier = ConversationFactory.create(
            channel_account=conversation.channel_account,
            customer=conversation.customer,
            status=Conversation.Status.RESOLVED,
            preview=preview,
        )
        Conversation.objects.filter(pk=earlier.pk).update(
            opened_at=timezone.now() - timedelta(days=days)
        )
        if "Battery" in preview:
            earlier.topics.add(battery)
    voucher = create_pool(name="Maaf voucher 10%", offer="10% off the next order", by=None)
    add_codes(pool=voucher, text="MAAF10-7Q2K\nMAAF10-X8PD\nMAAF10-L4TC", by=None)
    shipping = create_pool(name="Free shipping", offer="Free shipping on one order", by=None)
    add_codes(pool=shipping, text="SHIPFREE-91", by=None)

    log_in(page, alice.user.username)
    page.wait_for_url("**/inbox/")
    page.goto(f"/inbox/{conversation.pk}/")
    goodwill = page.locator("#goodwill")
    expect(goodwill).to_contain_text("5th conversation in 12 months")
    expect(goodwill).to_contain_text("3rd time about laptop battery")

    goodwill.locator("select").select_option(label="Maaf voucher 10% (3 codes left)")
    goodwill.get_by_role("button", name="Give a code").click()
    page.wait_for_url("**#goodwill")
    expect(page.locator(".messages")).to_contain_text("Code MAAF10-7Q2K given")
    box = page.locator("form[data-reply-form] textarea")
    box.fill("So sorry about the battery, Rina. Here is 10% off your next order:")
    page.locator("#goodwill").get_by_role("button", name="Insert in reply").click()

    expect(box).to_have_value(
        "So sorry about the battery, Rina. Here is 10% off your next order: MAAF10-7Q2K"
    )
    expect(box).to_be_focused()
    expect(page.locator("#goodwill select option")).to_have_count(1)  # free shipping is left
    side = page.locator(".customer-panel")
    side.scroll_into_view_if_needed()
    shot = DOCS_SCREENSHOT if os.environ.get("CARE_SCREENSHOTS") else tmp_path / "goodwill.png"
    side.screenshot(path=str(shot))
