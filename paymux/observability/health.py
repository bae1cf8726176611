"""``/healthz`` (the process is alive) and ``/readyz`` (it can do its job), as load balancers and
Kubernetes probes expect: JSON bodies, 200 when fine, 503 when not.

Ready means: the database answers ``SELECT 1`` within :data:`CHECK_SECONDS`; its schema is at the
migrations' head (the ``alembic_version`` row equals the newest revision shipped with this code: an
instance of a newer release against an older schema, or the reverse, is not ready); and the
background jobs this process runs are all running (none has died, none is stuck in one round).
"""

from __future__ import annotations

import asyncio
import functools
import time
from collections.abc import Sequence
from typing import Any

from paymux import __version__

CHECK_SECONDS = 3.0
# A job round (one batch of webhooks, schedules, reconciliations) that runs longer than this is stuck:
# the slowest legitimate round, a full webhook batch against receivers that time out, takes minutes.
STALL_SECONDS = 900.0


@functools.cache
def migrations_head() -> str:
    """The newest revision shipped with this code, read once from the migration scripts."""
    from alembic.script import ScriptDirectory

    from paymux.store.migrate import MIGRATIONS_DIR, alembic_config

    head = ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head()
    assert head is not None, f"no migrations in {MIGRATIONS_DIR}"
    return head


def alive() -> dict[str, Any]:
    return {"status": "ok", "version": __version__}


async def _database(database: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    """The database check and the migrations check (which needs the database)."""
    head = await asyncio.to_thread(migrations_head)
    try:
        async with asyncio.timeout(CHECK_SECONDS):
            async with database.reading() as connection:
                await connection.exec_driver_sql("SELECT 1")
                rows = (await connection.exec_driver_sql("SELECT version_num FROM alembic_version")).all()
    except Exception as error:  # unreachable, refused, timed out, no such database: all "not ready"
        reason = "timed out" if isinstance(error, TimeoutError) else type(error).__name__
        return {"ok": False, "error": reason}, {"ok": False, "head": head, "error": "database unreachable"}
    current = rows[0][0] if rows else None
    return {"ok": True}, {"ok": current == head, "database": current, "head": head}


def _workers(tasks: Sequence[asyncio.Task[Any]] | None) -> dict[str, Any]:
    """Every job task alive, and none stuck in one round for more than :data:`STALL_SECONDS`."""
    from paymux.workers import ROUND_STARTED

    if tasks is None:
        return {"ok": True, "running": 0, "expected": 0, "note": "this process runs no background jobs"}
    dead = [task.get_name() for task in tasks if task.done()]
    now = time.monotonic()
    stalled = [task.get_name() for task in tasks
               if not task.done() and now - ROUND_STARTED.get(task, now) > STALL_SECONDS]
    result: dict[str, Any] = {"ok": not dead and not stalled, "running": len(tasks) - len(dead), "expected": len(tasks)}
    if dead:
        result["stopped"] = dead
    if stalled:
        result["stalled"] = stalled
    return result


async def readiness(database: Any, worker_tasks: Sequence[asyncio.Task[Any]] | None) -> tuple[bool, dict[str, Any]]:
    """``(ready, body)``; ``worker_tasks`` None when this process runs no background jobs."""
    database_check, migrations_check = await _database(database)
    checks = {"database": database_check, "migrations": migrations_check, "workers": _workers(worker_tasks)}
    ready = all(check["ok"] for check in checks.values())
    return ready, {"status": "ok" if ready else "unavailable", "version": __version__, "checks": checks}
