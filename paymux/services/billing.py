"""Billing keys and server-side charges: issue, look up, delete, key-in (onetime) and charge (again)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field, replace

from sqlalchemy.ext.asyncio import AsyncConnection

from paymux.connectors.base import Buyer, CardRefused, ChargeRequest, IssuedBillingKey, Outcome
from paymux.connectors.sandbox import ChargeKind, SandboxConnector
from paymux.domain import ids
from paymux.domain.card import CardDetails
from paymux.domain.channel import Channel, Purpose
from paymux.domain.customer import Customer
from paymux.domain.errors import InvalidParameter, NotFound, Refused
from paymux.domain.merchant import Merchant
from paymux.domain.money import check_installments, split_tax
from paymux.domain.payment import CustomerUidUsage, Payment
from paymux.observability.pg import PgCallSubject
from paymux.services import channels as channel_service
from paymux.services import pg_calls
from paymux.services.charging import charge, finish_charge, start_charge
from paymux.services.runtime import Runtime
from paymux.store import customers as customer_store
from paymux.store import merchants as merchant_store
from paymux.store import payments as payment_store
from paymux.store import pg_calls as pg_call_store
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


def check_pg_rules(runtime: Runtime, channel: Channel, kind: ChargeKind, request: ChargeRequest) -> None:
    """Refuse, before anything is journaled or sent, a charge the channel's PG refuses by its
    documented rules (INICIS: a billing charge needs ``name``). The rules are declared on the PG's
    sandbox and hold in every mode (docs/sandbox.md). Raises PgRuleRefusal (HTTP 400)."""
    rules = runtime.connectors.describe(channel.pg_provider)
    if isinstance(rules, SandboxConnector):
        refusal = rules.refuse_request(kind, request)
        if refusal is not None:
            raise refusal


async def _api_channel(runtime: Runtime, merchant: Merchant, pg: str | None) -> Channel:
    channel = await channel_service.resolve(runtime, merchant.id, pg, Purpose.BILLING_API)
    if not runtime.connectors.for_channel(channel).supports_keyin():
        raise Refused(f"{channel.pg_provider} does not support API key-in payments")
    channel_service.require_credentials(runtime, channel)
    return channel


async def issue_billing_key(
    runtime: Runtime, merchant: Merchant, customer_uid: str, card: CardDetails, pg: str | None, info: CustomerInfo
) -> Customer:
    """``POST /subscribe/customers/{customer_uid}``: register the card with an API channel's PG.

    Journaled (``pg_calls``) before the PG is called; a concurrent issue for the same customer_uid is
    refused (CallInFlight) instead of racing. Raises CardRefused when the PG refuses the card, and
    Refused when its answer was lost (no key is stored; the request can be retried).
    """
    channel = await _api_channel(runtime, merchant, pg)
    connector = runtime.connectors.for_channel(channel)
    context = channel_service.channel_context(runtime, channel)
    journaled = await pg_calls.journal(
        runtime, merchant.id, pg_calls.KEY_ISSUE, customer_uid, channel.id, {"card_number": card.masked_number}
    )
    issued = await _issue_at_pg(runtime, journaled, lambda: connector.issue_billing_key(context, card, customer_uid, runtime.now()),
                                connector.pg_provider)
    customer = customer_record(runtime, merchant, customer_uid, channel, issued, info)
    async with runtime.database.transaction() as connection:
        await customer_store.save_customer(connection, customer)
        await pg_call_store.set_state(connection, journaled.id, pg_call_store.DONE, runtime.now())
        saved = await customer_store.get_customer(connection, merchant.id, customer_uid)
    assert saved is not None
    return saved


KEY_ANSWER_LOST = (
    "PG사의 빌링키 발급 응답을 받지 못했습니다. 다시 시도해주세요 "
    "(the PG's answer to the billing-key request was lost; no key was stored — try again)"
)


async def _issue_at_pg(
    runtime: Runtime, journaled: pg_calls.JournaledCall, issue: Callable[[], Awaitable[IssuedBillingKey]], pg: str
) -> IssuedBillingKey:
    """Call the PG for a journaled key issue: the key, or CardRefused / Refused with the journal settled."""
    async def attempt() -> IssuedBillingKey | Outcome:
        return await issue()

    result = await pg_calls.guarded(
        runtime, attempt, unknown=lambda _reason: Outcome.UNKNOWN, declined=lambda reason: CardRefused(reason),
        about=PgCallSubject(pg, "issue_billing_key", journaled.merchant_id),
    )
    if isinstance(result, IssuedBillingKey):
        return result
    if isinstance(result, CardRefused):
        await pg_calls.mark(runtime, journaled, pg_call_store.FAILED)
        raise result
    await pg_calls.mark(runtime, journaled, pg_call_store.UNKNOWN)
    raise Refused(KEY_ANSWER_LOST)


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
    """Delete the billing key for good: at the PG first (where the PG has a delete call), then here,
    with its scheduled payments revoked atomically. Raises NotFound, or Refused when the PG refused
    the delete or its answer was lost (the key is kept; a lost answer is retried by the reconciler)."""
    customer = await get_customer(runtime, merchant, customer_uid)
    async with runtime.database.reading() as connection:
        channel = await merchant_store.channel_by_id(connection, merchant.id, customer.channel_id)
    if channel is not None:
        journaled = await pg_calls.journal(runtime, merchant.id, pg_calls.KEY_DELETE, customer_uid, channel.id, {})
        outcome = await delete_at_pg(runtime, channel, customer)
        if outcome is not Outcome.APPROVED:
            await pg_calls.mark(runtime, journaled, pg_call_store.FAILED if outcome is Outcome.DECLINED else pg_call_store.UNKNOWN)
            raise Refused("PG사에서 빌링키 삭제를 확인하지 못했습니다 (the PG did not confirm the billing key's deletion; "
                          "it is kept and the deletion will be retried)" if outcome is Outcome.UNKNOWN
                          else "PG사에서 빌링키 삭제를 거절하였습니다 (the PG refused to delete the billing key)")
    return await forget_customer(runtime, merchant.id, customer_uid, journaled.id if channel is not None else None)


async def delete_at_pg(runtime: Runtime, channel: Channel, customer: Customer) -> Outcome:
    """Ask the key's PG to delete it (Kakao Pay SID inactive …); PGs without a delete call answer APPROVED."""
    connector = runtime.connectors.for_channel(channel)
    context = channel_service.channel_context(runtime, channel)
    billing_key = runtime.vault.open(customer.billing_key, billing_key_context(customer.merchant_id, customer.customer_uid)).decode()
    return await pg_calls.guarded(
        runtime, lambda: connector.delete_billing_key(context, billing_key, runtime.now()),
        unknown=lambda _reason: Outcome.UNKNOWN, declined=lambda _reason: Outcome.DECLINED,
        about=PgCallSubject.of(connector, "delete_billing_key", merchant_id=customer.merchant_id),
    )


async def forget_customer(runtime: Runtime, merchant_id: int, customer_uid: str, call_id: int | None) -> Customer:
    """Delete the key here, revoke its schedules and settle the journaled delete, in one transaction."""
    async with runtime.database.transaction() as connection:
        customer = await customer_store.get_customer(connection, merchant_id, customer_uid, for_update=True)
        if customer is None:
            raise NotFound(f"customer_uid '{customer_uid}' has no billing key (등록되지 않은 구매자입니다)")
        await customer_store.delete_customer(connection, merchant_id, customer_uid)
        await schedule_store.revoke(connection, merchant_id, customer_uid, None, runtime.now())
        if call_id is not None:
            await pg_call_store.set_state(connection, call_id, pg_call_store.DONE, runtime.now())
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
        check_pg_rules(runtime, channel, ChargeKind.BILLING, charge_request(payment, runtime.now()))
        await start_charge(runtime, payment, prepared_amount, connection)
    billing_key = runtime.vault.open(customer.billing_key, billing_key_context(merchant.id, customer_uid)).decode()
    connector = runtime.connectors.for_channel(channel)
    context = channel_service.channel_context(runtime, channel)
    request = with_customer_buyer(charge_request(payment, runtime.now()), customer)
    return await finish_charge(runtime, payment, lambda: connector.charge_billing_key(context, billing_key, request),
                               operation="charge_billing_key")


def with_customer_buyer(request: ChargeRequest, customer: Customer) -> ChargeRequest:
    """The charge as the PG sees it, its missing buyer fields taken from the billing key's customer
    (``customer_name`` / ``customer_email`` / ``customer_tel`` given at issue). Some PGs refuse a
    billing charge with blank buyer fields (INICIS INIAPI ``Billing``: ER0102, docs/pgs.md); the
    recorded payment keeps exactly what the merchant sent."""
    buyer = request.buyer
    filled = Buyer(
        buyer.name or customer.customer_name, buyer.email or customer.customer_email, buyer.tel or customer.customer_tel,
        buyer.addr or customer.customer_addr, buyer.postcode or customer.customer_postcode,
    )
    return replace(request, buyer=filled)


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
    check_pg_rules(runtime, channel, ChargeKind.KEYIN if customer_uid is None else ChargeKind.BILLING, request)
    if customer_uid is None:
        return await charge(runtime, payment, lambda: connector.charge_card(context, card, request), operation="charge_card")

    journaled = await pg_calls.journal(
        runtime, merchant.id, pg_calls.KEY_ISSUE, customer_uid, channel.id, {"card_number": card.masked_number}
    )
    issued = await _issue_at_pg(runtime, journaled, lambda: connector.issue_billing_key(context, card, customer_uid, runtime.now()),
                                connector.pg_provider)
    await pg_calls.mark(runtime, journaled, pg_call_store.DONE)  # the key now travels in the charge's journal
    customer = customer_record(runtime, merchant, customer_uid, channel, issued, info)
    request = with_customer_buyer(request, customer)
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
        operation="charge_billing_key",
    )
