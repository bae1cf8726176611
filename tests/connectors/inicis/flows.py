"""Window flows for tests: what a browser does in INICIS's windows, as plain ``httpx`` form posts, and the
merchant server's approval calls through ``InicisClient``. Shared by the window, mobile and vbank tests
(and reusable from paymux's own tests)."""

from __future__ import annotations

import secrets
import time
from typing import Any
from urllib.parse import urljoin

import httpx

from paymux.connectors.http import PgHttp
from paymux.connectors.inicis import protocol
from paymux.connectors.inicis.client import InicisClient, InicisHosts, InicisKeys
from tests.connectors.inicis.support import EmulatorServer, attrs_of, forms, run_client

PAY = InicisKeys.public_test("INIpayTest")
BILL = InicisKeys.public_test("INIBillTst")
RETURN_URL = "https://shop.example/inicis/return"
CLOSE_URL = "https://shop.example/inicis/close"
NEXT_URL = "https://shop.example/inicis/mobile-return"


def offline_client(keys: InicisKeys, base_url: str) -> InicisClient:
    """A client for what needs no network (forms, signature checks); its http client is never used."""
    return InicisClient(keys, InicisHosts.emulated(base_url), _OFFLINE)


_OFFLINE = PgHttp()


def std_form(emulator: EmulatorServer, price: int, *, keys: InicisKeys = PAY, gopaymethod: str = "Card",
             acceptmethod: str = "", quotabase: str = "", order: str | None = None, vbank_due: int | None = None) -> dict[str, str]:
    client = offline_client(keys, emulator.base_url)
    return client.std_pay_form(
        oid=order or f"w-{secrets.token_hex(6)}", price=price, goodname="테스트 상품", buyername="홍길동",
        buyertel="010-1234-5678", buyeremail="buyer@example.com", return_url=RETURN_URL, close_url=CLOSE_URL,
        gopaymethod=gopaymethod, acceptmethod=acceptmethod, quotabase=quotabase, merchant_data="cart=7",
        timestamp_ms=int(time.time() * 1000), vbank_due=vbank_due,
    )


def open_std(emulator: EmulatorServer, fields: dict[str, str]) -> httpx.Response:
    return httpx.post(emulator.base_url + "/payMain/pay", data=fields)


def submit(emulator: EmulatorServer, page: str, **inputs: str) -> httpx.Response:
    form = forms(page)["window-form"]
    data = {**form.fields, **({"pay": "1"} if not ({"cancel", "choose"} & inputs.keys()) else {}), **inputs}
    return httpx.post(urljoin(emulator.base_url + "/", form.action), data=data)


def authenticate_std(emulator: EmulatorServer, fields: dict[str, str], **inputs: str) -> dict[str, str]:
    """Open the window, fill it, press 결제하기; the fields INICIS POSTs to returnUrl."""
    window = open_std(emulator, fields)
    assert attrs_of(window.text, "inicis-window") is not None, window.text
    result = submit(emulator, window.text, **inputs)
    returned = forms(result.text)["return-form"]
    assert returned.action == RETURN_URL and returned.accept_charset == "UTF-8"
    return returned.fields


def pay_auth(emulator: EmulatorServer, returned: dict[str, str], price: int, *, keys: InicisKeys = PAY,
             timeout: float = 10.0) -> tuple[dict[str, Any], int]:
    stamp = int(time.time() * 1000)
    hosts = InicisHosts.emulated(emulator.base_url)
    assert hosts.trusts(returned["authUrl"], hosts.auth_url(returned.get("idc_name")))
    url = hosts.auth_url(returned.get("idc_name"))
    reply = run_client(emulator.base_url, keys, lambda c: c.pay_auth(url, returned["authToken"], price, stamp), timeout)
    return reply, stamp


def net_cancel(emulator: EmulatorServer, returned: dict[str, str], price: int) -> dict[str, Any]:
    url = InicisHosts.emulated(emulator.base_url).net_cancel_url(returned.get("idc_name"))
    return run_client(emulator.base_url, PAY, lambda c: c.net_cancel(url, returned["authToken"], price, int(time.time() * 1000)))


def verify(reply: dict[str, Any], stamp: int, keys: InicisKeys = PAY) -> bool:
    return offline_client(keys, "http://x").verify_auth_signature(reply, stamp)


def mobile_fields(emulator: EmulatorServer, amount: int, method: str = "CARD", *, utf8: bool = True,
                  noti_url: str = "") -> dict[str, str]:
    client = offline_client(PAY, emulator.base_url)
    fields = client.mobile_pay_form(
        p_ini_payment=method, oid=f"m-{secrets.token_hex(6)}", amt=amount, goods="모바일 상품", uname="홍길동",
        next_url=NEXT_URL, noti_url=noti_url, mobile="01012345678", email="buyer@example.com", noti="order=9",
    )
    if not utf8:
        fields.pop("P_CHARSET")
    return fields


def open_mobile(emulator: EmulatorServer, fields: dict[str, str]) -> httpx.Response:
    """The shop page's EUC-KR form post to /smart/payment/ [INI-M]."""
    body = protocol.encode_form(fields, protocol.EUC_KR)
    return httpx.post(emulator.base_url + "/smart/payment/", content=body,
                      headers={"Content-Type": "application/x-www-form-urlencoded"})


def authenticate_mobile(emulator: EmulatorServer, fields: dict[str, str], **inputs: str) -> tuple[dict[str, str], str]:
    window = open_mobile(emulator, fields)
    form = forms(window.text)["window-form"]
    result = httpx.post(urljoin(emulator.base_url + "/", form.action), data={**form.fields, "pay": "1", **inputs})
    returned = forms(result.text)["return-form"]
    assert returned.action == NEXT_URL
    return returned.fields, returned.accept_charset


def approve_mobile(emulator: EmulatorServer, returned: dict[str, str]) -> dict[str, str]:
    url = InicisHosts.emulated(emulator.base_url).mobile_approval_url(returned.get("idc_name"))
    assert InicisHosts.emulated(emulator.base_url).trusts(returned["P_REQ_URL"], url)
    return run_client(emulator.base_url, PAY, lambda c: c.mobile_approve(url, returned["P_TID"]))
