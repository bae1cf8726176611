"""``/healthz`` answers while the process lives; ``/readyz`` says 503 when the database is gone or
its schema is not this code's, and which check failed."""

from __future__ import annotations

from pathlib import Path

import httpx
from sqlalchemy import text

from paymux.observability.health import migrations_head
from paymux.services.runtime import Runtime
from paymux.workers import registered_jobs
from tests.harness import GatewayServer
from tests.ops.support import base_env, serve
from tests.postgres import drop_database, find_postgres, fresh_database


def test_alive_and_ready(gateway: GatewayServer) -> None:
    alive = httpx.get(f"{gateway.base_url}/healthz")
    assert alive.status_code == 200 and alive.json()["status"] == "ok"
    ready = httpx.get(f"{gateway.base_url}/readyz")
    assert ready.status_code == 200, ready.text
    checks = ready.json()["checks"]
    assert checks["database"]["ok"] and checks["migrations"] == {"ok": True, "database": migrations_head(), "head": migrations_head()}


def test_not_ready_while_migrations_are_behind(gateway: GatewayServer) -> None:
    async def set_version(runtime: Runtime, version: str) -> None:
        async with runtime.database.transaction() as connection:
            await connection.execute(text("UPDATE alembic_version SET version_num = :v"), {"v": version})

    head = migrations_head()
    gateway.call(lambda rt: set_version(rt, "0004"))
    try:
        behind = httpx.get(f"{gateway.base_url}/readyz")
        alive = httpx.get(f"{gateway.base_url}/healthz")
    finally:
        gateway.call(lambda rt: set_version(rt, head))
    assert behind.status_code == 503 and behind.json()["status"] == "unavailable"
    assert behind.json()["checks"]["migrations"] == {"ok": False, "database": "0004", "head": head}
    assert behind.json()["checks"]["database"]["ok"] is True
    assert alive.status_code == 200  # alive all the same: a load balancer keeps it, an orchestrator does not route to it
    assert httpx.get(f"{gateway.base_url}/readyz").status_code == 200


def test_not_ready_when_the_database_is_unreachable(tmp_path: Path) -> None:
    with fresh_database() as url:
        server = GatewayServer("postgresql", url, tmp_path).start()
        try:
            assert httpx.get(f"{server.base_url}/readyz").status_code == 200
            postgres = find_postgres()
            assert postgres is not None
            drop_database(postgres, url)  # WITH (FORCE): its connections are cut, new ones refused
            gone = httpx.get(f"{server.base_url}/readyz", timeout=30)
            assert gone.status_code == 503, gone.text
            assert gone.json()["checks"]["database"]["ok"] is False
            assert gone.json()["checks"]["migrations"]["ok"] is False
            assert httpx.get(f"{server.base_url}/healthz").status_code == 200
        finally:
            server.stop()


def test_ready_lists_the_background_jobs_of_a_served_process(tmp_path: Path) -> None:
    with serve(base_env(tmp_path)) as served:
        ready = httpx.get(f"{served.base_url}/readyz")
    assert ready.status_code == 200, ready.text
    jobs = len(registered_jobs())
    assert ready.json()["checks"]["workers"] == {"ok": True, "running": jobs, "expected": jobs}
