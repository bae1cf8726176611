"""The few statements of the charge's hot path, run on PostgreSQL without SQLAlchemy's per-call work.

A charge costs three statements. Measured under load, SQLAlchemy's work around each execution
(cache-key generation, parameter processing, result wrapping) costs more CPU in the app than the
round trip costs the database, and the app process is what limits throughput. A ``HotStatement`` is
compiled once by SQLAlchemy for asyncpg and then sent straight to the driver — asyncpg keeps it
prepared per connection.

Only on a PostgreSQL connection in autocommit mode: there SQLAlchemy holds no transaction of its own
that a statement sent past it could escape. Everywhere else (SQLite, inside ``transaction()``) the
statement goes through SQLAlchemy as usual, so both paths run the same SQL.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import asyncpg
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.sql import ClauseElement, Executable
from sqlalchemy.sql.compiler import SQLCompiler


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


class HotStatement:
    def __init__(self, statement: Executable, column_keys: Sequence[str] | None = None) -> None:
        self._statement = statement
        self._column_keys = list(column_keys) if column_keys is not None else None
        self._compiled: tuple[str, tuple[str, ...], dict[str, Any]] | None = None

    def _driver_form(self, connection: AsyncConnection) -> tuple[str, tuple[str, ...], dict[str, Any]]:
        """SQL text with $n placeholders, the parameter name of each, and the values the statement
        itself binds (literals such as a state written by an UPDATE)."""
        if self._compiled is None:
            # every statement built here is a select, insert or update: a clause, compiled by an SQL compiler
            assert isinstance(self._statement, ClauseElement)
            compiled = self._statement.compile(dialect=connection.dialect, column_keys=self._column_keys)
            assert isinstance(compiled, SQLCompiler)
            literals = {name: value for name, value in compiled.params.items() if not compiled.binds[name].required}
            self._compiled = (compiled.string, tuple(compiled.positiontup or ()), literals)
        return self._compiled

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

    async def first(self, connection: AsyncConnection, parameters: dict[str, Any]) -> Row | None:
        """The first row, or None."""
        if not self._bypasses(connection):
            row = (await connection.execute(self._statement, parameters)).first()
            return None if row is None else Row(row._mapping)
        sql, names, bound = self._driver_form(connection)
        driver = await self._driver(connection)
        record = await self._call(driver.fetchrow, sql, names, bound, parameters)
        return None if record is None else Row(record)

    async def run(self, connection: AsyncConnection, parameters: dict[str, Any]) -> int:
        """Execute a write; return how many rows it wrote. IntegrityError as SQLAlchemy raises it."""
        if not self._bypasses(connection):
            return (await connection.execute(self._statement, parameters)).rowcount
        sql, names, bound = self._driver_form(connection)
        driver = await self._driver(connection)
        status = await self._call(driver.execute, sql, names, bound, parameters)
        count = status.rsplit(" ", 1)[-1]  # "INSERT 0 1", "UPDATE 1", "DELETE 0"
        return int(count) if count.isdigit() else 0

    @staticmethod
    async def _call(
        method: Any, sql: str, names: tuple[str, ...], bound: dict[str, Any], parameters: dict[str, Any]
    ) -> Any:
        try:
            return await method(sql, *[parameters[name] if name in parameters else bound[name] for name in names])
        except asyncpg.IntegrityConstraintViolationError as violation:
            raise IntegrityError(sql, parameters, violation) from None
