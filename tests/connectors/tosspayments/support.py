"""Helpers for tests against the Toss Payments emulator, over real HTTP on loopback.

- :class:`TossEmulator`: ``paymux pg-emulator tosspayments`` in-process (uvicorn on a free port in a
  daemon thread), with its ledger and control calls.
- :class:`Buyer`: what the buyer's browser does in Toss's window after the SDK opened it — load the
  window page with the fields ``requestPayment`` / ``requestBillingAuth`` were given, pick a card or
  bank, press 결제하기 / 취소 / 결제 실패 — as plain ``httpx``; returns where Toss sends the browser.
- :func:`context` / :func:`run`: a live channel pointed at the emulator, and one coroutine with a fresh PgHttp.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar
from urllib.parse import parse_qsl, urlencode, urlsplit

import httpx

from paymux.connectors.base import ChannelContext
from paymux.connectors.http import PgHttp
from paymux.connectors.tosspayments.connector import TossPaymentsConnector
from paymux.connectors.tosspayments.emulator import PAYMUX_LIVE_MERCHANT, EmulatorConfig, create_emulator
from paymux.domain.channel import Channel, ChannelMode, PayType
from tests.connectors.emulator_server import LoopbackEmulator
from tests.connectors.inicis.support import attrs_of, forms

T = TypeVar("T")
LIVE_KEYS = {"client_key": PAYMUX_LIVE_MERCHANT.client_key, "secret_key": PAYMUX_LIVE_MERCHANT.secret_key}


class TossEmulator(LoopbackEmulator):
    display_name = "Toss Payments"

    def start(self, config: EmulatorConfig) -> str:
        return self.serve(create_emulator(config))

    def control(self, call: str, **params: Any) -> dict[str, Any]:
        reply = self.http.post(f"{self.base_url}/_emulator/{call}", json=params)
        reply.raise_for_status()
        data: dict[str, Any] = reply.json()
        return data

    def payments_for(self, order_id: str) -> list[dict[str, Any]]:
        return [p for p in self.ledger()["payments"] if p["order_id"] == order_id]

    def money_moved(self, order_id: str) -> int:
        """KRW charged minus refunded for an order, by the emulator's ledger."""
        return sum(e["amount"] for e in self.ledger()["events"] if e.get("order_id") == order_id)

    def events_for(self, order_id: str, kind: str | None = None) -> list[dict[str, Any]]:
        return [e for e in self.ledger()["events"] if e.get("order_id") == order_id and (kind is None or e["kind"] == kind)]


class Buyer:
    """The buyer's browser in Toss's window (after the SDK stand-in navigated to it)."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url

    def window_url(self, kind: str, fields: dict[str, str]) -> str:
        """Where ``TossPayments(clientKey).requestPayment(method, fields)`` sends the browser."""
        return f"{self.base_url}/window/{kind}?{urlencode(fields)}"

    def pay(self, url: str, action: str = "pay", choice: str | None = None) -> str:
        """Open the window at ``url``, press ``action``; the URL Toss sends the browser to."""
        page = httpx.get(url, timeout=30)
        assert page.status_code == 200 and attrs_of(page.text, "toss-window") is not None, page.text[:400]
        form = forms(page.text)["buyer-form"]
        fields = {**form.fields, "action": action}
        if choice is not None:
            fields["choice"] = choice
        reply = httpx.post(f"{self.base_url}/window/submit", data=fields, timeout=30)
        assert reply.status_code == 303, reply.text[:400]
        return reply.headers["location"]


def query_of(url: str) -> dict[str, str]:
    return dict(parse_qsl(urlsplit(url).query))


def context(base_url: str, keys: dict[str, str] | None = None, *, mid: str = PAYMUX_LIVE_MERCHANT.mid,
            pay_type: PayType = PayType.GENERAL, mode: ChannelMode = ChannelMode.LIVE) -> ChannelContext:
    channel = Channel(id=1, merchant_id=1, position=0, pg_provider="tosspayments", mid=mid, pay_type=pay_type,
                      mode=mode, is_default=True, endpoint=base_url)
    return ChannelContext(channel, dict(LIVE_KEYS if keys is None else keys))


def run(work: Callable[[TossPaymentsConnector], Awaitable[T]], timeout: float = 10.0) -> T:
    """Run one coroutine against a connector with a fresh PgHttp (closed afterwards)."""
    async def main() -> T:
        http = PgHttp(timeout)
        try:
            return await work(TossPaymentsConnector(http))
        finally:
            await http.close()
    return asyncio.run(main())
