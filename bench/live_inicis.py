"""Charges and cancels through a live KG INICIS channel whose PG answers slowly: the INICIS emulator in
a separate process (``paymux pg-emulator inicis``), paymux serving on PostgreSQL, over real HTTP.

    python bench/live_inicis.py [--seconds 10] [--concurrency 256] [--latency-ms 200]

Prints, for PG latency 0 ms and --latency-ms: charge throughput, p50 and p99; the share of the 0 ms
throughput kept at the slow PG; cancels at the slow PG with the database connections paymux held
meanwhile (sampled from pg_stat_activity: a connection 'idle in transaction' would be one held across
a PG call); and paymux's peak RSS. Nothing is asserted: figures are for people.
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
import threading
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.loadgen import Result, build_request, run  # noqa: E402
from paymux.connectors.inicis.emulator import PAYMUX_LIVE_KEYS  # noqa: E402
from tests.harness import free_port, wait_until_healthy  # noqa: E402
from tests.postgres import bench_postgres, create_database, drop_database  # noqa: E402

CARD = {"card_number": "5361-4812-3456-1234", "expiry": "2030-12", "birth": "820213",
        "customer_name": "홍길동", "customer_email": "bench@example.com", "customer_tel": "010-1234-5678"}


def _cli(env: dict[str, str], *args: str, stdin: str | None = None) -> str:
    return subprocess.run([sys.executable, "-m", "paymux.cli", *args], env=env, input=stdin, capture_output=True,
                          text=True, check=True, cwd=ROOT).stdout


def _start(args: list[str], env: dict[str, str], health: str) -> subprocess.Popen:
    process = subprocess.Popen(args, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=ROOT)
    wait_until_healthy(health, process)
    return process


def _cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far (/proc/PID/stat, clock ticks)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _peak_rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


class HeldConnections:
    """Samples pg_stat_activity of paymux's database every 20 ms while a run lasts."""

    def __init__(self, database_url: str, held_ms: int) -> None:
        """``held_ms``: a transaction idle this long (most of a PG call) counts as held across the call."""
        self.database = database_url.rsplit("/", 1)[1]
        self.held_ms = held_ms
        self.max_active = self.max_idle_in_transaction = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=lambda: asyncio.run(self._poll()), daemon=True)

    def __enter__(self) -> HeldConnections:
        self._thread.start()
        return self

    async def _poll(self) -> None:
        import asyncpg

        connection = await asyncpg.connect(database=self.database, host="127.0.0.1")
        try:
            while not self._stop.is_set():
                rows = await connection.fetch(
                    "SELECT state, count(*) AS n FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid() "
                    "AND (state <> 'idle in transaction' OR now() - state_change > make_interval(secs => $2)) GROUP BY state",
                    self.database, self.held_ms / 1000)
                states = {row["state"]: row["n"] for row in rows}
                self.max_active = max(self.max_active, states.get("active", 0))
                self.max_idle_in_transaction = max(self.max_idle_in_transaction, states.get("idle in transaction", 0))
                await asyncio.sleep(0.02)
        finally:
            await connection.close()

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=10)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--concurrency", type=int, default=256)
    parser.add_argument("--latency-ms", type=int, default=200)
    options = parser.parse_args()

    postgres = bench_postgres()
    if postgres is None:
        raise SystemExit("no PostgreSQL reachable")
    database_url = create_database(postgres)
    work = Path(tempfile.mkdtemp(prefix="paymux-bench-live-"))
    env = {**os.environ, "PAYMUX_DATA_DIR": str(work), "PAYMUX_DATABASE_URL": database_url,
           "PAYMUX_RUN_WORKERS": "0", "PAYMUX_CONNECTOR_TIMEOUT_SECONDS": "30"}
    processes: list[subprocess.Popen] = []
    try:
        pg_port, paymux_port = free_port(), free_port()
        processes.append(_start([sys.executable, "-m", "paymux.cli", "pg-emulator", "inicis", "--port", str(pg_port)],
                                env, f"http://127.0.0.1:{pg_port}/_emulator/"))
        emulator = f"http://127.0.0.1:{pg_port}"
        _cli(env, "migrate")
        created = json.loads(_cli(env, "merchant", "create", "--name", "bench", "--json"))
        keys = {"sign_key": PAYMUX_LIVE_KEYS.sign_key, "iniapi_key": PAYMUX_LIVE_KEYS.iniapi_key, "iniapi_iv": PAYMUX_LIVE_KEYS.iniapi_iv}
        _cli(env, "channel", "add", "--merchant", created["user_code"], "--pg", "html5_inicis", "--type", "api",
             "--mode", "live", "--mid", PAYMUX_LIVE_KEYS.mid, "--endpoint", emulator, "--credentials-stdin", stdin=json.dumps(keys))
        paymux = _start([sys.executable, "-m", "paymux.cli", "serve", "--port", str(paymux_port), "--no-access-log"],
                        env, f"http://127.0.0.1:{paymux_port}/healthz")
        processes.append(paymux)
        base = f"http://127.0.0.1:{paymux_port}"
        keys = {"imp_key": created["imp_key"], "imp_secret": created["imp_secret"]}
        token = httpx.post(f"{base}/users/getToken", json=keys).json()["response"]["access_token"]
        auth = {"Authorization": token, "Content-Type": "application/json"}
        key = httpx.post(f"{base}/subscribe/customers/bench_customer", headers=auth, json=CARD).json()
        assert key["code"] == 0, key
        run_id, order_ids = secrets.token_hex(4), itertools.count()

        def charge(_i: int) -> bytes:
            """Every request of every run takes a new order id (a repeated one is refused at once)."""
            body = json.dumps({"customer_uid": "bench_customer", "merchant_uid": f"b{run_id}_{next(order_ids)}",
                               "amount": 1000, "name": "bench"}).encode()
            return build_request("POST", "/subscribe/payments/again", "paymux", body, auth)

        def set_latency(ms: int) -> None:
            httpx.post(f"{emulator}/_emulator/latency", json={"ms": ms}).raise_for_status()

        pids = {"paymux": paymux.pid, "emulator": processes[0].pid}

        def measure(make, label: str, seconds: float) -> Result:  # type: ignore[no-untyped-def]
            before = {name: _cpu_seconds(pid) for name, pid in pids.items()}
            codes: dict[str, int] = {}

            def check(_status: int, body: bytes) -> None:
                answer = json.loads(body)
                key = "paid" if answer["code"] == 0 else f"code {answer['code']}: {str(answer['message'])[:60]}"
                codes[key] = codes.get(key, 0) + 1

            result = asyncio.run(run("127.0.0.1", paymux_port, make, options.concurrency, seconds, check))
            if set(codes) != {"paid"}:
                print(f"  answers other than paid: { {k: v for k, v in codes.items() if k != 'paid'} }", flush=True)
            used = {name: (_cpu_seconds(pid) - before[name]) * 1000 / max(1, len(result.latencies)) for name, pid in pids.items()}
            cpu = ", ".join(f"{name} {ms:.1f} ms CPU/req" for name, ms in used.items())
            print(result.line(label) + f"   [{cpu}]", flush=True)
            return result

        if os.environ.get("BENCH_PRINT_PIDS"):
            print(f"pids: paymux {paymux.pid} emulator {processes[0].pid}", flush=True)
        print(f"live INICIS via the emulator (separate process); PostgreSQL; concurrency={options.concurrency}; "
              f"{options.seconds:.0f} s per run")
        set_latency(0)
        measure(charge, "warm-up", 2)
        fast = measure(charge, "charge, PG 0 ms", options.seconds)
        set_latency(options.latency_ms)
        slow = measure(charge, f"charge, PG {options.latency_ms} ms", options.seconds)
        print(f"charge at {options.latency_ms} ms keeps {slow.throughput / fast.throughput:.0%} of the 0 ms throughput "
              f"(goal >= 80%); p99 {slow.percentile(0.99):.0f} ms vs PG latency + 25 = {options.latency_ms + 25} ms")

        paid = httpx.get(f"{base}/subscribe/customers/bench_customer/payments", headers=auth, params={"limit": 100}).json()
        imp_uids = iter([p["imp_uid"] for p in paid["response"]["list"] if p["status"] == "paid"])

        def cancel(_i: int) -> bytes:
            body = json.dumps({"imp_uid": next(imp_uids, "imp_none"), "amount": 100, "reason": "bench"}).encode()
            return build_request("POST", "/payments/cancel", "paymux", body, auth)

        with HeldConnections(database_url, held_ms=max(50, options.latency_ms * 3 // 4)) as held:
            cancels = asyncio.run(run("127.0.0.1", paymux_port, cancel, min(options.concurrency, 64), 3))
        print(cancels.line(f"cancel, PG {options.latency_ms} ms"))
        print(f"database connections during cancels: at most {held.max_active} active; "
              f"{held.max_idle_in_transaction} idle in a transaction for >= {held.held_ms} ms (held across a PG call: should be 0)")
        print(f"paymux peak RSS: {_peak_rss_mib(paymux.pid):.0f} MiB (one worker)")
    finally:
        for process in processes:
            process.terminate()
            process.wait(timeout=30)
        drop_database(postgres, database_url)
        postgres.stop()


if __name__ == "__main__":
    main()
