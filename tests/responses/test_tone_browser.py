"""The tone check in a real browser: it warns while the agent types, asks once, never blocks."""

from __future__ import annotations

import re
import time

import pytest
from playwright.sync_api import expect

from care.models import Agent
from inbox.models import Intent, Sentiment
from responses.models import Reply
from tests.browser import BROWSER_MARKS, log_in
from tests.factories import ChannelAccountFactory, ConversationFactory, MessageFactory, make_agent

pytestmark = BROWSER_MARKS


@pytest.fixture
def alice(transactional_db) -> Agent:
    return make_agent(display_name="Alice Agent", initials="AA")


def _kept(text: str, timeout: float = 8.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if Reply.objects.filter(text=text).exists():
            return True
        time.sleep(0.1)
    return False


def test_a_shouted_reply_to_a_complaint_is_asked_about_once_then_sent(page, alice):
    conversation = ConversationFactory.create(
        channel_account=ChannelAccountFactory.create(name="BrandCares"),
        intent=Intent.COMPLAINT,
        sentiment=Sentiment.NEGATIVE,
    )
    MessageFactory.create(conversation=conversation, text="@BrandCares my order is 2 weeks late")
    log_in(page, alice.user.username)
    page.wait_for_url("**/inbox/")
    page.goto(f"/inbox/{conversation.pk}/")

    box = page.locator("[data-reply-form] textarea")
    button = page.locator("[data-reply-form] button[type=submit]")
    warnings = page.locator("ul.reply-warnings[role=status]")
    shouted = "WE ARE CHECKING YOUR ORDER NOW, PLEASE WAIT"
    box.fill(shouted)
    expect(warnings).to_contain_text("Mostly capital letters reads as shouting")
    expect(warnings).to_contain_text("The customer complained")
    expect(button).to_have_text(re.compile(r"^Send\b(?! anyway)"))

    # The first send only asks: the warnings stand out and the button says so.
    box.press("Control+Enter")
    expect(button).to_have_text(re.compile(r"^Send anyway"))
    expect(warnings).to_have_class("reply-warnings confirm")
    assert not _kept(shouted, timeout=1.0)

    # A change in the text asks again.
    box.press("End")
    box.type("!")
    expect(button).to_have_text(re.compile(r"^Send\b(?! anyway)"))
    box.press("Backspace")
    button.click()
    expect(button).to_have_text(re.compile(r"^Send anyway"))
    assert not Reply.objects.exists()

    # The second send of the same text goes through.
    button.click()
    assert _kept(shouted)
