"""INIAPI through ``InicisClient`` against the emulator: keys, charges, declines, unknown outcomes,
refunds and partial refunds, request validation, outage. Assertions are what a PG user sees: the
replies, and the emulator's ledger of money."""

from __future__ import annotations

import secrets
import time
from dataclasses import replace
from typing import Any

import httpx
import pytest

from paymux.connectors.http import PgHttpStatusError, PgTransportError
from paymux.connectors.inicis import codes
from paymux.connectors.inicis.client import InicisClient, InicisKeys
from paymux.connectors.inicis.emulator import PAYMUX_LIVE_KEYS
from paymux.connectors.sandbox import TEST_CARDS, CardBehaviour
from tests.connectors.inicis.conftest import CLIENT_TIMEOUT
from tests.connectors.inicis.support import EmulatorServer, run_client

BILL = InicisKeys.public_test("INIBillTst")
PAY = InicisKeys.public_test("INIpayTest")
NOW_CARD = "5361481234561234"  # Hyundai (536148) in the sandbox BIN table: approves
KB_CARD = "4579731234567890"

CARD_OF = {behaviour: number for number, behaviour in TEST_CARDS.items()}


def oid(prefix: str = "o") -> str:
    return f"{prefix}-{secrets.token_hex(6)}"


def now() -> int:
    return int(time.time())


def issue_key(emulator: EmulatorServer, card: str = NOW_CARD, keys: InicisKeys = BILL, expiry: str = "3012") -> dict[str, Any]:
    return run_client(emulator.base_url, keys, lambda c: c.billing_key_auth(
        moid=oid("key"), card_number=card, card_expire_yymm=expiry, reg_no="820213", card_pw="00",
        buyer_name="홍길동", buyer_email="buyer@example.com", buyer_tel="010-1234-5678", now=now()))


def charge(emulator: EmulatorServer, bill_key: str, price: int, order: str, *, quota: int = 0, keys: InicisKeys = BILL,
           timeout: float = 10.0, **overrides: str) -> dict[str, Any]:
    buyer = {"goodname": "정기구독", "buyer_name": "홍길동", "buyer_email": "buyer@example.com", "buyer_tel": "01012345678"}
    buyer.update(overrides)
    return run_client(emulator.base_url, keys, lambda c: c.billing_charge(
        moid=order, price=price, bill_key=bill_key, card_quota=quota, tax_free=0, now=now(), **buyer), timeout=timeout)


def formpay(emulator: EmulatorServer, card: str, price: int, order: str, *, expiry: str = "3012", quota: int = 0,
            timeout: float = 10.0) -> dict[str, Any]:
    return run_client(emulator.base_url, PAY, lambda c: c.formpay_card(
        moid=order, price=price, card_number=card, card_expire_yymm=expiry, reg_no="820213", card_pw="00",
        goodname="상품", buyer_name="홍길동", buyer_email="b@example.com", buyer_tel="01012345678", card_quota=quota,
        now=now()), timeout=timeout)


def inquiry(emulator: EmulatorServer, keys: InicisKeys = PAY, **by: str) -> dict[str, Any]:
    return run_client(emulator.base_url, keys, lambda c: c.inquiry(now=now(), **by))


def test_billing_key_then_charge_moves_money_once(emulator: EmulatorServer) -> None:
    key = issue_key(emulator)
    assert key["resultCode"] == "00" and key["billKey"]
    assert key["cardCode"] == "04"  # Hyundai, INICIS code
    order = oid()
    reply = charge(emulator, key["billKey"], 9_900, order)
    assert reply["resultCode"] == "00", reply
    assert reply["tid"].startswith("INIAPICARDINIBillTst") and len(reply["tid"]) == 40
    assert (reply["price"], reply["cardCode"], reply["cardQuota"]) == ("9900", "04", "00")
    assert emulator.payment(reply["tid"])["balance"] == 9_900  # type: ignore[index]
    assert [e["amount"] for e in emulator.events_for(order)] == [9_900]
    assert any(k["billKey"] == key["billKey"] and "1234" in k["card_number"] for k in emulator.ledger()["billing_keys"])


@pytest.mark.parametrize(
    ("behaviour", "code"),
    [
        (CardBehaviour.REFUSED, "120001"),
        (CardBehaviour.INSUFFICIENT, "120054"),
    ],
)
def test_billing_charge_declines_by_card(emulator: EmulatorServer, behaviour: CardBehaviour, code: str) -> None:
    key = issue_key(emulator, CARD_OF[behaviour])
    order = oid()
    reply = charge(emulator, key["billKey"], 5_000, order)
    assert reply["resultCode"] == code and reply["resultMsg"]
    assert [e["kind"] for e in emulator.events_for(order)] == ["decline"]
    assert inquiry(emulator, BILL, oid=order)["status"] == "9"


@pytest.mark.parametrize(
    ("card", "expiry", "code"),
    [(CARD_OF[CardBehaviour.EXPIRED], "3012", "120004"), (NOW_CARD, "2001", "120004"),
     (CARD_OF[CardBehaviour.AUTH_FAILED], "3012", "120019")],
)
def test_key_in_declines_and_key_refusals(emulator: EmulatorServer, card: str, expiry: str, code: str) -> None:
    assert formpay(emulator, card, 5_000, oid(), expiry=expiry)["resultCode"] == code
    refused = issue_key(emulator, card, expiry=expiry)
    assert refused["resultCode"] == code and not refused.get("billKey")


def test_kb_cards_get_no_billing_key_on_a_test_mid(emulator: EmulatorServer) -> None:
    """[INI-MBILL]: KB Kookmin cards cannot be used to test billing-key issuance."""
    assert issue_key(emulator, KB_CARD)["resultCode"] == "120001"
    live = issue_key(emulator, KB_CARD, keys=PAYMUX_LIVE_KEYS)
    assert live["resultCode"] == "00" and live["cardCode"] == "06"


def test_amount_installment_and_duplicate_order_rules(emulator: EmulatorServer) -> None:
    key = issue_key(emulator)["billKey"]
    assert charge(emulator, key, 999, oid())["resultCode"] == "500608"
    assert charge(emulator, key, 99, oid())["resultCode"] == "500690"
    assert charge(emulator, key, 49_999, oid(), quota=3)["resultCode"] == "500607"
    assert charge(emulator, key, 50_000, oid(), quota=13)["resultCode"] == "500607"
    ok = charge(emulator, key, 60_000, order := oid(), quota=3)
    assert (ok["resultCode"], ok["cardQuota"]) == ("00", "03")
    assert charge(emulator, key, 1_000, order)["resultCode"] == "500619"
    assert formpay(emulator, NOW_CARD, 1_000, order)["resultCode"] == "00"  # another MID: its own order numbers


def test_billing_needs_goods_and_buyer_fields_and_a_known_key(emulator: EmulatorServer) -> None:
    key = issue_key(emulator)["billKey"]
    assert charge(emulator, key, 1_000, oid(), buyer_email="")["resultCode"] == "ER0102"
    assert charge(emulator, key, 1_000, oid(), goodname=" ")["resultCode"] == "ER0102"
    assert charge(emulator, "nosuchkey" + key[9:], 1_000, oid())["resultCode"] == codes.BILLKEY_UNKNOWN
    assert charge(emulator, key, 1_000, oid(), keys=PAYMUX_LIVE_KEYS)["resultCode"] == codes.BILLKEY_UNKNOWN


@pytest.mark.parametrize(("behaviour", "status"), [(CardBehaviour.TIMEOUT_THEN_APPROVED, "0"),
                                                   (CardBehaviour.TIMEOUT_THEN_DECLINED, "9")])
def test_timeout_card_outcome_is_known_by_inquiry(emulator: EmulatorServer, behaviour: CardBehaviour, status: str) -> None:
    key = issue_key(emulator, CARD_OF[behaviour])["billKey"]
    order = oid()
    with pytest.raises(PgTransportError):  # the client gave up: the emulator holds this card's reply past it
        charge(emulator, key, 7_000, order, timeout=CLIENT_TIMEOUT)
    found = inquiry(emulator, BILL, oid=order)
    assert (found["resultCode"], found["status"]) == ("00", status)
    if status == "0":
        assert found["price"] == "7000" and found["tid"].startswith("INIAPICARD")
        assert inquiry(emulator, BILL, original_tid=found["tid"])["status"] == "0"
        assert [e["amount"] for e in emulator.events_for(order)] == [7_000]
    else:
        assert [e["amount"] for e in emulator.events_for(order)] == [0]


def test_refund_then_second_refund_is_refused(emulator: EmulatorServer) -> None:
    paid = formpay(emulator, NOW_CARD, 12_000, order := oid())
    tid = paid["tid"]
    done = run_client(emulator.base_url, PAY, lambda c: c.refund(tid=tid, paymethod="Card", msg="고객 요청", now=now()))
    assert done["resultCode"] == "00" and len(done["cancelDate"]) == 8
    again = run_client(emulator.base_url, PAY, lambda c: c.refund(tid=tid, paymethod="Card", msg="again", now=now()))
    assert again["resultCode"] == "500625"
    assert inquiry(emulator, original_tid=tid)["status"] == "1"
    assert [e["amount"] for e in emulator.events_for(order)] == [12_000, -12_000]


def test_partial_refunds_and_their_errors(emulator: EmulatorServer) -> None:
    tid = formpay(emulator, NOW_CARD, 10_000, order := oid())["tid"]

    def partial(price: int, confirm: int, msg: str = "부분취소") -> dict[str, Any]:
        return run_client(emulator.base_url, PAY, lambda c: c.partial_refund(
            tid=tid, paymethod="Card", price=price, confirm_price=confirm, tax_free=0, msg=msg, now=now()))

    first = partial(3_000, 7_000)
    assert first["resultCode"] == "00", first
    assert (first["prtcTid"], first["prtcPrice"], first["prtcRemains"], first["prtcCnt"]) == (tid, "3000", "7000", "1")
    assert first["tid"] != tid and first["tid"].startswith("INIAPICARD")
    assert partial(8_000, 0)["resultCode"] == "500826"     # more than the balance
    assert partial(1_000, 5_000)["resultCode"] == "500706"  # confirmPrice is not the balance after
    assert partial(2_000, 5_000)["prtcCnt"] == "2"
    found = inquiry(emulator, original_tid=tid)
    assert (found["status"], found["price"], found[codes.INQUIRY_REMAINING_FIELD]) == ("0", "10000", "5000")
    rest = run_client(emulator.base_url, PAY, lambda c: c.refund(tid=tid, paymethod="Card", msg="잔액 취소", now=now()))
    assert rest["resultCode"] == "00"
    assert partial(1_000, 0)["resultCode"] == "500624"
    assert [e["amount"] for e in emulator.events_for(order)] == [10_000, -3_000, -2_000, -5_000]
    assert emulator.payment(tid)["balance"] == 0  # type: ignore[index]


def test_a_partial_refund_of_the_whole_original_amount_is_refused_as_a_refund_in_disguise(emulator: EmulatorServer) -> None:
    tid = formpay(emulator, NOW_CARD, 10_000, oid())["tid"]
    whole = run_client(emulator.base_url, PAY, lambda c: c.partial_refund(
        tid=tid, paymethod="Card", price=10_000, confirm_price=0, tax_free=0, msg="부분취소", now=now()))
    assert whole["resultCode"] == "500749"
    assert emulator.payment(tid)["balance"] == 10_000  # type: ignore[index]


def test_the_rest_of_a_balance_after_partial_refunds_is_a_partial_refund(emulator: EmulatorServer) -> None:
    tid = formpay(emulator, NOW_CARD, 10_000, oid())["tid"]

    def partial(price: int, confirm: int) -> dict[str, Any]:
        return run_client(emulator.base_url, PAY, lambda c: c.partial_refund(
            tid=tid, paymethod="Card", price=price, confirm_price=confirm, tax_free=0, msg="부분취소", now=now()))

    assert partial(4_000, 6_000)["resultCode"] == "00"
    last = partial(6_000, 0)
    assert (last["resultCode"], last["prtcRemains"]) == ("00", "0")
    assert emulator.payment(tid)["balance"] == 0  # type: ignore[index]


def test_a_cancel_whose_reply_is_lost_is_applied(emulator: EmulatorServer) -> None:
    tid = formpay(emulator, NOW_CARD, 8_000, order := oid())["tid"]
    with pytest.raises(PgTransportError):
        run_client(emulator.base_url, PAY, lambda c: c.partial_refund(
            tid=tid, paymethod="Card", price=3_000, confirm_price=5_000, tax_free=0, msg="lost-reply", now=now()),
            timeout=CLIENT_TIMEOUT)
    assert inquiry(emulator, original_tid=tid)[codes.INQUIRY_REMAINING_FIELD] == "5000"
    with pytest.raises(PgTransportError):
        run_client(emulator.base_url, PAY, lambda c: c.refund(tid=tid, paymethod="Card", msg="lost-reply", now=now()),
                   timeout=CLIENT_TIMEOUT)
    assert inquiry(emulator, original_tid=tid)["status"] == "1"
    assert sum(e["amount"] for e in emulator.events_for(order)) == 0


def test_outage_answers_500_and_applies_nothing(emulator: EmulatorServer) -> None:
    key = issue_key(emulator)["billKey"]
    order = oid()
    emulator.outage(True)
    try:
        with pytest.raises(PgHttpStatusError) as raised:
            charge(emulator, key, 3_000, order)
        assert raised.value.status == 500
        body = httpx.post(emulator.base_url + "/api/v1/billing", data={"type": "Billing"}).json()
        assert body["resultCode"] == "500055"  # INICIS's "comms error, not applied"
    finally:
        emulator.outage(False)
    assert emulator.events_for(order) == []
    assert inquiry(emulator, BILL, oid=order)["status"] == "9"


def test_wrong_hash_json_body_and_unknown_service_are_refused(emulator: EmulatorServer) -> None:
    wrong_key = replace(PAY, iniapi_key="WrongKey12345678")
    refused = run_client(emulator.base_url, wrong_key, lambda c: c.inquiry(oid="x", now=now()))
    assert refused["resultCode"] == codes.HASH_MISMATCH
    body = {"type": "Refund", "paymethod": "Card", "mid": "INIpayTest", "tid": "x", "hashData": "x"}
    as_json = httpx.post(emulator.base_url + "/api/v1/refund", json=body)
    assert as_json.status_code == 200 and as_json.json()["resultCode"] == codes.REQUEST_INVALID
    unknown = httpx.post(emulator.base_url + "/api/v1/refund", data={**body, "type": "Billing"})
    assert unknown.json()["resultCode"] == codes.REQUEST_INVALID


def test_latency_is_added_to_server_calls(emulator: EmulatorServer) -> None:
    """With 3 s of latency a client that waits 0.5 s gets no answer; at 0 the same call is answered."""
    emulator.latency(3_000)
    try:
        with pytest.raises(PgTransportError):
            run_client(emulator.base_url, PAY, lambda c: c.inquiry(now=now(), oid="nothing"), timeout=0.5)
    finally:
        emulator.latency(0)
    answered = run_client(emulator.base_url, PAY, lambda c: c.inquiry(now=now(), oid="nothing"), timeout=0.5)
    assert answered["resultCode"]


def test_client_never_puts_card_data_in_its_errors(emulator: EmulatorServer) -> None:
    """A malformed card number is refused by name, not by value."""
    reply = formpay(emulator, "12345", 5_000, oid())
    assert reply["resultCode"] == codes.REQUEST_INVALID and "12345" not in reply["resultMsg"]
    assert isinstance(InicisClient, type)
