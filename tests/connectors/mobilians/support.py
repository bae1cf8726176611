"""Helpers for tests against the KG Mobilians emulator over real HTTP on loopback.

- :class:`MobiliansEmulator`: ``paymux pg-emulator mobilians`` in-process (uvicorn on a free port in a
  thread) with the control calls and the ledger.
- :func:`authenticate`: what a buyer does in Mobilians' phone window (carrier, number, the SMS code shown
  by the emulator, confirm), as plain ``httpx`` form posts; returns the fields the window POSTs to
  ``ok_url`` plus the ``ok_url``'s own query (as paymux's return route sees them).
- :func:`context`, :class:`DictLedger`: a live channel pointed at the emulator, for connector calls.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar
from urllib.parse import parse_qsl, urlsplit

import httpx

from paymux.connectors.base import ChannelContext
from paymux.connectors.http import PgHttp
from paymux.connectors.mobilians.client import MobiliansClient, MobiliansKeys
from paymux.connectors.mobilians.connector import MobiliansConnector
from paymux.connectors.mobilians.emulator import EmulatorConfig, create_emulator
from paymux.connectors.mobilians.protocol import MobiliansHosts
from paymux.domain.channel import Channel, ChannelMode, PayType
from tests.connectors.emulator_server import LoopbackEmulator
from tests.connectors.inicis.support import attrs_of, forms, text_of

T = TypeVar("T")


class MobiliansEmulator(LoopbackEmulator):
    display_name = "Mobilians"

    def start(self, config: EmulatorConfig) -> str:
        return self.serve(create_emulator(config))

    def control(self, call: str, **params: Any) -> None:
        self.http.post(f"{self.base_url}/_emulator/{call}", json=params).raise_for_status()

    def payment(self, trade_id: str) -> dict[str, Any] | None:
        return next((p for p in self.ledger()["payments"] if p["trade_id"] == trade_id), None)

    def requests_for(self, trade_id: str, path: str | None = None) -> list[dict[str, Any]]:
        return [r for r in self.ledger()["requests"]
                if r["body"].get("trade_id") == trade_id and (path is None or r["path"] == path)]


def authenticate(emulator: MobiliansEmulator, launch_url: str, tid: str, phone: str = "01012345678",
                 *, code: str | None = None, carrier: str = "SKT") -> dict[str, str]:
    """Open the window, ask for the SMS code, confirm it; the fields sent to ``ok_url`` (with the
    ok_url's query merged in, ``ticket`` removed, as paymux's return route reads them) and ``action``."""
    window = httpx.get(launch_url, params={"tid": tid})
    assert attrs_of(window.text, "mobilians-window") is not None, window.text
    form = forms(window.text)["window-form"]
    sent = httpx.post(form.action, data={**form.fields, "carrier": carrier, "phone": phone, "send": "1"})
    sms = text_of(sent.text, "sms-code-value")
    assert sms, sent.text
    confirm_url = emulator.base_url + "/MUP/api/payment.mcash/confirm"
    done = httpx.post(confirm_url, data={"tid": tid, "carrier": carrier, "phone": phone, "sms_code": code or sms, "confirm": "1"})
    if code is not None and code != sms:
        return {"page": done.text}
    handoff = forms(done.text)["return-form"]
    query = {k: v for k, v in parse_qsl(urlsplit(handoff.action).query) if k != "ticket"}
    return {**query, **handoff.fields, "action": handoff.action}


def context(base_url: str, keys: MobiliansKeys, *, pay_type: PayType = PayType.GENERAL,
            mode: ChannelMode = ChannelMode.LIVE) -> ChannelContext:
    channel = Channel(id=1, merchant_id=1, position=0, pg_provider="mobilians", mid=keys.sid, pay_type=pay_type,
                      mode=mode, is_default=True, endpoint=base_url)
    return ChannelContext(channel, {"skey": keys.skey, "site_url": "shop.example"})


class DictLedger:
    def __init__(self) -> None:
        self.data: dict[str, dict[str, Any]] = {}

    async def get(self, key: str) -> dict[str, Any] | None:
        return self.data.get(key)

    async def put(self, key: str, value: dict[str, Any]) -> None:
        self.data[key] = value


def run(work: Callable[[PgHttp], Awaitable[T]], timeout: float = 10.0) -> T:
    """Run one coroutine with a fresh PgHttp (closed afterwards)."""
    async def main() -> T:
        http = PgHttp(timeout)
        try:
            return await work(http)
        finally:
            await http.close()
    return asyncio.run(main())


def connector(http: PgHttp, ledger: DictLedger) -> MobiliansConnector:
    made = MobiliansConnector(http)
    made.remember_with(ledger)
    return made


def client(http: PgHttp, base_url: str, keys: MobiliansKeys) -> MobiliansClient:
    return MobiliansClient(keys, MobiliansHosts(base_url), http)
