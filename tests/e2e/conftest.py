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
def browser():
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                  "--disable-sync", "--no-first-run", "--disable-quic"])
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1366, "height": 860}, locale="zh-CN", accept_downloads=True)
    page = context.new_page()
    yield page
    context.close()


def shoot(page, name: str) -> None:
    if SCREENSHOTS:
        Path(SCREENSHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(SCREENSHOTS) / f"{name}.png"), full_page=False)
