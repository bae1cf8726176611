"""Charge (`POST /subscribe/payments/again`) and lookup (`GET /payments/{imp_uid}`) against the ceiling:
a bare app on the same framework and database doing one INSERT / one SELECT.

    python bench/charge_and_lookup.py [--database postgresql|sqlite] [--stored 10000] [--seconds 10]
                                      [--concurrency 16,64,256] [--soak-seconds 60]

Prints throughput, latency, paymux's CPU and bytes written per request of each, paymux's share of
the ceiling, and charges again at the other concurrencies (pool queueing shows as p99 >> p50). Then a
soak: charges for ``--soak-seconds`` at the first concurrency while paymux's RSS is sampled every 5 s.
With ``FAKE_IAMPORT_DIR`` set (see bench/growth.py), samchon/fake-iamport-server is charged in the same
run at the first concurrency. Each figure is printed beside issue #15's target for it. Nothing here is
asserted: figures are read by people, not tests.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import os
import secrets
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.databases import bench_database
from bench.loadgen import Result, build_request, run
from tests.harness import free_port, wait_until_healthy
from tests.postgres import drop_database


def _cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far (/proc/PID/stat)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _io(pid: int) -> dict[str, int]:
    """Bytes written to files (write_bytes: what reaches the page cache of a file, not pipes or
    /dev/null) and write calls (syscw, log lines included) so far (/proc/PID/io)."""
    pairs = (line.split(": ") for line in Path(f"/proc/{pid}/io").read_text().splitlines())
    return {key: int(value) for key, value in pairs if key in ("write_bytes", "syscw")}


def _start(args: list[str], env: dict[str, str], health: str) -> subprocess.Popen:
    # Its log goes nowhere: a pipe nobody reads fills up and stops the server.
    process = subprocess.Popen(args, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=ROOT)
    wait_until_healthy(health, process)
    return process


def _rss_mib(pid: int) -> float:
    """Resident set size of a process (VmRSS in /proc/PID/status), MiB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def _soak(port: int, make, pid: int, concurrency: int, seconds: float) -> list[float]:  # type: ignore[no-untyped-def]
    """Charge for ``seconds`` while sampling paymux's RSS every 5 s from the 5th second on; returns the samples (MiB)."""
    if seconds <= 0:
        return []
    samples: list[float] = []

    async def sample() -> None:
        await asyncio.sleep(5)  # the first 5 s settle what the measurements before left (a c=256 run's buffers)
        while True:
            samples.append(_rss_mib(pid))
            await asyncio.sleep(5)

    async def soak() -> Result:
        sampler = asyncio.create_task(sample())
        try:
            return await run("127.0.0.1", port, make, concurrency, seconds)
        finally:
            sampler.cancel()

    result = asyncio.run(soak())
    samples.append(_rss_mib(pid))
    print(result.line(f"soak charge c={concurrency}"), flush=True)
    print(f"{'':<28} RSS MiB every 5 s from 5 s on: {' '.join(f'{r:.1f}' for r in samples)}", flush=True)
    return samples


def _fake_iamport_charge_rate(measure, concurrency: int) -> float | None:  # type: ignore[no-untyped-def]
    """Charges on samchon/fake-iamport-server (FAKE_IAMPORT_DIR) at ``concurrency``, req/s; None if unset."""
    from bench.growth import start_fake_iamport

    processes: list[subprocess.Popen] = []
    try:
        fake = start_fake_iamport(processes)
        if fake is None:
            print("fake-iamport-server: FAKE_IAMPORT_DIR not set, skipped")
            return None
        orders = itertools.count()
        auth = {"Authorization": fake.token, "Content-Type": "application/json"}

        def charge(_i: int) -> bytes:
            body = json.dumps({"customer_uid": fake.customer_uid, "merchant_uid": f"f{secrets.token_hex(3)}_{next(orders)}",
                               "amount": 1000, "name": "bench"}).encode()
            return build_request("POST", "/subscribe/payments/again", "fake", body, auth)

        port = int(fake.base.rsplit(":", 1)[1])
        return measure(port, charge, "fake-iamport-server charge", concurrency, pid=fake.app_pid).throughput
    finally:
        for process in processes:
            process.terminate()
            process.wait(timeout=30)


def _target(figure: str, goal: str, met: bool | None) -> None:
    verdict = "" if met is None else ("  met" if met else "  NOT met")
    print(f"  {figure:<78} target {goal}{verdict}", flush=True)


async def preload_payments(database_url: str, merchant_id: int, count: int, bare: bool = True) -> None:
    """Fill the payments table (and, with ``bare``, the bare app's table) to the size under test, in
    bulk; payment ``i`` is ``imp_9`` followed by ``i`` in 11 digits."""
    from sqlalchemy import insert
    from sqlalchemy.ext.asyncio import create_async_engine

    from paymux.config import _normalise_database_url
    from paymux.store.schema import payments

    engine = create_async_engine(_normalise_database_url(database_url))
    if bare:
        from bench.bare_app import bare_payments, metadata

        async with engine.begin() as connection:
            await connection.run_sync(metadata.create_all)
    now = int(time.time()) - 86_400
    batch = 5_000
    for start in range(0, count, batch):
        rows = [
            {
                "imp_uid": f"imp_9{i:011d}", "merchant_id": merchant_id, "merchant_uid": f"preload_{i}",
                "status": "paid", "amount": 1_000 + i % 50_000, "pay_method": "card", "channel": "api",
                "pg_provider": "html5_inicis", "started_at": now, "paid_at": now, "updated_at": now,
                "status_at": now,
            }
            for i in range(start, min(count, start + batch))
        ]
        async with engine.begin() as connection:
            await connection.execute(insert(payments), rows)
            if bare:
                await connection.execute(insert(bare_payments), [
                    {"imp_uid": r["imp_uid"], "merchant_uid": r["merchant_uid"], "amount": r["amount"]} for r in rows
                ])
    await engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database", choices=["postgresql", "sqlite"], default="postgresql")
    parser.add_argument("--stored", type=int, default=10_000, help="payments stored before measuring")
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--concurrency", default="16,64,256",
                        help="comma-separated; the first for every measurement, the others for charges")
    parser.add_argument("--soak-seconds", type=float, default=60, help="charging while RSS is sampled (0: no soak)")
    options = parser.parse_args()
    concurrencies = [int(c) for c in str(options.concurrency).split(",")]

    work = Path(tempfile.mkdtemp(prefix="paymux-bench-"))
    database_url, postgres = bench_database(options.database, work)
    env = {**os.environ, "PAYMUX_DATA_DIR": str(work), "PAYMUX_DATABASE_URL": database_url, "BARE_DATABASE_URL": database_url,
           "PAYMUX_LOG_LEVEL": "WARNING"}  # no pg.call line per charge into a pipe nobody drains (observability.logs)
    os.environ["BARE_DATABASE_URL"] = database_url
    processes: list[subprocess.Popen] = []
    try:
        created = json.loads(subprocess.run(
            [sys.executable, "-m", "paymux.cli", "merchant", "create", "--name", "bench", "--json"],
            env=env, capture_output=True, text=True, check=True, cwd=ROOT,
        ).stdout)
        subprocess.run(
            [sys.executable, "-m", "paymux.cli", "channel", "add", "--merchant", created["user_code"], "--pg", "html5_inicis", "--type", "api"],
            env=env, capture_output=True, text=True, check=True, cwd=ROOT,
        )
        asyncio.run(preload_payments(database_url, created["id"], options.stored))

        paymux_port, bare_port = free_port(), free_port()
        processes.append(_start(
            [sys.executable, "-m", "paymux.cli", "serve", "--port", str(paymux_port), "--no-access-log"],
            env, f"http://127.0.0.1:{paymux_port}/healthz",
        ))
        processes.append(_start(
            [sys.executable, "-m", "uvicorn", "bench.bare_app:app", "--port", str(bare_port), "--no-access-log", "--log-level", "warning"],
            env, f"http://127.0.0.1:{bare_port}/payments/none",
        ))
        base = f"http://127.0.0.1:{paymux_port}"
        keys = {"imp_key": created["imp_key"], "imp_secret": created["imp_secret"]}
        token = httpx.post(f"{base}/users/getToken", json=keys).json()["response"]["access_token"]
        auth = {"Authorization": token, "Content-Type": "application/json"}
        key = httpx.post(f"{base}/subscribe/customers/bench_customer", headers=auth,
                         json={"card_number": "5361-4812-3456-1234", "expiry": "2030-12", "birth": "820213"}).json()
        assert key["code"] == 0, key
        # Every run (warm-ups included) takes new order ids: a merchant_uid repeated from an earlier
        # run is refused at once and would inflate the charge figure.
        order_ids = itertools.count()

        def charge(_i: int) -> bytes:
            body = json.dumps({"customer_uid": "bench_customer", "merchant_uid": f"b{run_id}_{next(order_ids)}",
                               "amount": 1000, "name": "bench"}).encode()  # INICIS refuses a billing charge without a name
            return build_request("POST", "/subscribe/payments/again", "paymux", body, auth)

        def bare_charge(_i: int) -> bytes:
            body = json.dumps({"merchant_uid": f"b{run_id}_{next(order_ids)}", "amount": 1000}).encode()
            return build_request("POST", "/charge", "bare", body, {"Content-Type": "application/json"})

        run_id = secrets.token_hex(4)

        def lookup(i: int) -> bytes:
            return build_request("GET", f"/payments/imp_9{(i * 7919) % options.stored:011d}", "paymux", headers={"Authorization": token})

        def bare_lookup(i: int) -> bytes:
            return build_request("GET", f"/payments/imp_9{(i * 7919) % options.stored:011d}", "bare")

        def measure(port: int, make, label: str, concurrency: int = concurrencies[0], pid: int | None = None) -> Result:  # type: ignore[no-untyped-def]
            asyncio.run(run("127.0.0.1", port, make, concurrency, 2))  # warm-up
            pid = pid or (processes[0].pid if port == paymux_port else processes[1].pid)
            cpu, io = _cpu_seconds(pid), _io(pid)
            result = asyncio.run(run("127.0.0.1", port, make, concurrency, options.seconds))
            n = max(1, len(result.latencies))
            cpu, io = _cpu_seconds(pid) - cpu, {k: v - io[k] for k, v in _io(pid).items()}
            print(result.line(f"{label} c={concurrency}"), flush=True)
            print(f"{'':<28} app CPU {cpu * 1000 / n:.2f} ms/req   written to files {io['write_bytes'] / n / 1024:.1f} KiB/req, "
                  f"{io['syscw'] / n:.1f} write calls/req (SQLite writes from inside the app process)", flush=True)
            written_kib[id(result)] = io["write_bytes"] / n / 1024
            return result

        written_kib: dict[int, float] = {}
        print(f"database={options.database} stored={options.stored} concurrency={options.concurrency} seconds={options.seconds}")
        ceiling_insert = measure(bare_port, bare_charge, "bare INSERT")
        charged = measure(paymux_port, charge, "paymux charge (again)")
        ceiling_select = measure(bare_port, bare_lookup, "bare SELECT")
        looked = measure(paymux_port, lookup, "paymux lookup")
        tails = {concurrencies[0]: charged}
        for concurrency in concurrencies[1:]:
            tails[concurrency] = measure(paymux_port, charge, "paymux charge (again)", concurrency)
        fake_rate = _fake_iamport_charge_rate(measure, concurrencies[0])
        rss = _soak(paymux_port, charge, processes[0].pid, concurrencies[0], options.soak_seconds)

        print("\ntargets of issue #15 (one worker):")
        _target(f"charge / bare INSERT {charged.throughput / ceiling_insert.throughput:.2f}x", ">= 0.7x",
                charged.throughput >= 0.7 * ceiling_insert.throughput)
        _target(f"lookup / bare SELECT {looked.throughput / ceiling_select.throughput:.2f}x", ">= 1.0x",
                looked.throughput >= ceiling_select.throughput)
        if fake_rate:
            _target(f"charge / fake-iamport-server {charged.throughput / fake_rate:.2f}x", ">= 1.0x",
                    charged.throughput >= fake_rate)
        for concurrency, result in tails.items():
            p50, p99 = result.percentile(0.5), result.percentile(0.99)
            _target(f"charge c={concurrency}: p99/p50 {p99 / max(p50, 0.001):.1f}", "<= 3 at 64 (PostgreSQL)",
                    None if concurrency != 64 or options.database != "postgresql" else p99 <= 3 * p50)
        if options.database == "sqlite":
            _target(f"charge c={concurrencies[0]}: {charged.throughput:.0f} req/s, p99 {charged.percentile(0.99):.1f} ms",
                    ">= 400 req/s, p99 <= 60 ms", charged.throughput >= 400 and charged.percentile(0.99) <= 60)
            _target(f"written per charge {written_kib[id(charged)]:.1f} KiB", "<= 40 KiB", written_kib[id(charged)] <= 40)
        if rss:
            spread = (max(rss) - min(rss)) / rss[0]
            _target(f"RSS over {options.soak_seconds:g} s of charging: {rss[0]:.1f} -> {rss[-1]:.1f} MiB "
                    f"(min {min(rss):.1f}, max {max(rss):.1f}; spread {spread:.1%})", "within +-5 %",
                    max(abs(r - rss[0]) for r in rss) <= 0.05 * rss[0])
    finally:
        for process in processes:
            process.terminate()
            process.wait(timeout=30)
        if postgres is not None:
            drop_database(postgres, database_url)
            postgres.stop()


if __name__ == "__main__":
    main()
