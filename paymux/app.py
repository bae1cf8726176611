"""Builds the ASGI app: the REST API today; the checkout and console faces mount here too."""

from __future__ import annotations

import contextlib
import gc
from collections.abc import AsyncIterator

from fastapi import FastAPI

from paymux import __version__
from paymux.api import (
    routes_banks,
    routes_certifications,
    routes_escrows,
    routes_payments,
    routes_pg_specific,
    routes_receipts,
    routes_schedules,
    routes_subscribe,
    routes_users,
    routes_vbanks,
)
from paymux.api.body import RequestBodyMiddleware
from paymux.api.envelope import EnvelopeResponse, install_error_handlers
from paymux.api.paths import TrailingSlashMiddleware
from paymux.checkout import routes as checkout_routes
from paymux.checkout import routes_certification
from paymux.clock import Clock
from paymux.config import Settings
from paymux.console.home import router as home_router
from paymux.console.router import router as console_router
from paymux.docs_page import install_openapi
from paymux.docs_page import router as docs_router
from paymux.observability.endpoints import router as observability_router
from paymux.observability.endpoints import start_observing, stop_observing
from paymux.observability.http import RequestObservingMiddleware, RouteTemplateMiddleware
from paymux.observability.logs import get_logger
from paymux.security_headers import SecurityHeadersMiddleware
from paymux.services.auth import Authenticator
from paymux.services.runtime import Runtime
from paymux.workers import start_workers

log = get_logger("paymux")

INICIS_EMULATOR_PATH = "/pg-emulator/inicis"
KAKAOPAY_EMULATOR_PATH = "/pg-emulator/kakaopay"
MOBILIANS_EMULATOR_PATH = "/pg-emulator/mobilians"
TOSSPAYMENTS_EMULATOR_PATH = "/pg-emulator/tosspayments"
NICE_EMULATOR_PATH = "/pg-emulator/nice"


def mount_pg_emulators(app: FastAPI, settings: Settings) -> None:
    """The KG INICIS and Kakao Pay emulators inside paymux (the demo's "live" channels point at them):
    INICIS's deposit notices come back to this paymux's ``/pg/html5_inicis/notice``."""
    from paymux.connectors.inicis.emulator import PAYMUX_LIVE_KEYS, EmulatorConfig, create_emulator

    base = settings.public_url + INICIS_EMULATOR_PATH
    config = EmulatorConfig(base_url=base, notice_url=settings.public_url + "/pg/html5_inicis/notice")
    app.mount(INICIS_EMULATOR_PATH, create_emulator(config.with_merchant(PAYMUX_LIVE_KEYS)))
    log.warning("pg_emulator.serving", pg="html5_inicis", url=base, note="PAYMUX_PG_EMULATORS=1: for demos, never for money")
    from paymux.connectors.kakaopay import emulator as kakaopay

    kakao_base = settings.public_url + KAKAOPAY_EMULATOR_PATH
    app.mount(KAKAOPAY_EMULATOR_PATH,
              kakaopay.create_emulator(kakaopay.EmulatorConfig(base_url=kakao_base).with_paymux_live()))
    log.warning("serving the Kakao Pay emulator at %s (PAYMUX_PG_EMULATORS=1): for demos, never for money", kakao_base)
    from paymux.connectors.mobilians import emulator as mobilians

    mobilians_base = settings.public_url + MOBILIANS_EMULATOR_PATH
    app.mount(MOBILIANS_EMULATOR_PATH, mobilians.create_emulator(
        mobilians.EmulatorConfig(base_url=mobilians_base).with_service(mobilians.PAYMUX_LIVE_SERVICE)))
    log.warning("serving the KG Mobilians emulator at %s (PAYMUX_PG_EMULATORS=1): for demos, never for money", mobilians_base)
    from paymux.connectors.tosspayments import emulator as tosspayments

    toss_base = settings.public_url + TOSSPAYMENTS_EMULATOR_PATH
    app.mount(TOSSPAYMENTS_EMULATOR_PATH, tosspayments.create_emulator(tosspayments.EmulatorConfig(
        webhook_url=settings.public_url + "/pg/tosspayments/notice").with_paymux_live()))
    log.warning("pg_emulator.serving", pg="tosspayments", url=toss_base, note="PAYMUX_PG_EMULATORS=1: for demos, never for money")
    from paymux.connectors.nice import emulator as nice

    nice_base = settings.public_url + NICE_EMULATOR_PATH
    app.mount(NICE_EMULATOR_PATH, nice.create_emulator(nice.EmulatorConfig(
        base_url=nice_base, hook_url=settings.public_url + "/pg/nice/notice").with_paymux_live()))
    log.warning("pg_emulator.serving", pg="nice", url=nice_base, note="PAYMUX_PG_EMULATORS=1: for demos, never for money")


API_TAGS = ("auth", "payments", "subscribe", "vbanks", "schedules", "codes", "receipts", "certifications", "escrows",
            "pg-specific")


def create_app(settings: Settings | None = None, *, clock: Clock | None = None, runtime: Runtime | None = None) -> FastAPI:
    settings = settings or Settings.from_env()
    runtime = runtime or Runtime.build(settings, clock)

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        workers = start_workers(runtime) if settings.run_workers else []
        app.state.worker_tasks = workers if settings.run_workers else None  # /readyz checks they run
        observing = start_observing(runtime, workers)
        gc.collect()
        gc.freeze()  # what startup built lives for good: later full collections need not walk it
        app.state.ready = True
        yield
        for task in workers:
            task.cancel()
        stop_observing(observing)
        await runtime.close()

    app = FastAPI(
        title="paymux",
        version=__version__,
        description="i'mport (PortOne) V1 compatible payment gateway. Bodies may be JSON or form-encoded.",
        lifespan=lifespan,
        default_response_class=EnvelopeResponse,
        redirect_slashes=False,  # no bodiless redirect: TrailingSlashMiddleware routes /x/ as /x
        docs_url=None,  # paymux.docs_page serves /docs itself: offline, under a strict CSP
        # /docs lists the groups in this order, whichever router a group's hottest route is declared in
        openapi_tags=[{"name": tag} for tag in API_TAGS],
        redoc_url=None,
    )
    app.state.runtime = runtime
    app.state.authenticator = Authenticator(runtime)
    app.state.ready = False
    app.add_middleware(RouteTemplateMiddleware)  # innermost: sees the route the router matched
    app.add_middleware(RequestBodyMiddleware)
    app.add_middleware(TrailingSlashMiddleware)  # every route, with or without a trailing slash
    app.add_middleware(SecurityHeadersMiddleware, settings=settings)  # CSP, nosniff, HSTS on every answer
    app.add_middleware(RequestObservingMiddleware)  # outermost: request id, request line and metrics for every answer
    install_error_handlers(app)
    app.include_router(routes_users.router)
    app.include_router(routes_subscribe.charge_router)  # the hottest route but the lookup, tried early
    app.include_router(routes_payments.router)
    app.include_router(routes_subscribe.router)
    app.include_router(routes_vbanks.router)
    app.include_router(routes_schedules.router)
    for compat in (routes_banks, routes_receipts, routes_certifications, routes_escrows, routes_pg_specific):
        app.include_router(compat.router)  # i'mport's other endpoints (#10 item 5)
    app.include_router(console_router)
    app.include_router(home_router)  # / (console, demo, docs) and the favicon (#14 item 7)
    app.include_router(checkout_routes.router)
    app.include_router(routes_certification.router)  # IMP.certification's window, cash receipt pages
    app.include_router(docs_router)
    install_openapi(app)  # /openapi.json documents the envelope and its statuses
    app.include_router(observability_router)  # /healthz, /readyz, /metrics

    if settings.pg_emulators:
        mount_pg_emulators(app, settings)

    return app
