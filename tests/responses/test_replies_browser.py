"""Two people side by side in real browsers: a trainee's reply waits, a supervisor approves
it, and it is posted to X (the simulator) and shows as sent with its link."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from care.models import Agent
from inbox.models import Message
from inbox.services.polling import poll_channel
from tests.browser import BROWSER_MARKS, close_quietly, log_in
from tests.factories import make_agent

pytestmark = BROWSER_MARKS
LIVE = 10_000  # ms: the thread polls for news every few seconds


@pytest.fixture
def people(transactional_db) -> tuple[Agent, Agent]:
    return (
        make_agent(Agent.Role.TRAINEE, display_name="Tia Trainee", initials="TT"),
        make_agent(Agent.Role.SUPERVISOR, display_name="Sam Supervisor", initials="SS"),
    )


def test_a_trainees_reply_is_approved_and_posted_while_both_watch(
    browser, live_server, simulator, x_account, people, eager_tasks
):
    trainee, supervisor = people
    mention = simulator.x.add_mention(
        text="@NusantaraCares my refund is two weeks late", author={"id": "5401"}
    )
    poll_channel(account_id=x_account.pk)
    conversation = Message.objects.get(external_id=mention["id"]).conversation

    contexts = [browser.new_context(base_url=live_server.url) for _ in range(2)]
    tia, sam = (context.new_page() for context in contexts)
    try:
        log_in(tia, trainee.user.username)
        tia.wait_for_url("**/inbox/")
        tia.goto(f"/inbox/{conversation.pk}/")
        expect(tia.locator("[data-send-button]")).to_contain_text("Send for approval")
        tia.locator("[data-reply-form] textarea").fill("Sorry for the wait! Refund is on its way.")
        tia.locator("[data-reply-form] textarea").press("Control+Enter")
        entry = tia.locator(".timeline .entry.reply")
        expect(entry).to_contain_text("Waiting for approval")

        log_in(sam, supervisor.user.username)
        sam.goto("/responses/approvals/")
        card = sam.locator(".approval", has_text="Refund is on its way")
        card.locator("textarea").fill("Sorry for the wait, Rina! Your refund left us today.")
        card.get_by_role("button", name="Approve").click()
        expect(sam.locator(".messages")).to_contain_text("Approved")

        # The trainee's page updates by itself: posted, with its link on X.
        expect(entry).to_contain_text("Sent", timeout=LIVE)
        expect(entry).to_contain_text("Your refund left us today. ^TT")
        expect(entry.get_by_role("link", name="View on X")).to_be_visible()
    finally:
        for context in contexts:
            close_quietly(context)

    [posted] = simulator.x.latest_brand_replies(5)
    assert posted["text"] == "Sorry for the wait, Rina! Your refund left us today. ^TT"
