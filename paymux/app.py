"""Builds the ASGI app: the REST API today; the checkout and console faces mount here too."""

from __future__ import annotations

import contextlib
import gc
import logging
from collections.abc import AsyncIterator

from fastapi import FastAPI

from paymux import __version__
from paymux.api import (
    routes_payments,
    routes_schedules,
    routes_subscribe,
    routes_users,
    routes_vbanks,
)
from paymux.api.body import RequestBodyMiddleware
from paymux.api.envelope import EnvelopeResponse, install_error_handlers
from paymux.api.paths import TrailingSlashMiddleware
from paymux.checkout import routes as checkout_routes
from paymux.clock import Clock
from paymux.config import Settings
from paymux.console.router import router as console_router
from paymux.services.auth import Authenticator
from paymux.services.runtime import Runtime
from paymux.workers import start_workers

log = logging.getLogger("paymux")

INICIS_EMULATOR_PATH = "/pg-emulator/inicis"


def mount_pg_emulators(app: FastAPI, settings: Settings) -> None:
    """The KG INICIS emulator inside paymux (the demo's "live" channel points at it): its deposit
    notices come back to this paymux's ``/pg/html5_inicis/notice``."""
    from paymux.connectors.inicis.emulator import PAYMUX_LIVE_KEYS, EmulatorConfig, create_emulator

    base = settings.public_url + INICIS_EMULATOR_PATH
    config = EmulatorConfig(base_url=base, notice_url=settings.public_url + "/pg/html5_inicis/notice")
    app.mount(INICIS_EMULATOR_PATH, create_emulator(config.with_merchant(PAYMUX_LIVE_KEYS)))
    log.warning("serving the KG INICIS emulator at %s (PAYMUX_PG_EMULATORS=1): for demos, never for money", base)


def create_app(settings: Settings | None = None, *, clock: Clock | None = None, runtime: Runtime | None = None) -> FastAPI:
    settings = settings or Settings.from_env()
    runtime = runtime or Runtime.build(settings, clock)

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        workers = start_workers(runtime) if settings.run_workers else []
        gc.collect()
        gc.freeze()  # what startup built lives for good: later full collections need not walk it
        app.state.ready = True
        yield
        for task in workers:
            task.cancel()
        await runtime.close()

    app = FastAPI(
        title="paymux",
        version=__version__,
        description="i'mport (PortOne) V1 compatible payment gateway. Bodies may be JSON or form-encoded.",
        lifespan=lifespan,
        default_response_class=EnvelopeResponse,
        redirect_slashes=False,  # no bodiless redirect: TrailingSlashMiddleware routes /x/ as /x
    )
    app.state.runtime = runtime
    app.state.authenticator = Authenticator(runtime)
    app.state.ready = False
    app.add_middleware(RequestBodyMiddleware)
    app.add_middleware(TrailingSlashMiddleware)  # outermost: every route, with or without a trailing slash
    install_error_handlers(app)
    app.include_router(routes_users.router)
    app.include_router(routes_payments.router)
    app.include_router(routes_subscribe.router)
    app.include_router(routes_vbanks.router)
    app.include_router(routes_schedules.router)
    app.include_router(console_router)
    app.include_router(checkout_routes.router)

    if settings.pg_emulators:
        mount_pg_emulators(app, settings)

    @app.get("/healthz", include_in_schema=False)
    async def healthz() -> EnvelopeResponse:
        async with runtime.database.reading() as connection:
            await connection.exec_driver_sql("SELECT 1")
        return EnvelopeResponse({"status": "ok", "version": __version__})

    return app
