"""CPU, SQL and bytes written per charge (``POST /subscribe/payments/again``) or per lookup
(``GET /payments/{imp_uid}``, ``--operation lookup``), measured in-process.

    python bench/profile_charge.py [--database sqlite|postgresql] [--operation charge|lookup] [--charges 2000]
                                   [--concurrency 16] [--top 25] [--stored 0]
    valgrind --tool=callgrind --instr-atstart=no --callgrind-out-file=/tmp/charge.cg \
        python bench/profile_charge.py --callgrind --charges 300     # then: callgrind_annotate /tmp/charge.cg

paymux is built as ``paymux serve`` builds it (same log set-up, ``PAYMUX_LOG_LEVEL=WARNING``, no
request lines, a fresh database migrated to head, an INICIS api channel in test mode, one billing
key) and driven through its ASGI interface by ``--concurrency`` tasks, without a socket: what is
measured is paymux's own work (routing, middleware, auth, services, SQL, JSON), not uvicorn's
HTTP parsing. CPU time is the process's (``time.process_time``: aiosqlite's threads included), so
the figures do not depend on how busy the machine is.

Prints, for ``--charges`` charges after as many warm-up charges (or as many lookups of those
warm-up charges' payments): CPU ms per charge, SQL statements
and transactions per charge (a write statement in autocommit counts as one), bytes written to files
per charge (``/proc/self/io`` write_bytes: SQLite's WAL and database file), then the same charges
again under cProfile and its top functions by cumulative time. Nothing is asserted.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import itertools
import json
import os
import pstats
import random
import re
import secrets
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from types import SimpleNamespace
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

_WRITE = re.compile(r"\b(INSERT|UPDATE|DELETE|REPLACE)\b")


def _write_bytes() -> int:
    for line in Path("/proc/self/io").read_text().splitlines():
        if line.startswith("write_bytes:"):
            return int(line.split()[1])
    return 0


class SqlCounter:
    """Counts statements and transactions on every engine of the database."""

    def __init__(self, engines: list[Any], pools: list[Any]) -> None:
        from sqlalchemy import event

        self.statements = 0
        self.transactions = 0
        self.kinds: Counter[str] = Counter()
        self._kinds: dict[str, tuple[str, bool]] = {}
        for engine in {id(e): e for e in engines}.values():
            # hot statements go straight to the driver (store/hot.py): counted there, where they run
            if engine.dialect.name == "postgresql":
                event.listen(engine.sync_engine, "connect", self._asyncpg_connect)
            else:
                event.listen(engine.sync_engine, "connect", self._sqlite_connect)
        for pool in pools:  # asyncpg's own pools (store/pg_pool.py)
            pool.on_connect.append(lambda connection: self._asyncpg_connect(SimpleNamespace(driver_connection=connection), None))

    def _classify(self, statement: str) -> tuple[str, bool]:
        kind = self._kinds.get(statement)
        if kind is None:  # read once per distinct SQL text: the counting must cost little
            head = statement.lstrip().split(None, 1)[0].upper().rstrip(";") if statement.strip() else "?"
            kind = self._kinds[statement] = (head, bool(_WRITE.search(statement.upper().replace("FOR UPDATE", ""))))
        return kind

    def _asyncpg_connect(self, dbapi_connection: Any, _record: Any) -> None:
        """Every query asyncpg sends on this connection."""
        logged = self._query_logger()
        dbapi_connection.driver_connection.add_query_logger(lambda record: logged(record.query))

    def _sqlite_connect(self, dbapi_connection: Any, _record: Any) -> None:
        """Every statement the sqlite3 connection runs (its trace callback, on its own thread)."""
        raw = dbapi_connection.driver_connection._conn  # aiosqlite's sqlite3 connection (check_same_thread off)
        raw.set_trace_callback(self._query_logger(expanded=True))

    def _query_logger(self, expanded: bool = False) -> Any:
        """A callback for each statement sent: a COMMIT, or a write outside BEGIN, is a transaction;
        BEGIN / COMMIT / ROLLBACK are not counted as statements. ``expanded``: the SQL text comes
        with its values (sqlite3's trace), so it is classified by its first word, not cached."""
        in_transaction = False

        def logged(query: str) -> None:
            nonlocal in_transaction
            if expanded:
                head = query.lstrip()[:8].split(None, 1)[0].upper() if query.strip() else "?"
                writes = head in ("INSERT", "UPDATE", "DELETE", "REPLACE")
            else:
                head, writes = self._classify(query)
            if head in ("BEGIN", "START"):
                in_transaction = True
            elif head in ("COMMIT", "ROLLBACK", "END"):
                self.transactions += head != "ROLLBACK"
                in_transaction = False
            elif head != "PRAGMA":
                self.statements += 1
                self.kinds[head] += 1
                self.transactions += writes and not in_transaction

        return logged

    def reset(self) -> None:
        self.statements = self.transactions = 0
        self.kinds.clear()


def _callgrind(options: argparse.Namespace, state: str) -> None:
    """Under ``valgrind --tool=callgrind --instr-atstart=no``: count instructions only while charging."""
    if options.callgrind:
        subprocess.run(["callgrind_control", "-i", state, str(os.getpid())], check=True, capture_output=True)


async def asgi_call(app: Any, method: str, path: str, headers: dict[str, str], body: bytes = b"") -> tuple[int, bytes]:
    """One request through the app's ASGI interface; returns (status, body)."""
    scope = {
        "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": method, "scheme": "http",
        "path": path, "raw_path": path.encode(), "query_string": b"", "root_path": "",
        "headers": [(k.lower().encode(), v.encode()) for k, v in {**headers, "content-length": str(len(body)),
                                                                   "host": "bench"}.items()],
        "client": ("127.0.0.1", 50000), "server": ("127.0.0.1", 8000), "state": {},
    }
    sent = False
    status = 0
    chunks: list[bytes] = []

    async def receive() -> dict[str, Any]:
        nonlocal sent
        if sent:
            await asyncio.Event().wait()  # a disconnect never comes
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        nonlocal status
        if message["type"] == "http.response.start":
            status = message["status"]
        elif message["type"] == "http.response.body":
            chunks.append(message.get("body", b""))

    await app(scope, receive, send)
    return status, b"".join(chunks)


async def _run(app: Any, options: argparse.Namespace) -> None:
    from paymux.services import channels as channel_service
    from paymux.services import merchants as merchant_service

    runtime = app.state.runtime
    database = runtime.database
    counter = SqlCounter([database.engine, database.write_engine],  # before any connection opens
                         [pool for pool in (database.hot_pool, database.attempt_pool) if pool is not None])
    async with app.router.lifespan_context(app):
        created = await merchant_service.create_merchant(runtime, "bench")
        await channel_service.add_channel(runtime, created.merchant.id, pg="html5_inicis", mid=None, pay_type="api",
                                          mode="test", default=True)
        json_type = {"content-type": "application/json"}
        keys = json.dumps({"imp_key": created.merchant.imp_key, "imp_secret": created.imp_secret}).encode()
        status, answer = await asgi_call(app, "POST", "/users/getToken", json_type, keys)
        token = json.loads(answer)["response"]["access_token"]
        auth = {"authorization": token, **json_type}
        card = json.dumps({"card_number": "5361-4812-3456-1234", "expiry": "2030-12", "birth": "820213"}).encode()
        status, answer = await asgi_call(app, "POST", "/subscribe/customers/bench_customer", auth, card)
        assert json.loads(answer)["code"] == 0, answer

        stored: list[str] = []
        if options.stored:  # a big table: lookups then go to random payments among all of them
            from bench.charge_and_lookup import preload_payments

            await preload_payments(os.environ["PAYMUX_DATABASE_URL"], created.merchant.id, options.stored, bare=False)
            stored = [f"imp_9{i:011d}" for i in random.Random(15).sample(range(options.stored), min(options.stored, 20_000))]

        run_id = secrets.token_hex(4)
        order_ids = itertools.count()
        statuses: Counter[tuple[int, object]] = Counter()

        charged: list[str] = []

        async def charges(count: int) -> None:
            # Bodies made and answers read with as little work as possible: this process's CPU is measured.
            bodies = iter([
                json.dumps({"customer_uid": "bench_customer", "merchant_uid": f"p{run_id}_{next(order_ids)}",
                            "amount": 1000, "name": "bench"}).encode()
                for _ in range(count)
            ])

            async def worker() -> None:
                for body in bodies:
                    status, answer = await asgi_call(app, "POST", "/subscribe/payments/again", auth, body)
                    if options.operation == "lookup":
                        charged.append(json.loads(answer)["response"]["imp_uid"])
                    statuses[(status, 0 if answer.startswith(b'{"code":0,') else json.loads(answer)["code"])] += 1

            await asyncio.gather(*(worker() for _ in range(options.concurrency)))

        async def lookups(count: int) -> None:
            among = stored or charged
            paths = iter([f"/payments/{among[i % len(among)]}" for i in range(count)])

            async def worker() -> None:
                for path in paths:
                    status, answer = await asgi_call(app, "GET", path, auth)
                    statuses[(status, 0 if answer.startswith(b'{"code":0,') else json.loads(answer)["code"])] += 1

            await asyncio.gather(*(worker() for _ in range(options.concurrency)))

        await charges(options.charges)  # warm-up (and the payments to look up)
        measured = lookups if options.operation == "lookup" else charges
        if measured is lookups:
            await lookups(options.charges)  # warm-up
        counter.reset()
        statuses.clear()
        _callgrind(options, "on")
        written, cpu, loop_cpu, wall = _write_bytes(), time.process_time(), time.thread_time(), time.perf_counter()
        await measured(options.charges)
        _callgrind(options, "off")
        cpu, wall, written = time.process_time() - cpu, time.perf_counter() - wall, _write_bytes() - written
        loop_cpu = time.thread_time() - loop_cpu
        n, unit = options.charges, options.operation
        print(f"database={options.database} {options.operation}s={n} concurrency={options.concurrency} statuses(http, code)={dict(statuses)}")
        print(f"CPU {cpu * 1000 / n:.3f} ms/{unit}: event loop {loop_cpu * 1000 / n:.3f}, database threads "
              f"{(cpu - loop_cpu) * 1000 / n:.3f}   (wall {wall * 1000 / n:.2f} ms/{unit} on this machine as loaded now)")
        print(f"SQL {counter.statements / n:.2f} statements/{unit}   {counter.transactions / n:.2f} transactions/{unit}   "
              f"by kind: {', '.join(f'{k} {v / n:.2f}' for k, v in counter.kinds.most_common())}")
        where = "this process" if options.database == "sqlite" else "this process; PostgreSQL writes in its own"
        print(f"written {written / n / 1024:.1f} KiB/{unit} (write_bytes of {where})")

        if options.callgrind or options.top == 0:
            return
        profiler = cProfile.Profile()
        profiler.enable()
        await measured(options.charges)
        profiler.disable()
        print(f"\ncProfile of {n} more {unit}s (main thread only), top {options.top} by cumulative time:")
        stats = pstats.Stats(profiler)
        if options.pstats:
            stats.dump_stats(options.pstats)
        stats.sort_stats("cumulative").print_stats(options.top)
        print(f"top {options.top} by own time:")
        stats.sort_stats("tottime").print_stats(options.top)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--operation", choices=["charge", "lookup"], default="charge")
    parser.add_argument("--charges", type=int, default=2000, help="charges (or lookups) measured")
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--top", type=int, default=25, help="functions shown from cProfile (0: no cProfile run)")
    parser.add_argument("--pstats", metavar="FILE", help="also write the cProfile run to FILE (pstats format)")
    parser.add_argument("--stored", type=int, default=0,
                        help="payments stored in bulk first; lookups then read random ones among them")
    parser.add_argument("--callgrind", action="store_true",
                        help="run under valgrind --tool=callgrind --instr-atstart=no: instructions counted only "
                             "over the measured charges (callgrind_annotate the output; repeatable on a busy machine)")
    options = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="paymux-profile-", dir=os.environ.get("PAYMUX_PROFILE_DIR")))
    from bench.databases import bench_database

    database_url, postgres = bench_database(options.database, work)
    os.environ.update({"PAYMUX_DATA_DIR": str(work), "PAYMUX_DATABASE_URL": database_url, "PAYMUX_LOG_LEVEL": "WARNING",
                       "PAYMUX_RUN_WORKERS": "0", "PAYMUX_PUBLIC_URL": "http://127.0.0.1:8000"})
    from paymux.config import Settings
    from paymux.observability import serving
    from paymux.store.migrate import upgrade_to_head

    upgrade_to_head(Settings.from_env().database_url)
    prepared = serving.prepare("json", request_lines=False)
    try:
        app = serving.create_served_app()
        asyncio.run(_run(app, options))
    finally:
        prepared.close()
        if postgres is not None:
            from tests.postgres import drop_database

            drop_database(postgres, database_url)
            postgres.stop()


if __name__ == "__main__":
    main()
