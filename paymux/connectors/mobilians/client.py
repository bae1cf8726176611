"""``MobiliansClient``: the only code that talks HTTP to KG Mobilians (the real PG or paymux's emulator).

It knows the wire (paths, JSON field names, the HMAC) and nothing of paymux's payments: every call
returns Mobilians' reply as a ``dict`` with Mobilians' own keys; the connector interprets it.

Public API (amounts are KRW ``int``, sent as strings of digits as Mobilians' examples do, except the
registration's ``amount.total`` which is a number [MOB-MCP registration.md])::

    MobiliansKeys(sid, skey)                    # the service id and the service key (HMAC secret)
    MobiliansKeys.public_test()                 # sid 000730010001 from Mobilians' own test config
    client = MobiliansClient(keys, hosts, http)
    await client.registration(*, trade_id, amount, product_name, site_url, ok_url, close_url="",
                              fail_url="", noti_url="", time_stamp, cash_code="MC", hybrid_pay="Y",
                              call_type="S", user_name="", user_email="", pay_options=None) -> dict
    client.window_url(tid) -> str               # {host}/MUP/api/payment.mcash?tid=…
    await client.approve_tid(*, tid, pay_token, amount, cash_code="MC", mc_user_key="") -> dict
    await client.approve_bill_key(*, trade_id, amount, product_name, site_url, bill_key, mc_user_key,
                                  phone_no="") -> dict     # MOBILID mode M002 (자동결제)
    await client.cancellation(*, trade_id, pay_token, amount, part_cancel, cash_code="MC") -> dict
    client.result_hmac(amount, ok_url, trade_id, time_stamp) -> str

Errors: transport errors and timeouts raise ``PgTransportError`` (the outcome is unknown); a non-2xx
status raises ``PgHttpStatusError``; a 2xx body that is not a JSON object raises
:class:`MobiliansProtocolError`. A business failure is a reply whose ``code`` is not ``0000``.
No message raised here contains the skey, a bill key or an HMAC.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from paymux.connectors.http import PgHttp
from paymux.connectors.mobilians import protocol

# Mobilians' published phone test service: sid and skey from Mobilians' own test harness
# [MOB-MCP auto_test/config.json] (also the sid of every example in its manual).
PUBLIC_TEST_SID = "000730010001"
PUBLIC_TEST_SKEY = "6148a93a86b08ac90c93dbeaf295eb5b"


class MobiliansProtocolError(ValueError):
    """Mobilians answered 2xx with a body this client cannot read (never contains the body)."""


@dataclass(frozen=True)
class MobiliansKeys:
    """One Mobilians service: ``sid`` (서비스 ID, 12 characters) and ``skey`` (서비스 키, the HMAC key)."""

    sid: str
    skey: str = field(repr=False)

    @classmethod
    def public_test(cls) -> MobiliansKeys:
        return cls(PUBLIC_TEST_SID, PUBLIC_TEST_SKEY)


class MobiliansClient:
    def __init__(self, keys: MobiliansKeys, hosts: protocol.MobiliansHosts, http: PgHttp) -> None:
        self.keys = keys
        self.hosts = hosts
        self._http = http

    async def _post(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        url = self.hosts.url(path)
        reply = await self._http.post(url, content=json.dumps(body, ensure_ascii=False).encode("utf-8"),
                                      headers={"Content-Type": "application/json", "Accept": "application/json"})
        reply.raise_for_status(url)
        try:
            data = reply.json()
        except ValueError:
            raise MobiliansProtocolError(f"Mobilians answered {path} with a body that is not JSON") from None
        if not isinstance(data, dict):
            raise MobiliansProtocolError(f"Mobilians answered {path} with JSON that is not an object")
        return data

    async def registration(
        self, *, trade_id: str, amount: int, product_name: str, site_url: str, ok_url: str, time_stamp: str,
        close_url: str = "", fail_url: str = "", noti_url: str = "", cash_code: str = protocol.CASH_PHONE,
        hybrid_pay: str = "Y", call_type: str = "S", user_name: str = "", user_email: str = "",
        pay_options: dict[str, str] | None = None,
    ) -> dict[str, Any]:
        """거래등록 [MOB-MCP registration.md]: ``code``, ``tid``, ``pay_url``, ``time_stamp``, ``hmac``."""
        body: dict[str, Any] = {
            "sid": self.keys.sid, "cash_code": cash_code, "product_name": product_name, "trade_id": trade_id,
            "site_url": site_url, "ok_url": ok_url, "amount": {"total": amount}, "hybrid_pay": hybrid_pay,
            "call_type": call_type, "time_stamp": time_stamp,
        }
        optional = {"close_url": close_url, "fail_url": fail_url, "noti_url": noti_url, "user_name": user_name,
                    "user_email": user_email}
        body.update({name: value for name, value in optional.items() if value})
        if pay_options:
            body["pay_options"] = dict(pay_options)
        return await self._post(protocol.REGISTRATION, body)

    def window_url(self, tid: str) -> str:
        return self.hosts.url(protocol.PAYMENT_WINDOW) + "?" + urlencode({"tid": tid})

    async def approve_tid(
        self, *, tid: str, pay_token: str, amount: int, cash_code: str = protocol.CASH_PHONE, mc_user_key: str = ""
    ) -> dict[str, Any]:
        """결제 승인 - TID 방식 [MOB-MCP approval-tid.md] (hybrid windows): ``code``, ``sign_date``,
        ``trade_id``, ``amount``, ``hmac``, ``transaction_id`` …"""
        body: dict[str, Any] = {"sid": self.keys.sid, "tid": tid, "cash_code": cash_code, "pay_token": pay_token,
                                "amount": str(amount)}
        if cash_code == protocol.CASH_PHONE:
            body["mc_user_key"] = mc_user_key
        return await self._post(protocol.APPROVAL, body)

    async def approve_bill_key(
        self, *, trade_id: str, amount: int, product_name: str, site_url: str, bill_key: str, mc_user_key: str,
        phone_no: str = "",
    ) -> dict[str, Any]:
        """결제 승인 - MOBILID 방식, ``mode=M002`` (자동결제) [MOB-MCP approval-mobilid.md]: ``code``,
        ``sign_date``, ``mobil_id``, ``amount`` …"""
        body: dict[str, Any] = {
            "mode": "M002", "cash_code": protocol.CASH_PHONE, "site_url": site_url, "sid": self.keys.sid,
            "product_name": product_name, "amount": str(amount), "trade_id": trade_id, "bill_key": bill_key,
            "mc_user_key": mc_user_key,
        }
        if phone_no:
            body["phone_no"] = phone_no
        return await self._post(protocol.APPROVAL, body)

    async def cancellation(
        self, *, trade_id: str, pay_token: str, amount: int, part_cancel: bool, cash_code: str = protocol.CASH_PHONE,
    ) -> dict[str, Any]:
        """결제 취소 [MOB-MCP cancellation.md]. ``amount``: the whole payment for a full cancel; for a
        phone partial cancel, **what remains after it**; other methods: the amount cancelled."""
        body = {
            "sid": self.keys.sid, "trade_id": trade_id, "cash_code": cash_code, "pay_token": pay_token,
            "amount": str(amount), "cancel_type": "C", "part_cancel": "Y" if part_cancel else "N",
            "hmac": protocol.cancellation_hmac(self.keys.skey, self.keys.sid, trade_id, pay_token, amount),
        }
        return await self._post(protocol.CANCELLATION, body)

    def result_hmac(self, amount: int | str, ok_url: str, trade_id: str, time_stamp: str) -> str:
        return protocol.result_hmac(self.keys.skey, amount, ok_url, trade_id, time_stamp)
