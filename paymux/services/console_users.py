"""Console users: creating them, signing in with a lock-out after repeated failures, sessions.

Passwords are hashed with argon2id (memory-hard). Hashing runs in a worker thread so a sign-in does
not stall the event loop that serves the API. Every attempt is counted by one UPDATE *before* its
password is checked, and the attempt that reaches ``MAX_FAILED_LOGINS`` locks the login for
``LOCK_SECONDS`` of the runtime's clock in that same statement: however many guesses arrive at once,
at most ``MAX_FAILED_LOGINS`` passwords are checked per lock period. A right password resets the
count. Each client address is throttled too (``services.throttle.console_logins``), across instances.
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
from paymux.services import throttle
from paymux.services.runtime import Runtime
from paymux.store import console_users as user_store
from paymux.store import merchants as merchant_store

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


async def list_users(runtime: Runtime, user_code: str | None = None) -> list[tuple[ConsoleUser, str]]:
    """Console users with their merchant's user code; NotFound for an unknown ``user_code``."""
    async with runtime.database.reading() as connection:
        merchant_id = None
        if user_code is not None:
            merchant = await merchant_store.merchant_by_user_code(connection, user_code)
            if merchant is None:
                raise NotFound(f"no merchant with user code {user_code}")
            merchant_id = merchant.id
        return await user_store.list_users(connection, merchant_id)


async def reset_password(runtime: Runtime, email: str, password: str) -> ConsoleUser:
    """Set a new password, lift a lock-out and end every session of the user (signed out everywhere).

    Raises NotFound for an unknown email, InvalidParameter for a password the console would refuse.
    """
    hashed = await asyncio.to_thread(_hasher.hash, check_password(password))
    async with runtime.database.transaction() as connection:
        found = await user_store.user_and_hash_by_email(connection, normalise_email(email))
        if found is None:
            raise NotFound(f"no console user with email {normalise_email(email)}")
        user = found[0]
        await user_store.update_user(connection, user.id, password_hash=hashed, failed_attempts=0, locked_until=0)
        await user_store.delete_sessions_of(connection, user.id)
    return ConsoleUser(id=user.id, merchant_id=user.merchant_id, email=user.email)


async def _verify(stored_hash: str, password: str) -> bool:
    try:
        return await asyncio.to_thread(_hasher.verify, stored_hash, password)
    except (VerificationError, InvalidHashError):
        return False


async def login(runtime: Runtime, email: str, password: str, address: str | None = None) -> tuple[str, ConsoleSession]:
    """Check the password and open a session; returns the cookie token (shown only now).

    Raises ``Throttled`` (too many attempts from ``address``), ``LoginLocked`` (the login is locked,
    or this attempt was the last one allowed and failed) or ``LoginFailed``."""
    await throttle.hit(runtime, throttle.console_logins(runtime.settings), address)
    address_of_user = (email or "").strip().lower()
    async with runtime.database.reading() as connection:
        found = await user_store.user_and_hash_by_email(connection, address_of_user)
    if found is None:
        await _verify(_DUMMY_HASH, password or "")
        raise LoginFailed("email or password is wrong")
    user, stored_hash = found
    now = runtime.now()
    async with runtime.database.transaction() as connection:
        counted = await user_store.count_attempt(connection, user.id, now, MAX_FAILED_LOGINS, LOCK_SECONDS)
        current = None if counted else await user_store.user_by_id(connection, user.id)
    if counted is None:
        if current is None:
            raise LoginFailed("email or password is wrong")
        raise LoginLocked(current.locked_until)
    _attempts, locked_until = counted
    if not await _verify(stored_hash, password or ""):
        if locked_until > now:
            raise LoginLocked(locked_until)
        raise LoginFailed("email or password is wrong")
    return await _open_session(runtime, user.id, now, cleared_lock=locked_until > now)


async def _open_session(runtime: Runtime, user_id: int, now: int, *, cleared_lock: bool) -> tuple[str, ConsoleSession]:
    """After a right password: reset the count (and the lock this very attempt set) and open a session."""
    token = secrets.token_urlsafe(32)
    values: dict[str, object] = {"failed_attempts": 0, "last_login_at": now}
    if cleared_lock:
        values["locked_until"] = 0
    async with runtime.database.transaction() as connection:
        await user_store.update_user(connection, user_id, **values)
        await user_store.delete_expired_sessions(connection, now)
        await user_store.insert_session(
            connection, token_hash=token_hash(token), user_id=user_id, csrf_token=secrets.token_urlsafe(32),
            created_at=now, expires_at=now + SESSION_SECONDS,
        )
        session = await user_store.session_by_token_hash(connection, token_hash(token), now)
    if session is None:
        raise LoginFailed("email or password is wrong")
    return token, session


async def session_for(runtime: Runtime, token: str | None) -> ConsoleSession | None:
    if not token or len(token) > 200:
        return None
    async with runtime.database.reading() as connection:
        return await user_store.session_by_token_hash(connection, token_hash(token), runtime.now())


async def logout(runtime: Runtime, token: str | None) -> None:
    if token:
        async with runtime.database.transaction() as connection:
            await user_store.delete_session(connection, token_hash(token))
