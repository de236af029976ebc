"""The survey on a phone, in a real browser: a customer taps a score and a trust answer,
writes a line, sends, and is thanked; no login anywhere."""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from responses.models import FollowUp, SurveyAnswer
from responses.services.follow_ups import survey_token
from tests.browser import BROWSER_MARKS, close_quietly
from tests.factories import ChannelAccountFactory, ConversationFactory, make_agent

# Set CARE_SCREENSHOTS=1 to refresh the docs' picture; otherwise it goes to a tmp dir.
DOCS_SCREENSHOT = Path(__file__).resolve().parents[2] / "docs" / "screenshots" / "survey.png"

pytestmark = BROWSER_MARKS


@pytest.fixture
def follow_up(transactional_db) -> FollowUp:
    agent = make_agent(display_name="Alice Agent", initials="AA")
    now = timezone.now()
    resolved_at = now - timedelta(days=1)
    conversation = ConversationFactory.create(
        channel_account=ChannelAccountFactory.create(name="NusantaraCares", agents=[agent]),
        language="en",
        status="resolved",
        resolved_at=resolved_at,
        assignee=agent,
    )
    return FollowUp.objects.create(
        conversation=conversation,
        agent=agent,
        status=FollowUp.Status.SENT,
        resolved_at=resolved_at,
        due_at=now,
        sent_at=now,
    )


def test_a_customer_answers_the_survey_on_a_phone(browser, live_server, follow_up, tmp_path):
    context = browser.new_context(
        viewport={"width": 390, "height": 844},
        device_scale_factor=2,
        is_mobile=True,
        has_touch=True,
        base_url=live_server.url,
    )
    page = context.new_page()
    try:
        page.goto(f"/survey/{survey_token(follow_up)}/")
        expect(page.get_by_role("heading", name="Is your problem solved?")).to_be_visible()
        expect(page.locator(".brand")).to_have_text("NusantaraCares")
        shot = DOCS_SCREENSHOT if os.environ.get("CARE_SCREENSHOTS") else tmp_path / "survey.png"

        page.get_by_label("4 – Satisfied").tap()
        page.get_by_label("More than before").tap()
        page.get_by_label("Anything else you want to tell us?").fill("Quick and kind, thank you.")
        # Tap targets: every choice is at least 44 px high, as phone guidelines ask.
        for choice in page.locator(".choice span").all():
            assert choice.bounding_box()["height"] >= 44
        page.locator("textarea").blur()
        page.screenshot(path=str(shot), full_page=True)
        page.get_by_role("button", name="Send my answer").tap()

        expect(page.get_by_role("heading", name="Thank you!")).to_be_visible()
        answer = SurveyAnswer.objects.get(follow_up=follow_up)
        assert (answer.satisfaction, answer.trust) == (4, "more")
        assert answer.comment == "Quick and kind, thank you."
    finally:
        close_quietly(context)
