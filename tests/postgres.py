"""The PostgreSQL server of the tests: a throwaway cluster the test session starts for itself.

The session runs ``initdb`` and ``pg_ctl`` from the installed server binaries (Debian's
/usr/lib/postgresql/N/bin, the newest) on a free port, with its data directory under the project
(``test-output/postgres/``) and ``max_connections`` sized for the suite, so the PostgreSQL half of
the suite never competes with another client of a shared server ("too many clients already", issue
#13) and never touches its data. It is stopped and removed when the session ends; a cluster left by
a session that was killed is removed by the next one. ``PAYMUX_TEST_POSTGRES_URL`` points the tests
at a server of your own instead (CI services); without the binaries, a server answering on
127.0.0.1:5432 is used.
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
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import asyncpg
import pytest

T = TypeVar("T")

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
            subprocess.run(_as_postgres() + [self.pg_ctl, "-D", self.data_dir, "-m", "immediate", "stop"],
                           check=False, capture_output=True)
            shutil.rmtree(self.data_dir, ignore_errors=True)


async def _reachable(url: str) -> bool:
    try:
        connection = await asyncpg.connect(url, timeout=3)
    except (TimeoutError, OSError, asyncpg.PostgresError):
        return False
    await connection.close()
    return True


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


CLUSTERS_DIR = Path(__file__).resolve().parent.parent / "test-output" / "postgres"
# Test servers hold a few connections each (tests/harness.py sets their pool); several sessions
# may run at once, each with its own cluster.
MAX_CONNECTIONS = 300


def _as_postgres() -> list[str]:
    return ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []  # initdb refuses root


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _remove_abandoned(bin_dir: str) -> None:
    """Stop and remove clusters whose test session is gone (killed before it could clean up)."""
    if not CLUSTERS_DIR.exists():
        return
    for data_dir in CLUSTERS_DIR.iterdir():
        owner = data_dir.name.split("-", 1)[0]
        if owner.isdigit() and not _alive(int(owner)):
            subprocess.run(_as_postgres() + [f"{bin_dir}/pg_ctl", "-D", str(data_dir), "-m", "immediate", "stop"],
                           check=False, capture_output=True)
            shutil.rmtree(data_dir, ignore_errors=True)


def _start_throwaway() -> PostgresServer | None:
    binaries = sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=lambda path: int(path.split("/")[-2]))
    if not binaries:
        return None
    bin_dir = binaries[-1]
    _remove_abandoned(bin_dir)
    CLUSTERS_DIR.mkdir(parents=True, exist_ok=True)
    data_dir = tempfile.mkdtemp(prefix=f"{os.getpid()}-", dir=CLUSTERS_DIR)
    port = _free_port()
    user = "postgres"
    if os.geteuid() == 0:
        shutil.chown(data_dir, "postgres")
    subprocess.run(_as_postgres() + [f"{bin_dir}/initdb", "-D", data_dir, "-U", user, "-A", "trust", "--no-sync"],
                   check=True, capture_output=True)
    # Durability is not under test here (paymux is killed in the crash tests, never PostgreSQL), so
    # the cluster skips fsync. The server inherits pg_ctl's output: send it to a log file, or
    # waiting on a pipe never ends.
    options = (f"-p {port} -k {data_dir} -c listen_addresses=127.0.0.1 -c max_connections={MAX_CONNECTIONS} "
               "-c fsync=off -c synchronous_commit=off -c full_page_writes=off -c shared_buffers=64MB")
    subprocess.run(
        _as_postgres() + [f"{bin_dir}/pg_ctl", "-D", data_dir, "-w", "-l", f"{data_dir}/server.log", "-o", options,
                          "start"],
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
    if url := os.environ.get("PAYMUX_TEST_POSTGRES_URL"):
        return PostgresServer(url) if run_coroutine(_reachable(url)) else None
    try:
        server = _start_throwaway()
    except (OSError, subprocess.CalledProcessError):
        server = None
    if server is None and run_coroutine(_reachable(DEFAULT_ADMIN_URL)):
        return PostgresServer(DEFAULT_ADMIN_URL)
    return server


@functools.cache
def bench_postgres() -> PostgresServer | None:
    """The server the benches measure on: the machine's own PostgreSQL when one answers on 5432
    (its real settings, fsync included; ``PAYMUX_BENCH_POSTGRES_URL`` names another), else a
    throwaway cluster like the tests'."""
    url = os.environ.get("PAYMUX_BENCH_POSTGRES_URL", DEFAULT_ADMIN_URL)
    if run_coroutine(_reachable(url)):
        return PostgresServer(url)
    return _start_throwaway()


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
        pytest.skip("no PostgreSQL could be started (no server binaries) or reached")
    url = create_database(server)
    try:
        yield url
    finally:
        drop_database(server, url)
