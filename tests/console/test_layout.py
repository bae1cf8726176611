"""Issue #14 item 2: every console page and every payment-window screen at 1366×900 (laptop) and
390×844 (phone) in real Chromium, screenshotted to test-output/screenshots/, with the page measured
in the browser: no word inside a table cell is split across lines and no cell is narrower than its
longest word (the "order number one character per line" fault), and the page itself never scrolls
sideways (wide tables scroll inside their own box or become cards).

Two of the screenshots are the README's (the dashboard and the card window at 1366): with
``PAYMUX_UPDATE_SCREENSHOTS=1`` (``make screenshots``) they are written to docs/images/, else beside
the others as test-output/screenshots/readme-*.png."""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from paymux.services import merchants as merchant_service
from tests.browser import CHROMIUM_ARGS, PHONE, SCREENSHOTS, chromium_path
from tests.checkout.shop_site import ShopSite
from tests.console.support import ConsoleAccount
from tests.harness import GatewayServer, TestMerchant, unique

pytestmark = pytest.mark.slow

LAPTOP = {"viewport": {"width": 1366, "height": 900}}
SIZES = {"1366": LAPTOP, "390": PHONE}

# Measured in the page: every word of every visible table cell, as the browser laid it out.
MEASURE = """() => {
  const faults = [];
  for (const cell of document.querySelectorAll('td, th')) {
    if (!cell.getClientRects().length) continue;
    const style = getComputedStyle(cell);
    const inner = cell.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
    const walker = document.createTreeWalker(cell, NodeFilter.SHOW_TEXT);
    let node;
    while ((node = walker.nextNode())) {
      const words = /\\S+/g;
      let m;
      while ((m = words.exec(node.data))) {
        const range = document.createRange();
        range.setStart(node, m.index);
        range.setEnd(node, m.index + m[0].length);
        const lines = new Set([...range.getClientRects()].filter(r => r.width > 0).map(r => Math.round(r.top)));
        const width = range.getBoundingClientRect().width;
        if (lines.size > 1) faults.push(`'${m[0]}' split over ${lines.size} lines`);
        else if (width > inner + 1) faults.push(`'${m[0]}' (${Math.round(width)}px) wider than its cell (${Math.round(inner)}px)`);
      }
    }
  }
  return faults;
}"""
# How far the page scrolls sideways, and the outermost elements reaching past its right edge.
SIDEWAYS = """() => {
  const width = document.documentElement.clientWidth;
  const over = [...document.body.querySelectorAll('*')].filter(e => e.getBoundingClientRect().right > width + 1
    && !(e.parentElement && e.parentElement.getBoundingClientRect().right > width + 1)
    && !e.closest('.scroll'));
  return [document.documentElement.scrollWidth - width,
          over.slice(0, 3).map(e => e.tagName.toLowerCase() + (e.className ? '.' + e.className : '') + ' ' + (e.dataset.testid || ''))];
}"""


# At a laptop's width nothing scrolls sideways at all: not the page, not a table in its .scroll box.
WIDE_TABLES = """() => [...document.querySelectorAll('.scroll')].filter(box => box.getClientRects().length
  && box.scrollWidth > box.clientWidth + 1).map(box => {
    const table = box.querySelector('table');
    return (table && table.dataset.testid || 'a .scroll box') + ` is ${box.scrollWidth}px in a ${box.clientWidth}px box`;
  })"""
PAGE_WIDTH = "() => [document.documentElement.scrollWidth, window.innerWidth]"


@pytest.fixture(scope="module")
def chromium() -> Iterator[Any]:
    executable = chromium_path()
    if executable is None:
        pytest.skip("Chromium is not installed; run scripts/ensure-chromium.sh (make test does)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=executable, headless=True, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture(scope="module")
def shop_site() -> Iterator[ShopSite]:
    site = ShopSite()
    yield site
    site.stop()


def _context(chromium: Any, size: str) -> Any:
    context = chromium.new_context(locale="ko-KR", **SIZES[size])
    context.set_default_timeout(15_000)
    return context


def check(page: Any, name: str, size: str) -> list[str]:
    """Screenshot the page as ``layout-<name>-<size>.png`` and return its layout faults: a word split
    or wider than its cell, the page wider than the window (any size), and at 1366 a table wider
    than its .scroll box (a laptop shows every column without scrolling)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"layout-{name}-{size}.png"), full_page=True)
    faults = [f"{name}@{size}: {fault}" for fault in page.evaluate(MEASURE)]
    sideways, culprits = page.evaluate(SIDEWAYS)
    if sideways > 1:
        faults.append(f"{name}@{size}: the page scrolls sideways by {sideways}px ({', '.join(culprits)})")
    scroll_width, inner_width = page.evaluate(PAGE_WIDTH)
    if scroll_width > inner_width:
        faults.append(f"{name}@{size}: the page is {scroll_width}px wide in a {inner_width}px window")
    if size == "1366":
        faults += [f"{name}@{size}: {fault}" for fault in page.evaluate(WIDE_TABLES)]
    return faults


def _seed(gateway: GatewayServer, shop: TestMerchant) -> dict[str, str]:
    """Data that fills every table: payments (one partly cancelled, with a webhook), a billing key,
    a sub-merchant, and a long label on a channel."""
    customer_uid = unique("layout-customer-with-a-long-id")
    shop.issue_key(customer_uid).expect_ok()
    paid = shop.again(customer_uid, unique("order-number-that-is-long-2025-01-31"), amount=123_456,
                      buyer_name="홍길동", name="테스트 상품 이름이 조금 긴 주문").expect_ok()
    shop.api("POST", "/payments/cancel", json={"imp_uid": paid["imp_uid"], "amount": 1_000, "reason": "부분 환불"}).expect_ok()
    sub = gateway.call(lambda rt: merchant_service.create_merchant(rt, "하위 상점 테스트", parent_user_code=shop.user_code))
    gateway.call(lambda rt: merchant_service.set_webhook_url(rt, shop.merchant.id, "https://hooks.shop.example/paymux"))
    channel = shop.add_channel("kakaopay", "simple")
    return {"imp_uid": paid["imp_uid"], "sub": sub.merchant.user_code, "channel": str(channel.id)}


def _sign_in(page: Any, gateway: GatewayServer, account: ConsoleAccount) -> None:
    page.on("dialog", lambda dialog: dialog.accept())
    page.goto(gateway.base_url + "/console/login")
    page.get_by_test_id("login-email").fill(account.email)
    page.get_by_test_id("login-password").fill(account.password)
    page.get_by_test_id("login-submit").click()
    page.get_by_test_id("tile-today").wait_for()


README_IMAGES = Path(__file__).resolve().parents[2] / "docs" / "images"


def readme_images() -> Path:
    """Where the README's screenshots go: docs/images/ when PAYMUX_UPDATE_SCREENSHOTS is ``1``, the
    directory it names when it is a path, else test-output/screenshots/ (their names prefixed ``readme-``)."""
    wanted = os.environ.get("PAYMUX_UPDATE_SCREENSHOTS", "")
    if wanted in ("", "0"):
        return SCREENSHOTS
    return README_IMAGES if wanted == "1" else Path(wanted)


def save_readme_image(screenshot: Path, name: str) -> Path:
    """Copy ``screenshot`` as the README's ``name`` (``console-dashboard.png``) to :func:`readme_images`."""
    target_dir = readme_images()
    target = target_dir / (name if target_dir != SCREENSHOTS else f"readme-{name}")
    target_dir.mkdir(parents=True, exist_ok=True)
    shutil.copy(screenshot, target)
    return target


def test_every_console_page_fits_a_laptop_and_a_phone(
    chromium: Any, gateway: GatewayServer, account: ConsoleAccount,
) -> None:
    seeded = _seed(gateway, account.shop)
    pages = {
        "dashboard": "/console", "channels": "/console/channels?pg=kcp", "channel-new": "/console/channels/new",
        "channel-edit": f"/console/channels/{seeded['channel']}/edit", "webhook": "/console/webhook",
        "settings": "/console/settings", "sub-merchants": "/console/sub-merchants",
        "sub-merchant": f"/console/sub-merchants/{seeded['sub']}", "payments": "/console/payments",
        "payment": f"/console/payments/{seeded['imp_uid']}", "billing-keys": "/console/billing-keys",
        "not-found": "/console/no-such-page",
    }
    faults: list[str] = []
    for size in SIZES:
        for lang in ("ko", "en"):  # English words are longer: "PG settings (general/subscription/simple/API)"
            context = _context(chromium, size)
            page = context.new_page()
            suffix = "" if lang == "ko" else "-en"
            page.goto(gateway.base_url + "/console/login" + ("?lang=en" if lang == "en" else ""))
            faults += check(page, "login" + suffix, size)
            _sign_in(page, gateway, account)
            for name, path in pages.items():
                page.goto(gateway.base_url + path)
                faults += check(page, name + suffix, size)
                if name == "dashboard" and size == "1366" and lang == "ko":
                    save_readme_image(SCREENSHOTS / "layout-dashboard-1366.png", "console-dashboard.png")
            context.close()
    _report("console", faults)
    assert faults == []


def _report(name: str, faults: list[str]) -> None:
    """Keep the faults beside the screenshots, whole (pytest shortens long lists)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    (SCREENSHOTS / f"layout-faults-{name}.txt").write_text("\n".join(faults) + "\n", encoding="utf-8")


def _window_shop(gateway: GatewayServer) -> TestMerchant:
    merchant = gateway.create_merchant("layout window shop")
    merchant.add_channel("html5_inicis", "general", default=True)
    merchant.add_channel("html5_inicis", "subscription")
    merchant.add_channel("kakaopay", "simple")
    merchant.add_channel("mobilians", "general")
    return merchant


WINDOW_SCREENS = {
    "card": {"pg": "html5_inicis", "pay_method": "card"},
    "trans": {"pg": "html5_inicis", "pay_method": "trans"},
    "vbank": {"pg": "html5_inicis", "pay_method": "vbank"},
    "phone": {"pg": "mobilians", "pay_method": "phone"},
    "wallet": {"pg": "kakaopay", "pay_method": "card"},
    "billing": {"pg": "html5_inicis", "pay_method": "card", "customer_uid": "layout-key"},
}


def test_every_window_screen_fits_a_laptop_and_a_phone(chromium: Any, gateway: GatewayServer, shop_site: ShopSite) -> None:
    merchant = _window_shop(gateway)
    faults: list[str] = []
    for size in SIZES:
        context = _context(chromium, size)
        page = context.new_page()
        for screen, param in WINDOW_SCREENS.items():
            body = {"merchant_uid": unique("layout"), "name": "레이아웃 확인 주문", "amount": 51_000, "buyer_name": "구매자",
                    "buyer_tel": "010-1234-5678", "buyer_email": "buyer@shop.example",
                    "m_redirect_url": shop_site.origin + "/complete", **param}
            if "customer_uid" in body:
                body["customer_uid"] = unique("layout-key")
            page.goto(shop_site.shop_page(gateway.base_url, merchant.user_code, json.dumps(body, ensure_ascii=False)))
            page.get_by_test_id("pay").click()
            if size == "390":  # a phone: the SDK sends the whole page to the window
                page.get_by_test_id("payment-window").wait_for()
            else:
                page.frame_locator("iframe[data-paymux-window]").get_by_test_id("payment-window").wait_for()
            page.wait_for_timeout(300)  # the overlay's fade-in
            faults += check(page, f"window-{screen}", size)
            if screen == "card" and size == "1366":
                save_readme_image(SCREENSHOTS / "layout-window-card-1366.png", "payment-window.png")
        context.close()
    _report("window", faults)
    assert faults == []


def test_readme_screenshots_exist() -> None:
    """The README shows docs/images/*.png, written by the tests above under ``make screenshots``."""
    assert (README_IMAGES / "console-dashboard.png").stat().st_size > 10_000
    assert (README_IMAGES / "payment-window.png").stat().st_size > 10_000


def test_readme_screenshots_go_where_paymux_update_screenshots_says(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    shot = tmp_path / "layout-dashboard-1366.png"
    shot.write_bytes(b"\x89PNG dashboard")
    monkeypatch.delenv("PAYMUX_UPDATE_SCREENSHOTS", raising=False)
    assert readme_images() == SCREENSHOTS
    monkeypatch.setenv("PAYMUX_UPDATE_SCREENSHOTS", "1")
    assert readme_images() == README_IMAGES
    monkeypatch.setenv("PAYMUX_UPDATE_SCREENSHOTS", str(tmp_path / "readme"))
    written = save_readme_image(shot, "console-dashboard.png")
    assert written == tmp_path / "readme" / "console-dashboard.png"
    assert written.read_bytes() == b"\x89PNG dashboard"
