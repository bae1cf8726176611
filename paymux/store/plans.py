"""Writing SQL whose plan does not depend on the statistics PostgreSQL happens to hold.

asyncpg prepares every statement; after five executions PostgreSQL may keep a *generic* plan, made
without the parameters' values and with the table as it was then, until that table is analyzed
again. Two habits keep such plans right however the tables grow (``tests/store/test_plans.py``):

- a lookup names a unique key and nothing else the planner could prefer (the owner is checked on
  the row);
- a fixed state a partial index is defined on (``state = 'charging'``) is written into the SQL text,
  not bound as a parameter: a generic plan cannot use a partial index whose predicate depends on a
  parameter's value, and falls back to scanning the whole table.
"""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import ColumnElement, String, literal_column
from sqlalchemy.sql import visitors
from sqlalchemy.sql.elements import BindParameter

_PLAIN = re.compile(r"^[A-Za-z0-9_]+$")


def constant(value: str) -> ColumnElement[str]:
    """``value`` as a literal in the SQL text. Only for paymux's own fixed words (states, kinds):
    anything else is refused rather than quoted."""
    if not _PLAIN.match(value):
        raise ValueError(f"not a plain constant: {value!r}")
    return literal_column(f"'{value}'", String)


def with_constants(condition: ColumnElement[Any]) -> ColumnElement[Any]:
    """``condition`` with every bound string value written into the SQL text (see ``constant``),
    for conditions made of paymux's fixed words (a job's state), so partial indexes serve them."""

    def replace(element: Any, **_: Any) -> Any:
        if isinstance(element, BindParameter) and isinstance(element.value, str) and not element.required:
            return constant(element.value)
        return None

    return visitors.replacement_traverse(condition, {}, replace)
