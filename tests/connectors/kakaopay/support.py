"""Helpers for tests against the Kakao Pay emulator, over real HTTP on loopback.

- :class:`KakaoPayEmulatorServer`: the emulator under uvicorn in a background thread
  (``start(config) -> base_url``, ``stop()``, ``ledger()``, the control calls, the PG's own records).
- :class:`Buyer`: what a buyer's browser does on Kakao's approval page (open it, pick a payment method,
  press approve / cancel / fail) with plain ``httpx``, returning where Kakao sends the browser.
- :func:`run_connector`: run one coroutine against a :class:`KakaoPayConnector` bound to a channel.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar
from urllib.parse import parse_qs, urlsplit

import httpx

from paymux.connectors.base import ChannelContext
from paymux.connectors.http import PgHttp
from paymux.connectors.kakaopay.connector import KakaoPayConnector
from paymux.connectors.kakaopay.emulator import EmulatorConfig, create_emulator
from paymux.domain.channel import Channel, ChannelMode, PayType
from tests.connectors.emulator_server import LoopbackEmulator
from tests.connectors.inicis.support import attrs_of, forms

T = TypeVar("T")
TEST_SECRET_KEY = "DEVpaymuxTestsSecretKey000000000"  # any DEV… key opens Kakao's public test CIDs
TEST_ADMIN_KEY = "fedcba9876543210fedcba9876543210"


class KakaoPayEmulatorServer(LoopbackEmulator):
    """``paymux pg-emulator kakaopay`` in-process: uvicorn on a free loopback port, in a daemon thread."""

    display_name = "Kakao Pay"

    def start(self, config: EmulatorConfig | None = None) -> str:
        return self.serve(create_emulator(config or EmulatorConfig()))

    def outage(self, on: bool) -> None:
        self.http.post(f"{self.base_url}/_emulator/outage", json={"on": on}).raise_for_status()

    def payment(self, tid: str) -> dict[str, Any] | None:
        return next((p for p in self.ledger()["payments"] if p["tid"] == tid), None)

    def approved(self, partner_order_id: str) -> list[dict[str, Any]]:
        """The PG's approved payments for this order id (paymux's imp_uid)."""
        return [p for p in self.ledger()["payments"] if p["partner_order_id"] == partner_order_id and p["approved_at"]]

    def events_for(self, partner_order_id: str) -> list[dict[str, Any]]:
        return [e for e in self.ledger()["events"] if e.get("partner_order_id") == partner_order_id]

    def sid(self, sid: str) -> dict[str, Any] | None:
        return next((s for s in self.ledger()["sids"] if s["sid"] == sid), None)


class Buyer:
    """The buyer's browser on Kakao's approval page (plain HTTP, reading the page by ``data-testid``)."""

    def __init__(self) -> None:
        self.http = httpx.Client(timeout=30, follow_redirects=False)
        self.page_html = ""

    def open(self, redirect_url: str) -> httpx.Response:
        reply = self.http.get(redirect_url)
        self.page_html = reply.text
        return reply

    def window(self) -> dict[str, str]:
        return attrs_of(self.page_html, "kakaopay-window") or {}

    def press(self, action: str, method: str = "MONEY") -> httpx.Response:
        """Press approve / cancel / fail on the opened page; the 303 Kakao answers."""
        form = forms(self.page_html)["buyer-form"]
        return self.http.post(form.action, data={"action": action, "method": method})

    def approve(self, redirect_url: str, method: str = "MONEY") -> str:
        """Open the page and approve; the ``pg_token`` Kakao put on the approval URL."""
        self.open(redirect_url)
        location = self.press("approve", method).headers["location"]
        return parse_qs(urlsplit(location).query)["pg_token"][0]


def channel(base_url: str, cid: str = "TC0ONETIME", *, pay_type: PayType = PayType.SIMPLE,
            mode: ChannelMode = ChannelMode.TEST) -> Channel:
    return Channel(id=1, merchant_id=1, position=1, pg_provider="kakaopay", mid=cid, pay_type=pay_type, mode=mode,
                   is_default=True, endpoint=base_url)


def context(base_url: str, cid: str = "TC0ONETIME", secret_key: str = TEST_SECRET_KEY, **kwargs: Any) -> ChannelContext:
    return ChannelContext(channel(base_url, cid, **kwargs), {"secret_key": secret_key})


def run_connector(work: Callable[[KakaoPayConnector], Awaitable[T]], timeout: float = 10.0) -> T:
    """Run ``work(connector)`` with a fresh PgHttp (``timeout`` seconds per call)."""

    async def main() -> T:
        http = PgHttp(timeout)
        try:
            return await work(KakaoPayConnector(http))
        finally:
            await http.close()

    return asyncio.run(main())
