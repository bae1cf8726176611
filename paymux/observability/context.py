"""What a log line is about, carried by contextvars from the request (or background job) to every
line written while it runs: the request id, and the merchant and payment it concerns.

The middleware (``observability.http``) opens a :class:`RequestRecord` per request and binds
``request_id`` with ``structlog.contextvars``, so the PG-call and webhook lines written while the
request runs carry it. Inner layers add what they learn (the authenticated merchant) with
:func:`annotate_request`, which writes into the record itself: a context copied by a middleware that
runs the app in another task would lose a re-bound variable, never a mutation of a shared object.
"""

from __future__ import annotations

import re
import secrets
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

import structlog

REQUEST_ID_HEADER = "x-request-id"
# An incoming X-Request-Id is kept when it is short and made of the characters ids are made of
# (uuids, ULIDs, AWS/GCP trace ids); anything else is replaced, so a client cannot inject a line.
_SANE_REQUEST_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:\-]{0,127}")


@dataclass
class RequestRecord:
    """What the request line will say beyond method, route, status and latency."""

    request_id: str
    fields: dict[str, Any] = field(default_factory=dict)


_current: ContextVar[RequestRecord | None] = ContextVar("paymux_request", default=None)


def new_request_id() -> str:
    """32 hex characters (128 random bits)."""
    return secrets.token_hex(16)


def accepted_request_id(incoming: str | None) -> str:
    """The client's ``X-Request-Id`` if sane (1–128 of ``[A-Za-z0-9._:-]``), else a new one."""
    if incoming and _SANE_REQUEST_ID.fullmatch(incoming):
        return incoming
    return new_request_id()


def open_request(request_id: str) -> tuple[RequestRecord, object]:
    """Start a request's context; returns the record and a token for :func:`close_request`."""
    record = RequestRecord(request_id)
    structlog.contextvars.bind_contextvars(request_id=request_id)
    return record, _current.set(record)


def close_request(token: object) -> None:
    """End the request's context: nothing it bound outlives it, even on a reused task."""
    record = _current.get()
    keys = ("request_id", *(record.fields if record is not None else ()))
    structlog.contextvars.unbind_contextvars(*keys)
    _current.reset(token)  # type: ignore[arg-type]


def current_request_id() -> str | None:
    record = _current.get()
    return record.request_id if record is not None else None


def annotate_request(**fields: Any) -> None:
    """Add fields (``merchant=user_code``, ``imp_uid=…``) to the current request's line and to every
    line written after this in the same request. Outside a request it does nothing."""
    record = _current.get()
    if record is None:
        return
    clean = {key: value for key, value in fields.items() if value is not None}
    record.fields.update(clean)
    structlog.contextvars.bind_contextvars(**clean)
