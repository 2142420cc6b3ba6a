"""Playwright (sync API) driving Debian's Chromium against pytest-django's live server.

Run with DJANGO_ALLOW_ASYNC_UNSAFE=true (the Makefile does, for this run only): Playwright's sync API runs an event
loop in the test thread, and Django refuses ORM calls from such a thread otherwise.
"""

import os
from pathlib import Path

import pytest

SCREENSHOTS = Path(os.environ.get("SCREENSHOT_DIR", "artifacts/screenshots"))

# The session's Chromium, `browser`, is in tests/conftest.py: one Playwright for every directory's browser tests.


@pytest.fixture
def new_page(browser, live_server):
    """A factory of pages, one browser context (cookie jar) each, logged in as the given user."""
    contexts = []

    def make(username: str, password: str = "rakornis-demo"):
        context = browser.new_context(viewport={"width": 1366, "height": 900}, locale="id-ID")
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(15_000)
        page.goto(f"{live_server.url}/masuk/")
        page.fill("#id_username", username)
        page.fill("#id_password", password)
        page.click("button[type=submit]")
        page.wait_for_url(f"{live_server.url}/")
        return page

    yield make
    for context in contexts:
        context.close()


def screenshot(page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SCREENSHOTS / f"{name}.png", full_page=True)
