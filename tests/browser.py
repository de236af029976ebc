"""What every browser test shares: Debian's Chromium driven by Playwright, and logging in.

Loaded as a plugin by tests/conftest.py, so the `browser` and `page` fixtures are everywhere.
"""

from __future__ import annotations

import os
import shutil
import time
from collections.abc import Iterator

import pytest

from tests.conftest import IN_CI
from tests.factories import PASSWORD

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"

# A browser test module sets `pytestmark = BROWSER_MARKS`.
BROWSER_MARKS = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not os.path.exists(CHROMIUM) and not IN_CI,
        reason="needs Debian's chromium: apt-get install chromium",
    ),
]


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    # Playwright's sync API runs an event loop in this thread; the ORM calls the
    # tests make around it are ordinary synchronous ones.
    from playwright.sync_api import sync_playwright

    with pytest.MonkeyPatch.context() as patch, sync_playwright() as playwright:
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        yield browser
        browser.close()


def close_quietly(context) -> None:
    """Close a browser context once its pages stopped talking to the live server.

    Pages poll (live updates, presence). A request still running in the server thread
    when the test ends holds locks that the next test's table flush then waits on:
    PostgreSQL reports a deadlock. Leaving the page first stops its timers.
    """
    for open_page in context.pages:
        open_page.goto("about:blank")
    time.sleep(0.3)  # a request already in the server finishes in milliseconds
    context.close()


@pytest.fixture
def page(browser, live_server):
    context = browser.new_context(viewport={"width": 1280, "height": 720}, base_url=live_server.url)
    page = context.new_page()
    yield page
    close_quietly(context)


def log_in(page, username: str) -> None:
    page.goto("/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
