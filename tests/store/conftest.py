"""Fixtures of the store's PostgreSQL tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from paymux.config import _normalise_database_url
from paymux.store.migrate import upgrade_to_head
from tests.postgres import fresh_database, run_in_thread


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A new PostgreSQL database per test, made by paymux's migrations (its tables never analyzed),
    as paymux's URL (``postgresql+asyncpg://…``)."""
    with fresh_database() as url:
        url = _normalise_database_url(url)
        run_in_thread(upgrade_to_head, url)
        yield url
