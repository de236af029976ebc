"""Images in the reply box in a real browser: chosen files are previewed, one is taken out,
and the reply goes with the other."""

from __future__ import annotations

import io
import re
import time

import pytest
from PIL import Image
from playwright.sync_api import expect

from care.models import Agent
from responses.models import Reply
from tests.browser import BROWSER_MARKS, log_in
from tests.factories import ChannelAccountFactory, ConversationFactory, MessageFactory, make_agent

pytestmark = BROWSER_MARKS


@pytest.fixture
def alice(transactional_db) -> Agent:
    return make_agent(display_name="Alice Agent", initials="AA")


def png(color: str) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (300, 200), color).save(buffer, format="PNG")
    return buffer.getvalue()


def _sent(timeout: float = 8.0) -> Reply | None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        reply = Reply.objects.first()
        if reply is not None:
            return reply
        time.sleep(0.1)
    return None


def test_an_agent_previews_images_removes_one_and_sends_the_other(page, alice):
    conversation = ConversationFactory.create(
        channel_account=ChannelAccountFactory.create(name="BrandCares")
    )
    MessageFactory.create(conversation=conversation, text="@BrandCares where is the setting?")
    log_in(page, alice.user.username)
    page.wait_for_url("**/inbox/")
    page.goto(f"/inbox/{conversation.pk}/")

    images = page.get_by_label("Add images")
    images.set_input_files(
        [
            {"name": "step-1.png", "mimeType": "image/png", "buffer": png("teal")},
            {"name": "step-2.png", "mimeType": "image/png", "buffer": png("orange")},
        ]
    )
    previews = page.locator("[data-previews] li")
    expect(previews).to_have_count(2)
    expect(previews.nth(0)).to_contain_text("step-1.png")
    expect(previews.nth(0).locator("img")).to_have_attribute("src", re.compile(r"^blob:"))

    page.get_by_role("button", name="Remove step-2.png").click()
    expect(previews).to_have_count(1)
    expect(previews.first).to_contain_text("step-1.png")
    expect(page.get_by_role("button", name="Remove step-1.png")).to_be_focused()

    page.locator("[data-reply-form] textarea").fill("Here it is, step by step")
    page.locator("[data-reply-form] button[type=submit]").click()

    reply = _sent()
    assert reply is not None
    assert [a["name"] for a in reply.attachments] == ["step-1.png"]
    thumbnail = page.locator(f"#reply-{reply.pk} img[alt='step-1.png']")
    expect(thumbnail).to_be_visible()
    assert (
        page.evaluate("(img) => img.complete && img.naturalWidth", thumbnail.element_handle())
        == 300
    )
