"""A live server (uvicorn in a thread, SQLite) and Debian's chromium driven by Playwright."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

CHROMIUM = "/usr/bin/chromium"
SCREENSHOTS = os.environ.get("PRICING_SCREENSHOTS")  # a folder: save page screenshots there

try:
    from playwright.sync_api import sync_playwright
except ImportError:  # pragma: no cover
    sync_playwright = None


def _browser_missing() -> str | None:
    if sync_playwright is None:
        return "playwright is not installed"
    if not Path(CHROMIUM).exists():
        return f"{CHROMIUM} is not installed (apt-get install chromium)"
    return None


def pytest_collection_modifyitems(config, items):
    reason = _browser_missing()
    if reason is None:
        return
    if os.environ.get("PRICING_REQUIRE_BROWSER"):
        raise pytest.UsageError(f"browser tests required but {reason}")
    for item in items:
        if "e2e" in str(item.fspath):
            item.add_marker(pytest.mark.skip(reason=reason))


@pytest.fixture(scope="module")
def live_server(tmp_path_factory):
    from tests.conftest import live_server_for

    url = f"sqlite:///{tmp_path_factory.mktemp('e2e') / 'pricing.sqlite3'}"
    with live_server_for(url) as served:
        yield served


@pytest.fixture(scope="module")
def live_server_pg(tmp_path_factory):
    """The app on PostgreSQL (as production runs it), for the flows whose queries matter there."""
    from tests.conftest import PG_URL, fresh_database, live_server_for

    if not PG_URL:
        pytest.skip("PRICING_TEST_DATABASE_URL not set")
    with fresh_database("postgresql", tmp_path_factory.mktemp("e2e-pg")) as url, live_server_for(
            url, audit_dir=tmp_path_factory.mktemp("e2e-audits")) as served:
        yield served


@pytest.fixture(scope="module")
def browser():
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                  "--disable-sync", "--no-first-run", "--disable-quic"])
        yield browser
        browser.close()


VIEWPORTS = {"desktop": {"width": 1366, "height": 860}, "phone": {"width": 390, "height": 844}}


@pytest.fixture(params=list(VIEWPORTS))
def page(browser, request):
    """A fresh browser page at each size the pages are used at: a desktop and a phone."""
    context = browser.new_context(viewport=VIEWPORTS[request.param], locale="zh-CN", accept_downloads=True)
    page = context.new_page()
    yield page
    context.close()


def is_phone(page) -> bool:
    return page.viewport_size["width"] < 600


#: Names (of items and rules) on the page that wrap to lines of fewer than three characters: the
#: sign of a column squeezed to one character's width.
_SQUEEZED_NAMES = """() => Array.from(document.querySelectorAll(".name, .rule-name"))
  .filter((el) => el.getClientRects().length && el.textContent.trim().length >= 4)
  .map((el) => {
    const range = document.createRange(); range.selectNodeContents(el);
    const lines = new Set(Array.from(range.getClientRects(), (r) => Math.round(r.top))).size;
    return {text: el.textContent.trim(), lines};
  })
  .filter((name) => name.lines > 1 && name.text.length / name.lines < 3)"""

#: Visible form fields without a label (a placeholder is not one).
_UNLABELLED = """() => Array.from(document.querySelectorAll("input, select, textarea"))
  .filter((el) => el.type !== "hidden" && el.getClientRects().length)
  .filter((el) => !el.labels.length && !el.getAttribute("aria-label"))
  .map((el) => el.id || el.name)"""


def assert_page_fits(page) -> None:
    """The page never scrolls sideways, no name wraps a character a line, every field has a label."""
    width = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert width[0] <= width[1], f"{page.url} is {width[0]} px wide in a {width[1]} px window"
    assert page.evaluate(_SQUEEZED_NAMES) == [], page.url
    assert page.evaluate(_UNLABELLED) == [], page.url


def shoot(page, name: str, at: str | None = None) -> None:
    """Save a screenshot (PRICING_SCREENSHOTS): `name.png` at desktop size, `name-phone.png` on a
    phone, scrolled on a phone to show `at` (a selector) first."""
    if SCREENSHOTS:
        Path(SCREENSHOTS).mkdir(parents=True, exist_ok=True)
        if at and is_phone(page):
            page.locator(at).first.evaluate("e => e.scrollIntoView({block: 'start'})")
        suffix = "-phone" if is_phone(page) else ""
        page.screenshot(path=str(Path(SCREENSHOTS) / f"{name}{suffix}.png"), full_page=False)
