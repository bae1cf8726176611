"""Virtual accounts: issue (INIAPI, web-standard window, mobile window), the deposit trigger, INICIS's
deposit notice to a receiver that must answer exactly ``OK`` (retried otherwise), inquiry N/Y/C, refunds."""

from __future__ import annotations

import secrets
import time
from typing import Any

import httpx

from paymux.clock import OffsetClock
from paymux.connectors.inicis import codes, protocol
from paymux.connectors.inicis.client import RefundAccount
from paymux.connectors.inicis.emulator import EmulatorConfig
from tests.connectors.inicis import flows
from tests.connectors.inicis.support import EmulatorServer, NoticeReceiver, forms, run_client

PAY = flows.PAY


def now() -> int:
    return int(time.time())


def issue(emulator: EmulatorServer, price: int = 33_000, *, days: int = 3, bank: str = "88") -> dict[str, Any]:
    due = protocol.kst(now() + days * 86_400).strftime("%Y%m%d")
    return run_client(emulator.base_url, PAY, lambda c: c.issue_vacct(
        moid=f"v-{secrets.token_hex(6)}", price=price, bank_code=bank, due_date=due, holder="홍길동",
        goodname="가상계좌 상품", buyer_name="홍길동", buyer_email="b@example.com", buyer_tel="01012345678", now=now()))


def inquiry_status(emulator: EmulatorServer, tid: str) -> str:
    reply = run_client(emulator.base_url, PAY, lambda c: c.inquiry(original_tid=tid, now=now()))
    return str(reply["status"])


def test_iniapi_vbank_issue_deposit_and_notice(emulator: EmulatorServer, receiver: NoticeReceiver) -> None:
    issued = issue(emulator, 33_000, bank="004")  # a KFTC code is converted to INICIS's 04
    assert issued["resultCode"] == "00", issued
    assert (issued["vacctBankCode"], issued["vacctName"]) == ("04", "(주)페이먹스테스트")
    assert issued["vacct"].isdigit() and len(issued["validDate"]) == 8
    tid = issued["tid"]
    assert inquiry_status(emulator, tid) == codes.INQUIRY_VBANK_WAITING
    assert [e["amount"] for e in emulator.ledger()["events"] if e.get("tid") == tid] == [0]

    answer = emulator.deposit(tid, depositor="김입금", notice_url=receiver.url)
    assert answer["deposited"] and answer["notice"]["acknowledged"] and len(answer["notice"]["attempts"]) == 1
    (headers, _), = receiver.received
    assert "euc-kr" in headers["content-type"].lower()
    notice = receiver.forms()[0]
    assert (notice["NO_TID"], notice["ID_MERCHANT"], notice["NO_VACCT"], notice["AMT_INPUT"]) == (
        tid, "INIpayTest", issued["vacct"], "33000")
    assert (notice["NM_INPUT"], notice["CD_BANK"], notice["TYPE_MSG"]) == ("김입금", "04", "0200")
    assert notice["NO_OID"] and len(notice["DT_TRANS"]) == 8 and len(notice["TM_TRANS"]) == 6
    assert inquiry_status(emulator, tid) == codes.INQUIRY_VBANK_DEPOSITED
    assert [e["amount"] for e in emulator.ledger()["events"] if e.get("tid") == tid] == [0, 33_000]
    assert emulator.deposit(tid)["http_status"] == 409


def test_notice_is_retried_until_the_body_is_exactly_ok(emulator: EmulatorServer) -> None:
    retried = NoticeReceiver(answers=["FAIL", "<html>OK</html>"])
    retried.start()
    stubborn = NoticeReceiver(default="OK\n")
    stubborn.start()
    try:
        answer = emulator.deposit(issue(emulator)["tid"], notice_url=retried.url)
        assert answer["notice"]["acknowledged"] and [a["body"] for a in answer["notice"]["attempts"]] == [
            "FAIL", "<html>OK</html>", "OK"]
        tid = issue(emulator)["tid"]
        answer = emulator.deposit(tid, notice_url=stubborn.url)
        assert not answer["notice"]["acknowledged"] and len(answer["notice"]["attempts"]) == 4
        assert answer["deposited"] and inquiry_status(emulator, tid) == "Y"  # the deposit stands
        assert len(stubborn.received) == 4
    finally:
        retried.stop()
        stubborn.stop()


def test_configured_notice_url_and_mobile_notice_format(clock: OffsetClock, receiver: NoticeReceiver) -> None:
    server = EmulatorServer()
    server.start(EmulatorConfig(notice_url=receiver.url, clock=clock.now, mobile_notice_format="std"))
    try:
        tid = issue(server, 1_000)["tid"]
        assert server.deposit(tid)["notice"]["acknowledged"]
        assert receiver.forms()[0]["NO_TID"] == tid
        mobile = flows.mobile_fields(server, 2_000, "VBANK", noti_url=receiver.url.replace("/notice", "/mobile"))
        approved = flows.approve_mobile(server, flows.authenticate_mobile(server, mobile, bank="04")[0])
        assert server.deposit(approved["P_TID"])["notice"]["url"].endswith("/mobile")  # P_NOTI_URL wins
        assert receiver.forms()[1]["NO_TID"] == approved["P_TID"] and receiver.forms()[1]["NO_OID"] == mobile["P_OID"]
    finally:
        server.stop()


def test_vbank_cancel_before_and_refund_after_the_deposit(emulator: EmulatorServer, clock: OffsetClock) -> None:
    waiting = issue(emulator)["tid"]
    wrong = run_client(emulator.base_url, PAY, lambda c: c.refund(tid=waiting, paymethod="Vacct", msg="x", now=now()))
    assert wrong["resultCode"] == codes.REQUEST_INVALID
    closed = run_client(emulator.base_url, PAY, lambda c: c.refund(tid=waiting, paymethod="GVacct", msg="채번취소", now=now()))
    assert closed["resultCode"] == "00" and inquiry_status(emulator, waiting) == codes.INQUIRY_VBANK_CANCELLED

    paid = issue(emulator, 20_000)["tid"]
    emulator.deposit(paid)
    refused = run_client(emulator.base_url, PAY, lambda c: c.refund(tid=paid, paymethod="Vacct", msg="x", now=now()))
    assert refused["resultCode"] == codes.REQUEST_INVALID  # no refund account
    partial = run_client(emulator.base_url, PAY, lambda c: c.partial_refund(
        tid=paid, paymethod="Vacct", price=5_000, confirm_price=15_000, tax_free=0, msg="부분환불", now=now(),
        refund_account=RefundAccount("88", "110123456789", "홍길동")))
    assert partial["resultCode"] == "00" and partial["prtcRemains"] == "15000"
    account = {"refundAcctNum": "110123456789", "refundBankCode": "088", "refundAcctName": "홍길동"}
    refunded = run_client(emulator.base_url, PAY, lambda c: c.refund(
        tid=paid, paymethod="Vacct", msg="환불", now=now(), refund_account=account))
    assert refunded["resultCode"] == "00" and inquiry_status(emulator, paid) == codes.INQUIRY_CANCELLED
    assert [e["amount"] for e in emulator.ledger()["events"] if e.get("tid") == paid or e.get("original_tid") == paid] == [
        0, 20_000, -5_000, -15_000]

    late = issue(emulator, days=1)["tid"]
    clock.advance(3 * 86_400)
    assert emulator.deposit(late)["http_status"] == 409  # past the deadline
    past = issue(emulator, days=-1)
    assert past["resultCode"] == codes.REQUEST_INVALID


def test_window_vbank_issue_and_notice(emulator: EmulatorServer, receiver: NoticeReceiver) -> None:
    due = now() + 2 * 86_400
    fields = flows.std_form(emulator, 41_000, gopaymethod="VBank", vbank_due=due)
    returned = flows.authenticate_std(emulator, fields, bank="20")
    reply, _ = flows.pay_auth(emulator, returned, 41_000)
    assert (reply["resultCode"], reply["payMethod"], reply["VACT_BankCode"]) == ("0000", "VBank", "20")
    assert reply["VACT_Date"] == protocol.kst(due).strftime("%Y%m%d") and reply["VACT_Num"]
    assert reply["vactBankName"] == "우리은행" and reply["VACT_InputName"] == "홍길동"
    assert emulator.deposit(reply["tid"], notice_url=receiver.url)["notice"]["acknowledged"]
    assert receiver.forms()[0]["NO_OID"] == fields["oid"]


def test_mobile_vbank_notice_goes_to_p_noti_url(emulator: EmulatorServer, receiver: NoticeReceiver) -> None:
    fields = flows.mobile_fields(emulator, 12_000, "VBANK", noti_url=receiver.url)
    returned, _ = flows.authenticate_mobile(emulator, fields, bank="81")
    reply = flows.approve_mobile(emulator, returned)
    assert (reply["P_STATUS"], reply["P_TYPE"], reply["P_VACT_BANK_CODE"]) == ("00", "VBANK", "81")
    assert reply["P_VACT_NUM"] and len(reply["P_VACT_DATE"]) == 8 and reply["P_VACT_NAME"]
    assert emulator.deposit(reply["P_TID"])["notice"]["acknowledged"]
    notice = receiver.forms()[0]
    assert (notice["P_STATUS"], notice["P_TID"], notice["P_OID"], notice["P_AMT"], notice["P_TYPE"]) == (
        "02", reply["P_TID"], fields["P_OID"], "12000", "VBANK")
    assert notice["P_NOTI"] == "order=9"
    no_noti = flows.open_mobile(emulator, flows.mobile_fields(emulator, 12_000, "VBANK"))
    assert "window-form" not in forms(no_noti.text)
    assert "INIpayTest" in httpx.get(emulator.base_url + "/_emulator/").text
