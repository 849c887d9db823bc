"""Fixtures of the browser journeys: one live Warden and one Chromium for the whole folder.

Read tests/browser/README.md first. In short:

- ``warden_server``: a :class:`~tests.browser.server.LiveWarden` serving the demo trust;
- ``new_page(phone=False)``: a page in a fresh browser context (no cookies shared with any
  other page), at 1280×800, or 390×844 as a phone; its console errors are collected;
- ``check_page(page, "name")`` (from ``tests.browser.checks``) on every page a journey visits.

Both big fixtures are package-scoped, not session-scoped: Playwright's event loop makes
Django refuse database work in the same process ("async context"), so it must be gone
before the rest of the suite runs.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, Playwright, sync_playwright

from tests.browser.checks import unchecked_errors, watch
from tests.browser.server import LiveWarden

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}


def pytest_itemcollected(item: pytest.Item) -> None:
    # Every test in this folder is a browser test: `-m browser` runs them alone.
    item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="package")
def warden_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveWarden]:
    server = LiveWarden(var_dir=tmp_path_factory.mktemp("warden-browser"))
    server.prepare()
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="package")
def playwright_instance() -> Iterator[Playwright]:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: run scripts/ensure-test-deps (as root).")
    with sync_playwright() as playwright:
        yield playwright


@pytest.fixture(scope="package")
def browser(playwright_instance: Playwright) -> Iterator[Browser]:
    browser = playwright_instance.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
    try:
        yield browser
    finally:
        browser.close()


NewPage = Callable[..., Page]


@pytest.fixture
def new_page(browser: Browser, warden_server: LiveWarden) -> Iterator[NewPage]:
    """Open pages as different people: each call is a fresh context (its own cookies).

    At teardown, fails the test if a page logged a console error no ``check_page`` reported,
    or the server logged a traceback while the test ran.
    """
    contexts = []
    pages: list[Page] = []
    log_start = warden_server.log_size()

    def make(*, phone: bool = False) -> Page:
        context = browser.new_context(
            base_url=warden_server.url,
            viewport=PHONE if phone else DESKTOP,
            is_mobile=phone,
            has_touch=phone,
            device_scale_factor=3 if phone else 1,
            locale="en-GB",
            timezone_id="Europe/London",
        )
        context.set_default_timeout(15_000)
        context.on("page", opened)
        contexts.append(context)
        page = context.new_page()
        opened(page)
        return page

    def opened(page: Page) -> None:
        # Pages a link opens in a new tab are watched as well.
        watch(page)
        if page not in pages:
            pages.append(page)

    yield make
    leftovers = [f"{page.url}: {error}" for page in pages for error in unchecked_errors(page)]
    for context in contexts:
        context.close()
    server_errors = warden_server.errors_since(log_start)
    assert not server_errors, f"The server logged an error during the test:\n{server_errors}"
    assert not leftovers, "Console errors on pages never checked:\n" + "\n".join(leftovers)
