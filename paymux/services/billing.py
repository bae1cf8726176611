"""Billing keys and server-side charges: issue, look up, delete, key-in (onetime) and charge (again)."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy.ext.asyncio import AsyncConnection

from paymux.connectors.base import Buyer, ChargeRequest, IssuedBillingKey
from paymux.domain import ids
from paymux.domain.card import CardDetails
from paymux.domain.channel import Channel, Purpose
from paymux.domain.customer import Customer
from paymux.domain.errors import InvalidParameter, NotFound, Refused
from paymux.domain.merchant import Merchant
from paymux.domain.money import check_installments, split_tax
from paymux.domain.payment import CustomerUidUsage, Payment
from paymux.services import channels as channel_service
from paymux.services.charging import charge, finish_charge, start_charge
from paymux.services.runtime import Runtime
from paymux.store import customers as customer_store
from paymux.store import payments as payment_store
from paymux.store import schedules as schedule_store
from paymux.store.payments import Page


@dataclass(frozen=True)
class CustomerInfo:
    name: str | None = None
    tel: str | None = None
    email: str | None = None
    addr: str | None = None
    postcode: str | None = None


@dataclass(frozen=True)
class PaymentDetails:
    """What the merchant says about one charge, common to onetime, again and schedules."""

    merchant_uid: str
    amount: int
    name: str | None = None
    tax_free: int | None = None
    vat: int | None = None
    card_quota: int | None = None
    buyer: Buyer = field(default_factory=Buyer)
    custom_data: str | None = None
    notice_url: list[str] | None = None


def billing_key_context(merchant_id: int, customer_uid: str) -> str:
    """Vault context binding a sealed billing key to its owner."""
    return f"billing-key:{merchant_id}:{customer_uid}"


def _new_payment(runtime: Runtime, merchant: Merchant, channel: Channel, details: PaymentDetails) -> Payment:
    if details.amount <= 0:
        raise InvalidParameter("amount", "must be greater than 0")
    tax_free, vat = split_tax(details.amount, details.tax_free, details.vat)
    now = runtime.now()
    return Payment(
        imp_uid=ids.new_imp_uid(),
        merchant_id=merchant.id,
        merchant_uid=details.merchant_uid,
        amount=details.amount,
        tax_free=tax_free,
        vat=vat,
        channel_id=channel.id,
        pay_method="card",
        channel="api",
        pg_provider=channel.pg_provider,
        pg_id=channel.mid,
        name=details.name,
        card_quota=check_installments(details.amount, details.card_quota),
        buyer_name=details.buyer.name,
        buyer_email=details.buyer.email,
        buyer_tel=details.buyer.tel,
        buyer_addr=details.buyer.addr,
        buyer_postcode=details.buyer.postcode,
        custom_data=details.custom_data,
        notice_url=details.notice_url,
        started_at=now,
        updated_at=now,
        status_at=now,
        receipt_url=None,
    )


def charge_request(payment: Payment, now: int) -> ChargeRequest:
    """The charge as the PG sees it, from the recorded payment (shared by every charging path)."""
    return ChargeRequest(
        order_id=payment.imp_uid,
        merchant_uid=payment.merchant_uid,
        amount=payment.amount,
        tax_free=payment.tax_free,
        vat=payment.vat,
        name=payment.name,
        card_quota=payment.card_quota,
        buyer=Buyer(payment.buyer_name, payment.buyer_email, payment.buyer_tel, payment.buyer_addr, payment.buyer_postcode),
        now=now,
    )


def customer_record(
    runtime: Runtime, merchant: Merchant, customer_uid: str, channel: Channel, issued: IssuedBillingKey, info: CustomerInfo
) -> Customer:
    now = runtime.now()
    return Customer(
        id=None,
        merchant_id=merchant.id,
        customer_uid=customer_uid,
        channel_id=channel.id,
        pg_provider=channel.pg_provider,
        pg_id=channel.mid,
        billing_key=runtime.vault.seal(issued.billing_key.encode(), billing_key_context(merchant.id, customer_uid)),
        card_name=issued.card_name,
        card_code=issued.card_code,
        card_number=issued.card_number,
        card_type=issued.card_type,
        customer_name=info.name,
        customer_tel=info.tel,
        customer_email=info.email,
        customer_addr=info.addr,
        customer_postcode=info.postcode,
        inserted=now,
        updated=now,
    )


async def _api_channel(runtime: Runtime, merchant: Merchant, pg: str | None) -> Channel:
    channel = await channel_service.resolve(runtime, merchant.id, pg, Purpose.BILLING_API)
    if not runtime.connectors.for_channel(channel).supports_keyin():
        raise Refused(f"{channel.pg_provider} does not support API key-in payments")
    return channel


async def issue_billing_key(
    runtime: Runtime, merchant: Merchant, customer_uid: str, card: CardDetails, pg: str | None, info: CustomerInfo
) -> Customer:
    """``POST /subscribe/customers/{customer_uid}``: register the card with an API channel's PG."""
    channel = await _api_channel(runtime, merchant, pg)
    connector = runtime.connectors.for_channel(channel)
    context = channel_service.channel_context(runtime, channel)
    issued = await connector.issue_billing_key(context, card, customer_uid, runtime.now())
    customer = customer_record(runtime, merchant, customer_uid, channel, issued, info)
    async with runtime.database.transaction() as connection:
        await customer_store.save_customer(connection, customer)
        saved = await customer_store.get_customer(connection, merchant.id, customer_uid)
    assert saved is not None
    return saved


async def get_customer(runtime: Runtime, merchant: Merchant, customer_uid: str) -> Customer:
    async with runtime.database.reading() as connection:
        customer = await customer_store.get_customer(connection, merchant.id, customer_uid)
    if customer is None:
        raise NotFound(f"customer_uid '{customer_uid}' has no billing key (등록되지 않은 구매자입니다)")
    return customer


async def get_customers(runtime: Runtime, merchant: Merchant, customer_uids: list[str]) -> list[Customer]:
    async with runtime.database.reading() as connection:
        return await customer_store.get_customers(connection, merchant.id, customer_uids)


async def delete_customer(runtime: Runtime, merchant: Merchant, customer_uid: str) -> Customer:
    """Delete the billing key for good. Its scheduled payments are revoked with it, atomically."""
    async with runtime.database.transaction() as connection:
        customer = await customer_store.get_customer(connection, merchant.id, customer_uid, for_update=True)
        if customer is None:
            raise NotFound(f"customer_uid '{customer_uid}' has no billing key (등록되지 않은 구매자입니다)")
        await customer_store.delete_customer(connection, merchant.id, customer_uid)
        await schedule_store.revoke(connection, merchant.id, customer_uid, None, runtime.now())
    return customer


async def customer_payments(runtime: Runtime, merchant: Merchant, customer_uid: str, page: int, limit: int) -> Page:
    await get_customer(runtime, merchant, customer_uid)
    async with runtime.database.reading() as connection:
        return await payment_store.list_for_customer(connection, merchant.id, customer_uid, page, limit)


async def charge_again(
    runtime: Runtime, merchant: Merchant, customer_uid: str, details: PaymentDetails,
    usage: CustomerUidUsage = CustomerUidUsage.PAYMENT,
) -> Payment:
    """``POST /subscribe/payments/again``: charge a stored billing key.

    The context read and the order claim share one connection: two statements, one checkout.
    """
    async with runtime.database.recording_attempt() as connection:
        found = await customer_store.charge_context(connection, merchant.id, customer_uid, details.merchant_uid)
        if found is None:
            raise Refused(f"customer_uid '{customer_uid}' has no billing key (등록되지 않은 구매자입니다)")
        customer, channel, prepared_amount = found
        if channel is None:
            raise Refused(f"the PG channel of customer_uid '{customer_uid}' was removed; issue a new billing key")
        payment = _new_payment(runtime, merchant, channel, details)
        payment.customer_uid = customer_uid
        payment.customer_uid_usage = usage.value
        payment.card_code, payment.card_name = customer.card_code, customer.card_name
        payment.card_number, payment.card_type = customer.card_number, customer.card_type
        await start_charge(runtime, payment, prepared_amount, connection)
    billing_key = runtime.vault.open(customer.billing_key, billing_key_context(merchant.id, customer_uid)).decode()
    connector = runtime.connectors.for_channel(channel)
    context = channel_service.channel_context(runtime, channel)
    request = charge_request(payment, runtime.now())
    return await finish_charge(runtime, payment, lambda: connector.charge_billing_key(context, billing_key, request))


async def charge_onetime(
    runtime: Runtime,
    merchant: Merchant,
    card: CardDetails,
    details: PaymentDetails,
    *,
    pg: str | None,
    customer_uid: str | None,
    info: CustomerInfo,
) -> Payment:
    """``POST /subscribe/payments/onetime``: key-in; with ``customer_uid`` the key is kept after a
    successful charge (``customer_uid_usage`` = issue)."""
    channel = await _api_channel(runtime, merchant, pg)
    connector = runtime.connectors.for_channel(channel)
    context = channel_service.channel_context(runtime, channel)
    payment = _new_payment(runtime, merchant, channel, details)
    payment.card_number = card.masked_number
    request = charge_request(payment, runtime.now())
    if customer_uid is None:
        return await charge(runtime, payment, lambda: connector.charge_card(context, card, request))

    issued = await connector.issue_billing_key(context, card, customer_uid, runtime.now())
    customer = customer_record(runtime, merchant, customer_uid, channel, issued, info)
    payment.customer_uid = customer_uid
    payment.customer_uid_usage = CustomerUidUsage.ISSUE.value
    payment.card_code, payment.card_name, payment.card_type = issued.card_code, issued.card_name, issued.card_type

    async def keep_billing_key(connection: AsyncConnection, _paid: Payment) -> None:
        await customer_store.save_customer(connection, customer)

    return await charge(
        runtime,
        payment,
        lambda: connector.charge_billing_key(context, issued.billing_key, request),
        on_approved=keep_billing_key,
        keeps_customer=customer_store.journal_form(customer),
    )
