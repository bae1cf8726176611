"""The payment window's server side, spoken to directly over HTTP as the SDK's form posts do:
double submits and racing windows never pay twice, tickets cannot be forged, windows expire, a lost
PG answer is settled later, webhooks follow every outcome, and no parameter makes a 500."""

from __future__ import annotations

import html
import json
import re
import threading
from typing import Any

import httpx
import pytest

from paymux.services.merchants import set_webhook_url
from paymux.services.reconcile import settle_pending_outcomes
from tests.harness import (
    CARD_OK,
    CARD_TIMEOUT_APPROVED,
    GatewayServer,
    TestMerchant,
    unique,
)
from tests.webhooks.support import events_about


@pytest.fixture(autouse=True)
def _shop_listens_for_webhooks(gateway: GatewayServer, shop: TestMerchant) -> None:
    """Webhook rows are written only where a delivery can happen (issue #15), so the shop whose
    notifications these tests read has a webhook URL (a closed port: nothing needs to answer)."""
    gateway.call(lambda rt: set_webhook_url(rt, shop.merchant.id, "http://127.0.0.1:9/hook"))

SHOP_ORIGIN = "http://shop.example"
_TICKET = re.compile(r'name="ticket" value="([^"]+)"')
_RSP = re.compile(r'<script type="application/json" id="rsp">(.*?)</script>', re.S)


def param(order: str, **overrides: Any) -> dict[str, Any]:
    base = {"pg": "html5_inicis", "pay_method": "card", "merchant_uid": order, "name": "주문", "amount": 1004,
            "buyer_name": "홍길동", "buyer_tel": "010-1234-5678"}
    base.update(overrides)
    return {k: v for k, v in base.items() if v is not None}


class Window:
    """One window as the browser holds it: the page it got, and the ticket in that page."""

    def __init__(self, reply: httpx.Response) -> None:
        self.reply = reply
        match = _TICKET.search(reply.text)
        self.ticket = match.group(1) if match else None


def open_window(gateway: GatewayServer, user_code: str, body: Any, *, tier_code: str = "", display: str = "popup",
                origin: str = SHOP_ORIGIN) -> Window:
    form = {"user_code": user_code, "tier_code": tier_code, "param": body if isinstance(body, str) else json.dumps(body),
            "origin": origin, "display": display}
    return Window(httpx.post(gateway.base_url + "/checkout/window", data=form, timeout=30))


def rsp_of(reply: httpx.Response) -> dict[str, Any]:
    match = _RSP.search(reply.text)
    assert match, f"no result in the page ({reply.status_code}): {reply.text[:300]}"
    return json.loads(match.group(1))


def approve(gateway: GatewayServer, ticket: str, **fields: str) -> httpx.Response:
    card = {"card_company": "367", "card_number": CARD_OK, "expiry": "2030-12", "birth": "820213", "pwd_2digit": "00"}
    return httpx.post(gateway.base_url + "/checkout/approve", data={"ticket": ticket, **card, **fields}, timeout=30)


def close(gateway: GatewayServer, ticket: str) -> httpx.Response:
    return httpx.post(gateway.base_url + "/checkout/close", data={"ticket": ticket}, timeout=30)


def test_double_submitted_approve_charges_once(gateway: GatewayServer, shop: TestMerchant) -> None:
    order = unique("double")
    window = open_window(gateway, shop.user_code, param(order))
    assert window.ticket
    replies: list[httpx.Response] = []
    threads = [threading.Thread(target=lambda: replies.append(approve(gateway, window.ticket))) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    answers = [rsp_of(reply) for reply in replies]
    assert {a["imp_uid"] for a in answers} == {answers[0]["imp_uid"]}
    assert all(a["status"] in ("paid", "ready") for a in answers)
    paid = shop.api("GET", f"/payments/find/{order}/paid").expect_ok()
    assert paid["imp_uid"] == answers[0]["imp_uid"]
    assert [e.payload["status"] for e in events_about(gateway, shop, [paid["imp_uid"]])] == ["paid"]


def test_two_windows_of_one_order_racing_pay_it_once(gateway: GatewayServer, shop: TestMerchant) -> None:
    order = unique("race")
    windows = [open_window(gateway, shop.user_code, param(order)) for _ in range(4)]
    replies: list[httpx.Response] = []
    threads = [threading.Thread(target=lambda w=w: replies.append(approve(gateway, w.ticket))) for w in windows]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    answers = [rsp_of(reply) for reply in replies]
    assert sorted(a["status"] for a in answers) == ["failed", "failed", "failed", "paid"]
    assert all("already paid or being paid" in a["error_msg"] for a in answers if a["status"] == "failed")
    listed = shop.api("GET", "/payments/status/paid", params={"limit": 100}).expect_ok()["list"]
    assert len([p for p in listed if p["merchant_uid"] == order]) == 1


def test_closing_after_approval_leaves_the_payment_paid(gateway: GatewayServer, shop: TestMerchant) -> None:
    window = open_window(gateway, shop.user_code, param(unique("late_close")))
    paid = rsp_of(approve(gateway, window.ticket))
    assert paid["status"] == "paid"
    again = rsp_of(close(gateway, window.ticket))
    assert (again["status"], again["imp_uid"], again["success"]) == ("paid", paid["imp_uid"], True)
    assert shop.api("GET", f"/payments/{paid['imp_uid']}").expect_ok()["status"] == "paid"


def test_a_closed_window_is_announced_as_failed(gateway: GatewayServer, shop: TestMerchant) -> None:
    window = open_window(gateway, shop.user_code, param(unique("closed")))
    closed = rsp_of(close(gateway, window.ticket))
    assert closed["status"] == "failed"
    assert [e.payload["status"] for e in events_about(gateway, shop, [closed["imp_uid"]])] == ["failed"]
    assert rsp_of(approve(gateway, window.ticket))["status"] == "failed"  # a closed window cannot pay later


def test_a_forged_or_altered_ticket_is_not_found(gateway: GatewayServer, shop: TestMerchant) -> None:
    window = open_window(gateway, shop.user_code, param(unique("forged")))
    body, _, mac = window.ticket.partition(".")
    altered = body[:-2] + ("AA" if body[-2:] != "AA" else "BB") + "." + mac
    for ticket in (altered, "nonsense", "", window.ticket + "x"):
        assert approve(gateway, ticket).status_code == 404
        assert close(gateway, ticket).status_code == 404


def test_a_window_older_than_30_minutes_expires_as_failed(gateway: GatewayServer, shop: TestMerchant) -> None:
    window = open_window(gateway, shop.user_code, param(unique("expired")))
    gateway.clock.advance(31 * 60)
    try:
        answer = rsp_of(approve(gateway, window.ticket))
    finally:
        gateway.clock.reset()
    assert (answer["status"], answer["success"]) == ("failed", False)
    assert "expired" in answer["error_msg"]


def test_a_lost_pg_answer_is_pending_then_settled_by_inquiry(gateway: GatewayServer, shop: TestMerchant) -> None:
    order = unique("timeout")
    window = open_window(gateway, shop.user_code, param(order))
    answer = rsp_of(approve(gateway, window.ticket, card_company="366", card_number=CARD_TIMEOUT_APPROVED))
    assert (answer["success"], answer["status"], answer["error_code"]) == (False, "ready", "F1003")
    assert shop.api("GET", f"/payments/{answer['imp_uid']}").expect_ok()["status"] == "ready"
    retry = open_window(gateway, shop.user_code, param(order))
    assert rsp_of(retry.reply)["error_code"] == "F409"  # in flight: nobody can pay the order meanwhile
    gateway.clock.advance(gateway.settings.pending_outcome_grace_seconds + 1)
    try:
        gateway.call(lambda rt: settle_pending_outcomes(rt))
    finally:
        gateway.clock.reset()
    assert shop.api("GET", f"/payments/{answer['imp_uid']}").expect_ok()["status"] == "paid"


def test_sub_merchant_window_through_agency(gateway: GatewayServer, shop: TestMerchant) -> None:
    sub = gateway.create_merchant("sub shop", parent=shop.user_code)
    sub.add_channel("html5_inicis", "general")
    tier = sub.merchant.tier_code
    window = open_window(gateway, shop.user_code, param(unique("agency")), tier_code=tier)
    paid = rsp_of(approve(gateway, window.ticket))
    assert paid["status"] == "paid"
    assert shop.api("GET", f"/payments/{paid['imp_uid']}", tier=tier).expect_ok()["status"] == "paid"
    assert shop.api("GET", f"/payments/{paid['imp_uid']}").status == 404  # the parent's own payments don't hold it


def test_mobile_redirect_carries_refusals_to_m_redirect_url(gateway: GatewayServer, shop: TestMerchant) -> None:
    body = param(unique("m_refused"), amount="1004", m_redirect_url="https://shop.example/done?x=1")
    reply = httpx.post(
        gateway.base_url + "/checkout/window",
        data={"user_code": shop.user_code, "param": json.dumps(body), "origin": SHOP_ORIGIN, "display": "redirect"},
        follow_redirects=False, timeout=30,
    )
    assert reply.status_code == 303
    location = reply.headers["location"]
    assert location.startswith("https://shop.example/done?x=1&imp_uid=&merchant_uid=m_refused_")
    assert "imp_success=false" in location and "error_code=F400" in location


@pytest.mark.parametrize(
    ("body", "code", "words"),
    [
        ({"pay_method": "bitcoin"}, "F400", "pay_method"),
        ({"amount": 10.5}, "F400", "amount"),
        ({"amount": -1}, "F400", "amount"),
        ({"amount": True}, "F400", "amount"),
        ({"amount": None}, "F400", "amount"),
        ({"merchant_uid": ""}, "F400", "merchant_uid"),
        ({"merchant_uid": ["a"]}, "F400", "merchant_uid"),
        ({"merchant_uid": "x" * 500}, "F400", "merchant_uid"),
        ({"currency": "USD"}, "F400", "currency"),
        ({"tax_free": 2000}, "F400", "tax_free"),
        ({"amount": 10**20}, "F400", "amount"),
        ({"display": {"card_quota": "6"}}, "F400", "card_quota"),
        ({"display": {"card_quota": [99]}}, "F400", "card_quota"),
        ({"card": {"direct": {"code": "999"}}}, "F400", "card.direct.code"),
        ({"card": {"detail": [{"card_code": "*", "enabled": False}]}}, "F400", "card.detail"),
        ({"card": {"detail": "366"}}, "F400", "card.detail"),
        ({"m_redirect_url": "javascript:alert(1)"}, "F400", "m_redirect_url"),
        ({"notice_url": ["ftp://x"]}, "F400", "notice_url"),
        ({"vbank_due": "20201301"}, "F400", "vbank_due"),
        ({"pg": "kakaopay", "pay_method": "vbank"}, "F422", "vbank"),
        ({"pg": "html5_inicis", "pay_method": "trans", "customer_uid": "c1", "amount": 0}, "F422", "card"),
        ({"pg": "nosuchpg"}, None, None),  # matches nothing: the default channel opens, as the seeds say
    ],
)
def test_bad_parameters_answer_the_callback_never_a_500(
    gateway: GatewayServer, window_shop: TestMerchant, body: dict[str, Any], code: str | None, words: str | None
) -> None:
    window = open_window(gateway, window_shop.user_code, param(unique("bad"), **body))
    assert window.reply.status_code == 200
    if code is None:
        assert window.ticket is not None
        return
    answer = rsp_of(window.reply)
    assert (answer["success"], answer["error_code"], answer["imp_uid"]) == (False, code, None)
    assert words in answer["error_msg"]


@pytest.mark.parametrize(
    "form",
    [
        {},
        {"user_code": "imp00000000", "param": "{}", "origin": SHOP_ORIGIN},
        {"param": "not json", "origin": SHOP_ORIGIN},
        {"param": "[1,2]", "origin": SHOP_ORIGIN},
        {"param": '{"merchant_uid": "a", "amount": 1}', "origin": "javascript:alert(1)"},
        {"param": '{"merchant_uid": "a", "amount": 1}', "origin": SHOP_ORIGIN, "display": "sideways"},
    ],
)
def test_malformed_window_posts_are_refused_cleanly(gateway: GatewayServer, shop: TestMerchant, form: dict[str, str]) -> None:
    form = {"user_code": shop.user_code, **form}
    reply = httpx.post(gateway.base_url + "/checkout/window", data=form, timeout=30)
    assert reply.status_code in (200, 400)
    if reply.status_code == 200:
        assert rsp_of(reply)["success"] is False
    else:
        assert "origin" in reply.text


def test_unknown_user_code_is_refused(gateway: GatewayServer) -> None:
    answer = rsp_of(open_window(gateway, "imp99999999", param(unique("who"))).reply)
    assert (answer["error_code"], answer["success"]) == ("F404", False)


def test_the_sdk_script_is_served_at_both_i_mport_paths(gateway: GatewayServer) -> None:
    for path in ("/v1/iamport.js", "/js/iamport.payment-1.2.0.js"):
        reply = httpx.get(gateway.base_url + path)
        assert reply.status_code == 200
        assert reply.headers["content-type"].startswith("application/javascript")
        assert "request_pay:" in reply.text and "agency:" in reply.text


def _phone_approve(gateway: GatewayServer, ticket: str, phone: str) -> httpx.Response:
    sent = httpx.post(gateway.base_url + "/checkout/phone-code", data={"ticket": ticket, "phone": phone}).json()
    return httpx.post(gateway.base_url + "/checkout/approve",
                      data={"ticket": ticket, "phone": phone, "phone_code": sent["code"]}, timeout=30)


def test_a_phone_over_its_monthly_limit_is_declined(gateway: GatewayServer, window_shop: TestMerchant) -> None:
    body = param(unique("phone_limit"), pg="mobilians", pay_method="phone", buyer_tel="010-0000-0002")
    window = open_window(gateway, window_shop.user_code, body)
    answer = rsp_of(_phone_approve(gateway, window.ticket, "010-0000-0002"))
    assert (answer["status"], answer["error_code"]) == ("failed", "F1001")
    assert "한도" in answer["error_msg"]


def test_a_phone_code_for_another_number_does_not_pass(gateway: GatewayServer, window_shop: TestMerchant) -> None:
    window = open_window(gateway, window_shop.user_code, param(unique("phone_swap"), pg="mobilians", pay_method="phone"))
    code = httpx.post(gateway.base_url + "/checkout/phone-code", data={"ticket": window.ticket, "phone": "010-1111-2222"}).json()["code"]
    reply = httpx.post(gateway.base_url + "/checkout/approve",
                       data={"ticket": window.ticket, "phone": "010-3333-4444", "phone_code": code}, timeout=30)
    assert reply.status_code == 400 and 'data-testid="error-phone_code"' in reply.text


def test_kakao_pay_billing_window_issues_an_sid_that_charges_later(gateway: GatewayServer, window_shop: TestMerchant) -> None:
    customer_uid = unique("kakao_sid")
    window = open_window(gateway, window_shop.user_code,
                         param(unique("sid"), pg="kakaopay", amount=0, customer_uid=customer_uid, buyer_tel=None))
    issued = rsp_of(httpx.post(gateway.base_url + "/checkout/approve", data={"ticket": window.ticket}, timeout=30))
    assert (issued["success"], issued["pg_provider"], issued["customer_uid"]) == (True, "kakaopay", customer_uid)
    charged = window_shop.again(customer_uid, unique("monthly"), amount=9900).expect_ok()
    assert (charged["status"], charged["pg_provider"], charged["card_code"]) == ("paid", "kakaopay", None)


def test_a_refused_window_shows_the_buyer_only_the_korean_and_the_shop_the_whole_message(gateway: GatewayServer) -> None:
    merchant = gateway.create_merchant("kcp api only")
    merchant.add_channel("kcp", "api", default=True)
    reply = open_window(gateway, merchant.user_code, param(unique("kcp"), pg="kcp")).reply
    shown = re.search(r'data-testid="window-result"[^>]*>(.*?)</p>', reply.text, re.S)
    assert shown is not None and html.unescape(shown.group(1)) == "pg 'kcp'은(는) API 방식(키인/빌링) 채널이라 결제창을 열 수 없습니다"
    match = _RSP.search(reply.text)
    assert match is not None
    rsp = json.loads(match.group(1))
    assert rsp["error_msg"].endswith("(pg 'kcp' is an API channel; it cannot open a payment window)")
    assert "a api" not in rsp["error_msg"] and "payment_window" not in rsp["error_msg"]
