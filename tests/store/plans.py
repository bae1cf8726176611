"""Reading the plan PostgreSQL actually uses for a statement paymux prepared on one of its connections.

asyncpg prepares every statement it is given and keeps it per connection; after five executions
PostgreSQL may switch a prepared statement to a *generic* plan, chosen once with the table as it was
then, and keeps it until the table's statistics change. With autovacuum off and nobody running
``ANALYZE``, that plan stays while the table grows. ``PlanProbe`` records the SQL and arguments paymux
sends on a connection (SQLAlchemy's cursor events, asyncpg's query logger for the statements sent
past SQLAlchemy), then ``EXPLAIN EXECUTE``\\ s that very prepared statement on that connection.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import asyncpg
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from paymux.store.pg_pool import PgAutocommit


class PlanProbe:
    """Remembers the last arguments each SQL text was executed with, on the given engines."""

    def __init__(self, *engines: AsyncEngine) -> None:
        self.calls: dict[str, tuple[Any, ...]] = {}
        for engine in set(engines):
            event.listen(engine.sync_engine, "before_cursor_execute", self._on_execute)
        self._logged: set[int] = set()

    def _on_execute(self, _conn: Any, _cursor: Any, statement: str, parameters: Any, _context: Any, _many: bool) -> None:
        self.calls[statement] = tuple(parameters or ())

    def _on_driver_query(self, record: Any) -> None:
        self.calls[record.query] = tuple(record.args or ())

    async def watch(self, connection: AsyncConnection | PgAutocommit) -> asyncpg.Connection:
        """Also record what is sent to this connection's driver directly (``store.hot``), or to a
        connection of asyncpg's own pool (``store.pg_pool``)."""
        if isinstance(connection, PgAutocommit):
            driver = connection.driver
        else:
            driver = (await connection.get_raw_connection()).driver_connection
        if id(driver) not in self._logged:
            driver.add_query_logger(self._on_driver_query)
            self._logged.add(id(driver))
        return driver

    def statements_like(self, *fragments: str) -> list[str]:
        return [sql for sql in self.calls if all(fragment in sql for fragment in fragments)]


def _literal(value: Any) -> str:
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, bytes):
        return "'\\x" + value.hex() + "'"
    return "'" + str(value).replace("'", "''") + "'"


async def explain_prepared(driver: asyncpg.Connection, sql: str, arguments: tuple[Any, ...]) -> dict[str, Any]:
    """The plan the connection's prepared statement for ``sql`` would run with ``arguments``, and
    how often PostgreSQL planned it generically / custom so far."""
    found = await driver.fetchrow(
        "SELECT name, generic_plans, custom_plans FROM pg_prepared_statements WHERE statement = $1", sql
    )
    assert found is not None, f"not prepared on this connection: {sql[:120]}"
    values = ", ".join(_literal(value) for value in arguments)
    explained = await driver.fetchval(f"EXPLAIN (FORMAT JSON) EXECUTE {found['name']}({values})")
    if isinstance(explained, str):  # SQLAlchemy's connections decode json already
        explained = json.loads(explained)
    plan = explained[0]["Plan"]
    return {"plan": plan, "generic_plans": found["generic_plans"], "custom_plans": found["custom_plans"]}


def nodes(plan: dict[str, Any]) -> Iterator[dict[str, Any]]:
    yield plan
    for child in plan.get("Plans", ()):
        yield from nodes(child)


def scans(plan: dict[str, Any]) -> list[tuple[str, str, str | None]]:
    """(node type, relation, index) of every scan in the plan."""
    found = []
    for node in nodes(plan):
        if "Relation Name" in node or "Index Name" in node:
            found.append((node["Node Type"], node.get("Relation Name", ""), node.get("Index Name")))
    return found
