"""Real headless Chromium for the page tests: Debian's ``chromium`` driven by Playwright.

Playwright's own browser downloads are never used; the system executable is launched (install it
with ``scripts/ensure-chromium.sh``, which ``make test`` runs). Every test can save a screenshot under
``test-output/screenshots/`` so a person can look at what the browser showed.
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

SCREENSHOTS = Path("test-output/screenshots")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PHONE = {
    "viewport": {"width": 390, "height": 844},
    "user_agent": (
        "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 "
        "(KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1"
    ),
    "is_mobile": True,
    "has_touch": True,
}


def chromium_path() -> str | None:
    explicit = os.environ.get("PAYMUX_CHROMIUM")
    if explicit:
        return explicit
    return shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    """Per module: Playwright's sync API runs an event loop in the main thread while it lives."""
    executable = chromium_path()
    if executable is None:
        message = "Chromium is not installed; run scripts/ensure-chromium.sh (make test does)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=executable, headless=True, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture
def page(browser, request: pytest.FixtureRequest) -> Iterator[object]:  # type: ignore[no-untyped-def]
    """A fresh desktop browser context per test (own cookies), 1280×900."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="ko-KR")
    context.set_default_timeout(15_000)
    opened = context.new_page()
    yield opened
    context.close()


@pytest.fixture
def phone_page(browser) -> Iterator[object]:  # type: ignore[no-untyped-def]
    """A fresh phone-sized context whose user agent says iPhone (the SDK's mobile redirect flow)."""
    context = browser.new_context(locale="ko-KR", **PHONE)
    context.set_default_timeout(15_000)
    opened = context.new_page()
    yield opened
    context.close()


def screenshot(page, request: pytest.FixtureRequest, step: str = "") -> Path:  # type: ignore[no-untyped-def]
    """Save what the page shows now as test-output/screenshots/<test>[-<step>].png."""
    name = re.sub(r"[^A-Za-z0-9_.-]+", "_", request.node.name + (f"-{step}" if step else ""))
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
