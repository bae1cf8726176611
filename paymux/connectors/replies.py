"""Reading fields out of a PG's JSON reply or notice, which PGs fill loosely (numbers as strings,
absent or null fields): shared by the JSON PGs' transformers (Kakao Pay, Toss Payments, NICE Pay)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta, timezone
from typing import Any

KST = timezone(timedelta(hours=9))  # every Korean PG speaks Korean time


def text(data: Mapping[str, Any] | None, name: str) -> str:
    """The field as text; "" when absent or null."""
    value = (data or {}).get(name)
    return "" if value is None else str(value)


def integer(data: Mapping[str, Any] | None, name: str) -> int | None:
    """The field as an integer (a JSON number or a string of digits); None when absent or anything else."""
    value = (data or {}).get(name)
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.lstrip("-").isdigit():
        return int(value)
    return None


def part(data: Mapping[str, Any] | None, name: str) -> Mapping[str, Any]:
    """A nested object of the reply; {} when absent or not an object."""
    found = (data or {}).get(name)
    return found if isinstance(found, Mapping) else {}
