"""Short stand-ins for window tickets (``pg_window_tickets``): for PGs that cap the return URL."""

from __future__ import annotations

from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncConnection

from paymux.store.schema import pg_window_tickets


async def save_ticket(connection: AsyncConnection, token: str, ticket: str, now: int) -> None:
    await connection.execute(insert(pg_window_tickets).values(token=token, ticket=ticket, created_at=now))


async def ticket_for(connection: AsyncConnection, token: str) -> str | None:
    row = (await connection.execute(select(pg_window_tickets.c.ticket).where(pg_window_tickets.c.token == token))).first()
    return None if row is None else str(row.ticket)
