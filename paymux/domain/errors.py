"""The typed errors of paymux. The API layer maps each class to an HTTP status and envelope once.

Every message names the parameter or the rule at fault, so a developer can fix the call without
reading our source. Messages never carry card data.
"""

from __future__ import annotations

from typing import Any


class PaymuxError(Exception):
    """Base of every error a caller may see. ``code`` is the envelope's ``code``."""

    code: int = -1

    def __init__(self, message: str, *, code: int | None = None, response: Any = None) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code
        self.response = response


class InvalidParameter(PaymuxError):
    """A parameter is missing, malformed or out of range (HTTP 400)."""

    def __init__(self, field: str, problem: str) -> None:
        super().__init__(f"{field}: {problem}")
        self.field = field


class NotAuthenticated(PaymuxError):
    """No token, an expired token, or wrong imp_key/imp_secret (HTTP 401)."""


class Forbidden(PaymuxError):
    """The caller is known but may not do this: IP outside the whitelist, foreign tier (HTTP 403)."""


class NotFound(PaymuxError):
    """The named payment, order, customer or schedule does not exist for this merchant (HTTP 404)."""


class Refused(PaymuxError):
    """A business rule or the PG said no (HTTP 200, non-zero code), e.g. a declined card.

    ``response`` carries the recorded payment when one was written (a declined charge is stored as
    ``failed`` and returned).
    """


class Conflict(PaymuxError):
    """The request collides with existing state, e.g. a duplicate MID in the console (HTTP 409)."""
