"""Queries on console users and their sessions."""

from __future__ import annotations

from typing import Any

from sqlalchemy import and_, case, delete, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from paymux.domain.console_user import ConsoleSession, ConsoleUser
from paymux.store.schema import console_sessions, console_users, merchants


def _user(row: Any) -> ConsoleUser:
    return ConsoleUser(
        id=row.id,
        merchant_id=row.merchant_id,
        email=row.email,
        failed_attempts=row.failed_attempts,
        locked_until=row.locked_until,
    )


async def insert_user(connection: AsyncConnection, **values: Any) -> int:
    result = await connection.execute(insert(console_users).values(**values).returning(console_users.c.id))
    return result.scalar_one()


async def user_and_hash_by_email(connection: AsyncConnection, email: str) -> tuple[ConsoleUser, str] | None:
    row = (await connection.execute(select(console_users).where(console_users.c.email == email))).first()
    return (_user(row), row.password_hash) if row else None


async def user_by_id(connection: AsyncConnection, user_id: int, *, for_update: bool = False) -> ConsoleUser | None:
    query = select(console_users).where(console_users.c.id == user_id)
    if for_update:
        query = query.with_for_update()
    row = (await connection.execute(query)).first()
    return _user(row) if row else None


async def update_user(connection: AsyncConnection, user_id: int, **values: Any) -> None:
    await connection.execute(update(console_users).where(console_users.c.id == user_id).values(**values))


async def count_attempt(
    connection: AsyncConnection, user_id: int, now: int, max_attempts: int, lock_seconds: int
) -> tuple[int, int] | None:
    """Count a sign-in attempt before its password is checked, in one UPDATE: returns (attempts,
    locked_until), or None when the login is locked. The attempt that reaches ``max_attempts`` sets
    the lock itself, so parallel attempts beyond it are refused unchecked; once a lock has expired
    the next attempt starts the count again."""
    lock_expired = and_(console_users.c.locked_until > 0, console_users.c.locked_until <= now)
    attempts = case((lock_expired, 1), else_=console_users.c.failed_attempts + 1)
    statement = (
        update(console_users)
        .where(console_users.c.id == user_id, console_users.c.locked_until <= now)
        .values(failed_attempts=attempts, locked_until=case((attempts >= max_attempts, now + lock_seconds), else_=0))
        .returning(console_users.c.failed_attempts, console_users.c.locked_until)
    )
    row = (await connection.execute(statement)).first()
    return (row.failed_attempts, row.locked_until) if row else None


async def insert_session(connection: AsyncConnection, **values: Any) -> None:
    await connection.execute(insert(console_sessions).values(**values))


async def session_by_token_hash(connection: AsyncConnection, token_hash: str, now: int) -> ConsoleSession | None:
    row = (
        await connection.execute(
            select(
                console_sessions.c.id.label("session_id"),
                console_sessions.c.csrf_token,
                console_sessions.c.expires_at,
                console_users,
            )
            .select_from(console_sessions.join(console_users, console_users.c.id == console_sessions.c.user_id))
            .where(console_sessions.c.token_hash == token_hash, console_sessions.c.expires_at > now)
        )
    ).first()
    if row is None:
        return None
    return ConsoleSession(id=row.session_id, user=_user(row), csrf_token=row.csrf_token, expires_at=row.expires_at)


async def delete_session(connection: AsyncConnection, token_hash: str) -> None:
    await connection.execute(delete(console_sessions).where(console_sessions.c.token_hash == token_hash))


async def delete_expired_sessions(connection: AsyncConnection, now: int) -> None:
    await connection.execute(delete(console_sessions).where(console_sessions.c.expires_at <= now))


async def list_users(connection: AsyncConnection, merchant_id: int | None = None) -> list[tuple[ConsoleUser, str]]:
    """Console users with their merchant's user code, by email; ``merchant_id`` narrows to one merchant."""
    query = (
        select(console_users, merchants.c.user_code)
        .join(merchants, merchants.c.id == console_users.c.merchant_id)
        .order_by(console_users.c.email)
    )
    if merchant_id is not None:
        query = query.where(console_users.c.merchant_id == merchant_id)
    return [(_user(row), row.user_code) for row in await connection.execute(query)]


async def delete_sessions_of(connection: AsyncConnection, user_id: int) -> None:
    await connection.execute(delete(console_sessions).where(console_sessions.c.user_id == user_id))
