"""The interface every PG connector implements, and the values that cross it.

A connector maps our request to one PG's protocol and back; what is common to all PGs (write-ahead of
attempts, inquiry of unknown outcomes, masking, storage) is done once in ``services``. The shape fits a
real two-step PG: a window flow authenticates in the PG's window then approves server-side
(``approve_window``), an API flow charges directly, and ``inquire`` asks the PG about an order whose
outcome the network hid from us.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from paymux.domain.card import CardDetails
from paymux.domain.channel import Channel, ChannelMode, PayType
from paymux.domain.errors import Refused
from paymux.domain.payment import Approval, Payment


class Outcome(StrEnum):
    APPROVED = "approved"
    DECLINED = "declined"
    UNKNOWN = "unknown"  # sent, but no answer: never guess, inquire later


@dataclass(frozen=True)
class Buyer:
    name: str | None = None
    email: str | None = None
    tel: str | None = None
    addr: str | None = None
    postcode: str | None = None


@dataclass(frozen=True)
class ChargeRequest:
    """A charge as the PG sees it. ``order_id`` is our imp_uid: unique, so inquiry can find it."""

    order_id: str
    merchant_uid: str
    amount: int
    tax_free: int = 0
    vat: int = 0
    name: str | None = None
    card_quota: int = 0
    buyer: Buyer = field(default_factory=Buyer)
    now: int = 0


@dataclass(frozen=True)
class ChargeResult:
    outcome: Outcome
    approval: Approval | None = None
    reason: str = ""
    card_number: str | None = None  # masked, for declined key-in attempts

    @classmethod
    def approved(cls, approval: Approval) -> ChargeResult:
        return cls(Outcome.APPROVED, approval=approval)

    @classmethod
    def declined(cls, reason: str, card_number: str | None = None) -> ChargeResult:
        return cls(Outcome.DECLINED, reason=reason, card_number=card_number)

    @classmethod
    def unknown(cls, reason: str) -> ChargeResult:
        return cls(Outcome.UNKNOWN, reason=reason)


@dataclass(frozen=True)
class IssuedBillingKey:
    billing_key: str = field(repr=False)
    card_code: str | None
    card_name: str | None
    card_number: str | None  # masked
    card_type: int | None = 0


@dataclass(frozen=True)
class CancelResult:
    pg_tid: str
    receipt_url: str = ""


@dataclass(frozen=True)
class VbankIssued:
    """A virtual account the PG opened for one order; the buyer pays by transfer before ``due``."""

    pg_tid: str
    bank_code: str
    bank_name: str
    account_number: str
    holder: str


class WindowStep(StrEnum):
    """What the buyer did in a PG's payment window before the server-side approval."""

    CARD = "card"      # entered a card (number, expiry, birth, password digits)
    BANK = "bank"      # chose a bank for a real-time transfer
    PHONE = "phone"    # confirmed a phone number with the SMS one-time code
    WALLET = "wallet"  # tapped "approve" in a simple-pay app (Kakao Pay, or an easy pay inside a window)


@dataclass(frozen=True)
class WindowAuthentication:
    """The buyer's authentication in the window, handed to the PG for approval (INICIS authUrl,
    Kakao Pay approve with pg_token …)."""

    step: WindowStep
    card: CardDetails | None = field(default=None, repr=False)
    card_company: str | None = None  # the company the buyer picked; the card must be one of its
    bank_code: str | None = None
    phone: str | None = field(default=None, repr=False)
    wallet: str | None = None  # the simple pay used (kakaopay, naverpay …)


@dataclass(frozen=True)
class ChannelContext:
    """A channel with its decrypted credentials, handed to a connector for one call."""

    channel: Channel
    credentials: dict[str, Any] = field(default_factory=dict, repr=False)


class CardRefused(Refused):
    """The card itself was refused before any charge (authentication, expiry)."""


class Connector(ABC):
    """One PG. Subclasses declare what the PG supports; the service checks before calling."""

    pg_provider: str
    display_name: str
    pay_methods: frozenset[str] = frozenset({"card"})
    pay_types: frozenset[PayType] = frozenset({PayType.GENERAL, PayType.SUBSCRIPTION, PayType.API})
    requires_buyer_tel: bool = False
    billing_window_methods: frozenset[str] = frozenset({"card"})
    test_mids: dict[PayType, str] = {}
    mode: ChannelMode = ChannelMode.TEST

    def supports_keyin(self) -> bool:
        return PayType.API in self.pay_types

    @abstractmethod
    async def issue_billing_key(
        self, context: ChannelContext, card: CardDetails, customer_uid: str, now: int
    ) -> IssuedBillingKey:
        """Register the card with the PG and return its billing key. Raises CardRefused."""

    @abstractmethod
    async def charge_billing_key(
        self, context: ChannelContext, billing_key: str, request: ChargeRequest
    ) -> ChargeResult:
        """Charge a stored key (INIAPI billing, Kakao SID …)."""

    @abstractmethod
    async def charge_card(self, context: ChannelContext, card: CardDetails, request: ChargeRequest) -> ChargeResult:
        """Key-in: charge card data directly, storing nothing."""

    @abstractmethod
    async def cancel(
        self, context: ChannelContext, payment: Payment, amount: int, tax_free: int, reason: str, now: int
    ) -> CancelResult:
        """Cancel all or part of an approved payment. Raises Refused when the PG refuses."""

    @abstractmethod
    async def inquire(self, context: ChannelContext, order_id: str, now: int) -> ChargeResult:
        """Ask the PG what became of an order whose outcome we do not know."""

    async def approve_window(
        self, context: ChannelContext, request: ChargeRequest, authentication: WindowAuthentication
    ) -> ChargeResult:
        """Approve a payment the buyer authenticated in this PG's window."""
        raise Refused(f"{self.display_name} has no payment window (결제창을 지원하지 않는 PG사입니다)")

    async def issue_window_billing_key(
        self, context: ChannelContext, authentication: WindowAuthentication, customer_uid: str, now: int
    ) -> IssuedBillingKey:
        """Issue a billing key from the non-authenticated (billing) window. Raises CardRefused."""
        raise Refused(f"{self.display_name} has no billing-key window (비인증 결제창을 지원하지 않는 PG사입니다)")

    async def issue_vbank(
        self, context: ChannelContext, request: ChargeRequest, bank_code: str, due: int, holder: str
    ) -> VbankIssued:
        """Open a virtual account for an order. The deposit arrives later as a PG notification."""
        raise Refused(f"{self.display_name} does not issue virtual accounts (가상계좌를 지원하지 않는 PG사입니다)")

    async def account_holder(self, context: ChannelContext, bank_code: str, account_number: str) -> str:
        """The name on a bank account (for refunds to a buyer's account)."""
        raise Refused(f"{self.display_name} does not look up account holders")
