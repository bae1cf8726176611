"""The web-standard window (INIStdPay) driven with plain form posts, as a browser would, then approved
and net-cancelled through ``InicisClient``. Forms come from ``std_pay_form``."""

from __future__ import annotations

import secrets
import time

import httpx
import pytest

from paymux.clock import OffsetClock
from paymux.connectors.http import PgTransportError
from paymux.connectors.inicis import codes
from paymux.connectors.inicis.protocol import std_signature
from paymux.connectors.sandbox import TEST_CARDS, CardBehaviour
from tests.connectors.inicis.conftest import CLIENT_TIMEOUT
from tests.connectors.inicis.flows import (
    BILL,
    CLOSE_URL,
    PAY,
    authenticate_std,
    net_cancel,
    open_std,
    pay_auth,
    std_form,
    submit,
    verify,
)
from tests.connectors.inicis.support import EmulatorServer, attrs_of, forms, run_client, select_options, text_of

CARD = {"card_number": "5361-4812-3456-1234", "card_expiry": "12/30", "card_birth": "820213", "card_password": "00"}
CARD_OF = {behaviour: number for number, behaviour in TEST_CARDS.items()}


def test_script_defines_inistdpay_pay(emulator: EmulatorServer) -> None:
    script = httpx.get(emulator.base_url + "/stdjs/INIStdPay.js")
    assert script.headers["content-type"].startswith("application/javascript")
    assert "INIStdPay" in script.text and f'"{emulator.base_url}"' in script.text and "/payMain/pay" in script.text


def test_card_payment_authenticated_then_approved(emulator: EmulatorServer) -> None:
    fields = std_form(emulator, 15_000)
    window = open_std(emulator, fields)
    assert attrs_of(window.text, "inicis-window") == {
        "class": "window", "data-testid": "inicis-window", "data-channel": "std", "data-method": "Card", "data-mode": "pay"}
    assert "에뮬레이터" in (text_of(window.text, "emulator-banner") or "")
    assert text_of(window.text, "order-amount") == "15,000원"
    assert text_of(window.text, "order-name") == "테스트 상품"
    assert select_options(window.text, "installment") == ["0"]  # no installments under 50,000
    returned = forms(submit(emulator, window.text, **CARD).text)["return-form"].fields
    assert returned["resultCode"] == "0000" and returned["orderNumber"] == fields["oid"]
    assert (returned["mid"], returned["idc_name"], returned["merchantData"]) == ("INIpayTest", "stg", "cart=7")
    assert returned["authUrl"] == emulator.base_url + "/api/payAuth"
    assert returned["netCancelUrl"] == emulator.base_url + "/api/netCancel"
    assert not emulator.events_for(fields["oid"])  # authenticated, nothing charged yet

    reply, stamp = pay_auth(emulator, returned, 15_000)
    assert reply["resultCode"] == "0000", reply
    assert verify(reply, stamp)
    assert not verify({**reply, "authSignature": "0" * 64}, stamp)
    assert not verify(reply, stamp + 1)
    assert (reply["MOID"], reply["TotPrice"], reply["payMethod"]) == (fields["oid"], "15000", "Card")
    assert reply["tid"].startswith("StdpayCARDINIpayTest") and len(reply["tid"]) == 40
    assert (reply["CARD_Num"], reply["CARD_Code"], reply["CARD_Quota"], reply["CARD_PRTC_CODE"]) == (
        "536148******1234", "04", "00", "1")
    assert len(reply["applDate"]) == 8 and len(reply["applTime"]) == 6 and reply["applNum"]
    assert [e["amount"] for e in emulator.events_for(fields["oid"])] == [15_000]

    again, _ = pay_auth(emulator, returned, 15_000)
    assert again["resultCode"] == codes.AUTH_TOKEN_INVALID  # single use


def test_tampered_window_requests_show_an_error_page_and_no_window(emulator: EmulatorServer) -> None:
    fields = std_form(emulator, 50_000)
    cheaper = {**fields, "price": "500"}
    page = open_std(emulator, cheaper)
    assert attrs_of(page.text, "inicis-window") is None
    assert text_of(page.text, "error-code") == codes.SIGNATURE_MISMATCH
    resigned = {**cheaper, "signature": std_signature(fields["oid"], 500, fields["timestamp"])}  # signature has no key
    page = open_std(emulator, resigned)
    assert attrs_of(page.text, "inicis-window") is None and "verification" in (text_of(page.text, "error-message") or "")
    assert text_of(open_std(emulator, {**fields, "mKey": "0" * 64}).text, "error-code") == codes.SIGNATURE_MISMATCH
    assert text_of(open_std(emulator, {**fields, "mid": "nobody"}).text, "error-code") == codes.REQUEST_INVALID


def test_approval_refuses_another_price_a_bad_signature_and_an_old_token(emulator: EmulatorServer, clock: OffsetClock) -> None:
    returned = authenticate_std(emulator, std_form(emulator, 20_000), **CARD)
    assert pay_auth(emulator, returned, 2_000)[0]["resultCode"] == codes.PRICE_MISMATCH
    forged = httpx.post(returned["authUrl"], data={"mid": "INIpayTest", "authToken": returned["authToken"],
                                                   "timestamp": "1700000000000", "signature": "0" * 64, "format": "JSON"})
    assert forged.json()["resultCode"] == codes.SIGNATURE_MISMATCH
    clock.advance(601)
    assert pay_auth(emulator, returned, 20_000)[0]["resultCode"] == codes.AUTH_TOKEN_EXPIRED


def test_net_cancel_cancels_the_approval_and_is_idempotent(emulator: EmulatorServer) -> None:
    fields = std_form(emulator, 30_000)
    returned = authenticate_std(emulator, fields, **CARD)
    reply, _ = pay_auth(emulator, returned, 30_000)
    assert reply["resultCode"] == "0000"
    assert net_cancel(emulator, returned, 30_000)["resultCode"] == "0000"
    assert net_cancel(emulator, returned, 30_000)["resultCode"] == "0000"
    assert [e["amount"] for e in emulator.events_for(fields["oid"])] == [30_000, -30_000]
    found = run_client(emulator.base_url, PAY, lambda c: c.inquiry(original_tid=reply["tid"], now=int(time.time())))
    assert found["status"] == "1"


def test_net_cancel_of_a_token_never_approved_succeeds_and_blocks_its_approval(emulator: EmulatorServer) -> None:
    fields = std_form(emulator, 30_000)
    returned = authenticate_std(emulator, fields, **CARD)
    cancelled = net_cancel(emulator, returned, 30_000)
    assert cancelled["resultCode"] == "0000" and "no approval" in cancelled["resultMsg"]
    assert pay_auth(emulator, returned, 30_000)[0]["resultCode"] == codes.AUTH_TOKEN_INVALID
    assert emulator.events_for(fields["oid"]) == []


def test_declined_card_and_timeout_card_at_approval(emulator: EmulatorServer) -> None:
    declined = authenticate_std(emulator, std_form(emulator, 5_000), **{**CARD, "card_number": CARD_OF[CardBehaviour.INSUFFICIENT]})
    reply, _ = pay_auth(emulator, declined, 5_000)
    assert reply["resultCode"] == "120054" and not reply.get("tid")

    fields = std_form(emulator, 5_000)
    slow = authenticate_std(emulator, fields, **{**CARD, "card_number": CARD_OF[CardBehaviour.TIMEOUT_THEN_APPROVED]})
    with pytest.raises(PgTransportError):
        pay_auth(emulator, slow, 5_000, timeout=CLIENT_TIMEOUT)
    assert net_cancel(emulator, slow, 5_000)["resultCode"] == "0000"
    found = run_client(emulator.base_url, PAY, lambda c: c.inquiry(oid=fields["oid"], now=int(time.time())))
    assert found["status"] == "1"
    assert [e["amount"] for e in emulator.events_for(fields["oid"])] == [5_000, -5_000]


def test_malformed_card_details_reshow_the_window(emulator: EmulatorServer) -> None:
    window = open_std(emulator, std_form(emulator, 5_000))
    again = submit(emulator, window.text, **{**CARD, "card_number": "1234", "card_expiry": "13/30"})
    assert attrs_of(again.text, "inicis-window") is not None
    assert text_of(again.text, "error-card_number")
    assert "return-form" not in forms(again.text)


def test_installments_only_from_50000_and_only_quotabase_months(emulator: EmulatorServer) -> None:
    window = open_std(emulator, std_form(emulator, 60_000, quotabase="2:3:6"))
    assert select_options(window.text, "installment") == ["0", "2", "3", "6"]
    returned = forms(submit(emulator, window.text, **CARD, installment="3").text)["return-form"].fields
    assert pay_auth(emulator, returned, 60_000)[0]["CARD_Quota"] == "03"
    small = open_std(emulator, std_form(emulator, 49_000, quotabase="2:3"))
    tampered = submit(emulator, small.text, **CARD, installment="3")
    assert text_of(tampered.text, "error-installment")


def test_amount_minimums_and_duplicate_orders_refuse_the_window(emulator: EmulatorServer) -> None:
    assert text_of(open_std(emulator, std_form(emulator, 900)).text, "error-code") == "500608"
    assert attrs_of(open_std(emulator, std_form(emulator, 900, acceptmethod="below1000")).text, "inicis-window")
    assert text_of(open_std(emulator, std_form(emulator, 99, acceptmethod="below1000")).text, "error-code") == "500690"
    fields = std_form(emulator, 5_000)
    assert pay_auth(emulator, authenticate_std(emulator, fields, **CARD), 5_000)[0]["resultCode"] == "0000"
    again = std_form(emulator, 5_000, order=fields["oid"])
    assert text_of(open_std(emulator, again).text, "error-code") == "500619"


def test_cancel_button_loads_close_url(emulator: EmulatorServer) -> None:
    window = open_std(emulator, std_form(emulator, 5_000))
    closed = submit(emulator, window.text, cancel="1")
    assert closed.status_code == 303 and closed.headers["location"] == CLOSE_URL


def test_billing_key_window_charges_nothing(emulator: EmulatorServer) -> None:
    fields = std_form(emulator, 0, keys=BILL, acceptmethod="BILLAUTH(Card)")
    window = open_std(emulator, fields)
    assert attrs_of(window.text, "inicis-window")["data-mode"] == "billing"  # type: ignore[index]
    assert text_of(window.text, "billing-note")
    returned = forms(submit(emulator, window.text, **CARD).text)["return-form"].fields
    reply, stamp = pay_auth(emulator, returned, 0, keys=BILL)
    assert reply["resultCode"] == "0000" and reply["CARD_BillKey"] and verify(reply, stamp, BILL)
    assert [e["kind"] for e in emulator.ledger()["events"] if e.get("billKey") == reply["CARD_BillKey"]] == ["billing_key"]
    assert not [p for p in emulator.ledger()["payments"] if p["oid"] == fields["oid"]]
    charged = run_client(emulator.base_url, BILL, lambda c: c.billing_charge(
        moid=f"b-{secrets.token_hex(4)}", price=4_900, bill_key=reply["CARD_BillKey"], goodname="구독", buyer_name="홍길동",
        buyer_email="b@example.com", buyer_tel="01012345678", card_quota=0, tax_free=0, now=int(time.time())))
    assert charged["resultCode"] == "00"

    kb = authenticate_std(emulator, std_form(emulator, 0, keys=BILL, acceptmethod="BILLAUTH(Card)"),
                      **{**CARD, "card_number": "4579-7312-3456-7890"})
    assert pay_auth(emulator, kb, 0, keys=BILL)[0]["resultCode"] == "120001"


def test_transfer_and_phone_windows(emulator: EmulatorServer) -> None:
    window = open_std(emulator, std_form(emulator, 8_000, gopaymethod="Card:DirectBank:HPP"))
    assert attrs_of(window.text, "method-HPP") and attrs_of(window.text, "method-DirectBank")
    bank_page = submit(emulator, window.text, choose="DirectBank")
    assert attrs_of(bank_page.text, "inicis-window")["data-method"] == "DirectBank"  # type: ignore[index]
    returned = forms(submit(emulator, bank_page.text, bank="88").text)["return-form"].fields
    reply, _ = pay_auth(emulator, returned, 8_000)
    assert (reply["payMethod"], reply["ACCT_BankCode"]) == ("DirectBank", "88")

    phone_page = open_std(emulator, std_form(emulator, 8_000, gopaymethod="HPP"))
    code = text_of(phone_page.text, "phone-code-value") or ""
    wrong = submit(emulator, phone_page.text, phone="01012345678", phone_code="000000" if code != "000000" else "111111")
    assert text_of(wrong.text, "error-phone_code")
    returned = forms(submit(emulator, wrong.text, phone="010-1234-5678", phone_code=code).text)["return-form"].fields
    reply, _ = pay_auth(emulator, returned, 8_000)
    assert (reply["resultCode"], reply["payMethod"], reply["HPP_Num"]) == ("0000", "HPP", "01012345678")

    limited_page = open_std(emulator, std_form(emulator, 8_000, gopaymethod="HPP"))
    limited = forms(submit(emulator, limited_page.text, phone="01098760002",
                           phone_code=text_of(limited_page.text, "phone-code-value") or "").text)["return-form"].fields
    assert pay_auth(emulator, limited, 8_000)[0]["resultCode"] == "500646"
