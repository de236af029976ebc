"""The pages in a real browser: Debian's Chromium driven by Playwright."""

from __future__ import annotations

from django.core.files.base import ContentFile

from care.demo import draw_avatar
from tests.browser import BROWSER_MARKS, close_quietly, log_in
from tests.factories import make_agent

pytestmark = BROWSER_MARKS


def test_an_agent_logs_in_and_sees_the_empty_inbox(page, transactional_db):
    agent = make_agent(display_name="Budi Santoso", initials="BS")
    log_in(page, agent.user.username)
    page.wait_for_url("**/inbox/")
    assert page.locator("h1").inner_text() == "All open"
    assert "No channel is connected yet" in page.locator(".empty").inner_text()
    assert "^BS" in page.locator(".whoami").inner_text()


def test_switching_to_bahasa_indonesia(page, transactional_db):
    agent = make_agent(initials="DL")
    log_in(page, agent.user.username)
    page.wait_for_url("**/inbox/")
    page.select_option("#language-select", "id")
    page.wait_for_load_state("load")
    page.locator("nav.mainnav >> text=Kotak Masuk").wait_for()
    assert page.locator("h1").inner_text() == "Semua terbuka"
    assert page.locator("html").get_attribute("lang") == "id"


def test_the_public_team_page_shows_faces_on_a_phone(browser, live_server, transactional_db):
    make_agent(
        display_name="Maya Putri", initials="MP", photo=ContentFile(draw_avatar("MP"), "mp.png")
    )
    context = browser.new_context(viewport={"width": 390, "height": 844}, base_url=live_server.url)
    page = context.new_page()
    page.goto("/team/")
    card = page.locator("#agent-MP")
    assert "Maya Putri" in card.inner_text()
    loaded = card.locator("img").evaluate("img => img.complete && img.naturalWidth > 0")
    assert loaded, "the photo did not load"
    # Nothing wider than the phone: no sideways scrolling.
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    close_quietly(context)


def test_an_agent_gets_a_friendly_403_for_the_dashboard(page, transactional_db):
    agent = make_agent(initials="AT")
    log_in(page, agent.user.username)
    page.wait_for_url("**/inbox/")
    response = page.goto("/dashboard/")
    assert response is not None and response.status == 403
    assert "Not for your role" in page.locator("h1").inner_text()


def test_the_bell_counts_a_new_notification_without_a_reload(page, transactional_db, settings):
    from care.models import Notification

    settings.CARE_BELL_POLL_SECONDS = 1
    agent = make_agent(initials="NB")
    log_in(page, agent.user.username)
    page.wait_for_url("**/inbox/")
    assert page.locator(".bell .bell-count").count() == 0
    Notification.objects.create(recipient=agent.user, verb="spike", text="Spike: battery")
    Notification.objects.create(recipient=agent.user, verb="sla_answer_warned", text="Due soon")
    page.locator(".bell .bell-count").wait_for(timeout=5000)
    assert page.locator(".bell .bell-count").inner_text().startswith("2")
    assert "bell-unread" in (page.locator(".bell").get_attribute("class") or "")


def test_the_dashboard_draws_its_charts_and_redraws_itself_live(page, transactional_db):
    from datetime import timedelta

    from django.utils import timezone

    from care.metrics.rollups import refresh_rollups
    from inbox.models import Message
    from tests.factories import ConversationFactory, MessageFactory

    supervisor = make_agent("supervisor", initials="SV")
    answerer = make_agent(display_name="Budi Santoso", initials="BS")

    def a_case(minutes: int) -> None:
        now = timezone.now()
        conversation = ConversationFactory.create()
        MessageFactory.create(
            conversation=conversation, platform_created_at=now - timedelta(hours=1)
        )
        MessageFactory.create(
            conversation=conversation,
            direction=Message.Direction.OUTBOUND,
            author_agent=answerer,
            platform_created_at=now - timedelta(hours=1) + timedelta(minutes=minutes),
        )

    a_case(12)
    refresh_rollups()
    log_in(page, supervisor.user.username)
    page.wait_for_url("**/inbox/")
    page.goto("/dashboard/?days=1&clock=calendar")
    opened = page.locator(".tile", has_text="Cases opened").locator(".tile-value")
    assert opened.inner_text() == "1"
    drawn = "id => !!Chart.getChart(document.getElementById(id))"
    page.wait_for_function(f"({drawn})('chart-distribution')")
    assert page.evaluate(f"({drawn})('chart-volume')")
    page.get_by_role("button", name="Agent", exact=True).click()
    labels = page.evaluate("Chart.getChart(document.getElementById('chart-by')).data.labels")
    assert labels == ["Budi Santoso"]
    # A new case lands; the rollups catch up; the page redraws without a reload.
    a_case(40)
    refresh_rollups()
    page.evaluate("document.dispatchEvent(new Event('visibilitychange'))")
    page.wait_for_function("document.querySelector('#dashboard').dataset.refreshedAt !== undefined")
    assert opened.inner_text() == "2"
    assert page.evaluate(f"({drawn})('chart-distribution')")
