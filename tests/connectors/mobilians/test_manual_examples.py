"""Witness: the request/response examples published in KG Mobilians' own manual, replayed against
paymux's Mobilians emulator over real HTTP. Nobody here wrote them.

Source: repository ``KGMobilians/mcp-server`` (MOBILPAY / KG파이낸셜's developer docs packaged by
Mobilians), files named per test; the test service ``000730010001`` / skey from its
``auto_test/config.json``. What is and is not replayable:

- replayed literally (apart from values only Mobilians can mint at run time — ``tid``, ``pay_token`` —
  which come from the emulator's own earlier answer, and HMACs the manual leaves as placeholders,
  computed by the manual's own formula): registration (phone, hybrid), its failure answer, TID
  approval, full cancel, phone partial cancel (amount = the balance left);
- the manual's HMAC inputs (``hmac.md``) fed to a registration, the answer's ``hmac`` recomputed with the
  manual's Python snippet;
- not replayed: the card (``CN``) examples (Mobilians' test server offers no card service, and the
  emulator speaks phone only), ``EP``/``TM``/``VA`` registrations, MOBILID ``M001`` (its
  ``mc_user_key`` is the placeholder ``USER_KEY_VALUE``; the emulator approves ``M002`` only), and the
  example ``hmac`` values ``I3qi5h…`` (a placeholder: the same value appears under different
  messages, so no key reproduces it — only its form, 44 base64 characters, is checked).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from paymux.clock import OffsetClock
from paymux.connectors.mobilians.emulator import EmulatorConfig
from tests.connectors.mobilians.support import MobiliansEmulator, authenticate

SID, SKEY = "000730010001", "6148a93a86b08ac90c93dbeaf295eb5b"  # auto_test/config.json "MC"
EXAMPLE_HMAC = "I3qi5h256KJKTbbKAlC9pXFiVaAgb/E2ci6ZgkjzVsg="

# md/payment/api/registration.md, "기본 결제 요청 (휴대폰 결제)" and "하이브리드 결제 요청"
REGISTRATION_PHONE = {
    "sid": "YOUR_SID", "cash_code": "MC", "product_name": "테스트상품", "trade_id": "ORDER_20250704_001",
    "site_url": "www.example.com", "ok_url": "https://www.example.com/payment/result",
    "amount": {"total": 1000, "tax": 0, "tax_free": 0, "supply_value": 0},
}
REGISTRATION_HYBRID = {
    "sid": "YOUR_SID", "cash_code": "MC", "product_name": "테스트상품", "trade_id": "ORDER_20250704_002",
    "site_url": "www.example.com", "ok_url": "https://www.example.com/payment/auth-result", "hybrid_pay": "Y",
    "amount": {"total": 5000, "tax": 0, "tax_free": 0, "supply_value": 0},
}
REGISTRATION_ANSWER = {  # registration.md "성공 응답"
    "code": "0000", "message": "정상처리", "sid": "YOUR_SID", "tid": "20190619160850826790",
    "pay_url": "https://mup.mobilians.co.kr/MUP/api/payment.mcash?tid=20190619160850826790",
    "qrcode_url": "https://mup.mobilians.co.kr/MUP/api/qr-code.mcash?tid=20190619160850826790",
    "hmac": EXAMPLE_HMAC, "time_stamp": "20190401090010",
}
FAILURE_ANSWER = {"code": "6101", "message": "유효하지 않은 parameter"}  # registration.md "실패 응답"
# skills/mobilpay-integration/references/api/approval-tid.md "요청 예제" / "응답 예제"
APPROVAL_REQUEST = {"sid": "000730010001", "tid": "20190619160850826790", "cash_code": "MC",
                    "pay_token": "1904258548577654668", "amount": "1000"}
APPROVAL_ANSWER = {"code": "0000", "message": "정상처리", "sid": "000730010001", "tid": "20190619160850826790",
                   "cash_code": "MC", "pay_token": "1904258548577654668", "amount": "1000", "hmac": EXAMPLE_HMAC,
                   "transaction_id": "20230117MCNA4002165626A047216348"}
APPROVAL_FIELDS = {"code", "message", "sid", "sign_date", "tid", "trade_id", "cash_code", "pay_token", "product_name",
                   "amount", "hmac", "transaction_id", "mc_bill_key", "mc_user_key", "mc_simple_key", "phone_no"}
# skills/mobilpay-integration/references/api/cancellation.md "요청 예제 - 전체 취소" / "… 부분 취소 (휴대폰 …)" / "응답 예제"
CANCEL_FULL = {"sid": "YOUR_SID", "trade_id": "ORDER_20250704_001", "cash_code": "MC", "pay_token": "1904258548577654668",
               "amount": "1000", "cancel_type": "C", "part_cancel": "N", "hmac": EXAMPLE_HMAC}
CANCEL_PHONE_PARTIAL = {"sid": "YOUR_SID", "trade_id": "ORDER_20250704_002", "cash_code": "MC",
                        "pay_token": "1904258548577654668", "amount": "3000", "cancel_type": "C", "part_cancel": "Y",
                        "hmac": "계산된_HMAC_값"}
CANCEL_ANSWER = {"code": "0000", "message": "정상처리", "sid": "YOUR_SID", "cash_code": "MC", "pay_token": "1904258548577654668",
                 "amount": "1000", "transaction_id": "20230117MCNA5001170143A057923474"}


def manual_hmac(message: str) -> str:
    """hmac.md, "구현 예제 - Python": base64(HMAC-SHA256(skey, message)), UTF-8."""
    return base64.b64encode(hmac.new(SKEY.encode("utf-8"), message.encode("utf-8"), hashlib.sha256).digest()).decode("utf-8")


def with_sid(example: dict[str, Any]) -> dict[str, Any]:
    return {**example, "sid": SID}


@pytest.fixture(scope="module")
def emulator() -> Iterator[MobiliansEmulator]:
    """A fresh emulator (only the public test service), so the manual's literal trade_ids are unused."""
    server = MobiliansEmulator()
    server.start(EmulatorConfig(clock=OffsetClock().now))
    yield server
    server.stop()


def post(emulator: MobiliansEmulator, path: str, body: dict[str, Any]) -> httpx.Response:
    return httpx.post(emulator.base_url + path, json=body)


def same_shape(answer: dict[str, Any], example: dict[str, Any]) -> None:
    """The answer has every field of the manual's example, with its code and message."""
    assert set(example) <= set(answer), set(example) - set(answer)
    assert (answer["code"], answer["message"]) == (example["code"], example["message"])


def test_registration_examples_get_the_manuals_success_answer(emulator: MobiliansEmulator) -> None:
    for example in (REGISTRATION_PHONE, REGISTRATION_HYBRID):
        reply = post(emulator, "/MUP/api/registration", with_sid(example))
        assert reply.status_code == 200 and reply.headers["content-type"].startswith("application/json")
        answer = reply.json()
        same_shape(answer, REGISTRATION_ANSWER)
        assert re.fullmatch(r"\d{20}", answer["tid"]) and re.fullmatch(r"\d{14}", answer["time_stamp"])
        assert answer["pay_url"] == f"{emulator.base_url}/MUP/api/payment.mcash?tid={answer['tid']}"
        assert answer["qrcode_url"].endswith(f"/MUP/api/qr-code.mcash?tid={answer['tid']}")
        assert len(answer["hmac"]) == len(EXAMPLE_HMAC)
        # registration.md "HMAC 무결성 검증": amount(total) + ok_url + trade_id + time_stamp
        assert answer["hmac"] == manual_hmac(f"{example['amount']['total']}{example['ok_url']}{example['trade_id']}{answer['time_stamp']}")


def test_the_manuals_hmac_inputs_give_the_manuals_hmac(emulator: MobiliansEmulator) -> None:
    # hmac.md, "구현 예제": amount 1000, okUrl, tradeId ORDER_20250704_001, timeStamp 20250704120000
    body = {**with_sid(REGISTRATION_PHONE), "trade_id": "ORDER_20250704_001_HMAC", "time_stamp": "20250704120000"}
    answer = post(emulator, "/MUP/api/registration", body).json()
    assert answer["time_stamp"] == "20250704120000"
    assert answer["hmac"] == manual_hmac("1000" + "https://www.example.com/payment/result" + "ORDER_20250704_001_HMAC" + "20250704120000")


def test_a_registration_without_a_required_field_gets_the_manuals_failure_answer(emulator: MobiliansEmulator) -> None:
    body = {k: v for k, v in with_sid(REGISTRATION_PHONE).items() if k != "ok_url"}
    answer = post(emulator, "/MUP/api/registration", body).json()
    assert answer["code"] == FAILURE_ANSWER["code"] and answer["message"].startswith(FAILURE_ANSWER["message"])
    assert "tid" not in answer  # error-codes.md: "message에 상세한 에러 원인이 포함됩니다" (details allowed)


def test_the_hybrid_example_is_approved_with_the_manuals_approval_request_then_partially_cancelled(emulator: MobiliansEmulator) -> None:
    registered = post(emulator, "/MUP/api/registration", {**with_sid(REGISTRATION_HYBRID), "trade_id": "ORDER_20250704_002"}).json()
    auth = authenticate(emulator, emulator.base_url + "/MUP/api/payment.mcash", registered["tid"])
    assert auth["code"] == "0000" and auth["action"] == REGISTRATION_HYBRID["ok_url"]  # auth-response.md: POST to ok_url
    # approval-tid.md example, with the tid/pay_token Mobilians minted for this trade (amount 5000 here)
    request = {**APPROVAL_REQUEST, "tid": registered["tid"], "pay_token": auth["pay_token"], "amount": "5000"}
    answer = post(emulator, "/MUP/api/approval", request).json()
    same_shape(answer, APPROVAL_ANSWER)
    assert set(answer) <= APPROVAL_FIELDS, set(answer) - APPROVAL_FIELDS
    assert (answer["tid"], answer["pay_token"], answer["amount"], answer["cash_code"]) == (registered["tid"], auth["pay_token"], "5000", "MC")
    assert re.fullmatch(r"\d{8}MCNA\w{20}", answer["transaction_id"])  # the example's 32-character form
    # cancellation.md "부분 취소 (휴대폰, 5000원 중 2000원 취소 → 남은 금액 3000원 전달)"
    partial = {**with_sid(CANCEL_PHONE_PARTIAL), "pay_token": auth["pay_token"]}
    partial["hmac"] = manual_hmac(f"{SID}{partial['trade_id']}{partial['pay_token']}{partial['amount']}")
    cancelled = post(emulator, "/MUP/api/cancellation", partial).json()
    same_shape(cancelled, CANCEL_ANSWER)
    assert cancelled["amount"] == "3000"
    assert emulator.payment("ORDER_20250704_002")["balance"] == 3000


def test_the_phone_example_paid_in_the_window_is_cancelled_with_the_manuals_full_cancel(emulator: MobiliansEmulator) -> None:
    registered = post(emulator, "/MUP/api/registration", with_sid(REGISTRATION_PHONE)).json()
    paid = authenticate(emulator, emulator.base_url + "/MUP/api/payment.mcash", registered["tid"])
    # auth-response.md, 일반결제: ok_url receives the approval itself (sign_date, hmac …)
    assert paid["code"] == "0000" and paid["sign_date"] and paid["amount"] == "1000"
    assert paid["hmac"] == manual_hmac(f"1000{REGISTRATION_PHONE['ok_url']}ORDER_20250704_001{registered['time_stamp']}")
    full = {**with_sid(CANCEL_FULL), "pay_token": paid["pay_token"]}
    full["hmac"] = manual_hmac(f"{SID}{full['trade_id']}{full['pay_token']}{full['amount']}")  # cancellation.md "HMAC 계산 (취소용)"
    answer = post(emulator, "/MUP/api/cancellation", full).json()
    same_shape(answer, CANCEL_ANSWER)
    assert (answer["pay_token"], answer["amount"]) == (paid["pay_token"], "1000")
    # the example as printed (placeholder hmac) is refused with error-codes.md's 6102
    refused = post(emulator, "/MUP/api/cancellation", {**full, "hmac": EXAMPLE_HMAC}).json()
    assert (refused["code"], refused["message"]) == ("6102", "유효하지 않은 hmac")
