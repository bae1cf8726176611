"""Witness: the request/response examples published in NICE Pay's developer manual, replayed against
paymux's NICE emulator (and paymux's NICE client where the manual gives a computed value). Nobody here
wrote these examples: each test names the manual page and section it replays. The manual is
https://github.com/nicepayments/nicepay-manual (also developers.nicepay.co.kr); quoted at commit
0436c7a640521dafe03c98717900cc18f5c59b82 (api/*.md) and 04ae3e1b (common/code.md).

Where the manual's own sample is not valid JSON (the net-cancel and billing-charge curl samples carry a
typographic quote and a trailing comma), the test says so, replays it byte for byte (NICE's emulator
answers ``A212``, malformed data) and then replays it as its request table specifies.

The manual's keys: the window and approval samples use client key ``af0d116236df437f831483ee9c500bc4``;
the encData examples use secret key ``2dcc2a0d63bf469490bb19a201be3735``. The emulator's
``MANUAL_SAMPLE`` merchant pairs the two (the manual shows each alone).
"""

from __future__ import annotations

import base64
import json
from datetime import datetime
from typing import Any

import httpx

from paymux.clock import OffsetClock
from paymux.connectors.base import WindowLaunch
from paymux.connectors.nice.client import enc_data, sign
from paymux.connectors.nice.emulator import MANUAL_SAMPLE
from paymux.connectors.nice.transformers import KST
from tests.connectors.nice.support import NiceEmulator, authenticate

MANUAL = "https://github.com/nicepayments/nicepay-manual/blob/main"
WINDOW_DOC = f"{MANUAL}/api/payment-window-server.md"
CANCEL_DOC = f"{MANUAL}/api/cancel.md"
SUBSCRIBE_DOC = f"{MANUAL}/api/payment-subscribe.md"
STATUS_DOC = f"{MANUAL}/api/status-transaction.md"
HOOK_DOC = f"{MANUAL}/api/hook.md"

SAMPLE_CLIENT_ID = "af0d116236df437f831483ee9c500bc4"
SAMPLE_SECRET = "2dcc2a0d63bf469490bb19a201be3735"
BASIC = "Basic " + base64.b64encode(f"{SAMPLE_CLIENT_ID}:{SAMPLE_SECRET}".encode()).decode()
# The manual's approval sample shows ``Authorization: Basic YWYwZDExNjIzNmRmNDM3Zjgz...``: the start of
# base64("af0d116236df437f83…"), i.e. the sample client key [WINDOW_DOC 승인 > 샘플 코드].
MANUAL_BASIC_PREFIX = "Basic YWYwZDExNjIzNmRmNDM3Zjgz"

# [WINDOW_DOC 응답 명세 (공통)]: the fields every payment object carries ("필수 O").
PAYMENT_FIELDS = {"resultCode", "resultMsg", "tid", "orderId", "ediDate", "status", "paidAt", "failedAt", "cancelledAt",
                  "payMethod", "amount", "balanceAmt", "goodsName", "useEscrow", "currency"}
# [WINDOW_DOC 응답 명세 (Server 승인 모델)]: what NICE POSTs to returnUrl.
RETURN_FIELDS = {"authResultCode", "authResultMsg", "tid", "clientId", "orderId", "amount", "mallReserved", "authToken",
                 "signature"}


def _api(nice: NiceEmulator, method: str, path: str, body: Any = None, raw: bytes | None = None) -> httpx.Response:
    headers = {"Authorization": BASIC, "Content-Type": "application/json"}
    content = raw if raw is not None else (json.dumps(body, ensure_ascii=False).encode() if body is not None else None)
    return nice.http.request(method, nice.base_url + path, content=content, headers=headers)


def _sample_window(nice: NiceEmulator, order_id: str = "your-unique-orderid", amount: int = 1004) -> dict[str, str]:
    """[WINDOW_DOC 결제창 > 샘플 코드]: ``AUTHNICE.requestPay({clientId, method: 'card', orderId:
    'your-unique-orderid', amount: 1004, goodsName: '나이스페이-상품', returnUrl: 'http://localhost:4567/serverAuth'})``."""
    launch = WindowLaunch(url="", script_url=nice.base_url + "/v1/js/", fields={
        "clientId": SAMPLE_CLIENT_ID, "method": "card", "orderId": order_id, "amount": str(amount),
        "goodsName": "나이스페이-상품", "returnUrl": "http://localhost:4567/serverAuth"})
    return authenticate(launch)


def test_manual_basic_auth_sample_is_the_sample_client_key() -> None:
    assert BASIC.startswith(MANUAL_BASIC_PREFIX)  # [WINDOW_DOC 승인 > 샘플 코드]
    assert MANUAL_SAMPLE.client_id == SAMPLE_CLIENT_ID and MANUAL_SAMPLE.secret_key == SAMPLE_SECRET


def test_manual_encdata_examples_aes128_and_aes256() -> None:
    """[SUBSCRIBE_DOC encData 필드 암호화 예시 (AES-128) / (AES-256)]: plaintext, key, IV and result as printed."""
    plain = "cardNo=1234567890123456&expYear=25&expMonth=12&idNo=800101&cardPw=12"
    assert enc_data(plain, "2dcc2a0d63bf4694") == (
        "2127975b6d82c36136ba8197a997a994f6c086ff75a6d35e514c54a1e686545e60b76f11bec706de1082e43dd74ae5c5f0709dc1ec"
        "a6c3cd20e1c0e9e9b7a85c6505461c91c865d82072e41ba5284bd7")
    assert enc_data(plain, SAMPLE_SECRET, "A2") == (
        "6ecfe97e521bc67c3053d74a9dbdba53033d343fc9e8e38e730964b22ef2e4a59607171b00a9da977141b3f79fffa1e80a16c08bc5"
        "8666b479f554a966a363414347e62f2621f8df220c7a4a545592d0")


def test_manual_window_sample_then_approval_sample(nice: NiceEmulator) -> None:
    """[WINDOW_DOC 결제창 샘플 코드 → 응답 명세 (Server 승인 모델) → 승인 샘플 코드 ``{"amount": 1004}`` → 응답 명세]."""
    order = f"your-unique-orderid-{datetime.now(KST):%H%M%S%f}"  # the sample orderId, made unique per run
    returned = _sample_window(nice, order)
    assert returned["action"] == "http://localhost:4567/serverAuth"
    assert RETURN_FIELDS <= set(returned) and returned["authResultCode"] == "0000"
    # signature rule: hex(sha256(authToken + clientId + amount + SecretKey))
    assert returned["signature"] == sign(returned["authToken"], SAMPLE_CLIENT_ID, "1004", SAMPLE_SECRET)
    reply = _api(nice, "POST", f"/v1/payments/{returned['tid']}", {"amount": 1004})
    assert reply.status_code == 200 and reply.headers["content-type"].startswith("application/json")
    body = reply.json()
    assert PAYMENT_FIELDS <= set(body) and body["resultCode"] == "0000" and body["status"] == "paid"
    assert (body["orderId"], body["amount"], body["balanceAmt"], body["goodsName"]) == (order, 1004, 1004, "나이스페이-상품")
    assert body["signature"] == sign(body["tid"], 1004, body["ediDate"], SAMPLE_SECRET)  # hex(sha256(tid+amount+ediDate+SecretKey))
    assert set(body["card"]) >= {"cardCode", "cardName", "cardQuota", "isInterestFree", "canPartCancel", "acquCardCode", "acquCardName"}
    # [STATUS_DOC 샘플 코드]: GET /v1/payments/{tid} answers the same payment
    looked = _api(nice, "GET", f"/v1/payments/{returned['tid']}").json()
    assert PAYMENT_FIELDS <= set(looked) and (looked["tid"], looked["status"]) == (returned["tid"], "paid")
    # [STATUS_DOC 거래조회(orderId 활용)]: orderDate (YYYYMMDD, 필수)
    day = looked["paidAt"][:10].replace("-", "")
    found = _api(nice, "GET", f"/v1/payments/find/{order}?orderDate={day}").json()
    assert (found["resultCode"], found["tid"]) == ("0000", returned["tid"])


def test_manual_cancel_sample(nice: NiceEmulator) -> None:
    """[CANCEL_DOC 취소·환불 샘플 코드]: ``{"reason": "sample-code", "orderId": "merchant-order-id"}`` (no
    cancelAmt: the whole amount) → 응답 명세 with ``cancelledTid``, ``balanceAmt`` 0 and ``cancels[]``."""
    returned = _sample_window(nice, f"cancel-sample-{datetime.now(KST):%H%M%S%f}")
    assert _api(nice, "POST", f"/v1/payments/{returned['tid']}", {"amount": 1004}).json()["resultCode"] == "0000"
    body = _api(nice, "POST", f"/v1/payments/{returned['tid']}/cancel", {"reason": "sample-code", "orderId": "merchant-order-id"}).json()
    assert PAYMENT_FIELDS <= set(body) and body["resultCode"] == "0000"
    assert (body["status"], body["balanceAmt"], body["cancelledTid"]) == ("cancelled", 0, returned["tid"])
    [entry] = body["cancels"]
    assert set(entry) >= {"tid", "amount", "cancelledAt", "reason", "receiptUrl"} and (entry["amount"], entry["reason"]) == (1004, "sample-code")
    # "부분취소의 경우 중복된 orderId로 재호출 불가": the same request again refunds nothing
    again = _api(nice, "POST", f"/v1/payments/{returned['tid']}/cancel", {"reason": "sample-code", "orderId": "merchant-order-id"}).json()
    assert again["resultCode"] != "0000"


def test_manual_net_cancel_sample(nice: NiceEmulator) -> None:
    """[CANCEL_DOC 망취소 샘플 코드]: ``{"orderID" : "your-order-id”,}`` — as printed it is not JSON (a closing
    typographic quote, a trailing comma): NICE's emulator answers A212. As the request table specifies
    (``orderId``) it undoes the order's approval."""
    printed = '{\n    "orderID" : "your-order-id\u201d,\n}'.encode()
    assert _api(nice, "POST", "/v1/payments/netcancel", raw=printed).json()["resultCode"] == "A212"
    order = f"your-order-id-{datetime.now(KST):%H%M%S%f}"
    returned = _sample_window(nice, order)
    assert _api(nice, "POST", f"/v1/payments/{returned['tid']}", {"amount": 1004}).json()["status"] == "paid"
    body = _api(nice, "POST", "/v1/payments/netcancel", {"orderId": order}).json()
    assert (body["resultCode"], body["status"], body["orderId"]) == ("0000", "cancelled", order)


def test_manual_billing_samples_regist_charge_expire(nice: NiceEmulator, clock: OffsetClock) -> None:
    """[SUBSCRIBE_DOC 빌키발급 → 빌키승인 → 빌키삭제]: the regist sample ``{"encData": …, "orderId":
    "merchant-order-id", "encMode": "A2"}`` with the manual's own AES-256 ciphertext (a card expiring 12/25,
    so the emulator's clock is set to 2025), the charge sample ``{"orderId": "merchant-order-id", "amount":
    1004, "goodsName": "나이스상품", "cardQuota": 0, "useShopInterest": false}`` (printed with a typographic
    quote ＂ before 나이스상품: replayed byte for byte it is A212, then as JSON) and the expire sample."""
    clock.advance(int(datetime(2025, 6, 1, tzinfo=KST).timestamp()) - clock.now())
    enc = ("6ecfe97e521bc67c3053d74a9dbdba53033d343fc9e8e38e730964b22ef2e4a59607171b00a9da977141b3f79fffa1e80a16c08bc5"
           "8666b479f554a966a363414347e62f2621f8df220c7a4a545592d0")
    issued = _api(nice, "POST", "/v1/subscribe/regist", {"encData": enc, "orderId": "merchant-order-id", "encMode": "A2"}).json()
    assert issued["resultCode"] == "0000" and issued["resultMsg"] == "빌키가 정상적으로 생성되었습니다."
    assert set(issued) >= {"resultCode", "resultMsg", "tid", "orderId", "bid", "authDate", "cardCode", "cardName"}
    bid = issued["bid"]
    order = f"merchant-order-id-{datetime.now(KST):%H%M%S%f}"
    printed = ('{\n    "orderId": "%s",\n    "amount": 1004,\n    "goodsName": \uff02나이스상품",\n    "cardQuota": 0,\n'
               '    "useShopInterest": false\n}' % order).encode()
    assert _api(nice, "POST", f"/v1/subscribe/{bid}/payments", raw=printed).json()["resultCode"] == "A212"
    charged = _api(nice, "POST", f"/v1/subscribe/{bid}/payments", {"orderId": order, "amount": 1004, "goodsName": "나이스상품",
                                                                   "cardQuota": 0, "useShopInterest": False}).json()
    assert PAYMENT_FIELDS <= set(charged) and (charged["resultCode"], charged["status"], charged["amount"]) == ("0000", "paid", 1004)
    assert charged["signature"] == sign(charged["tid"], 1004, charged["ediDate"], SAMPLE_SECRET)
    expired = _api(nice, "POST", f"/v1/subscribe/{bid}/expire", {"orderId": "merchant-order-id"}).json()
    assert (expired["resultCode"], expired["bid"]) == ("0000", bid)
    # "삭제된 빌키는 복원과 승인(결제)가 불가 합니다" → A126 [common/code.md]
    after = _api(nice, "POST", f"/v1/subscribe/{bid}/payments", {"orderId": order + "-2", "amount": 1004, "goodsName": "나이스상품",
                                                                 "cardQuota": 0, "useShopInterest": False}).json()
    assert after["resultCode"] == "A126"


def test_manual_codes_and_http_statuses(nice: NiceEmulator) -> None:
    """[common/code.md HTTP 상태코드]: 401 without (or with a wrong) key; [API 응답코드]: 3041 for a card
    payment under 1,000 KRW, 2012 for a cancel of no payment."""
    assert nice.http.get(nice.base_url + "/v1/payments/nothing").status_code == 401
    returned = _sample_window(nice, f"small-{datetime.now(KST):%H%M%S%f}", amount=999)
    assert returned["authResultCode"] == "3041"
    body = _api(nice, "POST", "/v1/payments/nicuntct1m0101210727200125A056/cancel",  # [CANCEL_DOC 샘플 코드]'s tid
                {"reason": "sample-code", "orderId": "merchant-order-id"}).json()
    assert body["resultCode"] == "2012"


def test_manual_webhook_shape(nice: NiceEmulator, hooks: Any) -> None:
    """[HOOK_DOC 응답 명세]: a JSON POST (``application/json;charset=utf-8``) with the payment object and its
    signature; the merchant answers HTTP 200 with ``OK``."""
    order = f"hook-{datetime.now(KST):%H%M%S%f}"
    returned = _sample_window(nice, order)
    _api(nice, "POST", f"/v1/payments/{returned['tid']}", {"amount": 1004})
    assert nice.hooks_for(order, status="paid")[0]["accepted"]
    headers, raw = next((h, b) for h, b in hooks.received if json.loads(b)["orderId"] == order)
    assert headers["content-type"] == "application/json;charset=utf-8"
    body = json.loads(raw)
    assert PAYMENT_FIELDS <= set(body) and body["signature"] == sign(body["tid"], body["amount"], body["ediDate"], SAMPLE_SECRET)
