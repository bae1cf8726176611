"""Helpers for tests against the NICE Pay emulator over real HTTP on loopback.

- :class:`NiceEmulator`: the emulator in-process (uvicorn on a free port in a thread), its control calls
  and its ledger.
- :func:`authenticate`: what the buyer's browser does with ``AUTHNICE.requestPay`` (the SDK POSTs its
  options to NICE's window; the buyer enters a card and presses 결제하기 or 취소), as plain ``httpx`` form
  posts; returns the fields NICE POSTs to ``returnUrl``.
- :func:`context`, :func:`run`: a live channel pointed at the emulator, for connector calls.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import httpx

from paymux.connectors.base import ChannelContext, WindowLaunch
from paymux.connectors.http import PgHttp
from paymux.connectors.nice.client import NiceClient, NiceKeys
from paymux.connectors.nice.connector import NiceConnector
from paymux.connectors.nice.emulator import (
    EmulatorConfig,
    EmulatorMerchant,
    create_emulator,
)
from paymux.domain.channel import Channel, ChannelMode, PayType
from tests.connectors.emulator_server import LoopbackEmulator
from tests.connectors.inicis.support import forms

T = TypeVar("T")


class NiceEmulator(LoopbackEmulator):
    display_name = "NICE"

    def start(self, config: EmulatorConfig) -> str:
        return self.serve(create_emulator(config))

    def control(self, call: str, **params: Any) -> httpx.Response:
        reply = self.http.post(f"{self.base_url}/_emulator/{call}", json=params)
        return reply

    def payment(self, tid: str) -> dict[str, Any] | None:
        return next((p for p in self.ledger()["payments"] if p["tid"] == tid), None)

    def payments_for(self, order_id: str) -> list[dict[str, Any]]:
        return [p for p in self.ledger()["payments"] if p["order_id"] == order_id]

    def events_for(self, order_id: str) -> list[dict[str, Any]]:
        return [e for e in self.ledger()["events"] if e.get("orderId") == order_id]

    def charged(self, order_id: str) -> int:
        """KRW the emulator holds for this order now (charged minus refunded)."""
        return sum(int(e.get("amount", 0)) for e in self.events_for(order_id))

    def hooks_for(self, order_id: str, *, status: str | None = None) -> list[dict[str, Any]]:
        """The webhooks sent for an order (waiting up to 10 s for one with ``status``: they go after the reply)."""
        deadline = time.monotonic() + 10
        while True:
            found = [h for h in self.ledger()["hooks"] if h.get("orderId") == order_id]
            if status is None or any(h["status"] == status for h in found) or time.monotonic() > deadline:
                return found
            time.sleep(0.05)


def open_window(launch: WindowLaunch, *, user_agent: str = "paymux-tests") -> httpx.Response:
    """What ``AUTHNICE.requestPay`` does with the launch page's fields: POST them to NICE's window."""
    assert launch.script_url and launch.script_url.endswith("/v1/js/")
    sdk = httpx.get(launch.script_url)
    assert "AUTHNICE" in sdk.text and sdk.headers["content-type"].startswith("application/javascript")
    window_url = launch.script_url.removesuffix("/v1/js/") + "/v1/pay/window"
    return httpx.post(window_url, data={k: v for k, v in launch.fields.items() if k != "closeUrl"},
                      headers={"User-Agent": user_agent})


def authenticate(launch: WindowLaunch, card: str = "5361-4812-3456-1234", *, action: str = "pay",
                 quota: int = 0) -> dict[str, str]:
    """Open NICE's window, enter ``card``, press 결제하기 (or 취소); the fields POSTed to ``returnUrl``
    (with ``returnUrl`` itself as ``action``)."""
    window = open_window(launch)
    found = forms(window.text)
    if "window-form" not in found:
        handoff = found["return-form"]
        return {**handoff.fields, "action": handoff.action}
    form = found["window-form"]
    fields = {**form.fields, "action": action}
    if "cardNo" in fields:
        fields.update(cardNo=card, cardQuota=str(quota))
    done = httpx.post(form.action, data=fields)
    handoff = forms(done.text)["return-form"]
    return {**handoff.fields, "action": handoff.action}


def context(base_url: str, merchant: EmulatorMerchant, *, pay_type: PayType = PayType.GENERAL,
            mode: ChannelMode = ChannelMode.LIVE) -> ChannelContext:
    channel = Channel(id=1, merchant_id=1, position=0, pg_provider="nice", mid=merchant.mid, pay_type=pay_type,
                      mode=mode, is_default=True, endpoint=base_url)
    return ChannelContext(channel, {"client_id": merchant.client_id, "secret_key": merchant.secret_key})


def run(work: Callable[[PgHttp], Awaitable[T]], timeout: float = 10.0) -> T:
    """Run one coroutine with a fresh PgHttp (closed afterwards)."""
    async def main() -> T:
        http = PgHttp(timeout)
        try:
            return await work(http)
        finally:
            await http.close()
    return asyncio.run(main())


def client(http: PgHttp, base_url: str, merchant: EmulatorMerchant) -> NiceClient:
    return NiceClient(NiceKeys(merchant.client_id, merchant.secret_key), http, base_url)


def connector(http: PgHttp) -> NiceConnector:
    return NiceConnector(http)
