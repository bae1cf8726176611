"""Console users: creating them, signing in with a lock-out after repeated failures, sessions.

Passwords are hashed with argon2id (memory-hard). Hashing runs in a worker thread so a sign-in does
not stall the event loop that serves the API. The failure counter is raised by one UPDATE, so
concurrent guesses are all counted; reaching the limit locks the login for ``LOCK_SECONDS`` of the
runtime's clock.
"""

from __future__ import annotations

import asyncio
import hashlib
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy.exc import IntegrityError

from paymux.domain.console_user import (
    LOCK_SECONDS,
    MAX_FAILED_LOGINS,
    SESSION_SECONDS,
    ConsoleSession,
    ConsoleUser,
    LoginFailed,
    LoginLocked,
    check_password,
    normalise_email,
)
from paymux.domain.errors import Conflict, NotFound
from paymux.services.runtime import Runtime
from paymux.store import console_users as user_store
from paymux.store import merchants as merchant_store
from paymux.store.schema import console_users

_hasher = PasswordHasher()
# Verified against when the email is unknown, so both answers take as long.
_DUMMY_HASH = _hasher.hash("paymux-no-such-user")


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


async def create_user(runtime: Runtime, user_code: str, email: str, password: str) -> ConsoleUser:
    address = normalise_email(email)
    hashed = await asyncio.to_thread(_hasher.hash, check_password(password))
    async with runtime.database.transaction() as connection:
        merchant = await merchant_store.merchant_by_user_code(connection, user_code)
        if merchant is None:
            raise NotFound(f"no merchant with user code {user_code}")
        try:
            async with connection.begin_nested():
                user_id = await user_store.insert_user(
                    connection,
                    merchant_id=merchant.id,
                    email=address,
                    password_hash=hashed,
                    created_at=runtime.now(),
                )
        except IntegrityError:
            raise Conflict(f"a console user with email {address} already exists") from None
    return ConsoleUser(id=user_id, merchant_id=merchant.id, email=address)


async def _verify(stored_hash: str, password: str) -> bool:
    try:
        return await asyncio.to_thread(_hasher.verify, stored_hash, password)
    except (VerificationError, InvalidHashError):
        return False


async def login(runtime: Runtime, email: str, password: str) -> tuple[str, ConsoleSession]:
    """Check the password and open a session; returns the cookie token (shown only now)."""
    address = (email or "").strip().lower()
    async with runtime.database.reading() as connection:
        found = await user_store.user_and_hash_by_email(connection, address)
    if found is None:
        await _verify(_DUMMY_HASH, password or "")
        raise LoginFailed("email or password is wrong")
    user, stored_hash = found
    now = runtime.now()
    if user.is_locked(now):
        raise LoginLocked(user.locked_until)
    if not await _verify(stored_hash, password or ""):
        await _count_failure(runtime, user.id)
    token = secrets.token_urlsafe(32)
    session_values = {
        "token_hash": token_hash(token),
        "user_id": user.id,
        "csrf_token": secrets.token_urlsafe(32),
        "created_at": now,
        "expires_at": now + SESSION_SECONDS,
    }
    async with runtime.database.transaction() as connection:
        current = await user_store.user_by_id(connection, user.id, for_update=True)
        if current is None:
            raise LoginFailed("email or password is wrong")
        if current.is_locked(now):  # locked by a concurrent guess meanwhile
            raise LoginLocked(current.locked_until)
        await user_store.update_user(connection, user.id, failed_attempts=0, last_login_at=now)
        await user_store.delete_expired_sessions(connection, now)
        await user_store.insert_session(connection, **session_values)
        session = await user_store.session_by_token_hash(connection, session_values["token_hash"], now)
    assert session is not None
    return token, session


async def _count_failure(runtime: Runtime, user_id: int) -> None:
    now = runtime.now()
    async with runtime.database.transaction() as connection:
        await user_store.update_user(connection, user_id, failed_attempts=console_users.c.failed_attempts + 1)
        user = await user_store.user_by_id(connection, user_id)
        locked = user is not None and user.failed_attempts >= MAX_FAILED_LOGINS
        if locked:
            await user_store.update_user(connection, user_id, failed_attempts=0, locked_until=now + LOCK_SECONDS)
    if locked:
        raise LoginLocked(now + LOCK_SECONDS)
    raise LoginFailed("email or password is wrong")


async def session_for(runtime: Runtime, token: str | None) -> ConsoleSession | None:
    if not token or len(token) > 200:
        return None
    async with runtime.database.reading() as connection:
        return await user_store.session_by_token_hash(connection, token_hash(token), runtime.now())


async def logout(runtime: Runtime, token: str | None) -> None:
    if token:
        async with runtime.database.transaction() as connection:
            await user_store.delete_session(connection, token_hash(token))
