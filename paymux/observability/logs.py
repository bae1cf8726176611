"""One log configuration for the whole process: paymux's structured lines and every stdlib logger
(uvicorn's, the existing ``logging.getLogger("paymux.…")`` calls) come out in one format.

Library: **structlog**, through the stdlib bridge (``ProcessorFormatter``). Chosen over stdlib
logging + python-json-logger because it carries context with ``contextvars`` (the request id reaches
the PG-call and webhook lines without passing it down), renders both a JSON line and a readable
terminal line from the same event dict, and takes key-value events (``log.info("pg.call", pg=…)``)
instead of formatted strings that need parsing later.

Formats (``PAYMUX_LOG_FORMAT``): ``json`` — one JSON object per line, for log shippers; ``human`` —
aligned, coloured key=value lines; unset — ``human`` when stderr is a terminal, ``json`` otherwise.

Card data never reaches a line: paymux never logs a request body, and as a last guard every string
value that is not an identifier field has card-like numbers (13–19 digits, with or without single
spaces or dashes between them; test cards need not pass the Luhn check, so none is asked) masked to
their first 6 and last 4 digits, as PCI DSS allows.
"""

from __future__ import annotations

import logging
import os
import re
import sys
from collections.abc import MutableMapping
from typing import Any

import structlog
from structlog.types import Processor

FORMATS = ("json", "human")
# Fields that are identifiers chosen by merchants or paymux: never rewritten (a merchant_uid made of
# digits is not a card number, and a changed id would make lines unsearchable).
# (imp_uid is paymux's own ``imp_`` + 12 digits, so it is masked like any text: a card number a client
# put where an imp_uid goes stays masked.)
IDENTIFIER_FIELDS = frozenset({
    "request_id", "merchant_uid", "customer_uid", "webhook_id", "merchant", "merchant_id", "timestamp", "level",
    "logger",
})
_CARD_LIKE = re.compile(r"(?<!\d)(?:\d[ -]?){12,18}\d(?!\d)")


def mask_card_numbers(text: str) -> str:
    """``"card 5361-4812-3456-1234 refused"`` → ``"card 536148******1234 refused"``."""

    def mask(match: re.Match[str]) -> str:
        digits = re.sub(r"[ -]", "", match.group(0))
        if not 13 <= len(digits) <= 19:
            return match.group(0)
        return digits[:6] + "*" * (len(digits) - 10) + digits[-4:]

    return _CARD_LIKE.sub(mask, text)


def _drop_terminal_markup(_logger: Any, _method: str, event: MutableMapping[str, Any]) -> MutableMapping[str, Any]:
    event.pop("color_message", None)  # uvicorn's ANSI-coloured copy of its message
    return event


def _mask_cards(_logger: Any, _method: str, event: MutableMapping[str, Any]) -> MutableMapping[str, Any]:
    for key, value in event.items():
        if isinstance(value, str) and key not in IDENTIFIER_FIELDS:
            event[key] = mask_card_numbers(value)
    return event


def chosen_format(setting: str | None, stream: Any = None) -> str:
    """``PAYMUX_LOG_FORMAT`` if set (``json`` | ``human``), else by whether ``stream`` is a terminal.
    Raises ValueError for another value."""
    if setting:
        setting = setting.strip().lower()
        if setting not in FORMATS:
            raise ValueError(f"PAYMUX_LOG_FORMAT must be one of {', '.join(FORMATS)}, not {setting!r}")
        return setting
    stream = stream if stream is not None else sys.stderr
    return "human" if getattr(stream, "isatty", lambda: False)() else "json"


_LEVELS = {"debug": logging.DEBUG, "info": logging.INFO, "warning": logging.WARNING, "warn": logging.WARNING,
           "error": logging.ERROR, "exception": logging.ERROR, "critical": logging.CRITICAL, "fatal": logging.CRITICAL}


class LevelCheckedLogger(structlog.stdlib.BoundLogger):
    """Drops a line below its logger's level before any processor runs: ``filter_by_level`` would
    drop it too, but only after copying the context and raising DropEvent, several µs a line on the
    hot path (the ``http.request`` and ``pg.call`` lines of every charge when they are not logged)."""

    def _proxy_to_logger(self, method_name: str, event: str | None = None, *event_args: str, **event_kw: Any) -> Any:
        level = _LEVELS.get(method_name)
        if level is not None and not self._logger.isEnabledFor(level):
            return None
        return super()._proxy_to_logger(method_name, event, *event_args, **event_kw)


def _shared_processors() -> list[Any]:
    return [
        structlog.stdlib.filter_by_level,  # a line below the logger's level costs nothing more
        structlog.contextvars.merge_contextvars,
        structlog.stdlib.add_log_level,
        structlog.stdlib.add_logger_name,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
    ]


def configure_logging(log_format: str | None = None, level: str | None = None) -> str:
    """Route every logger to stderr in ``log_format`` (see :func:`chosen_format`); returns the format
    used. Idempotent: a second call replaces the handler it installed."""
    chosen = chosen_format(log_format if log_format is not None else os.environ.get("PAYMUX_LOG_FORMAT"))
    level_name = (level or os.environ.get("PAYMUX_LOG_LEVEL") or "INFO").upper()
    renderer: Any
    finishing: list[Processor]
    if chosen == "json":
        renderer = structlog.processors.JSONRenderer(ensure_ascii=False, default=str)
        finishing = [structlog.processors.format_exc_info, _mask_cards]
    else:
        renderer = structlog.dev.ConsoleRenderer(colors=sys.stderr.isatty())
        finishing = [_mask_cards]
    formatter = structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=[*_shared_processors()[1:], structlog.stdlib.ExtraAdder(), _drop_terminal_markup],
        processors=[structlog.stdlib.ProcessorFormatter.remove_processors_meta, *finishing, renderer],
    )
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(formatter)
    handler.set_name("paymux")
    root = logging.getLogger()
    for existing in [h for h in root.handlers if h.get_name() == "paymux"]:
        root.removeHandler(existing)
    root.addHandler(handler)
    root.setLevel(level_name)
    for name in ("uvicorn", "uvicorn.error"):  # into our handler, in our format
        logging.getLogger(name).handlers.clear()
        logging.getLogger(name).propagate = True
    access = logging.getLogger("uvicorn.access")  # replaced by the ``http.request`` line (observability.http)
    access.handlers.clear()
    access.propagate = False
    structlog.configure(
        processors=[
            *_shared_processors(),
            structlog.stdlib.PositionalArgumentsFormatter(),
            structlog.processors.StackInfoRenderer(),
            structlog.stdlib.ProcessorFormatter.wrap_for_formatter,
        ],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=LevelCheckedLogger,
        cache_logger_on_first_use=True,
    )
    return chosen


def _default_configuration() -> None:
    """Until :func:`configure_logging` runs (tests that host the app in-process, one-shot CLI
    commands), structlog lines still go through stdlib logging, their message one JSON object."""
    structlog.configure(
        processors=[
            *_shared_processors(),
            structlog.stdlib.PositionalArgumentsFormatter(),
            structlog.processors.format_exc_info,
            _mask_cards,
            structlog.processors.JSONRenderer(ensure_ascii=False, default=str),
        ],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=LevelCheckedLogger,
        cache_logger_on_first_use=False,
    )


if not structlog.is_configured():
    _default_configuration()


def get_logger(name: str) -> structlog.stdlib.BoundLogger:
    """A key-value logger: ``get_logger("paymux.pg").info("pg.call", pg="kcp", outcome="approved")``.
    Before :func:`configure_logging` (tests, the CLI's one-shot commands) its lines go through stdlib
    logging with structlog's defaults."""
    return structlog.stdlib.get_logger(name)
