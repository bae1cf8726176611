"""asyncpg's own pool, for the hot paths' statements on PostgreSQL (``store.hot``).

A charge checks out two connections (its context read and journaled claim, then its settle) and a
lookup one. Through SQLAlchemy's asyncio engine each checkout costs a greenlet switch into the sync
pool, the pool's events, an execution-options call that puts the connection in autocommit and its
reset on return: measured on the 2-core machine, about 0.15 ms of CPU per checkout more than
asyncpg's pool, on requests whose whole budget is about 1 ms (issue #15, ``bench/profile_charge.py``).
The hot statements were already sent to asyncpg directly; here their connection comes from asyncpg
too, in autocommit (asyncpg's default: no transaction unless one is begun), and SQLAlchemy keeps
the rest (transactions, the console, the workers).

Connections go back to the pool as they are: nothing on them needs resetting, because the only
things ever run on them are single autocommit statements (``PgAutocommit`` offers nothing else).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

import asyncpg
from sqlalchemy import make_url
from sqlalchemy.engine import Dialect
from sqlalchemy.ext.asyncio import AsyncEngine

from paymux.store.gate import FairGate


class PgAutocommit:
    """An asyncpg connection in autocommit, lent by a ``HotPool``: what ``HotStatement.first`` /
    ``run`` / ``all`` accept in place of a SQLAlchemy ``AsyncConnection``. ``dialect`` is the
    engine's, so a statement compiles to the same SQL either way."""

    __slots__ = ("dialect", "driver")

    def __init__(self, driver: asyncpg.Connection, dialect: Dialect) -> None:
        self.driver = driver
        self.dialect = dialect


def asyncpg_dsn(url: str) -> str:
    """``postgresql+asyncpg://…`` (SQLAlchemy's form) as the ``postgresql://…`` DSN asyncpg takes."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


# Errors after which a connection may be mid-statement or broken.
_CONNECTION_SUSPECT = (OSError, TimeoutError, asyncpg.InterfaceError, asyncpg.PostgresConnectionError)


class HotPool:
    """Up to ``size`` asyncpg connections to ``url``, each opened when first needed and kept, lent
    first come, first served (``FairGate``: ``sqlalchemy.exc.TimeoutError`` after ``timeout``
    seconds, answered 503).

    Not asyncpg's ``Pool``: its release runs through ``asyncio.shield`` (a new task per release)
    and a reset round trip unless replaced, and measured here its acquire and release cost as much
    CPU as the statement they wrap. A connection comes back to the idle list only when the block
    ended normally or with an error that says nothing against it (PostgreSQL refused a statement, a
    domain error: every statement on it is its own transaction); after a cancellation (possibly
    mid-statement), a broken socket or a timeout it is closed, and a new one opened for the next loan.

    ``server_settings``: session settings of every connection (``synchronous_commit`` …).
    ``engine``: the SQLAlchemy engine whose dialect compiles the statements (connected once, first,
    so the dialect knows the server). ``on_checkout`` / ``on_checkin``: called with no argument
    around each loan (the pool gauge); ``on_connect``: called with each new asyncpg connection."""

    def __init__(self, url: str, size: int, timeout: float, engine: AsyncEngine, *,
                 server_settings: dict[str, str] | None = None) -> None:
        self.size = size
        self._dsn = asyncpg_dsn(url)
        self._timeout = timeout
        self._gate = FairGate(size, timeout)
        self._engine = engine
        self._server_settings = server_settings or {}
        self._idle: list[asyncpg.Connection] = []
        self._dialect_ready = False
        self._closed = False
        self.on_connect: list[Callable[[asyncpg.Connection], Any]] = []
        self.on_checkout: list[Callable[[], Any]] = []
        self.on_checkin: list[Callable[[], Any]] = []

    async def _connect(self) -> asyncpg.Connection:
        if not self._dialect_ready:
            async with self._engine.connect():  # the dialect learns the server's version
                self._dialect_ready = True
        connection = await asyncpg.connect(self._dsn, timeout=self._timeout, server_settings=self._server_settings)
        for listener in self.on_connect:
            listener(connection)
        return connection

    @asynccontextmanager
    async def connection(self) -> AsyncIterator[PgAutocommit]:
        """A connection for single autocommit statements, back in the pool when the block ends."""
        await self._gate.acquire()
        driver: asyncpg.Connection | None = None
        reusable = False
        try:
            driver = self._idle.pop() if self._idle else await self._connect()
            for listener in self.on_checkout:
                listener()
            try:
                yield PgAutocommit(driver, self._engine.dialect)
            except Exception as error:
                reusable = not isinstance(error, _CONNECTION_SUSPECT)
                raise
            else:
                reusable = True
            finally:
                for listener in self.on_checkin:
                    listener()
        finally:
            if driver is not None:
                if reusable and not self._closed and not driver.is_closed() and not driver.is_in_transaction():
                    self._idle.append(driver)
                else:
                    driver.terminate()
            self._gate.release()

    async def close(self) -> None:
        """Close the idle connections; a lent one is closed when it comes back."""
        self._closed = True
        idle, self._idle = self._idle, []
        for connection in idle:
            await connection.close()
