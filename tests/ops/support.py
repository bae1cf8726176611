"""A real ``paymux serve`` in a subprocess for the operations tests, and readers of what it shows
operators: its scrape (parsed with prometheus_client's own parser) and its log lines."""

from __future__ import annotations

import asyncio
import base64
import json
import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from prometheus_client.parser import text_string_to_metric_families

from paymux.config import Settings
from paymux.services import merchants as merchant_service
from paymux.services.runtime import Runtime
from tests.harness import free_port, wait_until_healthy

CLI = [sys.executable, "-m", "paymux.cli"]
METRICS_TOKEN = "ops-test-metrics-token"
Sample = tuple[str, frozenset[tuple[str, str]]]


@dataclass
class Served:
    """A running ``paymux serve`` with a merchant that has a KCP API (sandbox) channel."""

    process: subprocess.Popen
    base_url: str
    env: dict[str, str]
    merchant: dict[str, Any]
    lines: list[str] = field(default_factory=list)
    _token: str | None = None

    def client(self) -> httpx.Client:
        """A client of the merchant's API; one connection per request (``Connection: close``), so
        under --workers N the kernel spreads the requests over the workers."""
        if self._token is None:
            reply = httpx.post(f"{self.base_url}/users/getToken",
                               json={"imp_key": self.merchant["imp_key"], "imp_secret": self.merchant["imp_secret"]})
            self._token = reply.json()["response"]["access_token"]
        return httpx.Client(base_url=self.base_url, timeout=30,
                            headers={"Authorization": self._token, "Connection": "close"})

    def scrape(self, token: str = METRICS_TOKEN) -> dict[Sample, float]:
        reply = httpx.get(f"{self.base_url}/metrics", headers={"Authorization": f"Bearer {token}", "Connection": "close"})
        assert reply.status_code == 200, reply.text
        assert reply.headers["content-type"].startswith("text/plain")
        return parse(reply.text)

    def json_lines(self) -> list[dict[str, Any]]:
        """Every log line so far, each of which must be one JSON object."""
        return [json.loads(line) for line in list(self.lines) if line.strip()]


def set_webhook_url(served: Served, url: str | None) -> None:
    """Set the served merchant's webhook URL through paymux's own service, on the served database
    (as the console's webhook form does)."""

    async def work() -> None:
        runtime = Runtime.build(Settings.from_env(served.env))
        try:
            merchant = await merchant_service.get_merchant(runtime, served.merchant["user_code"])
            await merchant_service.set_webhook_url(runtime, merchant.id, url)
        finally:
            await runtime.close()

    asyncio.run(work())


def parse(text: str) -> dict[Sample, float]:
    """Every sample of a scrape, by name and labels, read by prometheus_client's parser."""
    samples: dict[Sample, float] = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            samples[(sample.name, frozenset(sample.labels.items()))] = sample.value
    return samples


def value(samples: dict[Sample, float], name: str, **labels: str) -> float:
    """A sample's value; 0 for a labelled series never counted yet."""
    return samples.get((name, frozenset(labels.items())), 0.0)


def wait_for(what: str, check: Callable[[], bool], seconds: float = 60, interval: float = 0.25) -> None:
    deadline = time.monotonic() + seconds
    while not check():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(interval)


def base_env(data_dir: Path, database_url: str | None = None, **extra: str) -> dict[str, str]:
    env = {
        **os.environ,
        "PAYMUX_DATA_DIR": str(data_dir),
        "PAYMUX_VAULT_KEYS": "k1:" + base64.urlsafe_b64encode(os.urandom(32)).decode(),
        "PAYMUX_WEBHOOK_ALLOW_PRIVATE": "1",  # the receiver is on 127.0.0.1
        "PAYMUX_METRICS_TOKEN": METRICS_TOKEN,
        "PAYMUX_LOG_FORMAT": "json",
        **extra,
    }
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)
    if database_url:
        env["PAYMUX_DATABASE_URL"] = database_url
    else:
        env.pop("PAYMUX_DATABASE_URL", None)
    return env


def _collect(stream: Any, lines: list[str]) -> None:
    for line in stream:
        lines.append(line)


@contextmanager
def serve(env: dict[str, str], *serve_args: str) -> Iterator[Served]:
    """Create a merchant with a KCP API channel, then ``paymux serve ARGS``; its stderr (the log) is
    collected line by line. Stopped with SIGTERM at the end."""
    created = json.loads(subprocess.run([*CLI, "merchant", "create", "--name", "ops", "--json"], env=env,
                                        capture_output=True, text=True, check=True).stdout)
    subprocess.run([*CLI, "channel", "add", "--merchant", created["user_code"], "--pg", "kcp", "--type", "api",
                    "--default"], env=env, check=True, capture_output=True)
    port = free_port()
    process = subprocess.Popen([*CLI, "serve", "--port", str(port), *serve_args], env=env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    served = Served(process, f"http://127.0.0.1:{port}", env, created)
    reader = threading.Thread(target=_collect, args=(process.stderr, served.lines), daemon=True)
    reader.start()
    try:
        try:
            wait_until_healthy(f"{served.base_url}/healthz", process, seconds=180)  # a busy machine
        except RuntimeError as failure:
            raise RuntimeError(f"{failure}; its log:\n{''.join(served.lines[-40:])}") from None
        yield served
    finally:
        if process.poll() is None:
            process.terminate()
            process.wait(timeout=30)
        reader.join(timeout=10)
