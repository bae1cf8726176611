"""A real paymux server on loopback for the tests, and a small client that speaks its envelope."""

from __future__ import annotations

import asyncio
import logging
import os
import secrets
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import httpx
import uvicorn

from paymux.app import create_app
from paymux.clock import OffsetClock
from paymux.config import Settings, uvicorn_proxy_options
from paymux.domain.merchant import Merchant
from paymux.services import channels as channel_service
from paymux.services import merchants as merchant_service
from paymux.services.runtime import Runtime
from paymux.store.migrate import upgrade_to_head
from tests.postgres import run_in_thread

T = TypeVar("T")

CONNECTOR_TIMEOUT_SECONDS = 2.0

# The tests' webhook receivers listen on 127.0.0.1, which paymux refuses by default (SSRF policy,
# paymux/webhooks/targets.py). Allowed for the whole test process, so the request validators that
# read it from the environment and every paymux a test starts as a subprocess allow it too;
# tests/security/ turns it off to prove the default.
os.environ.setdefault("PAYMUX_WEBHOOK_ALLOW_PRIVATE", "1")

# The test card numbers of docs/sandbox.md.
CARD_OK = "5361-4812-3456-1234"
CARD_REFUSED = "4000-0000-0000-0002"
CARD_INSUFFICIENT = "4000-0000-0000-9995"
CARD_EXPIRED = "4000-0000-0000-0069"
CARD_AUTH_FAILED = "4000-0000-0000-0127"
CARD_TIMEOUT_APPROVED = "4000-0000-0000-0119"
CARD_TIMEOUT_DECLINED = "4000-0000-0000-0101"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_paymux_process(data_dir: Path, *args: str) -> tuple[subprocess.Popen, str]:
    """``python -m paymux.cli ARGS --port P`` on SQLite in ``data_dir``; returns once /healthz answers."""
    port = free_port()
    env = {**os.environ, "PAYMUX_DATA_DIR": str(data_dir)}
    env.pop("PAYMUX_DATABASE_URL", None)
    process = subprocess.Popen(
        [sys.executable, "-m", "paymux.cli", *args, "--port", str(port)],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    base = f"http://127.0.0.1:{port}"
    wait_until_healthy(f"{base}/healthz", process)
    return process, base


def wait_until_healthy(url: str, process: subprocess.Popen, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while True:
        try:
            if httpx.get(url, timeout=2).status_code < 500:
                return
        except httpx.TransportError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            output = process.stdout.read() if process.stdout and process.poll() is not None else ""
            raise RuntimeError(f"{url} did not come up: {output[-2000:]}")
        time.sleep(0.2)


def stop_process(process: subprocess.Popen) -> None:
    process.terminate()
    process.wait(timeout=30)


class GatewayServer:
    """paymux under uvicorn in a background thread, with its event loop reachable for set-up."""

    def __init__(self, backend: str, database_url: str, data_dir: Path, env: dict[str, str] | None = None) -> None:
        self.backend = backend
        self.data_dir = data_dir
        self.log_path = data_dir / "paymux.log"
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.clock = OffsetClock()
        self.settings = Settings.from_env(
            {
                "PAYMUX_DATA_DIR": str(data_dir),
                "PAYMUX_DATABASE_URL": database_url,
                "PAYMUX_PUBLIC_URL": self.base_url,
                "PAYMUX_MERCHANT_CACHE_SECONDS": "0",
                # A test server needs a few connections, not production's 20 (+10 for attempts):
                # with dozens of servers in a session the cluster's connections stay far from its limit.
                "PAYMUX_DB_POOL_SIZE": "6",
                "PAYMUX_RUN_WORKERS": "0",
                "PAYMUX_WEBHOOK_ALLOW_PRIVATE": "1",  # receivers on 127.0.0.1 (see above)
                # PGs on loopback answer in milliseconds; the emulators' "timeout" cards hold their
                # reply longer than this (tests/live/conftest.py SLOW_REPLY_SECONDS).
                "PAYMUX_CONNECTOR_TIMEOUT_SECONDS": str(CONNECTOR_TIMEOUT_SECONDS),
                # The suite signs in and sends wrong secrets from 127.0.0.1 far more often than a person
                # would; tests/security sets the real limits on servers of its own.
                "PAYMUX_CONSOLE_LOGINS_PER_MINUTE": "10000",
                "PAYMUX_TOKEN_FAILURES_PER_MINUTE": "10000",
                **(env or {}),  # a test's own settings (tests/security: trusted proxies, throttles)
            }
        )
        run_in_thread(upgrade_to_head, self.settings.database_url)  # alembic runs its own loop
        self.runtime = Runtime.build(self.settings, self.clock)
        self.app = create_app(self.settings, runtime=self.runtime)
        self._server = uvicorn.Server(
            uvicorn.Config(self.app, host="127.0.0.1", port=self.port, log_level="info", access_log=True, lifespan="on",
                           **uvicorn_proxy_options(self.settings))
        )
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._run, name=f"paymux-{backend}", daemon=True)
        self._log_handler = logging.FileHandler(self.log_path)
        self._log_handler.setLevel(logging.DEBUG)

    def _run(self) -> None:
        asyncio.set_event_loop(self.loop)
        self.loop.run_until_complete(self._server.serve())

    def start(self) -> GatewayServer:
        for name in ("paymux", "uvicorn", "uvicorn.access", "uvicorn.error"):
            logging.getLogger(name).addHandler(self._log_handler)
            logging.getLogger(name).setLevel(logging.INFO)
        self._thread.start()
        deadline = time.monotonic() + 30
        while not self._server.started:
            if time.monotonic() > deadline or not self._thread.is_alive():
                raise RuntimeError(f"paymux ({self.backend}) did not start")
            time.sleep(0.05)
        return self

    def stop(self) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=30)
        for name in ("paymux", "uvicorn", "uvicorn.access", "uvicorn.error"):
            logging.getLogger(name).removeHandler(self._log_handler)
        self._log_handler.close()

    def call(self, work: Callable[[Runtime], Awaitable[T]]) -> T:
        """Run a service coroutine on the server's loop (where its database pool lives)."""
        return asyncio.run_coroutine_threadsafe(work(self.runtime), self.loop).result(timeout=60)

    def create_merchant(self, name: str = "shop", parent: str | None = None) -> TestMerchant:
        created = self.call(lambda rt: merchant_service.create_merchant(rt, name, parent_user_code=parent))
        return TestMerchant(self, created.merchant, created.imp_secret)


@dataclass
class Envelope:
    status: int
    body: dict[str, Any]

    @property
    def code(self) -> int:
        return self.body["code"]

    @property
    def message(self) -> str | None:
        return self.body["message"]

    @property
    def response(self) -> Any:
        return self.body["response"]

    def expect_ok(self) -> Any:
        assert (self.status, self.code) == (200, 0), f"expected success, got {self.status} {self.body}"
        return self.response


@dataclass
class TestMerchant:
    server: GatewayServer
    merchant: Merchant
    imp_secret: str
    _token: str | None = field(default=None, repr=False)

    __test__ = False

    @property
    def user_code(self) -> str:
        return self.merchant.user_code

    @property
    def imp_key(self) -> str:
        return self.merchant.imp_key

    def add_channel(
        self, pg: str, pay_type: str, *, mid: str | None = None, default: bool = False, mode: str = "test",
        endpoint: str | None = None, credentials: dict[str, str] | None = None,
    ) -> Any:
        return self.server.call(
            lambda rt: channel_service.add_channel(
                rt, self.merchant.id, pg=pg, mid=mid, pay_type=pay_type, mode=mode, default=default,
                endpoint=endpoint, credentials=credentials, allow_private_endpoint=True,
            )
        )

    def token(self) -> str:
        if self._token is None:
            reply = request(self.server, "POST", "/users/getToken", json={"imp_key": self.imp_key, "imp_secret": self.imp_secret})
            self._token = reply.expect_ok()["access_token"]
        return self._token

    def api(self, method: str, path: str, *, tier: str | None = None, **kwargs: Any) -> Envelope:
        headers = dict(kwargs.pop("headers", {}))
        headers.setdefault("Authorization", self.token())
        if tier:
            headers["Tier"] = tier
        return request(self.server, method, path, headers=headers, **kwargs)

    def issue_key(self, customer_uid: str, card_number: str = CARD_OK, **extra: Any) -> Envelope:
        body = {"card_number": card_number, "expiry": "2030-12", "birth": "820213", "pwd_2digit": "00", **extra}
        return self.api("POST", f"/subscribe/customers/{customer_uid}", json=body)

    def again(self, customer_uid: str, merchant_uid: str, amount: int = 3000, **extra: Any) -> Envelope:
        body = {"customer_uid": customer_uid, "merchant_uid": merchant_uid, "amount": amount, "name": "test order", **extra}
        return self.api("POST", "/subscribe/payments/again", json=body)


_client = httpx.Client(timeout=60)


def request(server: GatewayServer, method: str, path: str, **kwargs: Any) -> Envelope:
    reply = _client.request(method, server.base_url + path, **kwargs)
    assert reply.headers.get("content-type", "").startswith("application/json"), reply.text[:200]
    return Envelope(reply.status_code, reply.json())


def unique(prefix: str) -> str:
    return f"{prefix}_{secrets.token_hex(6)}"


def standard_merchant(server: GatewayServer, name: str = "shop") -> TestMerchant:
    """A merchant with the channels most tests need: INICIS window (default), INICIS API, KCP API."""
    merchant = server.create_merchant(name)
    merchant.add_channel("html5_inicis", "general", default=True)
    merchant.add_channel("html5_inicis", "api")
    merchant.add_channel("kcp", "api")
    return merchant
