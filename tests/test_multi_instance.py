"""Two paymux instances on one PostgreSQL share the scheduled work: each schedule is charged exactly
once, and killing one instance with SIGKILL in the middle loses none."""

from __future__ import annotations

import base64
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import asyncpg
import httpx

from tests.harness import free_port, wait_until_healthy
from tests.postgres import fresh_database, run_coroutine
from tests.webhooks.receiver import Receiver

SCHEDULES = 1_000


def _count(url: str, sql: str) -> list[asyncpg.Record]:
    async def query() -> list[asyncpg.Record]:
        connection = await asyncpg.connect(url)
        try:
            return await connection.fetch(sql)
        finally:
            await connection.close()

    return run_coroutine(query())


def test_two_instances_execute_every_schedule_exactly_once_despite_a_sigkill(tmp_path: Path) -> None:
    with fresh_database() as database_url:
        _run_two_instances(database_url, tmp_path)


def _run_two_instances(database_url: str, tmp_path: Path) -> None:
    raw_url = database_url
    env = {
        **os.environ,
        "PAYMUX_DATA_DIR": str(tmp_path),
        "PAYMUX_DATABASE_URL": database_url,
        "PAYMUX_VAULT_KEYS": "k1:" + base64.urlsafe_b64encode(os.urandom(32)).decode(),
        "PAYMUX_PENDING_GRACE_SECONDS": "0",
        "PAYMUX_JOB_LEASE_SECONDS": "5",
        "PAYMUX_WEBHOOK_ALLOW_PRIVATE": "1",  # the notice_url receiver is on 127.0.0.1
    }
    cli = [sys.executable, "-m", "paymux.cli"]
    processes: list[subprocess.Popen] = []
    receiver = Receiver(lambda: int(time.time())).start()
    try:
        created = json.loads(subprocess.run([*cli, "merchant", "create", "--name", "multi", "--json"],
                                            env=env, capture_output=True, text=True, check=True).stdout)
        subprocess.run([*cli, "channel", "add", "--merchant", created["user_code"], "--pg", "kcp", "--type", "api"], env=env, check=True, capture_output=True)
        ports = [free_port(), free_port()]
        for port in ports:
            process = subprocess.Popen([*cli, "serve", "--port", str(port), "--no-access-log"], env=env,
                                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            processes.append(process)
            wait_until_healthy(f"http://127.0.0.1:{port}/healthz", process)
        base = f"http://127.0.0.1:{ports[0]}"
        keys = {"imp_key": created["imp_key"], "imp_secret": created["imp_secret"]}
        token = httpx.post(f"{base}/users/getToken", json=keys).json()["response"]["access_token"]
        http = httpx.Client(base_url=base, headers={"Authorization": token}, timeout=60)
        assert http.post("/subscribe/customers/multi", json={"card_number": "5361-4812-3456-1234", "expiry": "2030-12", "birth": "820213"}).json()["code"] == 0

        start = int(time.time()) + 3
        orders = [f"multi_{n:04d}" for n in range(SCHEDULES)]
        for first in range(0, SCHEDULES, 250):  # spread over ~10 s so the kill lands mid-way
            batch = [{"merchant_uid": uid, "schedule_at": start + n // 100, "amount": 1_000 + n, "notice_url": receiver.url()}
                     for n, uid in enumerate(orders[first:first + 250], start=first)]
            reply = http.post("/subscribe/payments/schedule", json={"customer_uid": "multi", "schedules": batch}).json()
            assert reply["code"] == 0, reply

        executed = "SELECT count(*) AS n FROM schedules WHERE schedule_status = 'executed'"
        deadline = time.monotonic() + 60
        while _count(raw_url, executed)[0]["n"] < SCHEDULES // 4:
            assert time.monotonic() < deadline, "schedules did not start executing"
            time.sleep(0.2)
        processes[1].send_signal(signal.SIGKILL)  # the second instance dies mid-work
        processes[1].wait()

        deadline = time.monotonic() + 400  # a bound, not a speed target: the dead instance's lease runs out first
        while _count(raw_url, executed)[0]["n"] < SCHEDULES:
            assert time.monotonic() < deadline, f"only {_count(raw_url, executed)[0]['n']} of {SCHEDULES} executed"
            time.sleep(0.5)

        paid = _count(raw_url, "SELECT merchant_uid, count(*) AS n FROM payments WHERE status = 'paid' GROUP BY merchant_uid")
        assert len(paid) == SCHEDULES and all(row["n"] == 1 for row in paid)  # each exactly once, none twice
        schedules = _count(raw_url, "SELECT s.merchant_uid, s.payment_status, s.amount, p.amount AS paid_amount, p.status "
                                    "FROM schedules s JOIN payments p ON p.imp_uid = s.imp_uid")
        assert len(schedules) == SCHEDULES
        assert all(row["payment_status"] == "paid" == row["status"] and row["amount"] == row["paid_amount"] for row in schedules)
        webhooks = _count(raw_url, "SELECT count(*) AS n FROM webhook_events e JOIN payments p ON p.imp_uid = e.imp_uid WHERE p.status = 'paid'")
        assert webhooks[0]["n"] == SCHEDULES  # one 'paid' notification per charge, none lost

        # and the receiver: every paid payment announced, each under one webhook-id (delivery is
        # at-least-once, so a send cut by the SIGKILL may repeat, but never as another event)
        paid_uids = {row["imp_uid"] for row in _count(raw_url, "SELECT imp_uid FROM payments WHERE status = 'paid'")}
        deadline = time.monotonic() + 200  # events the dead instance had taken wait out its lease (~2 min)
        while True:
            arrived = [r for r in receiver.about(paid_uids) if r.payload["status"] == "paid" and r.answered == 200]
            if {r.payload["imp_uid"] for r in arrived} == paid_uids or time.monotonic() > deadline:
                break
            time.sleep(0.5)
        assert {r.payload["imp_uid"] for r in arrived} == paid_uids
        ids_per_payment: dict[str, set[str]] = {}
        for request in arrived:
            ids_per_payment.setdefault(request.payload["imp_uid"], set()).add(request.webhook_id)
        assert all(len(ids) == 1 for ids in ids_per_payment.values())
    finally:
        receiver.close()
        for process in processes:
            if process.poll() is None:
                process.terminate()
                process.wait(timeout=30)
