"""The few statements of the charge's hot path, run without SQLAlchemy's per-call work.

A charge costs three to five statements. Measured under load, SQLAlchemy's work around each
execution (cache-key generation, parameter processing, result wrapping) costs more CPU in the app
than the round trip costs the database, and the app process is what limits throughput. A
``HotStatement`` is compiled once per dialect by SQLAlchemy and then sent straight to the driver:

- on PostgreSQL, to asyncpg (which keeps it prepared per connection): on a connection of
  asyncpg's own pool (``PgAutocommit``, from ``store.pg_pool``; no SQLAlchemy at all), or on a
  SQLAlchemy connection in autocommit mode (there SQLAlchemy holds no transaction of its own that a
  statement sent past it could escape);
- on SQLite, to the one-hop connection (``store.sqlite_driver``) in autocommit mode or inside a
  transaction SQLAlchemy began: the transaction's pending ``BEGIN`` runs in the statement's hop,
  and SQLAlchemy's COMMIT / ROLLBACK end it as usual. Results pass SQLAlchemy's result processors
  (a Boolean read back as ``True``, not ``1``). Not while a ``before_cursor_execute`` listener
  watches the engine: it sees every statement, as before.

Everywhere else the statement goes through SQLAlchemy as usual; all paths run the same SQL and
raise the same ``sqlalchemy.exc`` errors (``IntegrityError`` …), with bound values hidden.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, cast

import asyncpg
from sqlalchemy.engine import Dialect
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.sql import ClauseElement, Executable
from sqlalchemy.sql.compiler import SQLCompiler

from paymux.store.pg_pool import PgAutocommit
from paymux.store.sqlite_driver import OneHopConnection

HotConnection = AsyncConnection | PgAutocommit
"""What a function that runs only hot statements takes: a SQLAlchemy connection, or on PostgreSQL
an asyncpg connection of paymux's own pool (``Database.hot_reading`` …)."""

_SQLITE_AUTOCOMMIT = "paymux_autocommit"  # store.database's execution option


class Row:
    """A result row read by attribute or by key, whichever path produced it."""

    __slots__ = ("_data",)

    def __init__(self, data: Mapping[Any, Any]) -> None:
        self._data = data

    def __getattr__(self, name: str) -> Any:
        try:
            return self._data[name]
        except KeyError:
            raise AttributeError(name) from None

    def __getitem__(self, name: str) -> Any:
        return self._data[name]

    def as_dict(self) -> dict[str, Any]:
        """The row as a new dict by column key."""
        return dict(self._data.items())


@dataclass(frozen=True)
class DriverForm:
    """A statement compiled for one dialect: SQL text with the driver's placeholders, the parameter
    name of each, the values the statement itself binds (literals such as a state written by an
    UPDATE), each parameter's bind processor (or None), and each result column's key and result
    processor (or None)."""

    sql: str
    names: tuple[str, ...]
    bound: dict[str, Any]
    binds: tuple[Callable[[Any], Any] | None, ...]
    columns: tuple[str, ...]
    results: tuple[Callable[[Any], Any] | None, ...]

    def parameters(self, given: Mapping[str, Any]) -> list[Any]:
        """The positional values for ``given`` (a dict by parameter name), processed."""
        values = [given[name] if name in given else self.bound[name] for name in self.names]
        if not any(self.binds):
            return values
        return [value if bind is None or value is None else bind(value)
                for value, bind in zip(values, self.binds, strict=True)]

    def row(self, values: Sequence[Any]) -> Row:
        if not any(self.results):
            return Row(dict(zip(self.columns, values, strict=True)))
        return Row({key: value if result is None else result(value)
                    for key, value, result in zip(self.columns, values, self.results, strict=True)})


def driver_form(statement: Executable, dialect: Dialect, column_keys: Sequence[str] | None = None) -> DriverForm:
    """``statement`` (a select, insert or update) compiled for ``dialect``."""
    assert isinstance(statement, ClauseElement)
    compiled = statement.compile(dialect=dialect, column_keys=list(column_keys) if column_keys is not None else None)
    assert isinstance(compiled, SQLCompiler)
    names = tuple(compiled.positiontup or ())
    literals = {name: value for name, value in compiled.params.items() if not compiled.binds[name].required}
    processors = compiled._bind_processors
    binds = tuple(cast(Callable[[Any], Any] | None, processors.get(name)) for name in names)  # no tuple types here
    columns = tuple(entry.keyname for entry in compiled._result_columns)
    results = tuple(entry.type._cached_result_processor(dialect, None) for entry in compiled._result_columns)
    return DriverForm(compiled.string, names, literals, binds, columns, results)


def one_hop_driver(connection: AsyncConnection) -> OneHopConnection | None:
    """The SQLite one-hop connection under ``connection`` when a statement may be sent to it past
    SQLAlchemy (autocommit mode, or inside a transaction SQLAlchemy began); None otherwise."""
    sync = connection.sync_connection
    if sync is None or sync.closed or sync.invalidated or connection.dialect.name != "sqlite":
        return None
    if sync.dispatch.before_cursor_execute:  # something watches SQLAlchemy's statements (a test's plan probe)
        return None
    if not (sync.in_transaction() or sync.get_execution_options().get(_SQLITE_AUTOCOMMIT)):
        return None
    driver = sync.connection.driver_connection
    return driver if isinstance(driver, OneHopConnection) else None


def sqlite_error(sql: str, error: sqlite3.Error) -> BaseException:
    """The ``sqlalchemy.exc`` error SQLAlchemy raises for ``error`` from running ``sql``
    (``IntegrityError``, ``OperationalError`` when busy …), values hidden."""
    return DBAPIError.instance(sql, None, error, sqlite3.Error, hide_parameters=True)


class HotStatement:
    def __init__(self, statement: Executable, column_keys: Sequence[str] | None = None) -> None:
        self._statement = statement
        self._column_keys = list(column_keys) if column_keys is not None else None
        self._forms: dict[str, DriverForm] = {}  # by dialect name: a process may hold both databases

    def form(self, connection: HotConnection) -> DriverForm:
        """The statement compiled for ``connection``'s dialect (once per dialect)."""
        form = self._forms.get(connection.dialect.name)
        if form is None:
            form = self._forms[connection.dialect.name] = driver_form(
                self._statement, connection.dialect, self._column_keys
            )
        return form

    @staticmethod
    def _bypasses(connection: AsyncConnection) -> bool:
        return (
            connection.dialect.name == "postgresql"
            and connection.sync_connection is not None
            and connection.sync_connection.get_execution_options().get("isolation_level") == "AUTOCOMMIT"
        )

    async def _driver(self, connection: AsyncConnection) -> Any:
        raw = await connection.get_raw_connection()
        return raw.driver_connection

    async def _sqlite(self, driver: OneHopConnection, connection: AsyncConnection,
                      parameters: dict[str, Any]) -> tuple[DriverForm, list[Any], int]:
        form = self.form(connection)
        try:
            rows, _description, rowcount = await driver.run_statement(form.sql, form.parameters(parameters))
        except sqlite3.Error as error:
            raise sqlite_error(form.sql, error) from None
        return form, rows, rowcount

    async def first(self, connection: HotConnection, parameters: dict[str, Any]) -> Row | None:
        """The first row, or None."""
        if isinstance(connection, PgAutocommit):
            record = await self._call(connection.driver.fetchrow, self.form(connection), parameters)
            return None if record is None else Row(record)
        sqlite = one_hop_driver(connection)
        if sqlite is not None:
            form, rows, _ = await self._sqlite(sqlite, connection, parameters)
            return form.row(rows[0]) if rows else None
        if not self._bypasses(connection):
            row = (await connection.execute(self._statement, parameters)).first()
            return None if row is None else Row(row._mapping)
        form = self.form(connection)
        driver = await self._driver(connection)
        record = await self._call(driver.fetchrow, form, parameters)
        return None if record is None else Row(record)

    async def all(self, connection: HotConnection, parameters: dict[str, Any]) -> list[Row]:
        """Every row."""
        if isinstance(connection, PgAutocommit):
            return [Row(record) for record in await self._call(connection.driver.fetch, self.form(connection), parameters)]
        sqlite = one_hop_driver(connection)
        if sqlite is not None:
            form, rows, _ = await self._sqlite(sqlite, connection, parameters)
            return [form.row(row) for row in rows]
        if not self._bypasses(connection):
            return [Row(row._mapping) for row in await connection.execute(self._statement, parameters)]
        driver = await self._driver(connection)
        return [Row(record) for record in await self._call(driver.fetch, self.form(connection), parameters)]

    async def run(self, connection: HotConnection, parameters: dict[str, Any]) -> int:
        """Execute a write; return how many rows it wrote. IntegrityError as SQLAlchemy raises it."""
        if isinstance(connection, PgAutocommit):
            driver: Any = connection.driver
        else:
            sqlite = one_hop_driver(connection)
            if sqlite is not None:
                return (await self._sqlite(sqlite, connection, parameters))[2]
            if not self._bypasses(connection):
                return (await connection.execute(self._statement, parameters)).rowcount
            driver = await self._driver(connection)
        form = self.form(connection)
        status = await self._call(driver.execute, form, parameters)
        count = status.rsplit(" ", 1)[-1]  # "INSERT 0 1", "UPDATE 1", "DELETE 0"
        return int(count) if count.isdigit() else 0

    @staticmethod
    async def _call(method: Any, form: DriverForm, parameters: dict[str, Any]) -> Any:
        try:
            return await method(form.sql, *[parameters[name] if name in parameters else form.bound[name]
                                             for name in form.names])
        except asyncpg.IntegrityConstraintViolationError as violation:
            raise IntegrityError(form.sql, None, violation, hide_parameters=True) from None
