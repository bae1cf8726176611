"""The database a bench measures on: a new PostgreSQL database on the bench server, or a SQLite file."""

from __future__ import annotations

from pathlib import Path

from tests.postgres import PostgresServer, bench_postgres, create_database


def bench_database(database: str, work: Path) -> tuple[str, PostgresServer | None]:
    """``(url, server)`` for ``database`` ("postgresql" or "sqlite"): a new database on
    ``tests.postgres.bench_postgres()`` (the server is returned so the caller can drop it), or
    ``work/paymux.db`` with no server. Raises SystemExit when no PostgreSQL can be reached or started."""
    if database != "postgresql":
        return f"sqlite:///{work / 'paymux.db'}", None
    postgres = bench_postgres()
    if postgres is None:
        raise SystemExit("no PostgreSQL reachable")
    return create_database(postgres), postgres
