"""The mobile window (P_ fields, EUC-KR), its approval on P_REQ_URL (``key=value&…`` text) and its net
cancel, driven with plain form posts and ``InicisClient``."""

from __future__ import annotations

from typing import Any
from urllib.parse import urljoin

import httpx

from paymux.connectors.inicis import codes, protocol
from paymux.connectors.inicis.client import InicisHosts
from paymux.connectors.sandbox import TEST_CARDS, CardBehaviour
from tests.connectors.inicis.flows import (
    NEXT_URL,
    PAY,
    approve_mobile,
    authenticate_mobile,
    mobile_fields,
    open_mobile,
)
from tests.connectors.inicis.support import EmulatorServer, attrs_of, forms, run_client, text_of

CARD = {"card_number": "5361481234561234", "card_expiry": "1230", "card_birth": "820213", "card_password": "00"}
CARD_OF = {behaviour: number for number, behaviour in TEST_CARDS.items()}


def test_mobile_card_window_then_approval(emulator: EmulatorServer) -> None:
    fields = mobile_fields(emulator, 25_000)
    window = open_mobile(emulator, fields)
    assert attrs_of(window.text, "inicis-window")["data-channel"] == "mobile"  # type: ignore[index]
    assert text_of(window.text, "order-name") == "모바일 상품"  # decoded from EUC-KR
    returned, charset = authenticate_mobile(emulator, fields, **CARD)
    assert charset == "UTF-8"  # P_CHARSET=utf8
    assert (returned["P_STATUS"], returned["P_NOTI"], returned["P_AMT"]) == ("00", "order=9", "25000")
    assert returned["P_TID"].startswith("INIMX_AUTHINIpayTest")
    assert not emulator.events_for(fields["P_OID"])

    reply = approve_mobile(emulator, returned)
    assert reply["P_STATUS"] == "00", reply
    assert reply["P_TID"].startswith("INIMX_CARDINIpayTest") and reply["P_TYPE"] == "CARD"
    assert (reply["P_OID"], reply["P_AMT"], reply["P_UNAME"]) == (fields["P_OID"], "25000", "홍길동")
    assert (reply["P_CARD_NUM"], reply["P_CARD_ISSUER_CODE"], reply["P_FN_CD1"]) == ("536148******1234", "04", "04")
    assert len(reply["P_AUTH_DT"]) == 14 and reply["P_AUTH_NO"]
    assert [e["amount"] for e in emulator.events_for(fields["P_OID"])] == [25_000]

    again = approve_mobile(emulator, returned)
    assert again["P_STATUS"] == codes.MOBILE_FAILED and codes.AUTH_TOKEN_INVALID in again["P_RMESG1"]


def test_euc_kr_result_and_reply_without_p_charset(emulator: EmulatorServer) -> None:
    fields = mobile_fields(emulator, 3_000, utf8=False)
    returned, charset = authenticate_mobile(emulator, fields, **CARD)
    assert charset == "EUC-KR"
    url = InicisHosts.emulated(emulator.base_url).mobile_approval_url(None)
    raw = httpx.post(url, data={"P_MID": "INIpayTest", "P_TID": returned["P_TID"]})
    assert "EUC-KR" in raw.headers["content-type"]
    assert protocol.parse_kv_reply(raw.content)["P_UNAME"] == "홍길동"


def test_mobile_decline_net_cancel_and_refusals(emulator: EmulatorServer) -> None:
    declined, _ = authenticate_mobile(emulator, mobile_fields(emulator, 4_000),
                               **{**CARD, "card_number": CARD_OF[CardBehaviour.INSUFFICIENT]})
    reply = approve_mobile(emulator, declined)
    assert reply["P_STATUS"] == "01" and "120054" in reply["P_RMESG1"]

    fields = mobile_fields(emulator, 4_000)
    returned, _ = authenticate_mobile(emulator, fields, **CARD)
    assert approve_mobile(emulator, returned)["P_STATUS"] == "00"
    url = InicisHosts.emulated(emulator.base_url).mobile_net_cancel_url("stg")
    cancelled: dict[str, Any] = run_client(emulator.base_url, PAY, lambda c: c.mobile_net_cancel(
        url, returned["P_TID"], 4_000, fields["P_OID"]))
    assert cancelled["P_STATUS"] == "00"
    assert [e["amount"] for e in emulator.events_for(fields["P_OID"])] == [4_000, -4_000]

    missing = open_mobile(emulator, {k: v for k, v in mobile_fields(emulator, 1_000).items() if k != "P_AMT"})
    assert text_of(missing.text, "error-code") == "MX1003"
    unknown = httpx.post(url.replace("payNetCancel", "payReq"), data={"P_MID": "INIpayTest", "P_TID": "nope"})
    assert protocol.parse_kv_reply(unknown.content)["P_STATUS"] == "01"


def test_mobile_cancel_posts_status_01_to_next_url(emulator: EmulatorServer) -> None:
    window = open_mobile(emulator, mobile_fields(emulator, 4_000))
    form = forms(window.text)["window-form"]
    result = httpx.post(urljoin(emulator.base_url + "/", form.action), data={**form.fields, "cancel": "1"})
    returned = forms(result.text)["return-form"]
    assert returned.action == NEXT_URL and returned.fields["P_STATUS"] == "01"
