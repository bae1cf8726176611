"""Background work: the jobs ``paymux serve`` runs beside the API and ``paymux worker`` runs alone.

Each job is ``async def job(runtime) -> int`` (how many items it handled) and runs every few seconds.
Jobs take their items through the database (``FOR UPDATE SKIP LOCKED`` and leases), never through
in-process state, so N instances against one PostgreSQL share the work and never do an item twice.
A job that handled a full batch runs again at once instead of sleeping.
"""

from __future__ import annotations

import asyncio
import time
import weakref
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from structlog.contextvars import bind_contextvars

from paymux.observability.logs import get_logger
from paymux.services.runtime import Runtime

log = get_logger("paymux.workers")

Job = Callable[[Runtime], Awaitable[int]]


@dataclass(frozen=True)
class PeriodicJob:
    name: str
    run: Job
    every_seconds: float


def registered_jobs() -> list[PeriodicJob]:
    """The jobs of this version, imported here so that services stay free of scheduling."""
    from paymux.services.cancels import settle_pending_cancellations
    from paymux.services.reconcile import settle_journaled_pg_calls, settle_pending_outcomes
    from paymux.services.schedules import execute_due_schedules
    from paymux.services.vbanks import expire_due_vbanks
    from paymux.webhooks.delivery import deliver_webhooks_in_background

    jobs = [
        PeriodicJob("reconcile unknown outcomes", settle_pending_outcomes, 15),
        PeriodicJob("reconcile unknown cancels", settle_pending_cancellations, 15),
        PeriodicJob("reconcile key and account calls", settle_journaled_pg_calls, 15),
        PeriodicJob("deliver webhooks", deliver_webhooks_in_background, 1),  # tries run on: a slow receiver holds no round
        PeriodicJob("expire virtual accounts", expire_due_vbanks, 30),
        PeriodicJob("execute schedules", execute_due_schedules, 1),
    ]
    return jobs


# When each running job task started its current round (time.monotonic()): /readyz reports a job
# whose round has run for too long as stalled (observability.health).
ROUND_STARTED: weakref.WeakKeyDictionary[asyncio.Task[Any], float] = weakref.WeakKeyDictionary()


async def run_job_forever(runtime: Runtime, job: PeriodicJob) -> None:
    bind_contextvars(job=job.name)  # every line this job writes says which job (this task's context only)
    task = asyncio.current_task()
    while True:
        if task is not None:
            ROUND_STARTED[task] = time.monotonic()
        try:
            busy = await job.run(runtime) > 0
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("job.failed", action="retrying next round")
            busy = False
        await asyncio.sleep(0 if busy else job.every_seconds)


def start_workers(runtime: Runtime) -> list[asyncio.Task[None]]:
    return [asyncio.create_task(run_job_forever(runtime, job), name=job.name) for job in registered_jobs()]
