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
TEST_DOC = f"{MANUAL}/common/test.md"
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
    printed = ('{\n    "orderId": "' + order + '",\n    "amount": 1004,\n    "goodsName": \uff02나이스상품",\n'
               '    "cardQuota": 0,\n    "useShopInterest": false\n}').encode()
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


# --- the sandbox walk-through [TEST_DOC 샌드박스를 통한 TEST 개발 예시] ------------------------------------------
SANDBOX_BASIC = "Basic NThlM2I1Nzg1NTVlNDU3MzhkNmI1NjllNTNkNWFlNTQ6NGYxM2NhMjY3ZGZhNGZjNjk2NDE0OGJlZGNkYTE1ZWY="
# "결제창 응답": what NICE's sandbox POSTed to returnUrl, as printed
SANDBOX_RETURN = {
    "authResultCode": "0000", "authResultMsg": "인증 성공", "tid": "UT0000113m01012110051656331001",
    "clientId": "58e3b578555e45738d6b569e53d5ae54", "orderId": "b0980639-52db-4504-9e4d-97200827dc48", "amount": "1004",
    "mallReserved": "", "authToken": "NICEUNTT9FBBD87FD2393AFEE45A7DCA61C194AA",
    "signature": "7cc95c592e2a12f0292e1a20d68dd9eb8132fd3c0af675b981a4c1c2ce63a93b",
}
# "결제(승인) 응답 예시": NICE's sandbox approval reply, as printed (its JavaScript-style keys as JSON)
SANDBOX_APPROVAL = {
    "resultCode": "0000", "resultMsg": "정상 처리되었습니다.", "tid": "UT0000113m01012110051656331001", "cancelledTid": None,
    "orderId": "b0980639-52db-4504-9e4d-97200827dc48", "ediDate": "2021-10-05T16:56:34.447+0900",
    "signature": "28c2e8bae912847541d4885db17648f963c7cc8e8249ff010097d6f1395df993", "status": "paid",
    "paidAt": "2021-10-05T16:56:34.000+0900", "failedAt": "0", "cancelledAt": "0", "payMethod": "card", "amount": 1004,
    "balanceAmt": 1004, "goodsName": "나이스페이-상품", "mallReserved": None, "useEscrow": False, "currency": "KRW",
    "channel": "pc", "approveNo": "000000", "buyerName": None, "buyerTel": None, "buyerEmail": None,
    "receiptUrl": "https://npg.nicepay.co.kr/issue/IssueLoader.do?type=0&innerWin=Y&TID=UT0000113m01012110051656331001",
    "mallUserId": None, "issuedCashReceipt": False, "coupon": None,
    "card": {"cardCode": "04", "cardName": "삼성", "cardNum": "12341234****1234", "cardQuota": 0, "isInterestFree": False,
             "cardType": "credit", "canPartCancel": True, "acquCardCode": "04", "acquCardName": "삼성"},
    "vbank": None, "cancels": None, "cashReceipts": None,
}


def _sandbox_context(endpoint: str) -> Any:
    from paymux.connectors.base import ChannelContext
    from paymux.domain.channel import Channel, ChannelMode, PayType

    channel = Channel(id=1, merchant_id=1, position=0, pg_provider="nice", mid="UT0000113m", pay_type=PayType.GENERAL,
                      mode=ChannelMode.LIVE, is_default=True, endpoint=endpoint)
    return ChannelContext(channel, {"client_id": "58e3b578555e45738d6b569e53d5ae54", "secret_key": "4f13ca267dfa4fc6964148bedcda15ef"})


def _sandbox_start() -> Any:
    from paymux.connectors.base import ChargeRequest, WindowStart

    request = ChargeRequest("b0980639-52db-4504-9e4d-97200827dc48", "m", 1004, name="나이스페이-상품", now=1633420594)
    return WindowStart(request=request, pay_method="card", mobile=False, issues_billing_key=False,
                       return_url="http://localhost:3000/serverAuth", close_url="", notice_url="")


def test_manual_sandbox_keys_are_the_published_basic_header() -> None:
    """The approval call's ``Authorization`` header decodes to the sandbox clientId and secretKey; they are what
    paymux's console test card lists for NICE."""
    from paymux.connectors.nice import NiceSandbox
    from paymux.connectors.nice.client import NiceKeys

    keys = NiceSandbox.public_test_credentials
    assert NiceKeys(keys["client_id"], keys["secret_key"]).basic() == SANDBOX_BASIC


def test_paymux_accepts_the_manuals_sandbox_return_and_approval_and_refuses_them_altered() -> None:
    """paymux's connector checks the printed returnUrl POST (signature = sha256(authToken + clientId + amount +
    secretKey)) and the printed approval reply (signature = sha256(tid + amount + ediDate + secretKey)) with the
    printed sandbox keys: both verify; one changed character does not."""
    from paymux.connectors.nice.connector import NiceConnector
    from paymux.connectors.nice.transformers import approval
    from paymux.domain.errors import Refused

    made = NiceConnector(None)  # type: ignore[arg-type]  # no call is made
    ctx, start = _sandbox_context("https://sandbox-api.nicepay.co.kr"), _sandbox_start()
    reference = made.window_reference(ctx, start, SANDBOX_RETURN)
    assert (reference["tid"], reference["price"]) == ("UT0000113m01012110051656331001", "1004")
    for name, value in (("amount", "1005"), ("authToken", SANDBOX_RETURN["authToken"][:-1] + "B")):
        try:
            made.window_reference(ctx, start, {**SANDBOX_RETURN, name: value})
        except Refused:
            continue
        raise AssertionError(f"an altered {name} was accepted")
    assert made._genuine(ctx, SANDBOX_APPROVAL, start.request.order_id, 1004)
    assert not made._genuine(ctx, {**SANDBOX_APPROVAL, "amount": 1005}, start.request.order_id, 1005)
    found = approval(SANDBOX_APPROVAL)
    assert (found.pg_tid, found.apply_num, found.card_code, found.card_number, found.card_type) == (
        "UT0000113m01012110051656331001", "000000", "365", "123412******1234", 0)
    # the sandbox host's SDK is sandbox-pay.nicepay.co.kr [TEST_DOC JS Include]
    assert made.sdk_url(ctx) == "https://sandbox-pay.nicepay.co.kr/v1/js/"
    assert made.sdk_url(_sandbox_context("")) == "https://sandbox-pay.nicepay.co.kr/v1/js/"


def test_manual_sandbox_walkthrough_against_the_emulator(nice: NiceEmulator) -> None:
    """The sandbox ``requestPay`` sample (clientId 58e3…, card, 1004, '나이스페이-상품', returnUrl
    http://localhost:3000/serverAuth), then the printed approval call with its exact Basic header; the
    emulator's answers have the printed replies' fields, and signatures by the same rules."""
    order = f"b0980639-{datetime.now(KST):%H%M%S%f}"
    launch = WindowLaunch(url="", script_url=nice.base_url + "/v1/js/", fields={
        "clientId": "58e3b578555e45738d6b569e53d5ae54", "method": "card", "orderId": order, "amount": "1004",
        "goodsName": "나이스페이-상품", "returnUrl": "http://localhost:3000/serverAuth"})
    returned = authenticate(launch)
    assert set(SANDBOX_RETURN) | {"action"} == set(returned) and returned["authResultMsg"] == SANDBOX_RETURN["authResultMsg"]
    assert returned["signature"] == sign(returned["authToken"], returned["clientId"], "1004", "4f13ca267dfa4fc6964148bedcda15ef")
    reply = nice.http.post(f"{nice.base_url}/v1/payments/{returned['tid']}", content=b'{\n  "amount" : 1004\n}',
                           headers={"Content-Type": "application/json", "Authorization": SANDBOX_BASIC})
    body = reply.json()
    assert set(body) >= set(SANDBOX_APPROVAL) - {"cancelledTid"} and (body["resultCode"], body["resultMsg"]) == ("0000", "정상 처리되었습니다.")
    assert body["signature"] == sign(body["tid"], 1004, body["ediDate"], "4f13ca267dfa4fc6964148bedcda15ef")
    assert set(body["card"]) == set(SANDBOX_APPROVAL["card"])  # type: ignore[arg-type]
