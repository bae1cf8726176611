"""Issue #14 item 7: ``/`` leads a person to the console, the demo shop and the API docs (not the
API's JSON 404), and paymux has a favicon; in real Chromium."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.browser import screenshot
from tests.harness import GatewayServer


def test_the_root_page_links_the_console_demo_and_docs(page: Any, request: pytest.FixtureRequest, gateway: GatewayServer) -> None:
    page.goto(gateway.base_url + "/")
    assert "아임포트" in page.get_by_test_id("home").inner_text()
    screenshot(page, request, "home")
    for link, lands_on in (("home-docs", "/docs"), ("home-demo", "/demo"), ("home-console", "/console/login")):
        page.goto(gateway.base_url + "/")
        page.get_by_test_id(link).click()
        page.wait_for_url(f"**{lands_on}**")
        assert page.evaluate("document.contentType") == "text/html"
    icon = httpx.get(gateway.base_url + "/favicon.ico", timeout=30)
    assert icon.status_code == 200 and icon.headers["content-type"].startswith("image/svg+xml") and b"<svg" in icon.content
    assert httpx.get(gateway.base_url + "/?lang=en", timeout=30).text.count("Merchant console") == 1
