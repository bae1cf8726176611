"""When every database connection is busy, a request waits at most PAYMUX_DB_POOL_TIMEOUT_SECONDS and
is then answered 503 with Retry-After in the i'mport envelope — never a 500 (issue 11 item 5)."""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx

from paymux.app import create_app
from paymux.config import Settings
from paymux.services.runtime import Runtime
from paymux.store.migrate import upgrade_to_head
from tests.postgres import run_in_thread


def test_a_request_that_finds_no_free_connection_is_a_503_with_retry_after(tmp_path: Path) -> None:
    settings = Settings.from_env({
        "PAYMUX_DATA_DIR": str(tmp_path), "PAYMUX_RUN_WORKERS": "0", "PAYMUX_DB_POOL_SIZE": "1",
        "PAYMUX_DB_POOL_TIMEOUT_SECONDS": "0.3",
    })
    run_in_thread(upgrade_to_head, settings.database_url)

    async def busy() -> httpx.Response:
        runtime = Runtime.build(settings)
        app = create_app(settings, runtime=runtime)
        try:
            async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://paymux") as client:
                async with runtime.database.reading():  # the only connection, held by another request
                    return await client.post("/users/getToken", json={"imp_key": "k", "imp_secret": "s"})
        finally:
            await runtime.close()

    reply = asyncio.run(busy())
    assert reply.status_code == 503 and reply.headers["retry-after"] == "1"
    assert reply.json()["code"] == -1 and reply.json()["response"] is None
