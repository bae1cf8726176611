"""A person who signs in to the merchant console, and the lock-out rule of the login."""

from __future__ import annotations

import re
from dataclasses import dataclass

from paymux.domain.errors import InvalidParameter, NotAuthenticated

MAX_FAILED_LOGINS = 5
LOCK_SECONDS = 15 * 60
SESSION_SECONDS = 12 * 3600
MIN_PASSWORD_LENGTH = 10

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


class LoginFailed(NotAuthenticated):
    """Unknown email or wrong password; the message does not say which."""


class LoginLocked(NotAuthenticated):
    """Too many wrong passwords: the login is refused, even with the right one, until ``until``."""

    def __init__(self, until: int) -> None:
        super().__init__("login is locked after too many failed attempts")
        self.until = until


@dataclass(frozen=True)
class ConsoleUser:
    id: int
    merchant_id: int
    email: str
    failed_attempts: int = 0
    locked_until: int = 0

    def is_locked(self, now: int) -> bool:
        return self.locked_until > now


@dataclass(frozen=True)
class ConsoleSession:
    id: int
    user: ConsoleUser
    csrf_token: str
    expires_at: int


def normalise_email(email: str) -> str:
    text = (email or "").strip().lower()
    if not _EMAIL.match(text) or len(text) > 254:
        raise InvalidParameter("email", "must be an email address such as you@example.com")
    return text


def check_password(password: str) -> str:
    if len(password or "") < MIN_PASSWORD_LENGTH:
        raise InvalidParameter("password", f"must be at least {MIN_PASSWORD_LENGTH} characters")
    if len(password) > 1024:
        raise InvalidParameter("password", "must be at most 1024 characters")
    return password
