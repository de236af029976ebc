"""The Channels board in a real browser: a fault shows within seconds, without a reload."""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

from django.utils import timezone

from inbox.models import ChannelAccount, ChannelIncident, Platform, WebhookDelivery
from tests.browser import BROWSER_MARKS, log_in
from tests.factories import ChannelAccountFactory, MessageFactory, make_agent

# Set CARE_SCREENSHOTS=1 to refresh the README's picture; otherwise it goes to a tmp dir.
DOCS_SCREENSHOT = Path(__file__).resolve().parents[2] / "docs" / "screenshots" / "channels.png"

pytestmark = BROWSER_MARKS


def _accounts() -> tuple[ChannelAccount, ChannelAccount]:
    now = timezone.now()
    main = ChannelAccountFactory.create(
        name="BrandCares",
        last_success_at=now - timedelta(seconds=40),
        poll_interval_seconds=15,
        monthly_read_budget=15000,
        reads_this_month=6120,
        reads_month=now.strftime("%Y-%m"),
        usage_percent=41,
    )
    for _ in range(3):
        MessageFactory.create(conversation__channel_account=main)
    ChannelIncident.objects.create(
        channel_account=main,
        kind=ChannelIncident.Kind.BACKFILL,
        started_at=now - timedelta(minutes=52),
        ended_at=now - timedelta(minutes=40),
        messages_recovered=37,
        detail="Caught up 37 messages after 12 minutes without a poll.",
    )
    ChannelAccountFactory.create(
        platform=Platform.FACEBOOK,
        name="Brand Care Indonesia",
        status=ChannelAccount.Status.RATE_LIMITED,
        rate_limited_until=now + timedelta(minutes=9),
        last_success_at=now - timedelta(minutes=6),
        usage_percent=100,
        last_error="Graph API: (#4) Application request limit reached",
    )
    promo = ChannelAccountFactory.create(
        name="BrandPromo", last_success_at=now - timedelta(seconds=20), usage_percent=12
    )
    WebhookDelivery.objects.create(
        platform=Platform.X, body="<html>502</html>", status=WebhookDelivery.Status.DEAD
    )
    return main, promo


def test_a_fault_shows_on_the_channels_board_without_a_reload(page, transactional_db, tmp_path):
    supervisor = make_agent("supervisor", display_name="Sari Wijaya", initials="SW")
    _, promo = _accounts()
    log_in(page, supervisor.user.username)
    page.wait_for_url("**/inbox/")
    page.goto("/inbox/channels/")
    card = page.locator(f"#channel-{promo.pk}")
    assert "Healthy" in card.locator(".status").inner_text()
    page.evaluate("window.stillTheSamePage = true")

    # What the poller records when X starts failing (record_channel_failure).
    now = timezone.now()
    ChannelAccount.objects.filter(pk=promo.pk).update(
        status=ChannelAccount.Status.DEGRADED,
        last_error="X server error 503: Service Unavailable",
        last_error_at=now,
        failing_since=now,
    )
    ChannelIncident.objects.create(
        channel_account=promo, kind=ChannelIncident.Kind.OUTAGE, detail="X server error 503"
    )

    card.locator("[data-status=degraded]").wait_for(timeout=12_000)
    assert "Degraded" in card.locator(".status").inner_text()
    assert "X server error 503" in card.inner_text()
    assert page.evaluate("window.stillTheSamePage") is True, "the page reloaded"
    assert "1 dead letter" in page.locator(".health-links").inner_text()

    shot = DOCS_SCREENSHOT if os.environ.get("CARE_SCREENSHOTS") else tmp_path / "channels.png"
    page.screenshot(path=str(shot))
