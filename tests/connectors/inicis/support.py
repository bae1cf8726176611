"""Reusable helpers for tests against the KG INICIS emulator, over real HTTP on loopback.

- :class:`EmulatorServer`: the emulator under uvicorn in a background thread (``start(config) -> base_url``,
  ``stop()``, ``ledger()``, plus the control calls).
- :class:`NoticeReceiver`: a tiny HTTP server that records what the PG POSTs and answers from a script
  (``"OK"`` by default), for the vbank deposit notice.
- :func:`forms`, :func:`text_of`: read the emulator's pages the way a browser test would, by
  ``data-testid``, so window flows can be driven with plain ``httpx`` form posts.
- :func:`run_client`: run one coroutine against an :class:`InicisClient` bound to the emulator.
"""

from __future__ import annotations

import asyncio
import socket
import threading
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from html.parser import HTMLParser
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, TypeVar

import httpx

from paymux.connectors.http import PgHttp
from paymux.connectors.inicis import protocol
from paymux.connectors.inicis.client import InicisClient, InicisHosts, InicisKeys
from paymux.connectors.inicis.emulator import EmulatorConfig, create_emulator
from tests.connectors.emulator_server import LoopbackEmulator

T = TypeVar("T")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


class EmulatorServer(LoopbackEmulator):
    """``paymux pg-emulator inicis`` in-process: uvicorn on a free loopback port, in a daemon thread."""

    display_name = "INICIS"

    def start(self, config: EmulatorConfig | None = None) -> str:
        return self.serve(create_emulator(config or EmulatorConfig()))

    def control(self, path: str, **params: Any) -> httpx.Response:
        """``POST /_emulator/{path}`` with a JSON body."""
        return self.http.post(f"{self.base_url}/_emulator/{path}", json=params)

    def outage(self, on: bool) -> None:
        self.control("outage", on=on).raise_for_status()

    def latency(self, ms: int) -> None:
        self.control("latency", ms=ms).raise_for_status()

    def deposit(self, tid: str, **params: Any) -> dict[str, Any]:
        """The buyer deposits into the virtual account ``tid``; the emulator then sends the notice."""
        reply = self.control("vbank/deposit", tid=tid, **params)
        data: dict[str, Any] = reply.json()
        data["http_status"] = reply.status_code
        return data

    def payment(self, tid: str) -> dict[str, Any] | None:
        return next((p for p in self.ledger()["payments"] if p["tid"] == tid), None)

    def events_for(self, oid: str) -> list[dict[str, Any]]:
        return [event for event in self.ledger()["events"] if event.get("oid") == oid]


def run_client(base_url: str, keys: InicisKeys, work: Callable[[InicisClient], Awaitable[T]], timeout: float = 10.0) -> T:
    """Run ``work(client)`` with an InicisClient on the emulator's hosts and a fresh httpx client."""

    async def main() -> T:
        http = PgHttp(timeout)
        try:
            return await work(InicisClient(keys, InicisHosts.emulated(base_url), http, client_ip="127.0.0.1"))
        finally:
            await http.close()

    return asyncio.run(main())


@dataclass
class NoticeReceiver:
    """Records POSTs and answers them from ``answers`` in order, then ``default``."""

    answers: list[str] = field(default_factory=list)
    default: str = "OK"
    received: list[tuple[dict[str, str], bytes]] = field(default_factory=list)
    url: str = ""

    def start(self) -> str:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 (http.server's name)
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                receiver.received.append(({k.lower(): v for k, v in self.headers.items()}, body))
                answer = (receiver.answers.pop(0) if receiver.answers else receiver.default).encode("utf-8")
                self.send_response(200)
                self.send_header("Content-Type", "text/plain")
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}/inicis/notice"
        return self.url

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def forms(self) -> list[dict[str, str]]:
        """Each received body decoded as a form (EUC-KR or UTF-8)."""
        return [protocol.decode_form(body) for _, body in self.received]


@dataclass
class Form:
    testid: str
    action: str
    accept_charset: str
    fields: dict[str, str]


_VOID = frozenset({"input", "br", "img", "meta", "link", "hr", "source", "wbr"})


class _Pages(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.forms: list[Form] = []
        self.texts: dict[str, str] = {}
        self.attrs: dict[str, dict[str, str]] = {}
        self._stack: list[str | None] = []
        self._select: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value or "" for name, value in attrs}
        testid = values.get("data-testid")
        if testid:
            self.attrs[testid] = values
            self.texts.setdefault(testid, "")
        if tag not in _VOID:
            self._stack.append(testid)
        if tag == "form":
            self.forms.append(Form(testid or "", values.get("action", ""), values.get("accept-charset", ""), {}))
        elif tag == "input" and self.forms and values.get("name") and values.get("type") not in ("submit", "button"):
            self.forms[-1].fields[values["name"]] = values.get("value", "")
        elif tag == "select" and self.forms and values.get("name"):
            self._select = values["name"]
        elif tag == "option" and self._select and self.forms:
            self.forms[-1].fields.setdefault(self._select, values.get("value", ""))
            self.attrs.setdefault(f"{self._select}-options", {})[values.get("value", "")] = "1"

    def handle_endtag(self, tag: str) -> None:
        if tag == "select":
            self._select = None
        if tag not in _VOID and self._stack:
            self._stack.pop()

    def handle_data(self, data: str) -> None:
        for testid in self._stack:
            if testid:
                self.texts[testid] += data


def parse(html: str) -> _Pages:
    pages = _Pages()
    pages.feed(html)
    return pages


def forms(html: str) -> dict[str, Form]:
    """The page's forms by ``data-testid`` (hidden/text inputs with their values, selects with the first option)."""
    return {form.testid: form for form in parse(html).forms}


def text_of(html: str, testid: str) -> str | None:
    """The text inside the element with this ``data-testid`` (None when absent)."""
    text = parse(html).texts.get(testid)
    return None if text is None else " ".join(text.split())


def attrs_of(html: str, testid: str) -> dict[str, str] | None:
    return parse(html).attrs.get(testid)


def select_options(html: str, name: str) -> list[str]:
    """The option values of the select named ``name``."""
    return list(parse(html).attrs.get(f"{name}-options", {}))
