"""Throttle counters: a fixed window per key, counted by one upsert so instances share the count.

The upsert is the whole algorithm: a key's first hit opens a window of ``window_seconds``; later hits
add to it until it expires, and the hit after that opens a new one. SQLite and PostgreSQL both run
it as one atomic statement (``INSERT … ON CONFLICT DO UPDATE … RETURNING``), so concurrent hits on
any number of instances are all counted.
"""

from __future__ import annotations

from typing import NamedTuple

from sqlalchemy import and_, case, delete, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection

from paymux.store.schema import throttle_counters as counters


class Window(NamedTuple):
    hits: int
    expires_at: int  # unix seconds


async def hit(connection: AsyncConnection, key: str, now: int, window_seconds: int, amount: int = 1) -> Window:
    """Add ``amount`` to the key's current window (opening one if none is current); returns it."""
    dialect_insert = postgresql.insert if connection.dialect.name == "postgresql" else sqlite.insert
    statement = dialect_insert(counters).values(key=key, hits=amount, expires_at=now + window_seconds)
    expired = counters.c.expires_at <= now
    upsert = statement.on_conflict_do_update(
        index_elements=[counters.c.key],
        set_={
            "hits": case((expired, statement.excluded.hits), else_=counters.c.hits + statement.excluded.hits),
            "expires_at": case((expired, statement.excluded.expires_at), else_=counters.c.expires_at),
        },
    ).returning(counters.c.hits, counters.c.expires_at)
    row = (await connection.execute(upsert)).one()
    return Window(row.hits, row.expires_at)


async def current(connection: AsyncConnection, key: str, now: int) -> Window | None:
    """The key's window if one is current, without counting."""
    row = (
        await connection.execute(
            select(counters.c.hits, counters.c.expires_at).where(and_(counters.c.key == key, counters.c.expires_at > now))
        )
    ).first()
    return Window(row.hits, row.expires_at) if row else None


async def forget_expired(connection: AsyncConnection, before: int) -> None:
    await connection.execute(delete(counters).where(counters.c.expires_at < before))
