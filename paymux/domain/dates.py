"""Dates as i'mport's callers write them: ``YYYYMMDD`` / ``YYYYMMDDhhmm`` in Korean time, or unix seconds.

One parser for every face that takes a deadline (the window's ``vbank_due`` and ``POST``/``PUT
/vbanks``), so the API and the window accept and refuse the same values.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from paymux.domain.errors import InvalidParameter

KST = timezone(timedelta(hours=9), "KST")
MAX_UNIX_SECONDS = 1 << 40


def parse_korean_deadline(value: object, field: str = "vbank_due") -> int:
    """Unix seconds of a deadline given as ``YYYYMMDD`` (the end of that day, 23:59 KST),
    ``YYYYMMDDhhmm`` (Korean time), or unix seconds (an integer, or a string of at most 10 digits).

    A 12-digit value is always a date and time: as unix seconds it would be a year past 8000, which
    is how a shop's ``YYYYMMDDhhmm`` used to become an account that never expires. Raises
    InvalidParameter naming ``field`` for anything else.
    """
    if isinstance(value, bool) or not isinstance(value, (int, str)):
        raise InvalidParameter(field, "must be YYYYMMDD, YYYYMMDDhhmm (Korean time) or unix seconds")
    text = str(value).strip()
    if not text.isascii() or not text.isdigit():
        raise InvalidParameter(field, "must be YYYYMMDD, YYYYMMDDhhmm (Korean time) or unix seconds")
    if len(text) == 12 or (len(text) == 8 and isinstance(value, str)):
        return _korean_time(text, field)
    if len(text) > 10:
        raise InvalidParameter(field, "must be YYYYMMDD, YYYYMMDDhhmm (Korean time) or unix seconds")
    return int(text)


def _korean_time(text: str, field: str) -> int:
    try:
        day = datetime.strptime(text[:8], "%Y%m%d").replace(tzinfo=KST)
    except ValueError:
        raise InvalidParameter(field, f"'{text}' is not a real date YYYYMMDD or YYYYMMDDhhmm") from None
    hours, minutes = (int(text[8:10]), int(text[10:12])) if len(text) == 12 else (23, 59)
    if hours > 23 or minutes > 59:
        raise InvalidParameter(field, f"'{text}' is not a real time YYYYMMDDhhmm (hh 00-23, mm 00-59)")
    return int((day + timedelta(hours=hours, minutes=minutes)).timestamp())
