"""IMP.request_pay on a live KG INICIS channel in real headless Chromium, against the INICIS emulator.

The shop pages are the seeds' KG INICIS examples (003 ``인증결제창 요청`` and ``비인증 결제창 요청``) as
the seeds write them — only the script URL, the ``IMP.init`` user code, a unique ``merchant_uid`` and
the ``{…}`` placeholder of ``m_redirect_url`` (filled with the shop's own complete page) changed. The
browser does everything a buyer's browser does: the SDK's overlay, paymux's launch page loading
``{endpoint}/stdjs/INIStdPay.js`` and ``INIStdPay.pay`` submitting the signed form to INICIS's window, the
buyer typing the card, INICIS posting back to paymux, paymux approving at ``payAuth``. Each test checks
what the shop saw against ``GET /payments/{imp_uid}`` and the PG's own ledger.
"""

from __future__ import annotations

import json
import secrets
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
import uvicorn

from paymux.connectors.inicis.emulator import PAYMUX_LIVE_KEYS, EmulatorConfig, create_emulator
from tests.browser import screenshot
from tests.checkout.shop_site import ShopSite
from tests.harness import CARD_OK, GatewayServer, free_port, unique
from tests.harness import request as api_request
from tests.live.conftest import LIVE_MID, LiveShop
from tests.live.test_inicis_crash import Paymux

pytestmark = pytest.mark.slow

# seed 003, 인증결제창 요청 (the tab's example, verbatim apart from merchant_uid and m_redirect_url)
AUTHENTICATED_EXAMPLE = """IMP.request_pay({
    pg : 'html5_inicis',
    pay_method : 'card',
    merchant_uid: %(merchant_uid)s, //상점에서 생성한 고유 주문번호
    name : '주문명:결제테스트',
    amount : 1004,
    buyer_email : 'iamport@siot.do',
    buyer_name : '구매자이름',
    buyer_tel : '010-1234-5678',   //필수 파라미터 입니다.
    buyer_addr : '서울특별시 강남구 삼성동',
    buyer_postcode : '123-456',
    m_redirect_url : %(m_redirect_url)s
}, function(rsp) { // callback 로직
	//* ...중략... *//
	record(rsp);
});"""

# seed 003, 비인증 결제창 요청 (verbatim apart from merchant_uid and m_redirect_url; the alerts are kept)
BILLING_KEY_EXAMPLE = """IMP.request_pay({
    pg : 'html5_inicis',  // 실제 계약 후에는 실제 상점아이디로 변경
    pay_method : 'card', // 'card'만 지원됩니다.
    merchant_uid: %(merchant_uid)s, // 상점에서 관리하는 주문 번호
    name : '최초인증결제',
    amount : 0, // 결제창에 표시될 금액. 실제 승인이 이뤄지지는 않습니다.
    customer_uid : 'your-customer-unique-id', // 필수 입력.
    buyer_email : 'iamport@siot.do',
    buyer_name : '아임포트',
    buyer_tel : '02-1234-1234',
    m_redirect_url : %(m_redirect_url)s
}, function(rsp) {
    record(rsp);
    if ( rsp.success ) {
        alert('빌링키 발급 성공');
    } else {
        alert('빌링키 발급 실패');
    }
});"""

SEED_CUSTOMER_UID = "your-customer-unique-id"

SHOP_PAGE = """<!doctype html>
<html><head><meta charset="utf-8"><title>shop</title>
<script src="%(script_url)s"></script></head>
<body>
<button id="pay" data-testid="pay">결제하기</button>
<pre id="rsp" data-testid="rsp" style="white-space:pre-wrap"></pre>
<script>
IMP.init(%(user_code)s);
function record(rsp) { document.getElementById("rsp").textContent = JSON.stringify(rsp, null, 2); }
document.getElementById("pay").addEventListener("click", function () {
%(example)s
});
</script>
</body></html>"""

CARD = {"card-number": CARD_OK, "card-expiry": "12/30", "card-birth": "820213", "card-password": "00"}


def seed_page(shop_site: ShopSite, gateway: GatewayServer, user_code: str, example: str, merchant_uid: str,
              m_redirect_url: str) -> str:
    """Register the shop page running ``example`` when its button is pressed; its URL (on loopback)."""
    script = example % {"merchant_uid": json.dumps(merchant_uid), "m_redirect_url": json.dumps(m_redirect_url)}
    path = f"/inicis-{secrets.token_hex(4)}.html"
    shop_site.pages[path] = SHOP_PAGE % {
        "script_url": f"{gateway.base_url}/v1/iamport.js", "user_code": json.dumps(user_code), "example": script,
    }
    return shop_site.origin + path


class InicisCheckout:
    """One buyer in Chromium: the shop page, the SDK's overlay, and INICIS's window inside it."""

    def __init__(self, page: Any, request: pytest.FixtureRequest) -> None:
        self.page = page
        self.request = request
        self.requests: list[tuple[str, str]] = []
        self.dialogs: list[str] = []
        page.on("request", lambda sent: self.requests.append((sent.method, sent.url)))
        page.on("dialog", self._dialog)

    def _dialog(self, dialog: Any) -> None:
        self.dialogs.append(dialog.message)
        dialog.accept()

    def open(self, url: str, *, in_overlay: bool = True) -> Any:
        """Press the shop's 결제하기; returns the frame showing INICIS's window once it is shown."""
        self.page.goto(url)
        self.page.get_by_test_id("pay").click()
        scope = self.page.frame_locator("iframe[data-paymux-window]") if in_overlay else self.page
        scope.get_by_test_id("inicis-window").wait_for()
        return scope

    def loaded_from(self, base: str) -> list[tuple[str, str]]:
        """What the browser itself fetched from ``base`` (the PG): INICIS's script, its window."""
        return [(method, url[len(base):]) for method, url in self.requests if url.startswith(base)]

    def fill_card(self, window: Any, **overrides: str) -> None:
        for testid, value in {**CARD, **overrides}.items():
            window.get_by_test_id(testid).fill(value)

    def result(self) -> dict[str, Any]:
        """The rsp the shop's callback got (the overlay must be gone by then)."""
        self.page.wait_for_function("document.getElementById('rsp').textContent.length > 0")
        assert self.page.locator("[data-paymux-overlay]").count() == 0, "the overlay must close with the result"
        return json.loads(self.page.get_by_test_id("rsp").text_content())


@pytest.fixture
def buyer(page: Any, request: pytest.FixtureRequest) -> InicisCheckout:
    return InicisCheckout(page, request)


def test_the_seed_authenticated_window_on_pc_pays_through_inicis(
    gateway: GatewayServer, live_shop: LiveShop, shop_site: ShopSite, buyer: InicisCheckout, request: pytest.FixtureRequest
) -> None:
    order = unique("order_no")
    url = seed_page(shop_site, gateway, live_shop.merchant.user_code, AUTHENTICATED_EXAMPLE, order,
                    f"{shop_site.origin}/complete")
    window = buyer.open(url)
    root = window.get_by_test_id("inicis-window")
    assert (root.get_attribute("data-channel"), root.get_attribute("data-mode")) == ("std", "pay")
    assert window.get_by_test_id("merchant-mid").text_content() == LIVE_MID
    assert window.get_by_test_id("order-amount").get_attribute("data-amount") == "1004"
    assert window.get_by_test_id("order-name").text_content() == "주문명:결제테스트"
    from_pg = buyer.loaded_from(live_shop.inicis.base_url)
    assert ("GET", "/stdjs/INIStdPay.js") in from_pg and ("POST", "/payMain/pay") in from_pg  # the browser went to INICIS
    buyer.fill_card(window)
    screenshot(buyer.page, request, "inicis-window")
    window.get_by_test_id("approve").click()
    rsp = buyer.result()
    screenshot(buyer.page, request, "result")

    assert rsp["success"] is True and rsp["imp_success"] is True
    assert (rsp["status"], rsp["paid_amount"], rsp["merchant_uid"], rsp["pg_provider"]) == ("paid", 1004, order, "html5_inicis")
    stored = live_shop.merchant.api("GET", f"/payments/{rsp['imp_uid']}").expect_ok()
    assert (stored["status"], stored["amount"], stored["pg_tid"], stored["pg_id"]) == ("paid", 1004, rsp["pg_tid"], LIVE_MID)
    assert (stored["buyer_tel"], stored["channel"]) == ("010-1234-5678", "pc")
    at_pg = live_shop.payment_at_pg(rsp["imp_uid"])
    assert at_pg is not None and (at_pg["price"], at_pg["status"], at_pg["tid"]) == (1004, "approved", rsp["pg_tid"])


def test_the_seed_billing_key_window_then_the_seed_again_call_charges_at_inicis(
    gateway: GatewayServer, live_shop: LiveShop, shop_site: ShopSite, buyer: InicisCheckout, request: pytest.FixtureRequest
) -> None:
    url = seed_page(shop_site, gateway, live_shop.merchant.user_code, BILLING_KEY_EXAMPLE, unique("order_monthly"),
                    f"{shop_site.origin}/complete")
    window = buyer.open(url)
    assert window.get_by_test_id("inicis-window").get_attribute("data-mode") == "billing"
    window.get_by_test_id("billing-note").wait_for()
    assert window.get_by_test_id("order-amount").get_attribute("data-amount") == "0"
    buyer.fill_card(window)
    screenshot(buyer.page, request, "inicis-window")
    window.get_by_test_id("approve").click()
    rsp = buyer.result()
    screenshot(buyer.page, request, "result")
    assert buyer.dialogs == ["빌링키 발급 성공"]  # the seed's own callback ran
    assert (rsp["success"], rsp["customer_uid"], rsp["paid_amount"]) == (True, SEED_CUSTOMER_UID, 0)
    assert live_shop.payment_at_pg(rsp["imp_uid"]) is None  # a billing key charges nothing
    key = live_shop.merchant.api("GET", f"/subscribe/customers/{SEED_CUSTOMER_UID}").expect_ok()
    assert (key["pg_id"], key["card_number"]) == (LIVE_MID, "536148******1234")

    # the seed's server-side curl, as an HTTP call with the stored customer_uid: as written (no
    # ``name``) i'mport refuses it for INICIS before calling it; with the order's name it charges
    again = {"customer_uid": SEED_CUSTOMER_UID, "merchant_uid": unique("order_id"), "amount": 3000}
    headers = {"Content-Type": "application/json", "Authorization": live_shop.merchant.token()}
    nameless = api_request(gateway, "POST", "/subscribe/payments/again", json=again, headers=headers)
    assert (nameless.status, nameless.message) == (400, "이니시스 빌링결제는 상품명이 필수입니다.")
    charged = api_request(gateway, "POST", "/subscribe/payments/again", json={**again, "name": "정기결제"},
                          headers=headers).expect_ok()
    assert (charged["status"], charged["amount"], charged["customer_uid"]) == ("paid", 3000, SEED_CUSTOMER_UID)
    stored = live_shop.merchant.api("GET", f"/payments/{charged['imp_uid']}").expect_ok()
    at_pg = live_shop.payment_at_pg(charged["imp_uid"])
    assert at_pg is not None and (at_pg["price"], at_pg["status"], at_pg["tid"]) == (3000, "approved", stored["pg_tid"])


def test_the_seed_authenticated_window_on_a_phone_lands_on_m_redirect_url(
    gateway: GatewayServer, live_shop: LiveShop, shop_site: ShopSite, phone_page: Any, request: pytest.FixtureRequest
) -> None:
    buyer = InicisCheckout(phone_page, request)
    order = unique("order_no")
    url = seed_page(shop_site, gateway, live_shop.merchant.user_code, AUTHENTICATED_EXAMPLE, order,
                    f"{shop_site.origin}/complete?from=shop")
    window = buyer.open(url, in_overlay=False)  # on a phone INICIS's window is the whole page
    assert window.get_by_test_id("inicis-window").get_attribute("data-channel") == "mobile"
    assert window.get_by_test_id("order-amount").get_attribute("data-amount") == "1004"
    assert ("POST", "/smart/payment/") in buyer.loaded_from(live_shop.inicis.base_url)
    buyer.fill_card(window)
    screenshot(phone_page, request, "inicis-window")
    window.get_by_test_id("approve").click()
    phone_page.get_by_test_id("complete").wait_for()
    screenshot(phone_page, request, "redirected")

    landed = urlsplit(phone_page.url)
    assert (landed.netloc, landed.path) == (urlsplit(shop_site.origin).netloc, "/complete")
    query = {k: v[0] for k, v in parse_qs(landed.query, keep_blank_values=True).items()}
    assert (query["from"], query["merchant_uid"], query["imp_success"], query["error_code"]) == ("shop", order, "true", "")
    stored = live_shop.merchant.api("GET", f"/payments/{query['imp_uid']}").expect_ok()
    assert (stored["status"], stored["amount"], stored["merchant_uid"], stored["channel"]) == ("paid", 1004, order, "mobile")
    at_pg = live_shop.payment_at_pg(query["imp_uid"])
    assert at_pg is not None and (at_pg["price"], at_pg["status"], at_pg["tid"]) == (1004, "approved", stored["pg_tid"])


def test_pressing_inicis_cancel_answers_the_callback_with_a_failure(
    gateway: GatewayServer, live_shop: LiveShop, shop_site: ShopSite, buyer: InicisCheckout, request: pytest.FixtureRequest
) -> None:
    order = unique("order_no")
    url = seed_page(shop_site, gateway, live_shop.merchant.user_code, AUTHENTICATED_EXAMPLE, order,
                    f"{shop_site.origin}/complete")
    window = buyer.open(url)
    screenshot(buyer.page, request, "inicis-window")
    window.get_by_test_id("cancel").click()
    rsp = buyer.result()
    screenshot(buyer.page, request, "result")
    assert (rsp["success"], rsp["status"], rsp["error_code"], rsp["merchant_uid"]) == (False, "failed", "F1002", order)
    stored = live_shop.merchant.api("GET", f"/payments/{rsp['imp_uid']}").expect_ok()
    assert (stored["status"], stored["fail_reason"]) == ("failed", rsp["error_msg"])
    assert live_shop.payment_at_pg(rsp["imp_uid"]) is None and live_shop.events_at_pg(rsp["imp_uid"]) == []


# --- off loopback -------------------------------------------------------------------------------------
# Chromium (Local/Private Network Access) refuses a subresource whose address is more private than
# the page's own when the page is not a secure context: a page on a network address cannot load a
# script from 127.0.0.1. paymux's launch page loads INICIS's script, so the rule that follows is the
# one every real deployment already meets: the PG endpoint must be reachable by the buyer at an
# address no more private than paymux's (INICIS's own hosts are public), and paymux no more private
# than the shop. Here shop, paymux and INICIS all serve on this machine's network address.


def network_address() -> str | None:
    """This machine's address on its outbound interface, or None when it only has loopback."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:
            probe.connect(("10.255.255.255", 1))  # picks the route; nothing is sent
        except OSError:
            return None
        address: str = probe.getsockname()[0]
    return None if address.startswith("127.") or address == "0.0.0.0" else address


class ServedOn:
    """An ASGI app (the INICIS emulator) under uvicorn on ``host``, in a daemon thread."""

    def __init__(self, app: Any, host: str) -> None:
        port = free_port()
        self.base_url = f"http://{host}:{port}"
        self._server = uvicorn.Server(uvicorn.Config(app, host=host, port=port, log_level="warning", lifespan="off",
                                                     timeout_graceful_shutdown=1))
        self._thread = threading.Thread(target=self._server.run, daemon=True)
        self._thread.start()
        deadline = time.monotonic() + 15
        while not self._server.started:
            assert time.monotonic() < deadline and self._thread.is_alive(), "the emulator did not start"
            time.sleep(0.02)

    def stop(self) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=15)


class PagesOn:
    """Static shop pages on ``host`` (ShopSite, on another address)."""

    def __init__(self, host: str) -> None:
        self.pages: dict[str, str] = {}
        pages = self.pages

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
                body = pages.get(urlsplit(self.path).path)
                data = (body or "not found").encode()
                self.send_response(200 if body is not None else 404)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer((host, 0), Handler)
        self.origin = f"http://{host}:{self._server.server_address[1]}"
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()


def test_the_seed_window_works_with_shop_paymux_and_inicis_on_the_network_address(
    page: Any, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    host = network_address()
    if host is None:
        pytest.skip("this machine has no network address besides loopback")
    inicis = ServedOn(create_emulator(EmulatorConfig().with_merchant(PAYMUX_LIVE_KEYS)), host)
    shop = PagesOn(host)
    paymux = Paymux(f"sqlite:///{tmp_path / 'paymux.db'}", tmp_path, host=host)  # `paymux serve --host`
    try:
        user_code = paymux.create_live_shop(inicis.base_url)
        paymux.start()
        order = unique("order_no")
        path = "/network-shop.html"
        shop.pages[path] = SHOP_PAGE % {
            "script_url": f"{paymux.base_url}/v1/iamport.js", "user_code": json.dumps(user_code),
            "example": AUTHENTICATED_EXAMPLE % {"merchant_uid": json.dumps(order),
                                                "m_redirect_url": json.dumps(shop.origin + "/complete")},
        }
        buyer = InicisCheckout(page, request)
        window = buyer.open(shop.origin + path)
        assert ("GET", "/stdjs/INIStdPay.js") in buyer.loaded_from(inicis.base_url)
        buyer.fill_card(window)
        screenshot(page, request, "inicis-window")
        window.get_by_test_id("approve").click()
        rsp = buyer.result()
        screenshot(page, request, "result")
        assert (rsp["success"], rsp["paid_amount"], rsp["merchant_uid"]) == (True, 1004, order)
        stored = paymux.api("GET", f"/payments/{rsp['imp_uid']}")["response"]
        assert (stored["status"], stored["amount"], stored["pg_tid"]) == ("paid", 1004, rsp["pg_tid"])
        ledger = httpx.get(f"{inicis.base_url}/_emulator/transactions", timeout=10).json()
        assert [(p["oid"], p["price"], p["status"]) for p in ledger["payments"]] == [(rsp["imp_uid"], 1004, "approved")]
    finally:
        paymux.stop()
        shop.stop()
        inicis.stop()
