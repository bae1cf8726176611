"""A webhook receiver on loopback, in the test process: it records what arrives and answers as told.

It plays the merchant's server: up (200), down (503), or hanging until the test lets it answer. Each
request is recorded with the gateway's simulated time on arrival, so its Standard Webhooks signature
can be checked later exactly as the receiver would have checked it then.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from unittest import mock
from urllib.parse import parse_qsl

import standardwebhooks.webhooks
from standardwebhooks import Webhook

UP, DOWN, HANG = "up", "down", "hang"
DOWN_BODY = "receiver is down for maintenance"


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes
    at: int  # the gateway's clock when the request arrived
    answered: int | None = None

    @property
    def webhook_id(self) -> str:
        return self.headers["webhook-id"]

    @property
    def payload(self) -> dict[str, Any]:
        """The body as the merchant's handler reads it: JSON, or a form as PHP's ``$_POST`` (one
        value per field, text)."""
        if self.headers.get("content-type", "").startswith("application/x-www-form-urlencoded"):
            return dict(parse_qsl(self.body.decode("ascii"), keep_blank_values=True, strict_parsing=True))
        return json.loads(self.body)


class _Server(ThreadingHTTPServer):
    request_queue_size = 256  # bursts from several instances must queue, not be dropped (default 5)


class Receiver:
    def __init__(self, now: Callable[[], int]) -> None:
        self._now = now
        self._lock = threading.Lock()
        self._modes: dict[str, str] = {}
        self.default_mode = UP
        self.delay_seconds = 0.0
        self.release = threading.Event()  # lets hanging requests answer
        self.arrived = threading.Event()  # set by every arrival
        self.requests: list[Received] = []
        self.in_flight = 0
        self._server = _Server(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, name="webhook-receiver", daemon=True)

    def start(self) -> Receiver:
        self._thread.start()
        return self

    def close(self) -> None:
        self.release.set()
        self._server.shutdown()
        self._server.server_close()

    def url(self, path: str = "/hook") -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}{path}"

    def answer(self, mode: str, path: str | None = None) -> None:
        """Answer every path (or one path) with ``up``, ``down`` or ``hang``."""
        with self._lock:
            if path is None:
                self.default_mode = mode
                self._modes.clear()
            else:
                self._modes[path] = mode

    def about(self, imp_uids: Iterable[str]) -> list[Received]:
        """What arrived about these payments (the session's database holds other tests' events too)."""
        wanted = set(imp_uids)
        with self._lock:
            return [r for r in self.requests if r.payload.get("imp_uid") in wanted]

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def do_POST(self) -> None:
                expected = int(self.headers.get("content-length", 0))
                body = self.rfile.read(expected)
                if len(body) < expected:
                    return  # the sender died mid-request (a SIGKILLed instance): nothing was delivered
                path = self.path
                record = Received(path, {k.lower(): v for k, v in self.headers.items()}, body, receiver._now())
                with receiver._lock:
                    receiver.requests.append(record)
                    receiver.in_flight += 1
                    mode = receiver._modes.get(path, receiver.default_mode)
                receiver.arrived.set()
                try:
                    if mode == HANG:
                        receiver.release.wait(timeout=60)
                    elif receiver.delay_seconds:
                        time.sleep(receiver.delay_seconds)
                    status, text = (503, DOWN_BODY) if mode == DOWN else (200, "ok")
                    payload = text.encode()
                    self.send_response(status)
                    self.send_header("content-type", "text/plain")
                    self.send_header("content-length", str(len(payload)))
                    self.end_headers()
                    self.wfile.write(payload)
                    record.answered = status
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the sender gave up waiting
                finally:
                    with receiver._lock:
                        receiver.in_flight -= 1

        return Handler


@contextmanager
def _library_time(unix_seconds: int) -> Iterator[None]:
    """Tell the standardwebhooks library what time it is: the simulated time the request arrived."""

    class ArrivalTime(datetime):
        @classmethod
        def now(cls, tz: Any = None) -> datetime:  # type: ignore[override]
            return datetime.fromtimestamp(unix_seconds, tz or UTC)

    with mock.patch.object(standardwebhooks.webhooks, "datetime", ArrivalTime):
        yield


def verify(secret: str, request: Received) -> Any:
    """Verify as a receiver does on arrival (signature, and a timestamp within 5 minutes of its clock);
    the body as its handler reads it (JSON, or a form's fields)."""
    with _library_time(request.at):
        Webhook(secret).verify(request.body, request.headers, json_parse=False)
    return request.payload
