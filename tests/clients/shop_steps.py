"""Set-up a shop does outside the client under test, through paymux's own HTTP: a paid virtual
account (a cash payment), an escrow card payment through the payment window's two form posts, a
finished identity verification."""

from __future__ import annotations

import json
import re
from typing import Any

import httpx

from tests.harness import CARD_OK, GatewayServer, TestMerchant, unique

CARD = {"card_number": CARD_OK, "expiry": "2030-12", "birth": "820213", "pwd_2digit": "00"}
PERSON = {"name": "홍길동", "phone": "010-1234-5678", "birth": "19900115", "gender_digit": "1", "carrier": "SKT"}
SENDER = {"name": "판매자", "tel": "02-123-4567", "addr": "서울 중구", "postcode": "04524"}
RECEIVER = {"name": "구매자", "tel": "010-1234-5678", "addr": "부산 해운대구", "postcode": "48058"}


def paid_vbank(gateway: GatewayServer, shop: TestMerchant, amount: int = 22_000) -> dict[str, Any]:
    """A virtual account issued and paid in the sandbox (docs/sandbox.md: the deposit endpoint)."""
    issued = shop.api("POST", "/vbanks", json={
        "merchant_uid": unique("vb"), "amount": amount, "vbank_code": "088", "name": "현금 주문",
        "vbank_due": gateway.clock.now() + 86_400, "vbank_holder": "페이먹스",
    }).expect_ok()
    return shop.api("POST", f"/vbanks/{issued['imp_uid']}/deposit", json={"amount": amount}).expect_ok()


def escrow_card_payment(gateway: GatewayServer, shop: TestMerchant, amount: int = 30_000) -> dict[str, Any]:
    """``IMP.request_pay({escrow: true})`` paid by card: the window's own two form posts; the ``rsp``."""
    param = {"pg": "html5_inicis", "pay_method": "card", "merchant_uid": unique("esc"), "name": "에스크로 주문",
             "amount": amount, "escrow": True, "buyer_tel": "010-1234-5678"}
    window = httpx.post(f"{gateway.base_url}/checkout/window", timeout=30, data={
        "origin": "http://127.0.0.1:1", "user_code": shop.user_code, "display": "popup",
        "param": json.dumps(param, ensure_ascii=False)})
    ticket = re.search(r'name="ticket" value="([^"]+)"', window.text)
    assert ticket, window.text[:500]
    approved = httpx.post(f"{gateway.base_url}/checkout/approve", timeout=30,
                          data={"ticket": ticket.group(1), "card_company": "367", **CARD})
    found = re.search(r'id="rsp">(.*?)</script>', approved.text, re.S)
    assert found, approved.text[:500]
    rsp = json.loads(found.group(1))
    assert (rsp["success"], rsp["status"]) == (True, "paid"), rsp
    return rsp


def certified(shop: TestMerchant) -> str:
    """A finished verification by code (the sandbox's code is 123456); its imp_uid."""
    imp_uid = shop.api("POST", "/certifications/otp/request", json=PERSON).expect_ok()["imp_uid"]
    shop.api("POST", f"/certifications/otp/confirm/{imp_uid}", json={"otp": "123456"}).expect_ok()
    return imp_uid


def shipping(company: str = "CJGLS", invoice: str = "123456789012") -> dict[str, Any]:
    return {"sender": SENDER, "receiver": RECEIVER, "logis": {"company": company, "invoice": invoice, "sent_at": 1_760_000_000}}
