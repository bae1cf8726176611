"""The HTTP client every connector uses to call its PG: one aiohttp session per process.

Why aiohttp and not httpx (which paymux uses for webhooks): a PG call is on the hot path of every
charge, and under concurrency httpx spent 4.1 ms of CPU per request against 0.27 ms for aiohttp on
the development machine (16 requests in flight to the INICIS emulator; ``bench/live_inicis.py``
showed httpcore's connection pool at 57 % of paymux's CPU per live charge).

Rules for every PG call: no redirects are followed (a PG answers, it does not send paymux elsewhere),
no proxy from the environment, a total timeout per call, and no body or header of a request or reply
in an exception message (they carry card data and keys).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

import aiohttp


class PgTransportError(Exception):
    """The PG was not reached, or its answer was lost (connection refused or dropped, timeout). The
    outcome of the call is unknown."""


class PgHttpStatusError(PgTransportError):
    """The PG answered with a non-2xx status (an outage page, a gateway error): nothing readable
    says what happened, so the outcome is unknown too."""

    def __init__(self, status: int, url: str) -> None:
        super().__init__(f"HTTP {status} from {url.split('?')[0]}")
        self.status = status


@dataclass(frozen=True)
class PgReply:
    """A PG's answer: status, raw body, headers (names lower-cased)."""

    status: int
    content: bytes = field(repr=False)
    headers: Mapping[str, str]

    def json(self) -> Any:
        """The body as JSON. Raises ValueError."""
        return json.loads(self.content)

    def raise_for_status(self, url: str = "") -> None:
        if not 200 <= self.status < 300:
            raise PgHttpStatusError(self.status, url)


class PgHttp:
    """``post(url, data=…)`` → :class:`PgReply`; transport failures raise :class:`PgTransportError`.

    ``timeout_seconds`` bounds each call as a whole (connect, send, wait, read). The session is created
    on first use inside the running event loop and closed by :meth:`close`.
    """

    def __init__(self, timeout_seconds: float = 10.0, max_connections: int = 1024) -> None:
        self._timeout = aiohttp.ClientTimeout(total=timeout_seconds)
        self._max_connections = max_connections
        self._session: aiohttp.ClientSession | None = None

    def _open(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            connector = aiohttp.TCPConnector(limit=self._max_connections, limit_per_host=0, ttl_dns_cache=60)
            self._session = aiohttp.ClientSession(connector=connector, timeout=self._timeout, trust_env=False,
                                                  auto_decompress=True)
        return self._session

    async def post(
        self, url: str, *, data: Mapping[str, str] | None = None, content: bytes | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> PgReply:
        """POST a form (``data``, UTF-8 url-encoded) or raw ``content``; the PG's reply, whatever its status."""
        body = content if content is not None else urlencode(dict(data or {})).encode()
        sent_headers = {"Content-Type": "application/x-www-form-urlencoded; charset=utf-8", **(headers or {})}
        try:
            async with self._open().post(url, data=body, headers=sent_headers, allow_redirects=False) as response:
                payload = await response.read()
                return PgReply(response.status, payload, {k.lower(): v for k, v in response.headers.items()})
        except (TimeoutError, aiohttp.ClientError, OSError) as error:
            raise PgTransportError(f"{type(error).__name__} calling {url.split('?')[0]}") from None

    async def get(self, url: str, *, headers: Mapping[str, str] | None = None) -> PgReply:
        """GET ``url`` (a PG's lookup, e.g. Toss Payments' ``GET /v1/payments/orders/{orderId}``); the reply,
        whatever its status. Transport failures raise :class:`PgTransportError`."""
        try:
            async with self._open().get(url, headers=dict(headers or {}), allow_redirects=False) as response:
                payload = await response.read()
                return PgReply(response.status, payload, {k.lower(): v for k, v in response.headers.items()})
        except (TimeoutError, aiohttp.ClientError, OSError) as error:
            raise PgTransportError(f"{type(error).__name__} calling {url.split('?')[0]}") from None

    async def close(self) -> None:
        if self._session is not None and not self._session.closed:
            await self._session.close()
