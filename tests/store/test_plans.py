"""Every hot statement keeps its index whatever PostgreSQL's statistics say (issue #15 item 1).

The database is created empty by paymux's migrations with autovacuum off for its tables, so no
statistics are gathered after the migrations. Each statement runs through paymux's own store code,
on a tiny table, enough times for PostgreSQL to settle on a cached plan; then 10 000 rows are added
behind its back and ``EXPLAIN EXECUTE`` of that same prepared statement, on that same connection, must
name the intended index. A plan chosen on a few rows that walks a merchant's whole index, or scans
a whole table, fails here.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any

import asyncpg

from paymux.domain.payment import Payment, PaymentStatus
from paymux.store import claims as claim_store
from paymux.store import customers as customer_store
from paymux.store import orders as order_store
from paymux.store import payments as payment_store
from paymux.store import pg_calls as pg_call_store
from paymux.store import schedules as schedule_store
from paymux.store import webhooks as webhook_store
from paymux.store.database import Database
from paymux.store.migrate import upgrade_to_head
from paymux.store.schema import metadata
from tests.postgres import run_coroutine, run_in_thread
from tests.store.plans import PlanProbe, explain_prepared, scans

NOW = 1_800_000_000
ROWS = 10_000
RUNS = 8  # PostgreSQL considers a generic plan from the sixth execution on


async def _tiny_shop(admin: asyncpg.Connection) -> None:
    """Two merchants, a channel and a billing key each, a few payments, claims and jobs."""
    for merchant_id in (1, 2):
        await admin.execute(
            "INSERT INTO merchants (id, user_code, name, imp_key, imp_secret_hash, created_at)"
            " VALUES ($1, $2, $3, $4, 'x', $5)", merchant_id, f"imp{merchant_id:08d}", f"shop {merchant_id}",
            f"key{merchant_id}", NOW)
        await admin.execute(
            "INSERT INTO channels (id, merchant_id, position, pg_provider, mid, pay_type, mode, created_at, updated_at)"
            " VALUES ($1, $1, 1, 'html5_inicis', 'INIBillTst', 'api', 'test', $2, $2)", merchant_id, NOW)
        await admin.execute(
            "INSERT INTO customers (merchant_id, customer_uid, channel_id, pg_provider, pg_id, billing_key_key_id,"
            " billing_key_ciphertext, inserted, updated) VALUES ($1, 'cust_0', $1, 'html5_inicis', 'INIBillTst', 'k',"
            " '\\x00'::bytea, $2, $2)", merchant_id, NOW)
    for i in range(3):
        await admin.execute(
            "INSERT INTO payments (imp_uid, merchant_id, merchant_uid, status, amount, pay_method, channel,"
            " pg_provider, started_at, updated_at, status_at) VALUES ($1, 1, $2, 'paid', 1000, 'card', 'api',"
            " 'html5_inicis', $3, $3, $3)", f"imp_tiny{i:04d}", f"tiny_{i}", NOW)
        await admin.execute(
            "INSERT INTO order_claims (merchant_id, merchant_uid, imp_uid, state, attempt, created_at, updated_at)"
            " VALUES (1, $1, $2, 'paid', '{}', $3, $3)", f"tiny_{i}", f"imp_tiny{i:04d}", NOW)


async def _grow(admin: asyncpg.Connection) -> None:
    """10 000 more rows in every table a hot statement reads, all of merchant 1, finished work."""
    await admin.execute(
        "INSERT INTO payments (imp_uid, merchant_id, merchant_uid, status, amount, pay_method, channel, pg_provider,"
        " started_at, paid_at, updated_at, status_at, customer_uid)"
        " SELECT 'imp_g' || lpad(i::text, 10, '0'), 1, 'grown_' || i, 'paid', 1000, 'card', 'api', 'html5_inicis',"
        " $1 - i, $1 - i, $1 - i, $1 - i, 'cust_' || (i % 100) FROM generate_series(1, $2) AS i", NOW, ROWS)
    await admin.execute(
        "INSERT INTO order_claims (merchant_id, merchant_uid, imp_uid, state, attempt, created_at, updated_at)"
        " SELECT 1, 'grown_' || i, 'imp_g' || lpad(i::text, 10, '0'), 'paid', '{}', $1 - i, $1 - i"
        " FROM generate_series(1, $2) AS i", NOW, ROWS)
    await admin.execute(
        "INSERT INTO customers (merchant_id, customer_uid, channel_id, pg_provider, pg_id, billing_key_key_id,"
        " billing_key_ciphertext, inserted, updated) SELECT 1, 'grown_' || i, 1, 'html5_inicis', 'INIBillTst', 'k',"
        " '\\x00'::bytea, $1, $1 FROM generate_series(1, $2) AS i", NOW, ROWS)
    await admin.execute(
        "INSERT INTO prepared_orders (merchant_id, merchant_uid, amount, created_at, updated_at)"
        " SELECT 1, 'grown_' || i, 1000, $1, $1 FROM generate_series(1, $2) AS i", NOW, ROWS)
    await admin.execute(
        "INSERT INTO webhook_events (merchant_id, imp_uid, merchant_uid, payload, state, attempts, created_at,"
        " next_attempt_at, delivered_at) SELECT 1, 'imp_g' || lpad(i::text, 10, '0'), 'grown_' || i, '{}',"
        " 'delivered', 1, $1 - i, $1 - i, $1 - i FROM generate_series(1, $2) AS i", NOW, ROWS)
    await admin.execute(
        "INSERT INTO schedules (merchant_id, customer_uid, merchant_uid, schedule_at, amount, schedule_status,"
        " executed_at, created_at, updated_at) SELECT 1, 'cust_0', 'sched_' || i, $1 - i, 1000, 'executed', $1 - i,"
        " $1 - i, $1 - i FROM generate_series(1, $2) AS i", NOW, ROWS)
    await admin.execute(
        "INSERT INTO cancellations (cancellation_id, imp_uid, pg_tid, amount, cancelled_at, state)"
        " SELECT 'c' || i, 'imp_g' || lpad(i::text, 10, '0'), 't', 100, $1 - i, 'done'"
        " FROM generate_series(1, $2) AS i", NOW, ROWS)
    await admin.execute(
        "INSERT INTO pg_calls (merchant_id, kind, subject, state, created_at, updated_at)"
        " SELECT 1, 'key_issue', 'grown_' || i, 'done', $1 - i, $1 - i FROM generate_series(1, $2) AS i", NOW, ROWS)



class Shop:
    def __init__(self, database: Database, admin: asyncpg.Connection) -> None:
        self.database, self.admin = database, admin
        self.probe = PlanProbe(database.engine)  # and each connection of asyncpg's pools it is given to watch


@asynccontextmanager
async def _shop(postgres_url: str) -> AsyncIterator[Shop]:
    """A never-analyzed shop with a few rows, its autovacuum off; one pooled connection per engine."""
    admin = await asyncpg.connect(postgres_url.replace("postgresql+asyncpg", "postgresql"))
    present = {row["tablename"] for row in await admin.fetch("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")}
    tables = sorted(present & set(metadata.tables))
    never_analyzed = await admin.fetchval(
        "SELECT bool_and(reltuples < 0) FROM pg_class WHERE relname = ANY($1::text[])", tables)
    assert never_analyzed, "the migrations must leave the tables never analyzed"
    for table in tables:
        await admin.execute(f"ALTER TABLE {table} SET (autovacuum_enabled = false, toast.autovacuum_enabled = false)")
    await _tiny_shop(admin)
    database = Database(postgres_url, pool_size=1)
    try:
        yield Shop(database, admin)
    finally:
        await database.dispose()
        await admin.close()


async def _plan_after_growth(
    shop: Shop, run: Callable[[int], Awaitable[None]], *fragments: str, pool: str = "main"
) -> list[tuple[str, str, str | None]]:
    """Run the statement RUNS times on the tiny tables, grow them, and return the scans of the plan
    its prepared statement would now use (the statement is found by fragments of its SQL) on the
    one connection of ``pool``: "main" (SQLAlchemy's), "hot" or "attempts" (asyncpg's)."""
    for i in range(RUNS):
        await run(i)
    await _grow(shop.admin)
    probe = shop.probe
    opened = {"main": shop.database.reading, "hot": shop.database.hot_reading,
              "attempts": shop.database.recording_attempt}[pool]()
    async with opened as connection:
        driver = await probe.watch(connection)
        [sql] = probe.statements_like(*fragments)
        explained = await explain_prepared(driver, sql, probe.calls[sql])
    assert explained["generic_plans"] > 0, "PostgreSQL never used a cached generic plan: nothing was tested"
    return scans(explained["plan"])


async def _watched(shop: Shop, connection: Any) -> None:
    await shop.probe.watch(connection)


def _payment(i: int) -> Payment:
    return Payment(imp_uid=f"imp_new{i:08d}", merchant_id=1, merchant_uid=f"new_{i}", amount=1000,
                   pg_provider="html5_inicis", channel_id=1, started_at=NOW, updated_at=NOW, status_at=NOW,
                   outcome_pending=True)


def test_charge_context_reads_the_customer_by_its_unique_key(postgres_url: str) -> None:
    run_coroutine(_charge_context_reads_the_customer_by_its_unique_key(postgres_url))


async def _charge_context_reads_the_customer_by_its_unique_key(postgres_url: str) -> None:
    async with _shop(postgres_url) as shop:
        async def run(i: int) -> None:
            async with shop.database.recording_attempt() as connection:
                await _watched(shop, connection)
                assert await customer_store.charge_context(connection, 1 + i % 2, "cust_0", f"order_{i}") is not None

        found = await _plan_after_growth(shop, run, "FROM customers", pool="attempts")
        assert ("Index Scan", "customers", "uq_customers_merchant_id_customer_uid") in found, found
        assert all(node != "Seq Scan" for node, _, _ in found), found


def test_order_claim_and_its_check_use_the_claims_key(postgres_url: str) -> None:
    run_coroutine(_order_claim_and_its_check_use_the_claims_key(postgres_url))


async def _order_claim_and_its_check_use_the_claims_key(postgres_url: str) -> None:
    async with _shop(postgres_url) as shop:
        async def run(i: int) -> None:
            async with shop.database.recording_attempt() as connection:
                await _watched(shop, connection)
                await claim_store.claim_order(connection, _payment(i), NOW)
            async with shop.database.reading() as connection:
                await _watched(shop, connection)
                assert await claim_store.order_is_claimed(connection, 1, f"new_{i}")

        found = await _plan_after_growth(shop, run, "SELECT order_claims.state")
        assert found == [("Index Scan", "order_claims", "pk_order_claims")], found


def test_settling_a_charge_finds_its_claim_by_key(postgres_url: str) -> None:
    run_coroutine(_settling_a_charge_finds_its_claim_by_key(postgres_url))


async def _settling_a_charge_finds_its_claim_by_key(postgres_url: str) -> None:
    async with _shop(postgres_url) as shop:
        async def run(i: int) -> None:
            payment = _payment(i)
            async with shop.database.recording_attempt() as connection:
                await claim_store.claim_order(connection, payment, NOW)
            payment.status, payment.outcome_pending = PaymentStatus.PAID, False
            webhook = order_store.webhook_row(1, {"imp_uid": payment.imp_uid}, None, NOW)
            async with shop.database.hot_autocommit() as connection:  # as the charge settles
                await _watched(shop, connection)
                assert await claim_store.settle_new(connection, payment, webhook, NOW)

        found = await _plan_after_growth(shop, run, "UPDATE order_claims", pool="hot")
        claim_scans = [scan for scan in found if scan[1] == "order_claims" and scan[0] != "ModifyTable"]
        assert claim_scans == [("Index Scan", "order_claims", "pk_order_claims")], found


def test_lookup_by_imp_uid_uses_the_unique_imp_uid(postgres_url: str) -> None:
    run_coroutine(_lookup_by_imp_uid_uses_the_unique_imp_uid(postgres_url))


async def _lookup_by_imp_uid_uses_the_unique_imp_uid(postgres_url: str) -> None:
    async with _shop(postgres_url) as shop:
        async def run(i: int) -> None:
            async with shop.database.hot_reading() as connection:  # as GET /payments/{imp_uid} reads
                await _watched(shop, connection)
                assert await payment_store.get_payment(connection, 1, f"imp_tiny{i % 3:04d}") is not None
                assert await payment_store.get_payment(connection, 2, f"imp_tiny{i % 3:04d}") is None

        found = await _plan_after_growth(shop, run, "FROM payments", "imp_uid = ", pool="hot")
        assert found == [("Index Scan", "payments", "uq_payments_imp_uid")], found


def test_lookup_by_merchant_uid_uses_the_order_index(postgres_url: str) -> None:
    run_coroutine(_lookup_by_merchant_uid_uses_the_order_index(postgres_url))


async def _lookup_by_merchant_uid_uses_the_order_index(postgres_url: str) -> None:
    async with _shop(postgres_url) as shop:
        async def run(i: int) -> None:
            async with shop.database.reading() as connection:
                await _watched(shop, connection)
                assert await payment_store.find_latest(connection, 1, f"tiny_{i % 3}") is not None

        found = await _plan_after_growth(shop, run, "FROM payments", "merchant_uid = ")
        indexes = {index for _, table, index in found if table == "payments" or index}
        assert indexes == {"ix_payments_merchant_id_merchant_uid_started_at_id"}, found


def test_webhook_picker_reads_only_pending_events(postgres_url: str) -> None:
    run_coroutine(_webhook_picker_reads_only_pending_events(postgres_url))


async def _webhook_picker_reads_only_pending_events(postgres_url: str) -> None:
    async with _shop(postgres_url) as shop:
        async def run(i: int) -> None:
            await webhook_store.lease_due_events(shop.database, now=NOW + i, lease_seconds=60, limit=50)

        async with shop.database.transaction() as connection:
            await _watched(shop, connection)
        found = await _plan_after_growth(shop, run, "UPDATE webhook_events")
        event_scans = [scan for scan in found if scan[1] == "webhook_events" or (scan[2] or "").startswith("ix_webhook")]
        assert all(node != "Seq Scan" for node, _, _ in event_scans), found
        assert any(index == "ix_webhook_events_due" for _, _, index in event_scans), found


def test_schedule_picker_reads_only_due_schedules(postgres_url: str) -> None:
    run_coroutine(_schedule_picker_reads_only_due_schedules(postgres_url))


async def _schedule_picker_reads_only_due_schedules(postgres_url: str) -> None:
    async with _shop(postgres_url) as shop:
        async def run(i: int) -> None:
            await schedule_store.lease_due(shop.database, now=NOW + i, lease_seconds=60, limit=50)

        async with shop.database.transaction() as connection:
            await _watched(shop, connection)
        found = await _plan_after_growth(shop, run, "UPDATE schedules")
        schedule_scans = [scan for scan in found if scan[1] == "schedules" or (scan[2] or "").startswith("ix_schedules")]
        assert all(node != "Seq Scan" for node, _, _ in schedule_scans), found
        assert any(index == "ix_schedules_schedule_status_schedule_at" for _, _, index in schedule_scans), found


def test_reconciler_reads_only_charging_claims(postgres_url: str) -> None:
    run_coroutine(_reconciler_reads_only_charging_claims(postgres_url))


async def _reconciler_reads_only_charging_claims(postgres_url: str) -> None:
    async with _shop(postgres_url) as shop:
        async def run(i: int) -> None:
            async with shop.database.reading() as connection:
                await _watched(shop, connection)
                await claim_store.charging_attempts(connection, NOW - 60, 50)

        found = await _plan_after_growth(shop, run, "FROM order_claims LEFT OUTER JOIN payments")
        claim_scans = [scan for scan in found if scan[1] == "order_claims" or (scan[2] or "").startswith("ix_order")]
        assert claim_scans and all(index == "ix_order_claims_charging" for _, _, index in claim_scans), found


def test_unsettled_journals_read_only_their_open_rows(postgres_url: str) -> None:
    run_coroutine(_unsettled_journals_read_only_their_open_rows(postgres_url))


async def _unsettled_journals_read_only_their_open_rows(postgres_url: str) -> None:
    async with _shop(postgres_url) as shop:
        async def run(i: int) -> None:
            async with shop.database.reading() as connection:
                await _watched(shop, connection)
                await payment_store.pending_cancellations(connection, NOW, 50)
                await pg_call_store.unsettled(connection, NOW, 50)
                await payment_store.due_virtual_accounts(connection, NOW, 50)

        await _plan_after_growth(shop, run, "FROM cancellations JOIN payments")
        async with shop.database.reading() as connection:
            driver = await shop.probe.watch(connection)
            for fragment, index in (("FROM cancellations JOIN payments", "ix_cancellations_pending"),
                                    ("FROM pg_calls", "ix_pg_calls_unsettled")):
                [sql] = shop.probe.statements_like(fragment)
                found = scans((await explain_prepared(driver, sql, shop.probe.calls[sql]))["plan"])
                table = index.split("_")[1]
                own = [scan for scan in found if scan[1] == table or (scan[2] or "").startswith(f"ix_{table}")]
                assert own and all(i == index for _, _, i in own), found


def test_sqlite_plans_use_the_same_indexes(tmp_path: Any) -> None:
    """SQLite plans each statement when it is prepared, from the schema and ``sqlite_stat1``; the
    same statements must name the same indexes there (EXPLAIN QUERY PLAN)."""
    url = f"sqlite+aiosqlite:///{tmp_path / 'plans.db'}"
    run_in_thread(upgrade_to_head, url)
    run_coroutine(_sqlite_plans(url, tmp_path / "plans.db"))


async def _sqlite_plans(url: str, path: Any) -> None:
    import sqlite3

    database = Database(url, pool_size=1)
    probe = PlanProbe(database.engine, database.write_engine)
    try:
        async with database.reading() as connection:
            await payment_store.get_payment(connection, 1, "imp_x")
            await payment_store.find_latest(connection, 1, "order_x")
            await customer_store.charge_context(connection, 1, "cust_0", "order_x")
            await claim_store.order_is_claimed(connection, 1, "order_x")
            await claim_store.charging_attempts(connection, NOW, 50)
            await payment_store.pending_cancellations(connection, NOW, 50)
            await payment_store.due_virtual_accounts(connection, NOW, 50)
            await pg_call_store.unsettled(connection, NOW, 50)
        await schedule_store.lease_due(database, now=NOW, lease_seconds=60, limit=50)
    finally:
        await database.dispose()
    expected = {
        ("FROM payments", "imp_uid = "): "uq_payments_imp_uid",  # sqlite_autoindex_payments_1 before naming
        ("FROM payments", "merchant_uid = "): "ix_payments_merchant_id_merchant_uid_started_at_id",
        ("FROM customers",): "uq_customers_merchant_id_customer_uid",
        ("SELECT order_claims.state",): "pk_order_claims",
        ("FROM order_claims LEFT OUTER JOIN payments",): "ix_order_claims_charging",
        ("FROM cancellations JOIN payments",): "ix_cancellations_pending",
        ("pay_method = 'vbank'",): "ix_payments_vbank_due",
        ("FROM pg_calls",): "ix_pg_calls_unsettled",
        ("UPDATE schedules",): "ix_schedules_schedule_status_schedule_at",
    }
    with sqlite3.connect(path) as raw:
        for fragments, index in expected.items():
            [sql] = probe.statements_like(*fragments)
            plan = " | ".join(row[3] for row in raw.execute("EXPLAIN QUERY PLAN " + sql, probe.calls[sql]))
            assert "SCAN " not in plan.replace("SCAN CONSTANT ROW", ""), (sql, plan)
            assert index in plan or (index.startswith(("uq_", "pk_")) and "sqlite_autoindex" in plan), (sql, plan)
