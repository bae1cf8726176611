"""Finding a PostgreSQL server for the tests: the one on 127.0.0.1:5432, or a throwaway one.

A throwaway cluster is started from the installed server binaries (initdb + pg_ctl) in a temporary
directory when nothing answers on 5432, so the PostgreSQL half of the suite runs on any machine that
has the server package installed.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import functools
import glob
import os
import shutil
import socket
import subprocess
import tempfile
import uuid
from collections.abc import Callable, Coroutine, Iterator
from typing import Any, TypeVar

T = TypeVar("T")
from dataclasses import dataclass

import asyncpg
import pytest

DEFAULT_ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"


@dataclass
class PostgresServer:
    admin_url: str
    data_dir: str | None = None
    pg_ctl: str | None = None

    def database_url(self, name: str) -> str:
        return self.admin_url.rsplit("/", 1)[0] + "/" + name

    def stop(self) -> None:
        if self.data_dir and self.pg_ctl:
            run_as = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
            subprocess.run(run_as + [self.pg_ctl, "-D", self.data_dir, "-m", "immediate", "stop"], capture_output=True)
            shutil.rmtree(self.data_dir, ignore_errors=True)


async def _reachable(url: str) -> bool:
    try:
        connection = await asyncpg.connect(url, timeout=3)
    except (OSError, asyncpg.PostgresError, asyncio.TimeoutError):
        return False
    await connection.close()
    return True


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _start_throwaway() -> PostgresServer | None:
    binaries = sorted(glob.glob("/usr/lib/postgresql/*/bin"))
    if not binaries:
        return None
    bin_dir = binaries[-1]
    data_dir = tempfile.mkdtemp(prefix="paymux-pg-")
    port = _free_port()
    user = "postgres"
    run_as: list[str] = []
    if os.geteuid() == 0:  # initdb refuses root; run as the postgres system user
        shutil.chown(data_dir, "postgres")
        run_as = ["runuser", "-u", "postgres", "--"]
    subprocess.run(run_as + [f"{bin_dir}/initdb", "-D", data_dir, "-U", user, "-A", "trust"], check=True, capture_output=True)
    # The server inherits pg_ctl's output: send it to a log file, or waiting on a pipe never ends.
    subprocess.run(
        run_as + [f"{bin_dir}/pg_ctl", "-D", data_dir, "-w", "-l", f"{data_dir}/server.log",
                  "-o", f"-p {port} -k {data_dir} -c listen_addresses=127.0.0.1", "start"],
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    return PostgresServer(f"postgresql://{user}@127.0.0.1:{port}/postgres", data_dir, f"{bin_dir}/pg_ctl")


def run_in_thread(function: Callable[..., T], *args: Any) -> T:
    """Call ``function`` in a thread of its own: the browser tests' Playwright keeps an event loop
    running in the main thread, where ``asyncio.run`` (ours, or alembic's) refuses to start."""
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        return pool.submit(function, *args).result()


def run_coroutine(coroutine: Coroutine[Any, Any, T]) -> T:
    return run_in_thread(asyncio.run, coroutine)


@functools.cache
def find_postgres() -> PostgresServer | None:
    """Looked up once per test session; conftest stops a throwaway server at the end."""
    url = os.environ.get("PAYMUX_TEST_POSTGRES_URL", DEFAULT_ADMIN_URL)
    if run_coroutine(_reachable(url)):
        return PostgresServer(url)
    try:
        return _start_throwaway()
    except (OSError, subprocess.CalledProcessError):
        return None


def create_database(server: PostgresServer) -> str:
    name = f"paymux_test_{uuid.uuid4().hex[:10]}"

    async def create() -> None:
        connection = await asyncpg.connect(server.admin_url)
        await connection.execute(f'CREATE DATABASE "{name}"')
        await connection.close()

    run_coroutine(create())
    return server.database_url(name)


def drop_database(server: PostgresServer, url: str) -> None:
    name = url.rsplit("/", 1)[1]

    async def drop() -> None:
        connection = await asyncpg.connect(server.admin_url)
        await connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await connection.close()

    run_coroutine(drop())


@contextlib.contextmanager
def fresh_database() -> Iterator[str]:
    """A new, empty PostgreSQL database for one test, dropped afterwards; skips (fails in CI) when
    no server can be reached or started."""
    server = find_postgres()
    if server is None:
        if os.environ.get("CI"):
            pytest.fail("PostgreSQL is required in CI but none is reachable or startable")
        pytest.skip("no PostgreSQL reachable on 127.0.0.1:5432 and none could be started")
    url = create_database(server)
    try:
        yield url
    finally:
        drop_database(server, url)
