"""The Prometheus instruments of paymux and the scrape, through ``prometheus_client``.

Every name starts with ``paymux_``. Counters and histograms are kept by the process that counts;
under ``paymux serve --workers N`` they live in ``PROMETHEUS_MULTIPROC_DIR`` (one file set per
process, see ``observability.serving``) and any worker answers a scrape with the sum of all.
Queue-like gauges (webhook backlog, due schedules, unknown outcomes) are not kept in processes: the
scrape asks the database, one indexed query each (``observability.gauges``), so they are right
whichever instance is scraped.

``prometheus_client`` is imported on first use, never at import time: it chooses between in-process
and multiprocess values when it is imported, and ``paymux serve`` sets the directory first.

Instruments (labels):

- ``paymux_http_requests_total`` (method, route, status), ``paymux_http_request_duration_seconds``
  (method, route): ``route`` is the route's template (``/payments/{imp_uid}``), never the raw path;
- ``paymux_pg_calls_total`` (pg, operation, outcome), ``paymux_pg_call_duration_seconds`` (pg,
  operation): outcome is ``approved`` | ``declined`` | ``unknown`` (timeout, transport failure or a
  connector error: left to the reconciler);
- ``paymux_webhook_deliveries_total`` (outcome): one per try of an event, ``delivered`` |
  ``retrying`` | ``dead``;
- ``paymux_db_pool_connections_in_use`` (pool): connections checked out, summed over live processes.
"""

from __future__ import annotations

import asyncio
import functools
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"
CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
HTTP_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)
PG_BUCKETS = (0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 5.0, 10.0, 30.0, 60.0)
WEBHOOK_OUTCOMES = ("delivered", "retrying", "dead")


@dataclass(frozen=True)
class Instruments:
    http_requests: Any
    http_duration: Any
    pg_calls: Any
    pg_duration: Any
    webhook_deliveries: Any
    pool_in_use: Any


def multiprocess_dir() -> Path | None:
    value = os.environ.get(MULTIPROC_ENV)
    return Path(value) if value else None


@functools.cache
def instruments() -> Instruments:
    """Created once per process, on first use."""
    from prometheus_client import Counter, Gauge, Histogram, disable_created_metrics

    disable_created_metrics()  # no ``*_created`` series: Prometheus does not use them and they double the output
    return Instruments(
        http_requests=Counter(
            "paymux_http_requests", "HTTP requests answered, by route template and status",
            ["method", "route", "status"],
        ),
        http_duration=Histogram(
            "paymux_http_request_duration_seconds", "Time to answer an HTTP request (seconds)",
            ["method", "route"], buckets=HTTP_BUCKETS,
        ),
        pg_calls=Counter(
            "paymux_pg_calls", "Calls to PGs by outcome (approved, declined, unknown)", ["pg", "operation", "outcome"],
        ),
        pg_duration=Histogram(
            "paymux_pg_call_duration_seconds", "Time a PG took to answer, or to time out (seconds)",
            ["pg", "operation"], buckets=PG_BUCKETS,
        ),
        webhook_deliveries=Counter(
            "paymux_webhook_deliveries", "Tries of a webhook event: delivered, retrying or dead", ["outcome"],
        ),
        pool_in_use=Gauge(
            "paymux_db_pool_connections_in_use", "Database connections checked out of the pool",
            ["pool"], multiprocess_mode="livesum",
        ),
    )


def count_request(method: str, route: str, status: int, seconds: float) -> None:
    metrics = instruments()
    metrics.http_requests.labels(method, route, str(status)).inc()
    metrics.http_duration.labels(method, route).observe(seconds)


def count_pg_call(pg: str, operation: str, outcome: str, seconds: float) -> None:
    metrics = instruments()
    metrics.pg_calls.labels(pg, operation, outcome).inc()
    metrics.pg_duration.labels(pg, operation).observe(seconds)


def count_webhook_delivery(outcome: str) -> None:
    instruments().webhook_deliveries.labels(outcome).inc()


def watch_pool(engine: Any, pool: str) -> None:
    """Keep ``paymux_db_pool_connections_in_use{pool=…}`` with the pool's checkout/checkin events
    (``engine``: a SQLAlchemy ``AsyncEngine``). Registered once per engine."""
    from sqlalchemy import event

    target = engine.sync_engine.pool
    if getattr(target, "_paymux_watched", False):
        return
    gauge = instruments().pool_in_use.labels(pool)
    gauge.set(0)
    event.listen(target, "checkout", lambda *_: gauge.inc())
    event.listen(target, "checkin", lambda *_: gauge.dec())
    target._paymux_watched = True


def watch_hot_pool(pool: Any, name: str) -> None:
    """The same gauge for one of asyncpg's pools (``store.pg_pool.HotPool``). Registered once per pool."""
    if getattr(pool, "_paymux_watched", False):
        return
    gauge = instruments().pool_in_use.labels(name)
    gauge.set(0)
    pool.on_checkout.append(gauge.inc)
    pool.on_checkin.append(gauge.dec)
    pool._paymux_watched = True


_LIVE_FILE = re.compile(r"gauge_live\w*_(\d+)\.db")


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def forget_dead_processes(directory: Path) -> list[int]:
    """``mark_process_dead`` for every process whose live-gauge files remain but which is gone (a
    worker killed without a clean exit, then replaced by uvicorn): its pool gauge stops counting."""
    from prometheus_client import multiprocess

    dead = sorted({int(m.group(1)) for p in directory.glob("gauge_live*.db") if (m := _LIVE_FILE.fullmatch(p.name))
                   and not _pid_alive(int(m.group(1)))})
    for pid in dead:
        multiprocess.mark_process_dead(pid, str(directory))
    return dead


def process_exiting() -> None:
    """Called when a serving process shuts down cleanly: its live gauges leave the sum."""
    directory = multiprocess_dir()
    if directory is not None:
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(os.getpid(), str(directory))


def _exposition(extra_families: list[Any]) -> bytes:
    from prometheus_client import REGISTRY, CollectorRegistry, generate_latest, multiprocess

    instruments()  # so that a scrape before any traffic still lists every family
    directory = multiprocess_dir()
    if directory is not None:
        forget_dead_processes(directory)
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry, str(directory))
        base = generate_latest(registry)
    else:
        base = generate_latest(REGISTRY)
    extra = CollectorRegistry()
    extra.register(_Static(extra_families))
    return base + generate_latest(extra)


class _Static:
    def __init__(self, families: list[Any]) -> None:
        self.families = families

    def collect(self) -> list[Any]:
        return self.families


async def exposition(database_families: list[Any]) -> bytes:
    """The whole scrape in the text format: process metrics plus ``database_families`` (computed by
    the caller from the database, ``observability.gauges``)."""
    return await asyncio.to_thread(_exposition, database_families)
