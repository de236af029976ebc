"""The `;` picker in a real browser: an agent types ;ship in the reply box and inserts the
saved reply, filled in for the customer."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from care.models import Agent
from responses.services.canned import create_canned
from tests.browser import BROWSER_MARKS, log_in
from tests.factories import ChannelAccountFactory, ConversationFactory, CustomerFactory, make_agent

pytestmark = BROWSER_MARKS


@pytest.fixture
def alice(transactional_db) -> Agent:
    return make_agent(display_name="Alice Agent", initials="AA")


def test_an_agent_inserts_a_saved_reply_with_semicolon_and_arrow_down(page, alice):
    conversation = ConversationFactory.create(
        channel_account=ChannelAccountFactory.create(name="BrandCares", agents=[alice]),
        customer=CustomerFactory.create(display_name="Rina Wijaya"),
        language="en",
    )
    create_canned(
        title="Shipping delay update",
        language="en",
        shortcut="ship courier",
        wordings=["Hi {customer_name}, sorry the parcel is late. Case #{case_number}."],
        by=None,
    )
    create_canned(
        title="Refund in progress",
        language="en",
        wordings=["Hi {customer_name}, the refund is on its way."],
        by=None,
    )
    log_in(page, alice.user.username)
    page.wait_for_url("**/inbox/")
    page.goto(f"/inbox/{conversation.pk}/")

    box = page.locator("form[data-reply-form] textarea")
    box.click()
    box.press_sequentially("Hello! ;ship", delay=30)

    listbox = page.get_by_role("listbox")
    expect(listbox).to_be_visible()
    options = listbox.get_by_role("option")
    expect(options).to_have_count(1)
    expect(options.first).to_contain_text("Shipping delay update")
    expect(box).to_have_attribute("aria-expanded", "true")

    box.press("ArrowDown")
    expect(options.first).to_have_attribute("aria-selected", "true")
    expect(box).to_have_attribute("aria-activedescendant", "canned-option-0")
    box.press("Enter")

    expect(box).to_have_value(
        f"Hello! Hi Rina Wijaya, sorry the parcel is late. Case #{conversation.pk}."
    )
    expect(listbox).to_be_hidden()
    expect(box).to_be_focused()


def test_escape_closes_the_picker_and_keeps_the_text(page, alice):
    conversation = ConversationFactory.create(
        channel_account=ChannelAccountFactory.create(agents=[alice])
    )
    create_canned(title="Shipping delay", language="en", wordings=["Late, sorry."], by=None)
    log_in(page, alice.user.username)
    page.wait_for_url("**/inbox/")
    page.goto(f"/inbox/{conversation.pk}/")

    box = page.locator("form[data-reply-form] textarea")
    box.click()
    box.press_sequentially(";sh", delay=30)
    expect(page.get_by_role("listbox")).to_be_visible()
    box.press("Escape")

    expect(page.get_by_role("listbox")).to_be_hidden()
    expect(box).to_have_value(";sh")
    expect(box).to_be_focused()  # Esc closed the list; it did not leave the box
