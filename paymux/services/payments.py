"""Looking payments up, and the prepare tamper guard. Cancels live in ``services.cancels``."""

from __future__ import annotations

from sqlalchemy.exc import IntegrityError

from paymux.domain.errors import NotFound, Refused
from paymux.domain.merchant import Merchant
from paymux.domain.payment import Payment, PaymentStatus
from paymux.services.runtime import Runtime
from paymux.store import orders as order_store
from paymux.store import payments as payment_store
from paymux.store.payments import Page


async def get_payment(runtime: Runtime, merchant: Merchant, imp_uid: str) -> Payment:
    async with runtime.database.hot_reading() as connection:
        payment = await payment_store.get_payment(connection, merchant.id, imp_uid)
    if payment is None:
        raise NotFound(f"imp_uid '{imp_uid}' does not exist (존재하지 않는 결제정보입니다)")
    return payment


async def get_payments(runtime: Runtime, merchant: Merchant, imp_uids: list[str]) -> list[Payment]:
    async with runtime.database.reading() as connection:
        return await payment_store.get_payments(connection, merchant.id, imp_uids)


async def find_payment(
    runtime: Runtime, merchant: Merchant, merchant_uid: str, status: PaymentStatus | None, sorting: str
) -> Payment:
    async with runtime.database.reading() as connection:
        payment = await payment_store.find_latest(connection, merchant.id, merchant_uid, status, sorting)
    if payment is None:
        raise NotFound(f"merchant_uid '{merchant_uid}' has no payment (존재하지 않는 결제정보입니다)")
    return payment


async def find_all_payments(
    runtime: Runtime, merchant: Merchant, merchant_uid: str, status: PaymentStatus | None, sorting: str, page: int, limit: int
) -> Page:
    async with runtime.database.reading() as connection:
        found = await payment_store.find_all(connection, merchant.id, merchant_uid, status, sorting, page, limit)
    if found.total == 0:
        raise NotFound(f"merchant_uid '{merchant_uid}' has no payment (존재하지 않는 결제정보입니다)")
    return found


async def list_payments(
    runtime: Runtime,
    merchant: Merchant,
    status: PaymentStatus | None,
    time_from: int,
    time_to: int,
    sorting: str,
    page: int,
    limit: int,
) -> Page:
    async with runtime.database.reading() as connection:
        return await payment_store.list_by_status(
            connection, merchant.id, status, time_from, time_to, sorting, page, limit
        )


async def prepare(runtime: Runtime, merchant: Merchant, merchant_uid: str, amount: int) -> None:
    try:
        async with runtime.database.transaction() as connection:
            await order_store.insert_prepared(connection, merchant.id, merchant_uid, amount, runtime.now())
    except IntegrityError:
        raise Refused(
            f"merchant_uid '{merchant_uid}' is already prepared; change it with PUT /payments/prepare "
            "(이미 사전등록된 merchant_uid입니다)"
        ) from None


async def update_prepared(runtime: Runtime, merchant: Merchant, merchant_uid: str, amount: int) -> None:
    async with runtime.database.transaction() as connection:
        if not await order_store.update_prepared(connection, merchant.id, merchant_uid, amount, runtime.now()):
            raise NotFound(f"merchant_uid '{merchant_uid}' was not prepared (사전등록되지 않은 merchant_uid입니다)")


async def get_prepared(runtime: Runtime, merchant: Merchant, merchant_uid: str) -> int:
    async with runtime.database.reading() as connection:
        amount = await order_store.prepared_amount(connection, merchant.id, merchant_uid)
    if amount is None:
        raise NotFound(f"merchant_uid '{merchant_uid}' was not prepared (사전등록되지 않은 merchant_uid입니다)")
    return amount
