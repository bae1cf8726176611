"""aiosqlite with one thread hop per statement, for SQLAlchemy's ``async_creator``.

aiosqlite runs each call on the connection's own thread and hands the result back to the event
loop; through SQLAlchemy a statement made four such hops (open a cursor, execute, fetch, close it)
and every pooled checkout two more (a COMMIT or ROLLBACK with no transaction open). Each hop wakes
a thread and the loop, which cost more CPU than SQLite's own work on paymux's short statements
(22 hops per charge; issue #15). Here a cursor opens, executes, fetches its rows and closes in one
hop, a transaction's BEGIN runs in the hop of its first statement, and COMMIT / ROLLBACK outside a
transaction return at once (``in_transaction`` is read where it is asked; sqlite3 allows that from
any thread).

A reading connection may also write one statement in autocommit (a charge's journaled claim). Given
the database's write turn (``write_turn``: the fair gate of its one writing connection), it takes
that turn for the statement's hop: otherwise it raced the writer for SQLite's lock, and while
queued transactions kept the writer busy it polled from SQLite's busy handler, whose sleeps grow
from 1 to 100 ms, and starved (the charge's p99, issue #15).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Awaitable, Callable, Iterable, Sequence
from functools import partial
from typing import Any, TypeVar

import aiosqlite

from paymux.store.gate import FairGate

T = TypeVar("T")
_WRITES = ("INSERT", "UPDATE", "DELETE", "REPLACE")

_Description = tuple[tuple[str, None, None, None, None, None, None], ...] | None


def _run(connection: sqlite3.Connection, begin: str | None, many: bool, sql: str, parameters: Any) -> tuple[Any, ...]:
    """On the connection's thread: the transaction's ``begin`` if one is pending, the statement, and
    everything SQLAlchemy reads of its cursor."""
    if begin is not None:
        connection.execute(begin)
    cursor = connection.executemany(sql, parameters) if many else connection.execute(sql, parameters)
    try:
        rows = cursor.fetchall() if cursor.description else []
        return rows, cursor.description, cursor.rowcount, cursor.lastrowid
    finally:
        cursor.close()


def _in_transaction(connection: sqlite3.Connection, begin: str | None, work: Callable[[sqlite3.Connection], T]) -> T:
    if begin is not None:
        connection.execute(begin)
    return work(connection)


class OneHopCursor:
    """The part of aiosqlite's ``Cursor`` SQLAlchemy uses, its rows read at ``execute``."""

    arraysize = 1

    def __init__(self, connection: OneHopConnection) -> None:
        self._connection = connection
        self._rows: list[Any] = []
        self.description: _Description = None
        self.rowcount = -1
        self.lastrowid: int | None = None

    async def __aenter__(self) -> OneHopCursor:
        return self

    async def __aexit__(self, *_exc: object) -> None:
        return None

    async def execute(self, sql: str, parameters: Any = ()) -> OneHopCursor:
        return await self._run(False, sql, parameters)

    async def executemany(self, sql: str, parameters: Iterable[Any]) -> OneHopCursor:
        return await self._run(True, sql, parameters)

    async def _run(self, many: bool, sql: str, parameters: Any) -> OneHopCursor:
        connection = self._connection
        begin, connection.pending_begin = connection.pending_begin, None
        run = partial(_run, connection._conn, begin, many, sql, parameters)
        self._rows, self.description, self.rowcount, self.lastrowid = await connection.in_turn(sql, begin, run)
        return self

    async def fetchone(self) -> Any:
        return self._rows.pop(0) if self._rows else None

    async def fetchmany(self, size: int | None = None) -> Sequence[Any]:
        count = size or self.arraysize
        taken, self._rows = self._rows[:count], self._rows[count:]
        return taken

    async def fetchall(self) -> Sequence[Any]:
        taken, self._rows = self._rows, []
        return taken

    async def close(self) -> None:
        self._rows = []


class OneHopConnection(aiosqlite.Connection):
    """An aiosqlite connection whose cursors make one hop per statement.

    ``pending_begin``: a ``BEGIN …`` to run in the same hop as the next statement (set by
    ``begin_with_next_statement``); a transaction ended before any statement never began.
    """

    pending_begin: str | None = None
    write_turn: FairGate | None = None

    def begin_with_next_statement(self, begin: str) -> None:
        self.pending_begin = begin

    async def run_in_thread(self, work: Callable[[sqlite3.Connection], T]) -> T:
        """``work(connection)`` on the connection's thread, in one hop, after the pending ``BEGIN``
        if any (which then counts as run even if ``work`` raises); its result or exception.
        ``work`` leaves the transaction to the caller unless it says otherwise."""
        begin, self.pending_begin = self.pending_begin, None
        return await self._execute(partial(_in_transaction, self._conn, begin, work))

    async def in_turn(self, sql: str, begin: str | None, hop: Callable[[], T]) -> T:
        """``hop`` on the connection's thread; inside the database's write turn when ``sql`` writes in
        autocommit on a connection that has one (a reading connection)."""
        turn = self.write_turn
        if turn is None or begin is not None or self._conn.in_transaction or not sql.lstrip()[:7].upper().startswith(_WRITES):
            return await self._execute(hop)
        await turn.acquire()
        try:
            return await self._execute(hop)
        finally:
            turn.release()

    async def run_statement(self, sql: str, parameters: Sequence[Any]) -> tuple[list[Any], _Description, int]:
        """One statement in one hop (after the pending ``BEGIN``): its rows, description and rowcount."""
        begin, self.pending_begin = self.pending_begin, None
        rows, description, rowcount, _ = await self.in_turn(sql, begin, partial(_run, self._conn, begin, False, sql, parameters))
        return rows, description, rowcount

    def cursor(self) -> OneHopCursor:  # type: ignore[override]
        return OneHopCursor(self)

    async def commit(self) -> None:
        self.pending_begin = None
        if self._conn.in_transaction:
            await super().commit()

    async def rollback(self) -> None:
        self.pending_begin = None
        if self._conn.in_transaction:
            await super().rollback()


def one_hop_creator(database: str, *, write_turn: FairGate | None = None,
                    **options: Any) -> Callable[[], Awaitable[OneHopConnection]]:
    """An ``async_creator`` for ``create_async_engine("sqlite+aiosqlite:///…")``: opens
    ``database`` (a path, or ``:memory:``) with ``sqlite3.connect`` ``options``; its connections
    write in autocommit inside ``write_turn`` when given (reading connections)."""

    async def create() -> OneHopConnection:
        connection = OneHopConnection(partial(sqlite3.connect, database, **options), iter_chunk_size=64)
        connection.write_turn = write_turn
        await connection  # starts its thread and opens the database there
        return connection

    return create
