"""Growth run: charges and lookups, round after round, on a database that starts empty and is never
analyzed by anyone but paymux (PostgreSQL with autovacuum off for paymux's tables, and SQLite).

    python bench/growth.py [--database both|postgresql|sqlite] [--total 200000] [--round-seconds 10]
                           [--concurrency 16] [--chart bench/results/growth.png]

Each round charges (``POST /subscribe/payments/again``) for ``--round-seconds`` and then looks up
(``GET /payments/{imp_uid}``) the payments made so far for half as long, until ``--total`` payments
exist. Every round prints req/s, p50, p99 and the CPU per request of the database (PostgreSQL: the
backends serving paymux's database; SQLite runs inside paymux, so paymux's own CPU) and of paymux;
the curves are drawn into ``--chart`` (matplotlib, ``pip install -e '.[bench]'``). The figures to
look for (issue #15): the last round's rates within 10 % of the first round's.

With ``FAKE_IAMPORT_DIR`` pointing at a built copy of samchon/fake-iamport-server
(``npm install && npm run build``; started with ``FAKE_IAMPORT_CMD``, by default
``node lib/executable/server.js``, on port ``FAKE_IAMPORT_PORT``, 10851), the same charges and
lookups run against it once and the ratios are printed. Nothing is asserted: figures are for people.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import os
import platform
import random
import secrets
import shlex
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import asyncpg
import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.databases import bench_database
from bench.loadgen import Result, build_request, run
from tests.harness import free_port, wait_until_healthy
from tests.postgres import bench_postgres, drop_database

CARD = {"card_number": "5361-4812-3456-1234", "expiry": "2030-12", "birth": "820213"}


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far (/proc/PID/stat); 0 if it is gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@dataclass
class Round:
    payments: int
    charge: Result
    lookup: Result
    db_cpu_ms: float  # per request, both kinds
    app_cpu_ms: float


@dataclass
class Target:
    """A running server speaking i'mport's API, with a billing key to charge."""

    name: str
    base: str
    token: str
    customer_uid: str
    imp_uids: list[str] = field(default_factory=list)
    db_pids: callable = list  # type: ignore[valid-type]
    app_pid: int = 0


def _cli(env: dict[str, str], *args: str) -> str:
    return subprocess.run([sys.executable, "-m", "paymux.cli", *args], env=env, capture_output=True, text=True,
                          check=True, cwd=ROOT).stdout


def _start(args: list[str], env: dict[str, str], health: str, cwd: Path = ROOT) -> subprocess.Popen:
    process = subprocess.Popen(args, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=cwd)
    wait_until_healthy(health, process)
    return process


def _token(base: str, key: str, secret: str) -> str:
    return httpx.post(f"{base}/users/getToken", json={"imp_key": key, "imp_secret": secret}).json()["response"]["access_token"]


async def _autovacuum_off(url: str) -> None:
    connection = await asyncpg.connect(url)
    tables = await connection.fetch("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
    for row in tables:
        await connection.execute(f'ALTER TABLE "{row["tablename"]}" SET (autovacuum_enabled = false, '
                                 f'toast.autovacuum_enabled = false)')
    await connection.close()


def _backend_pids(url: str) -> list[int]:
    async def fetch() -> list[int]:
        connection = await asyncpg.connect(url)
        rows = await connection.fetch("SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
                                      "AND pid <> pg_backend_pid()")
        await connection.close()
        return [row["pid"] for row in rows]

    return asyncio.run(fetch())


def start_paymux(database: str, work: Path, processes: list[subprocess.Popen]) -> tuple[Target, str | None]:
    url, postgres = bench_database(database, work)
    env = {**os.environ, "PAYMUX_DATA_DIR": str(work), "PAYMUX_DATABASE_URL": url}
    created = json.loads(_cli(env, "merchant", "create", "--name", "growth", "--json"))  # migrates (and analyzes)
    _cli(env, "channel", "add", "--merchant", created["user_code"], "--pg", "html5_inicis", "--type", "api")
    if postgres is not None:
        asyncio.run(_autovacuum_off(url))
    port = free_port()
    process = _start([sys.executable, "-m", "paymux.cli", "serve", "--port", str(port), "--no-access-log"], env,
                     f"http://127.0.0.1:{port}/healthz")
    processes.append(process)
    base = f"http://127.0.0.1:{port}"
    token = _token(base, created["imp_key"], created["imp_secret"])
    key = httpx.post(f"{base}/subscribe/customers/growth_customer", headers={"Authorization": token}, json=CARD).json()
    assert key["code"] == 0, key
    target = Target(database, base, token, "growth_customer", app_pid=process.pid)
    if postgres is not None:
        target.db_pids = lambda: _backend_pids(url)
    return target, url if postgres is not None else None


def start_fake_iamport(processes: list[subprocess.Popen]) -> Target | None:
    directory = os.environ.get("FAKE_IAMPORT_DIR")
    if not directory:
        return None
    port = int(os.environ.get("FAKE_IAMPORT_PORT", "10851"))
    command = shlex.split(os.environ.get("FAKE_IAMPORT_CMD", "node lib/executable/server.js"))
    base = f"http://127.0.0.1:{port}"
    process = subprocess.Popen(command, cwd=directory, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    processes.append(process)
    deadline = time.monotonic() + 60
    while True:
        try:
            token = _token(base, "test_imp_key", "test_imp_secret")
            break
        except (httpx.TransportError, KeyError, ValueError):
            if process.poll() is not None or time.monotonic() > deadline:
                raise SystemExit(f"fake-iamport-server did not start from {directory}") from None
            time.sleep(0.5)
    customer = "growth_customer"
    reply = httpx.post(f"{base}/subscribe/customers/{customer}", headers={"Authorization": token},
                       json={**CARD, "pwd_2digit": "00", "customer_uid": customer}).json()
    assert reply.get("code") == 0, reply
    return Target("fake-iamport-server", base, token, customer, app_pid=process.pid)


def _measure(target: Target, make, seconds: float, concurrency: int, check=None) -> tuple[Result, float, float]:  # type: ignore[no-untyped-def]
    pids = target.db_pids()
    db_before = {pid: cpu_seconds(pid) for pid in pids}
    app_before = cpu_seconds(target.app_pid)
    port = int(target.base.rsplit(":", 1)[1])
    result = asyncio.run(run("127.0.0.1", port, make, concurrency, seconds, check))
    # a backend that started during the round (the first round opens the pools) counts from 0
    db = sum(max(0.0, cpu_seconds(pid) - db_before.get(pid, 0.0)) for pid in {*db_before, *target.db_pids()})
    app = cpu_seconds(target.app_pid) - app_before
    return result, db, app


def one_round(target: Target, seconds: float, concurrency: int, run_id: str, counter: itertools.count) -> Round:
    auth = {"Authorization": target.token, "Content-Type": "application/json"}

    def charge(_i: int) -> bytes:
        body = json.dumps({"customer_uid": target.customer_uid, "merchant_uid": f"g{run_id}_{next(counter)}",
                           "amount": 1000, "name": "growth bench"}).encode()
        return build_request("POST", "/subscribe/payments/again", "bench", body, auth)

    def keep(status: int, body: bytes) -> None:
        if 200 <= status < 300:  # fake-iamport-server answers 201
            reply = json.loads(body)
            if reply.get("code") == 0:
                target.imp_uids.append(reply["response"]["imp_uid"])

    charged, db_charge, app_charge = _measure(target, charge, seconds, concurrency, keep)
    uids = target.imp_uids

    def lookup(_i: int) -> bytes:
        return build_request("GET", f"/payments/{random.choice(uids)}", "bench", headers={"Authorization": target.token})

    looked, db_lookup, app_lookup = _measure(target, lookup, seconds / 2, concurrency)
    requests = len(charged.latencies) + len(looked.latencies) or 1
    return Round(len(uids), charged, looked, (db_charge + db_lookup) * 1000 / requests,
                 (app_charge + app_lookup) * 1000 / requests)


def _line(label: str, number: int, r: Round) -> str:
    return (f"{label:<11} round {number:>3}  payments {r.payments:>7}  "
            f"charge {r.charge.throughput:6.0f}/s p50 {r.charge.percentile(0.5):6.1f} p99 {r.charge.percentile(0.99):7.1f} ms  "
            f"lookup {r.lookup.throughput:6.0f}/s p50 {r.lookup.percentile(0.5):6.1f} p99 {r.lookup.percentile(0.99):7.1f} ms  "
            f"db CPU {r.db_cpu_ms:5.2f} ms/req  app CPU {r.app_cpu_ms:5.2f} ms/req")


def _ends_ratio(rounds: list[Round], kind: str) -> float:
    """Median req/s of the last three rounds over that of the first three."""
    rates = [getattr(r, kind).throughput for r in rounds]
    return statistics.median(rates[-3:]) / statistics.median(rates[:3])


def grow(database: str, options: argparse.Namespace) -> list[Round]:
    work = Path(tempfile.mkdtemp(prefix=f"paymux-growth-{database}-"))
    processes: list[subprocess.Popen] = []
    url = None
    rounds: list[Round] = []
    try:
        target, url = start_paymux(database, work, processes)
        if database == "sqlite":
            target.db_pids = list  # SQLite works inside paymux: its CPU is paymux's
        run_id, counter = secrets.token_hex(3), itertools.count()
        while not rounds or rounds[-1].payments < options.total:
            rounds.append(one_round(target, options.round_seconds, options.concurrency, run_id, counter))
            print(_line(database, len(rounds), rounds[-1]), flush=True)
        first, last = rounds[0], rounds[-1]
        print(f"{database}: last/first round  charge {last.charge.throughput / first.charge.throughput:.0%}  "
              f"lookup {last.lookup.throughput / first.lookup.throughput:.0%}  (goal: within 10 %)", flush=True)
        print(f"{database}: median of the last three / of the first three rounds (one round's noise is a few %)  "
              f"charge {_ends_ratio(rounds, 'charge'):.0%}  lookup {_ends_ratio(rounds, 'lookup'):.0%}", flush=True)
    finally:
        for process in processes:
            process.terminate()
            process.wait(timeout=30)
        if url is not None and (postgres := bench_postgres()) is not None:
            drop_database(postgres, url)
        shutil.rmtree(work, ignore_errors=True)
    return rounds


def side_by_side(options: argparse.Namespace) -> None:
    """One round on paymux (PostgreSQL) and on fake-iamport-server, and the ratios."""
    processes: list[subprocess.Popen] = []
    try:
        fake = start_fake_iamport(processes)
        if fake is None:
            print("fake-iamport-server: FAKE_IAMPORT_DIR not set, skipped")
            return
        fake_round = one_round(fake, options.round_seconds, options.concurrency, secrets.token_hex(3), itertools.count())
        print(_line("fake", 1, fake_round).replace("db CPU", "(in memory) db CPU"), flush=True)
    finally:
        for process in processes:
            process.terminate()
            process.wait(timeout=30)
    for database, rounds in RESULTS.items():
        mine = rounds[0]
        print(f"{database} / fake-iamport-server (first round): charge "
              f"{mine.charge.throughput / fake_round.charge.throughput:.2f}x  lookup "
              f"{mine.lookup.throughput / fake_round.lookup.throughput:.2f}x")


RESULTS: dict[str, list[Round]] = {}


def chart(path: Path, options: argparse.Namespace) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, (rates, tails, cpu) = plt.subplots(1, 3, figsize=(16, 4.5))
    for database, rounds in RESULTS.items():
        stored = [r.payments / 1000 for r in rounds]
        rates.plot(stored, [r.charge.throughput for r in rounds], label=f"{database} charge")
        rates.plot(stored, [r.lookup.throughput for r in rounds], label=f"{database} lookup", linestyle="--")
        tails.plot(stored, [r.charge.percentile(0.99) for r in rounds], label=f"{database} charge p99")
        tails.plot(stored, [r.lookup.percentile(0.99) for r in rounds], label=f"{database} lookup p99", linestyle="--")
        cpu.plot(stored, [r.db_cpu_ms if database != "sqlite" else r.app_cpu_ms for r in rounds],
                 label="postgresql backends" if database != "sqlite" else "sqlite (inside paymux)")
    rates.set(xlabel="payments stored (thousands)", ylabel="requests / s", title="throughput per round", ylim=(0, None))
    tails.set(xlabel="payments stored (thousands)", ylabel="ms", title="p99 latency per round", ylim=(0, None))
    cpu.set(xlabel="payments stored (thousands)", ylabel="CPU ms / request", title="database CPU per request",
            ylim=(0, None))
    for axes in (rates, tails, cpu):
        axes.legend(fontsize=8)
        axes.grid(alpha=0.3)
    stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    figure.suptitle(f"paymux growth run to {options.total:,} payments, {options.concurrency} concurrent, {stamp}, "
                    f"{platform.machine()} {os.cpu_count()} cores, never-analyzed databases")
    figure.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, dpi=90)
    print(f"chart: {path}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database", choices=["both", "postgresql", "sqlite"], default="both")
    parser.add_argument("--total", type=int, default=int(os.environ.get("GROWTH_TOTAL", "200000")),
                        help="payments to reach (env GROWTH_TOTAL)")
    parser.add_argument("--round-seconds", type=float, default=10)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--chart", type=Path, default=ROOT / "bench" / "results" / "growth.png")
    options = parser.parse_args()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))  # stop the servers and drop the database
    print(f"growth run to {options.total} payments, rounds of {options.round_seconds:g} s charges + "
          f"{options.round_seconds / 2:g} s lookups, {options.concurrency} concurrent", flush=True)
    for database in (["postgresql", "sqlite"] if options.database == "both" else [options.database]):
        RESULTS[database] = grow(database, options)
    side_by_side(options)
    if bench_postgres.cache_info().currsize and (server := bench_postgres()) is not None:
        server.stop()  # only a throwaway cluster is stopped
    try:
        chart(options.chart, options)
    except ImportError:
        print("matplotlib not installed (pip install -e '.[bench]'): no chart")


if __name__ == "__main__":
    main()
