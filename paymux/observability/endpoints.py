"""``/healthz``, ``/readyz`` and ``/metrics`` on the API's port, and the separate metrics listener.

``/metrics`` answers only when the operator turned it on (README "Operating"):

- ``PAYMUX_METRICS_TOKEN``: served on the API's port to ``Authorization: Bearer <token>`` only;
- ``PAYMUX_METRICS_BIND=host:port``: served on a listener of its own at that address (for a scraper
  on a private network), and no longer on the API's port; the token, if also set, is required there.
- neither: ``/metrics`` is 404.

Under ``--workers N`` every worker tries to open the separate listener; one gets the port and the
others retry every :data:`LISTENER_RETRY_SECONDS`, so a replaced worker's successor takes over. Any
worker's answer is the whole picture (multiprocess mode, ``observability.metrics``).
"""

from __future__ import annotations

import asyncio
import hmac
from collections.abc import Sequence
from typing import Any

from fastapi import APIRouter, Request
from starlette.responses import JSONResponse, Response

from paymux.config import Settings
from paymux.observability import gauges, health, metrics
from paymux.observability.logs import get_logger
from paymux.services.runtime import Runtime

log = get_logger("paymux.metrics")

router = APIRouter(include_in_schema=False)
LISTENER_RETRY_SECONDS = 5.0
METRICS_OFF = "metrics are off: set PAYMUX_METRICS_TOKEN (bearer, on this port) or PAYMUX_METRICS_BIND (own listener)"


def token_matches(expected: str | None, authorization: str | None) -> bool:
    """True when no token is required, or ``authorization`` is ``Bearer <expected>`` (constant time)."""
    if expected is None:
        return True
    scheme, _, given = (authorization or "").partition(" ")
    return scheme.lower() == "bearer" and hmac.compare_digest(given.strip().encode(), expected.encode())


async def scrape(runtime: Runtime) -> bytes:
    """The text exposition: this process's and its siblings' instruments, and the database gauges
    (``paymux_database_up`` 0 and no queue gauges when the database does not answer)."""
    from prometheus_client.core import GaugeMetricFamily

    up = GaugeMetricFamily("paymux_database_up", "Whether the scrape could read the database (1) or not (0)")
    families: list[Any] = []
    try:
        async with asyncio.timeout(health.CHECK_SECONDS):
            async with runtime.database.reading() as connection:
                families = await gauges.database_families(
                    connection, runtime.now(), runtime.settings.pending_outcome_grace_seconds
                )
        up.add_metric([], 1)
    except Exception as error:
        log.warning("metrics.database_unreachable", error=type(error).__name__)
        up.add_metric([], 0)
    return await metrics.exposition([up, *families])


def _error(status: int, message: str) -> JSONResponse:
    return JSONResponse({"code": -1, "message": message, "response": None}, status_code=status)


@router.get("/healthz")
async def healthz() -> JSONResponse:
    """Alive: answers without touching the database."""
    return JSONResponse(health.alive())


@router.get("/readyz")
async def readyz(request: Request) -> JSONResponse:
    runtime: Runtime = request.app.state.runtime
    ready, body = await health.readiness(runtime.database, getattr(request.app.state, "worker_tasks", None))
    return JSONResponse(body, status_code=200 if ready else 503)


@router.get("/metrics")
async def metrics_endpoint(request: Request) -> Response:
    settings: Settings = request.app.state.runtime.settings
    if settings.metrics_token is None:
        return _error(404, METRICS_OFF if settings.metrics_bind is None else "metrics are served on PAYMUX_METRICS_BIND")
    if not token_matches(settings.metrics_token, request.headers.get("authorization")):
        return _error(401, "a valid metrics token is required (Authorization: Bearer <PAYMUX_METRICS_TOKEN>)")
    return Response(await scrape(request.app.state.runtime), media_type=metrics.CONTENT_TYPE)


def parse_bind(value: str) -> tuple[str, int]:
    """``host:port`` or ``[v6]:port`` → (host, port). Raises ValueError."""
    host, sep, port = value.rpartition(":")
    if not sep or not port.isdigit() or not host:
        raise ValueError(f"PAYMUX_METRICS_BIND must be host:port, not {value!r}")
    return host.strip("[]"), int(port)


async def serve_metrics_listener(runtime: Runtime) -> None:
    """Serve ``/metrics`` at ``PAYMUX_METRICS_BIND`` until cancelled (aiohttp's server: no second
    uvicorn to fight over signals). Retries while another worker holds the port."""
    from aiohttp import web

    settings = runtime.settings
    assert settings.metrics_bind is not None
    host, port = parse_bind(settings.metrics_bind)

    async def handle(request: web.Request) -> web.Response:
        if not token_matches(settings.metrics_token, request.headers.get("Authorization")):
            return web.Response(status=401, text="a valid metrics token is required\n")
        return web.Response(body=await scrape(runtime), headers={"Content-Type": metrics.CONTENT_TYPE})

    app = web.Application()
    app.router.add_get("/metrics", handle)
    runner = web.AppRunner(app, access_log=None, handle_signals=False)
    await runner.setup()
    said = False
    try:
        while True:
            try:
                await web.TCPSite(runner, host, port).start()
            except OSError as error:  # another worker of this serve holds it, or the address is wrong
                if not said:
                    log.info("metrics.listener_waiting", address=f"{host}:{port}", error=str(error),
                             note="another worker may serve it; retrying")
                    said = True
                await asyncio.sleep(LISTENER_RETRY_SECONDS)
                continue
            log.info("metrics.listening", address=f"{host}:{port}")
            await asyncio.Event().wait()
    finally:
        await runner.cleanup()


def start_observing(runtime: Runtime, worker_tasks: Sequence[asyncio.Task[Any]] | None) -> list[asyncio.Task[Any]]:
    """At startup: watch the database pools; open the metrics listener if one is configured.
    Returns the tasks to cancel at shutdown."""
    metrics.watch_pool(runtime.database.engine, "main")
    if runtime.database.hot_pool is not None:
        metrics.watch_hot_pool(runtime.database.hot_pool, "hot")
    if runtime.database.attempt_pool is not None:
        metrics.watch_hot_pool(runtime.database.attempt_pool, "attempts")
    if runtime.settings.metrics_bind:
        parse_bind(runtime.settings.metrics_bind)  # a malformed address stops the start, not just the listener
        return [asyncio.create_task(serve_metrics_listener(runtime), name="metrics listener")]
    return []


def stop_observing(tasks: Sequence[asyncio.Task[Any]]) -> None:
    for task in tasks:
        task.cancel()
    metrics.process_exiting()
