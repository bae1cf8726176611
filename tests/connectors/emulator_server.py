"""A PG emulator (``paymux pg-emulator <pg>``) served in-process for tests: uvicorn on a free loopback
port in a daemon thread, so connectors reach it over real HTTP; its ``/_emulator/`` control API is
the test's window on the PG's own ledger."""

from __future__ import annotations

import threading
import time
from typing import Any

import httpx
import uvicorn
from starlette.types import ASGIApp

from tests.harness import free_port


class LoopbackEmulator:
    """Base of each PG's test emulator: ``serve(app)``, ``stop()``, ``ledger()``, ``post_control()``."""

    display_name = "PG"

    def __init__(self) -> None:
        self.base_url = ""
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self.http = httpx.Client(timeout=30)

    def serve(self, app: ASGIApp) -> str:
        """Start ``app`` and return its base URL once it accepts connections (RuntimeError after 15 s)."""
        port = free_port()
        self.base_url = f"http://127.0.0.1:{port}"
        config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off",
                                timeout_graceful_shutdown=1)
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, name=f"{self.display_name}-emulator", daemon=True)
        self._thread.start()
        deadline = time.monotonic() + 15
        while not self._server.started:
            if time.monotonic() > deadline or not self._thread.is_alive():
                raise RuntimeError(f"the {self.display_name} emulator did not start")
            time.sleep(0.02)
        return self.base_url

    def stop(self) -> None:
        if self._server is not None and self._thread is not None:
            self._server.should_exit = True
            self._thread.join(timeout=15)
        self.http.close()

    def ledger(self) -> dict[str, Any]:
        """``GET /_emulator/transactions``: what the PG itself holds (payments, events in KRW, keys…)."""
        reply = self.http.get(self.base_url + "/_emulator/transactions")
        reply.raise_for_status()
        data: dict[str, Any] = reply.json()
        return data

    def post_control(self, call: str, **params: Any) -> httpx.Response:
        """``POST /_emulator/{call}`` with a JSON body (outage, latency, deposit…)."""
        return self.http.post(f"{self.base_url}/_emulator/{call}", json=params)
