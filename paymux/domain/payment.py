"""The payment and its cancellations: status transitions and money rules, as plain code.

Status rules (contract §3): ``ready`` → ``paid`` | ``failed``; ``paid`` → ``cancelled`` only when the
whole amount is cancelled. A partial cancel keeps ``paid``, raises ``cancel_amount`` and adds an
immutable cancellation record. ``cancel_amount`` never exceeds ``amount``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from paymux.domain import messages
from paymux.domain.errors import InvalidParameter, Refused

# The reason of a failure the reconciler learned from the PG itself: the request never reached it,
# so nothing was charged and the order may be charged again (a scheduled payment is retried).
NEVER_REACHED_PG = "PG사에 거래내역이 없습니다: 결제요청이 도달하지 않았습니다 (the PG has no record of this order; nothing was charged)"

# i'mport's words for a key-in card that failed authentication (expired, wrong birth date or password
# digits): the card was refused before any approval was asked for (docs/declines.md, docs/messages.md).
CARD_AUTHENTICATION_FAILED = "카드정보 인증에 실패하였습니다."

# KG INICIS's published sales-slip (매출전표) page, as i'mport's ``receipt_url`` gives it for
# html5_inicis payments and as INICIS's own sample pages open it (docs/pgs.md).
INICIS_RECEIPT_URL = "https://iniweb.inicis.com/DefaultWebApp/mall/cr/cm/mCmReceipt_head.jsp?noTid={tid}&noMethod=1"


def reached_approval(fail_reason: str | None) -> bool:
    """Whether a failed charge got an answer to its approval request (docs/declines.md).

    A card that failed authentication, and an attempt the PG never received, were refused before any
    approval: i'mport answers those with a non-zero ``code``. Every other failure is the card company's
    (or the PG's) answer to the approval: ``code`` 0 with the failed payment.
    """
    reason = fail_reason or ""
    return not (reason.startswith(CARD_AUTHENTICATION_FAILED) or reason == NEVER_REACHED_PG)


class PaymentStatus(StrEnum):
    READY = "ready"
    PAID = "paid"
    CANCELLED = "cancelled"
    FAILED = "failed"


class CustomerUidUsage(StrEnum):
    ISSUE = "issue"
    PAYMENT = "payment"
    SCHEDULED = "payment.scheduled"


@dataclass(frozen=True)
class Approval:
    """What a PG tells us when it approves a charge."""

    pg_tid: str
    apply_num: str = ""
    card_code: str | None = None
    card_name: str | None = None
    card_number: str | None = None  # masked
    card_type: int | None = None
    card_quota: int = 0
    bank_code: str | None = None
    bank_name: str | None = None
    emb_pg_provider: str | None = None
    # The PG's sales-slip URL for this approval, when the PG gives one.
    receipt_url: str | None = None
    # Approved by paymux's sandbox: the sales slip is paymux's own printable page.
    by_sandbox: bool = False


@dataclass(frozen=True)
class DeclinedCard:
    """The card of a declined attempt, as far as its number identifies it (``card_code`` is the KFTC
    code, ``card_type`` 0 credit / 1 check)."""

    card_number: str | None = None  # masked
    card_code: str | None = None
    card_name: str | None = None
    card_type: int | None = None


@dataclass(frozen=True)
class Cancellation:
    cancellation_id: str
    imp_uid: str
    pg_tid: str
    amount: int
    tax_free: int
    reason: str
    cancelled_at: int
    receipt_url: str = ""
    refund_holder: str | None = None
    refund_bank: str | None = None
    refund_account: str | None = None


@dataclass(kw_only=True)
class Payment:
    imp_uid: str
    merchant_id: int
    merchant_uid: str
    amount: int
    status: PaymentStatus = PaymentStatus.READY
    channel_id: int | None = None
    pay_method: str = "card"
    channel: str = "api"
    pg_provider: str = ""
    emb_pg_provider: str | None = None
    pg_tid: str | None = None
    pg_id: str | None = None
    escrow: bool = False
    apply_num: str | None = None
    bank_code: str | None = None
    bank_name: str | None = None
    card_code: str | None = None
    card_name: str | None = None
    card_quota: int = 0
    card_number: str | None = None
    card_type: int | None = None
    vbank_code: str | None = None
    vbank_name: str | None = None
    vbank_num: str | None = None
    vbank_holder: str | None = None
    vbank_date: int = 0
    vbank_issued_at: int = 0
    name: str | None = None
    tax_free: int = 0
    vat: int = 0
    cancel_amount: int = 0
    currency: str = "KRW"
    buyer_name: str | None = None
    buyer_email: str | None = None
    buyer_tel: str | None = None
    buyer_addr: str | None = None
    buyer_postcode: str | None = None
    custom_data: str | None = None
    user_agent: str | None = None
    started_at: int = 0
    paid_at: int = 0
    failed_at: int = 0
    cancelled_at: int = 0
    updated_at: int = 0
    status_at: int = 0
    fail_reason: str | None = None
    cancel_reason: str | None = None
    receipt_url: str | None = None
    cash_receipt_issued: bool = False
    customer_uid: str | None = None
    customer_uid_usage: str | None = None
    notice_url: list[str] | None = None
    outcome_pending: bool = False
    cancel_history: list[Cancellation] = field(default_factory=list)

    @property
    def cancellable_amount(self) -> int:
        return self.amount - self.cancel_amount

    @property
    def cancellable_tax_free(self) -> int:
        """The tax-free part not yet refunded: paid ``tax_free`` less the confirmed cancels' parts."""
        return self.tax_free - sum(c.tax_free for c in self.cancel_history)

    def approve(self, approval: Approval, now: int) -> None:
        """Record the PG's approval: ``ready`` → ``paid``."""
        if self.status is not PaymentStatus.READY:
            raise Refused(f"payment {self.imp_uid} is {self.status.value}, it cannot be approved")
        self.status = PaymentStatus.PAID
        self.pg_tid = approval.pg_tid
        self.apply_num = approval.apply_num
        self.card_code = approval.card_code or self.card_code
        self.card_name = approval.card_name or self.card_name
        self.card_number = approval.card_number or self.card_number
        self.card_type = approval.card_type if approval.card_type is not None else self.card_type
        self.card_quota = approval.card_quota
        self.bank_code = approval.bank_code or self.bank_code
        self.bank_name = approval.bank_name or self.bank_name
        self.emb_pg_provider = approval.emb_pg_provider or self.emb_pg_provider
        self.receipt_url = approval.receipt_url or self.receipt_url
        self.paid_at = self.status_at = self.updated_at = now
        self.outcome_pending = False

    def fail(self, reason: str, now: int, *, card_number: str | None = None, card: DeclinedCard | None = None) -> None:
        """Record a decline: ``ready`` → ``failed``, keeping the card the PG or the number identified."""
        if self.status is not PaymentStatus.READY:
            raise Refused(f"payment {self.imp_uid} is {self.status.value}, it cannot fail")
        self.status = PaymentStatus.FAILED
        self.fail_reason = reason
        self.card_number = card_number or self.card_number
        if card is not None:
            self.card_number = self.card_number or card.card_number
            self.card_code = self.card_code or card.card_code
            self.card_name = self.card_name or card.card_name
            self.card_type = self.card_type if self.card_type is not None else card.card_type
        self.failed_at = self.status_at = self.updated_at = now
        self.outcome_pending = False

    def plan_cancel(
        self, amount: int | None, tax_free: int, checksum: int | None, reserved: int = 0, reserved_tax_free: int = 0
    ) -> int:
        """Check a cancel request against the balance and return the amount to cancel (KRW).

        ``reserved`` / ``reserved_tax_free``: what cancels already sent to the PG, not yet answered,
        hold of the balance and of its tax-free part. The tax-free parts refunded never exceed the
        tax-free amount paid (a PG asked for more either refuses or refunds VAT that was never paid).
        Raises Refused (business refusal) or InvalidParameter.
        """
        if self.status is not PaymentStatus.PAID:
            if self.status is PaymentStatus.CANCELLED:
                raise Refused(messages.ALREADY_FULLY_CANCELLED, code=1)  # i'mport's words (docs/messages.md)
            raise Refused(f"payment {self.imp_uid} is {self.status.value}; only paid payments can be cancelled")
        remaining = self.cancellable_amount - reserved
        if checksum is not None and checksum != remaining:
            raise Refused(
                f"checksum {checksum} does not match the cancellable balance {remaining} "
                "(취소가능잔액 검증에 실패하였습니다)"
            )
        to_cancel = remaining if amount is None else amount
        if to_cancel <= 0:
            raise InvalidParameter("amount", "must be greater than 0")
        if to_cancel > remaining:
            raise Refused(f"amount {to_cancel} exceeds the cancellable balance {remaining}")
        if tax_free < 0:
            raise InvalidParameter("tax_free", "must not be negative")
        if tax_free > to_cancel:
            raise InvalidParameter("tax_free", "must not exceed the amount being cancelled")
        remaining_tax_free = self.cancellable_tax_free - reserved_tax_free
        if tax_free > remaining_tax_free:
            raise Refused(
                f"tax_free {tax_free} exceeds the remaining tax-free balance {max(remaining_tax_free, 0)} "
                f"of payment {self.imp_uid} (면세금액 취소가능잔액을 초과하였습니다)"
            )
        return to_cancel

    def cancel_tax_free(self, to_cancel: int, tax_free: int | None, reserved: int = 0, reserved_tax_free: int = 0) -> int:
        """The tax-free part (KRW) of a cancel of ``to_cancel`` that ``plan_cancel`` accepted.

        A cancel refunds its taxable part (``to_cancel`` − tax-free, VAT included) out of the taxable
        part left, so it never returns more taxable amount — and so more VAT — than was paid, and the
        cancel that empties the balance refunds exactly the tax-free part left: ``tax_free`` absent
        (None) means that part, any other value is refused. Raises Refused (docs/money.md).
        """
        remaining = self.cancellable_amount - reserved
        remaining_tax_free = self.cancellable_tax_free - reserved_tax_free
        if to_cancel == remaining:
            if tax_free is None or tax_free == remaining_tax_free:
                return remaining_tax_free
            raise Refused(
                f"tax_free {tax_free}: the cancel of the whole balance {remaining} of payment {self.imp_uid} refunds "
                f"the tax-free part left, {remaining_tax_free} (give tax_free {remaining_tax_free} or leave it out; "
                "면세금액 취소가능잔액과 일치해야 합니다)"
            )
        tax_free = tax_free or 0
        taxable_left = remaining - remaining_tax_free
        if to_cancel - tax_free > taxable_left:
            raise Refused(
                f"tax_free {tax_free}: cancelling {to_cancel} would refund {to_cancel - tax_free} taxable (VAT included) "
                f"but {taxable_left} taxable is left of payment {self.imp_uid}; tax_free must be at least "
                f"{to_cancel - taxable_left} (과세금액 취소가능잔액을 초과하였습니다)"
            )
        return tax_free

    def record_cancellation(self, cancellation: Cancellation) -> None:
        """Apply a cancellation the PG confirmed. Fully cancelled → ``cancelled``."""
        self.cancel_amount += cancellation.amount
        self.cancel_history.append(cancellation)
        self.cancel_reason = cancellation.reason
        self.updated_at = cancellation.cancelled_at
        if self.cancel_amount >= self.amount:
            self.status = PaymentStatus.CANCELLED
            self.cancelled_at = self.status_at = cancellation.cancelled_at


def cancel_receipt_url(payment: Payment, cancellation: Cancellation) -> str | None:
    """The sales slip of one cancel (i'mport ``cancel_history[].receipt_url``): the PG's own when it
    gave one; INICIS's published page for the cancel's transaction; else the payment's paymux slip
    showing this cancel."""
    if cancellation.receipt_url:
        return cancellation.receipt_url
    receipt = payment.receipt_url
    if not receipt:
        return None
    if receipt.startswith(INICIS_RECEIPT_URL.split("?")[0]):
        return INICIS_RECEIPT_URL.format(tid=cancellation.pg_tid or payment.pg_tid or "")
    return f"{receipt}&cancellation_id={cancellation.cancellation_id}"
