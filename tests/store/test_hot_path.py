"""The hot path past SQLAlchemy (``store.hot``, ``store.pg_pool``): on PostgreSQL a charge and a lookup
run on asyncpg's connections lent by paymux's own pool, and every hot statement answers there exactly
as it answers through SQLAlchemy; the pool keeps a connection only while it is sound."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import asyncpg
import pytest
from sqlalchemy import event
from sqlalchemy.exc import IntegrityError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from paymux.domain.payment import Cancellation, Payment, PaymentStatus
from paymux.store import claims as claim_store
from paymux.store import customers as customer_store
from paymux.store import orders as order_store
from paymux.store import payments as payment_store
from paymux.store.database import Database
from paymux.store.pg_pool import PgAutocommit
from tests.postgres import run_coroutine

NOW = 1_767_000_000



@asynccontextmanager
async def _database(url: str, pool_size: int = 4) -> AsyncIterator[Database]:
    database = Database(url, pool_size=pool_size, pool_timeout=0.5)
    try:
        yield database
    finally:
        await database.dispose()


async def _merchant_with_customer(url: str) -> None:
    admin = await asyncpg.connect(url.replace("postgresql+asyncpg", "postgresql"))
    try:
        await admin.execute("INSERT INTO merchants (id, user_code, name, imp_key, imp_secret_hash, created_at) "
                            "VALUES (1, 'imp_hot', 'hot', 'key_hot', 'x', $1)", NOW)
        await admin.execute("INSERT INTO channels (id, merchant_id, position, pg_provider, mid, pay_type, mode,"
                            " created_at, updated_at) VALUES (1, 1, 1, 'html5_inicis', 'INIBillTst', 'api', 'test', $1, $1)",
                            NOW)
        await admin.execute("INSERT INTO customers (merchant_id, customer_uid, channel_id, pg_provider, pg_id,"
                            " billing_key_key_id, billing_key_ciphertext, card_name, inserted, updated)"
                            " VALUES (1, 'cust', 1, 'html5_inicis', 'INIBillTst', 'k', '\\x01'::bytea, '신한카드', $1, $1)",
                            NOW)
        await admin.execute("INSERT INTO prepared_orders (merchant_id, merchant_uid, amount, created_at, updated_at)"
                            " VALUES (1, 'order_1', 1000, $1, $1)", NOW)
    finally:
        await admin.close()


def _payment(merchant_uid: str) -> Payment:
    return Payment(imp_uid=f"imp_{merchant_uid}", merchant_id=1, merchant_uid=merchant_uid, amount=1000,
                   pg_provider="html5_inicis", channel_id=1, started_at=NOW, updated_at=NOW, status_at=NOW,
                   outcome_pending=True)


class SqlAlchemySaw:
    """Every statement SQLAlchemy executes on the database's engine."""

    def __init__(self, database: Database) -> None:
        self.statements: list[str] = []
        event.listen(database.engine.sync_engine, "before_cursor_execute",
                     lambda _c, _cu, statement, *_: self.statements.append(statement))


def test_a_charge_and_a_lookup_run_on_the_hot_pools_and_never_through_sqlalchemy(postgres_url: str) -> None:
    """Fails if the bypass is silently off: the charge's context read, claim and settle and the
    lookup's read are lent by the hot pools, and SQLAlchemy's engine sees none of them."""
    async def scenario() -> None:
        await _merchant_with_customer(postgres_url)
        async with _database(postgres_url) as database:
            assert database.hot_pool is not None and database.attempt_pool is not None
            loans = {"hot": 0, "attempts": 0}
            database.hot_pool.on_checkout.append(lambda: loans.__setitem__("hot", loans["hot"] + 1))
            database.attempt_pool.on_checkout.append(lambda: loans.__setitem__("attempts", loans["attempts"] + 1))
            saw = SqlAlchemySaw(database)
            payment = _payment("order_1")
            async with database.recording_attempt() as connection:
                assert isinstance(connection, PgAutocommit)
                assert await customer_store.charge_context(connection, 1, "cust", "order_1") is not None
                await claim_store.claim_order(connection, payment, NOW)
            payment.status, payment.outcome_pending, payment.paid_at = PaymentStatus.PAID, False, NOW
            async with database.hot_autocommit() as connection:
                assert isinstance(connection, PgAutocommit)
                assert await claim_store.settle_new(connection, payment, order_store.webhook_row(1, {}, None, NOW), NOW)
            async with database.hot_reading() as connection:
                found = await payment_store.get_payment(connection, 1, payment.imp_uid)
            assert found is not None and found.status is PaymentStatus.PAID and found.paid_at == NOW
            assert loans == {"hot": 2, "attempts": 1}
            assert saw.statements == []

    run_coroutine(scenario())


def test_the_charge_journal_is_committed_as_durably_as_the_server_commits(postgres_url: str) -> None:
    """The claim written before a PG call is the only trace of that call if its answer is lost. On a
    connection that committed without waiting for the WAL flush (``synchronous_commit`` set off by
    the client, as paymux once did), a PostgreSQL crash before the outcome could drop it: no
    reconciliation would ask the PG, and a retry of the order would charge again. The journal's
    connection leaves the setting to the server: its source is never the client."""
    async def scenario() -> None:
        async with _database(postgres_url) as database:
            async with database.recording_attempt() as connection:
                assert isinstance(connection, PgAutocommit)
                setting = await connection.driver.fetchrow(
                    "SELECT setting, source FROM pg_settings WHERE name = 'synchronous_commit'")
            async with database.hot_reading() as connection:
                assert isinstance(connection, PgAutocommit)
                server = await connection.driver.fetchval("SELECT setting FROM pg_settings WHERE name = 'synchronous_commit'")
        assert setting["source"] != "client", f"the journal's connection sets synchronous_commit={setting['setting']}"
        assert setting["setting"] == server

    run_coroutine(scenario())


def test_each_hot_statement_answers_alike_on_both_paths(postgres_url: str) -> None:
    """The charge context, the lookup (with its cancel history) and a refused duplicate claim, through
    paymux's asyncpg pool and through a SQLAlchemy connection in a transaction (where the hot
    statements go through SQLAlchemy itself)."""
    async def scenario() -> None:
        await _merchant_with_customer(postgres_url)
        async with _database(postgres_url) as database:
            payment = _payment("order_1")
            async with database.recording_attempt() as connection:
                await claim_store.claim_order(connection, payment, NOW)
            payment.status, payment.outcome_pending, payment.paid_at = PaymentStatus.PAID, False, NOW
            async with database.hot_autocommit() as connection:
                assert await claim_store.settle_new(connection, payment, order_store.webhook_row(1, {}, None, NOW), NOW)
            async with database.transaction() as connection:
                await payment_store.insert_cancellation(connection, Cancellation(
                    cancellation_id="c_1", imp_uid=payment.imp_uid, pg_tid="t", amount=300, tax_free=0, reason="test",
                    cancelled_at=NOW + 1))
                await connection.exec_driver_sql("UPDATE payments SET cancel_amount = 300")

            async def read(connection: Any) -> tuple[Any, ...]:
                context = await customer_store.charge_context(connection, 1, "cust", "order_1")
                looked_up = await payment_store.get_payment(connection, 1, payment.imp_uid)
                elsewhere = await payment_store.get_payment(connection, 2, payment.imp_uid)
                with pytest.raises(IntegrityError):
                    await claim_store.claim_order(connection, _payment("order_1"), NOW)
                return context, looked_up, elsewhere

            async with database.hot_reading() as connection:
                hot = await read(connection)
            async with database.transaction() as connection:
                through_sqlalchemy = await read(connection)
            assert hot == through_sqlalchemy
            customer, channel, prepared = hot[0]
            assert (customer.customer_uid, customer.card_name, channel.id, prepared) == ("cust", "신한카드", 1, 1000)
            assert hot[1].cancel_amount == 300 and [c.amount for c in hot[1].cancel_history] == [300]
            assert hot[2] is None  # another merchant's imp_uid is not found

    run_coroutine(scenario())


def test_the_hot_pool_keeps_a_sound_connection_and_replaces_a_suspect_one(postgres_url: str) -> None:
    async def scenario() -> None:
        async with _database(postgres_url) as database:
            pool = database.hot_pool
            assert pool is not None

            async def backend_pid() -> int:
                async with pool.connection() as connection:
                    return await connection.driver.fetchval("SELECT pg_backend_pid()")

            first = await backend_pid()
            assert await backend_pid() == first  # kept and lent again
            with pytest.raises(asyncpg.DivisionByZeroError):  # PostgreSQL refused a statement: still sound
                async with pool.connection() as connection:
                    await connection.driver.fetchval("SELECT 1 / 0")
            assert await backend_pid() == first

            async def slow() -> None:
                async with pool.connection() as connection:
                    await connection.driver.fetchval("SELECT pg_sleep(5)")

            with pytest.raises(TimeoutError):  # cancelled mid-statement
                await asyncio.wait_for(slow(), 0.2)
            replaced = await backend_pid()
            assert replaced != first
            assert await backend_pid() == replaced

    run_coroutine(scenario())


def test_a_full_hot_pool_refuses_after_its_timeout_and_lends_again_when_one_returns(postgres_url: str) -> None:
    async def scenario() -> None:
        async with _database(postgres_url, pool_size=4) as database:  # two connections per pool
            pool = database.hot_pool
            assert pool is not None and pool.size == 2
            release = asyncio.Event()

            async def hold() -> None:
                async with pool.connection() as connection:
                    await connection.driver.fetchval("SELECT 1")
                    await release.wait()

            holders = [asyncio.create_task(hold()) for _ in range(2)]
            await asyncio.sleep(0.1)
            with pytest.raises(PoolTimeout):
                async with pool.connection():
                    pass
            release.set()
            await asyncio.gather(*holders)
            async with pool.connection() as connection:
                assert await connection.driver.fetchval("SELECT 2") == 2

    run_coroutine(scenario())
