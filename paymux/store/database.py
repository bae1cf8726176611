"""The engine and the two ways a use case touches the database: reading, or one write transaction.

On SQLite a write transaction starts with ``BEGIN IMMEDIATE`` so concurrent writers queue on the
database lock instead of deadlocking when a reader upgrades; on PostgreSQL rows are locked with
``SELECT … FOR UPDATE`` where a use case needs it. Concurrency is settled here, never by in-process
locks, so N instances behave like one.

SQLite admits one writer at a time whatever we do, so a process runs its write transactions
through one dedicated connection: they wait their turn in the pool's FIFO queue and each gets the
lock at once, instead of 20 pooled connections polling the lock from SQLite's busy handler, whose
growing sleeps gave a 1.3-second p99 at 16 concurrent charges (issue #15). Reads go through a pool
of their own and run in parallel with the writer (WAL); so does the charge's context read, and its
journaled claim is one INSERT in autocommit on that reading connection, which takes the writer's
turn in the same queue only while SQLite runs it (holding the writer connection across the context
read before it halved charge throughput on a busy machine; racing the writer for SQLite's lock
instead starved it in the busy handler: ``store.sqlite_driver``). ``busy_timeout`` still settles
several processes on one file.
The WAL is synced at checkpoints, not at every commit (``synchronous=NORMAL``, SQLite's
recommendation for WAL): a committed transaction survives a crash of paymux, and can be lost only
if the machine itself loses power before the next checkpoint.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import event, make_url
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine

from paymux.store.gate import FairGate
from paymux.store.hot import HotConnection
from paymux.store.pg_pool import HotPool
from paymux.store.sqlite_driver import OneHopConnection, one_hop_creator

_WRITE = "paymux_write"
SQLITE_PAGE_SIZE = 2048  # for a new file; see _install_sqlite_transactions
SQLITE_MMAP_BYTES = 1 << 30  # address space, not memory: the OS keeps what is used in its page cache
_AUTOCOMMIT = "paymux_autocommit"


def _sqlite_path(url: str) -> Path | None:
    prefix = "sqlite+aiosqlite:///"
    return Path(url[len(prefix):]) if url.startswith(prefix) and url != prefix + ":memory:" else None


def _install_sqlite_transactions(engine: AsyncEngine) -> None:
    """Take transaction control from the sqlite3 module so we can say BEGIN IMMEDIATE."""

    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        # A new database gets 2 KiB pages (before WAL mode fixes the size; an existing file keeps
        # its own): a charge changes about a dozen b-tree pages, each written whole to the WAL at
        # every commit, so half-size pages halve the bytes written per charge, while rows (a
        # payment, a journaled attempt of about 1 KiB) still fit a page without overflow.
        cursor.execute(f"PRAGMA page_size={SQLITE_PAGE_SIZE}")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        # Pages are read through a memory map rather than copied in by read calls into each
        # connection's own 2 MiB cache: once the file outgrew that cache, every lookup paid
        # system calls, and CPU per request rose with the table (bench/growth.py).
        cursor.execute(f"PRAGMA mmap_size={SQLITE_MMAP_BYTES}")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(connection: Any) -> None:
        options = connection.get_execution_options()
        if options.get(_AUTOCOMMIT):
            return  # each statement is its own transaction
        begin = "BEGIN IMMEDIATE" if options.get(_WRITE) else "BEGIN"
        driver = connection.connection.driver_connection
        if isinstance(driver, OneHopConnection):
            driver.begin_with_next_statement(begin)  # no hop of its own
        else:
            connection.exec_driver_sql(begin)


def _sqlite_engine(url: str, pool_size: int, pool_timeout: float, write_turn: FairGate | None = None) -> AsyncEngine:
    """An engine on aiosqlite connections that make one thread hop per statement (``store.sqlite_driver``),
    writing in autocommit inside ``write_turn`` if given."""
    parsed = make_url(url)
    args, options = parsed.get_dialect()().create_connect_args(parsed)
    engine = create_async_engine(url, pool_size=pool_size, max_overflow=0, pool_timeout=pool_timeout, hide_parameters=True,
                                 async_creator=one_hop_creator(*args, write_turn=write_turn, **options))
    _install_sqlite_transactions(engine)
    return engine


def private_file(path: Path) -> None:
    """Make ``path`` readable by its owner only (0600), in a directory only its owner enters (0700)
    when paymux creates it, before SQLite opens it; SQLite gives its -wal and -shm files the
    database file's mode."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)  # an existing directory is left as it is
    if not path.exists():
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT, 0o600))
    path.chmod(0o600)


class Database:
    def __init__(self, url: str, *, pool_size: int = 20, pool_timeout: float = 10.0) -> None:
        """``pool_size`` connections stay open; requests beyond them wait for one rather than open
        and close a connection each (a connect costs more than the query), at most ``pool_timeout``
        seconds (then sqlalchemy's TimeoutError, answered 503). On SQLite ``pool_size`` connections
        read and one more writes. On PostgreSQL three pools of half that size (at least 2 each), so a
        process holds up to 1.5 × ``pool_size``: SQLAlchemy's, for transactions and every statement
        off the hot paths; asyncpg's for the hot statements (``hot``: lookups, a charge's settle) and
        for the charge's journaled claim (``attempts``: see ``recording_attempt``)."""
        self.url = url
        self.is_sqlite = url.startswith("sqlite")
        self._pool_timeout = pool_timeout
        self._gates: dict[int, FairGate] = {}
        self.hot_pool: HotPool | None = None
        self.attempt_pool: HotPool | None = None
        if self.is_sqlite:
            path = _sqlite_path(url)
            if path is None:  # an in-memory database exists only on its own engine
                self.engine = self.write_engine = _sqlite_engine(url, pool_size, pool_timeout)
            else:
                private_file(path)
                write_turn = FairGate(1, pool_timeout)  # the writer's gate, also taken by a reader's write
                self.engine = _sqlite_engine(url, pool_size, pool_timeout, write_turn)
                self.write_engine = _sqlite_engine(url, 1, pool_timeout)
                self._gates[id(self.write_engine)] = write_turn
        else:
            share = max(2, pool_size // 2)
            self.engine = create_async_engine(url, pool_size=share, max_overflow=0, pool_timeout=pool_timeout,
                                              hide_parameters=True)  # bound values never reach a log line
            self.write_engine = self.engine
            self.hot_pool = HotPool(url, share, pool_timeout, self.engine)
            self.attempt_pool = HotPool(url, share, pool_timeout, self.engine)

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncConnection]:
        """One write transaction: committed when the block ends, rolled back if it raises."""
        async with self._connect(self.write_engine) as connection:
            await connection.execution_options(**{_WRITE: True})
            async with connection.begin():
                yield connection

    @asynccontextmanager
    async def reading(self) -> AsyncIterator[AsyncConnection]:
        """A connection in autocommit mode: each statement is its own transaction.

        For reads, and for a use case whose write is one statement (recording a charge attempt):
        no BEGIN/COMMIT round trips around it.
        """
        async with self._autocommit(self.engine) as connection:
            yield connection

    @asynccontextmanager
    async def autocommit(self) -> AsyncIterator[AsyncConnection]:
        """Like ``reading``, for a use case whose write is one statement (on SQLite, through the
        writer connection)."""
        async with self._autocommit(self.write_engine) as connection:
            yield connection

    @asynccontextmanager
    async def _connect(self, engine: AsyncEngine) -> AsyncIterator[AsyncConnection]:
        """A pooled connection, through the engine's fair gate (``store.gate``)."""
        gate = self._gates.get(id(engine))
        if gate is None:
            size = getattr(engine.pool, "size", None)  # an in-memory SQLite's pool has no size
            gate = self._gates[id(engine)] = FairGate(size() if size else 1, self._pool_timeout)
        await gate.acquire()
        try:
            async with engine.connect() as connection:
                yield connection
        finally:
            gate.release()

    @asynccontextmanager
    async def _autocommit(self, engine: AsyncEngine) -> AsyncIterator[AsyncConnection]:
        async with self._connect(engine) as connection:
            if self.is_sqlite:
                await connection.execution_options(**{_AUTOCOMMIT: True})
            else:
                await connection.execution_options(isolation_level="AUTOCOMMIT")
            yield connection

    @asynccontextmanager
    async def hot_reading(self) -> AsyncIterator[HotConnection]:
        """Like ``reading``, for a use case that runs only hot statements (``store.hot``): on
        PostgreSQL an asyncpg connection of ``hot_pool``, past SQLAlchemy."""
        if self.hot_pool is None:
            async with self.reading() as connection:
                yield connection
        else:
            async with self.hot_pool.connection() as hot:
                yield hot

    @asynccontextmanager
    async def hot_autocommit(self) -> AsyncIterator[HotConnection]:
        """Like ``autocommit``, for a use case whose one write is a hot statement (a charge's settle)."""
        if self.hot_pool is None:
            async with self.autocommit() as connection:
                yield connection
        else:
            async with self.hot_pool.connection() as hot:
                yield hot

    @asynccontextmanager
    async def recording_attempt(self) -> AsyncIterator[HotConnection]:
        """Autocommit, for the write-ahead record of a charge and the context read before it; hot
        statements only (``store.hot``), on a pool of their own (``attempts``).

        The record is committed as durably as the server commits anything (its own
        ``synchronous_commit``; paymux never lowers it): it is all that is left of a PG call whose
        answer is lost. Committed without waiting for the WAL flush, as paymux once did, a PostgreSQL
        crash between the PG call and its outcome could drop it — then nothing would ask the PG, and
        the merchant's retry of the order would charge the card again. On SQLite this is a reading
        connection in autocommit: its single INSERT takes the write lock only while it runs.
        """
        if self.attempt_pool is None:
            async with self._autocommit(self.engine) as connection:
                yield connection
        else:
            async with self.attempt_pool.connection() as hot:
                yield hot

    async def dispose(self) -> None:
        for pool in (self.hot_pool, self.attempt_pool):
            if pool is not None:
                await pool.close()
        await self.engine.dispose()
        if self.write_engine is not self.engine:
            await self.write_engine.dispose()


def is_unique_violation(error: IntegrityError) -> bool:
    text = str(error.orig).lower()
    return "unique" in text or "duplicate key" in text
