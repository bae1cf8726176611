"""Sales slips (매출전표): the ``receipt_url`` of a paid card payment and of each of its cancels.

i'mport gives every paid card payment the PG's sales-slip URL. paymux does the same:

* a payment approved by KG INICIS's real protocol (a live channel, or one pointed at the INICIS
  emulator) gets the URL INICIS publishes for its slips, ``mCmReceipt_head.jsp?noTid={tid}``
  (``domain.payment.INICIS_RECEIPT_URL``; docs/pgs.md);
* every other paid card payment — the sandbox's, and a live PG whose slip paymux cannot link —
  gets paymux's own printable page, ``{PAYMUX_PUBLIC_URL}/sales-slips/{imp_uid}?sig=…``. The
  signature (HMAC with a key derived from the vault, never stored) binds the merchant and the
  imp_uid, so the page shows a slip only to whoever was given its URL.

A cancel's slip is the payment's with ``&cancellation_id=…`` (``domain.payment.cancel_receipt_url``).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from dataclasses import dataclass

from paymux.domain.channel import ChannelMode
from paymux.domain.errors import NotFound
from paymux.domain.payment import INICIS_RECEIPT_URL, Approval, Cancellation, Payment, PaymentStatus
from paymux.services.runtime import Runtime
from paymux.store import merchants as merchant_store
from paymux.store import payments as payment_store

SLIP_PATH = "/sales-slips"
INICIS_CODES = frozenset({"html5_inicis", "inicis"})
NO_SLIP = "매출전표 정보가 존재하지 않습니다 (no sales slip at this address)"
# Pay methods that have a card sales slip.
CARD_METHODS = frozenset({"card"})


def _key(runtime: Runtime) -> bytes:
    return runtime.vault.derive_key("paymux sales slips v1")


def _signature(runtime: Runtime, merchant_id: int, imp_uid: str) -> str:
    digest = hmac.new(_key(runtime), f"{merchant_id}|{imp_uid}".encode(), hashlib.sha256).digest()
    return f"{merchant_id}.{base64.urlsafe_b64encode(digest[:18]).decode()}"


def slip_url(runtime: Runtime, payment: Payment) -> str:
    """paymux's printable sales slip of ``payment`` (absolute, under PAYMUX_PUBLIC_URL)."""
    return f"{runtime.settings.public_url}{SLIP_PATH}/{payment.imp_uid}?sig={_signature(runtime, payment.merchant_id, payment.imp_uid)}"


def receipt_url_for(runtime: Runtime, payment: Payment, approval: Approval) -> str | None:
    """The ``receipt_url`` an approved payment gets: the PG's own when it gave one, INICIS's published
    page for an approval by INICIS's protocol, else paymux's slip; None for a method without a card slip."""
    if approval.receipt_url:
        return approval.receipt_url
    if payment.pay_method not in CARD_METHODS:
        return None
    if not approval.by_sandbox and payment.pg_provider in INICIS_CODES and approval.pg_tid:
        return INICIS_RECEIPT_URL.format(tid=approval.pg_tid)
    return slip_url(runtime, payment)


@dataclass(frozen=True)
class SalesSlip:
    """What the slip page shows: the payment, and the one cancel the URL names (if any)."""

    payment: Payment
    cancellation: Cancellation | None
    test_mode: bool  # a test channel's payment: the slip says it moved no money


async def load_slip(runtime: Runtime, imp_uid: str, sig: str, cancellation_id: str | None) -> SalesSlip:
    """The slip a ``receipt_url`` points at. Raises NotFound for a wrong signature, a payment that is
    not a paid (or since cancelled) card payment, or a cancellation that is not this payment's."""
    merchant_text, _, _ = (sig or "").partition(".")
    if not merchant_text.isdigit() or not hmac.compare_digest(sig, _signature(runtime, int(merchant_text), imp_uid)):
        raise NotFound(NO_SLIP)
    async with runtime.database.reading() as connection:
        payment = await payment_store.get_payment(connection, int(merchant_text), imp_uid)
        channel = None
        if payment is not None and payment.channel_id is not None:
            channel = await merchant_store.channel_by_id(connection, payment.merchant_id, payment.channel_id)
    if payment is None or payment.paid_at == 0 or payment.status not in (PaymentStatus.PAID, PaymentStatus.CANCELLED):
        raise NotFound(NO_SLIP)
    cancellation = None
    if cancellation_id:
        cancellation = next((c for c in payment.cancel_history if c.cancellation_id == cancellation_id), None)
        if cancellation is None:
            raise NotFound(NO_SLIP)
    return SalesSlip(payment, cancellation, channel is None or channel.mode is ChannelMode.TEST)
