"""The interface every PG connector implements, and the values that cross it.

A connector maps our request to one PG's protocol and back; what is common to all PGs (write-ahead of
attempts, inquiry of unknown outcomes, masking, storage) is done once in ``services``. The shape fits a
real two-step PG: a window flow authenticates in the PG's window then approves server-side
(``approve_window``), an API flow charges directly, and ``inquire`` asks the PG about an order whose
outcome the network hid from us.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, ClassVar

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
    """The PG's answer to a cancel: done (with the cancel's own PG transaction id), refused with the
    PG's reason, or unknown (sent, no answer: the reconciler asks the PG later)."""

    outcome: Outcome
    pg_tid: str = ""
    reason: str = ""
    receipt_url: str = ""

    @classmethod
    def done(cls, pg_tid: str, receipt_url: str = "") -> CancelResult:
        return cls(Outcome.APPROVED, pg_tid=pg_tid, receipt_url=receipt_url)

    @classmethod
    def refused(cls, reason: str) -> CancelResult:
        return cls(Outcome.DECLINED, reason=reason)

    @classmethod
    def unknown(cls, reason: str) -> CancelResult:
        return cls(Outcome.UNKNOWN, reason=reason)


@dataclass(frozen=True)
class CancelOrder:
    """One cancel as the PG sees it: the original approval, how much, and what remains after it.

    ``remaining_after`` is the balance the PG must be left with (INICIS ``confirmPrice``, Kakao Pay
    ``cancel_available_amount``): a checksum, so a retried cancel cannot be applied twice.
    ``cancellation_id`` names this cancel in paymux's journal (and at PGs that take an idempotency key).
    """

    cancellation_id: str
    payment: Payment
    amount: int
    tax_free: int
    reason: str
    remaining_after: int
    now: int
    refund_holder: str | None = None
    refund_bank: str | None = None
    refund_account: str | None = field(default=None, repr=False)

    @property
    def is_full(self) -> bool:
        return self.amount == self.payment.amount and self.payment.cancel_amount == 0


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
class WindowStart:
    """A payment window to open at the PG itself (a live-protocol connector).

    ``request.order_id`` is the imp_uid (the PG's order id, INICIS ``oid``); the PG sends the buyer
    back to ``return_url`` with its authentication result, or to ``close_url`` when the buyer
    closes its window. ``notice_url`` is where the PG's asynchronous notices (a virtual account's
    deposit) arrive. ``now`` is unix seconds.
    """

    request: ChargeRequest
    pay_method: str
    mobile: bool
    issues_billing_key: bool
    return_url: str
    close_url: str
    notice_url: str
    quota_months: tuple[int, ...] = ()  # installment months offered besides the lump sum
    vbank_due: int = 0  # unix seconds, for pay_method vbank
    # The PG's transaction id handed out when the window was opened (``WindowLaunch.reference['pg_tid']``,
    # Kakao Pay ready's ``tid``), kept on the payment; "" before the window was launched.
    pg_tid: str = ""


@dataclass(frozen=True)
class WindowLaunch:
    """How the buyer's browser reaches the PG's window: paymux renders a page with ``fields`` as a
    form (``charset`` its accept-charset) and either submits it to ``url`` with ``method``, or —
    when the PG ships a window library (INICIS ``INIStdPay.js``) — loads ``script_url`` and calls
    ``script_call(formId)``. ``reference`` is kept with the window (never shown to the buyer): its
    ``pg_tid`` (a PG that opens its window with a server call, as Kakao Pay's ``ready``) is stored as the
    payment's pg_tid and handed back in ``WindowStart.pg_tid``."""

    url: str
    fields: dict[str, str]
    method: str = "POST"
    charset: str = "utf-8"
    script_url: str | None = None
    script_call: str | None = None
    reference: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class WindowOutcome:
    """What the PG's window ended in, after paymux approved it server-side.

    ``result`` is the charge outcome (APPROVED with the approval; DECLINED with the PG's reason,
    including a buyer who closed the window; UNKNOWN when the approval's answer was lost).
    ``billing_key`` is set when the window issued one, ``vbank`` when it opened a virtual account.
    ``reference`` is what a later net cancel or inquiry needs (journaled before the approval call).
    """

    result: ChargeResult
    billing_key: IssuedBillingKey | None = None
    vbank: VbankIssued | None = None
    vbank_due: int = 0
    reference: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class PgNotice:
    """An asynchronous notice from a PG (a virtual account's deposit), verified by the connector.

    ``order_id`` is paymux's imp_uid (the order id paymux gave the PG), ``amount`` KRW.
    """

    DEPOSIT: ClassVar[str] = "vbank_deposit"  # money arrived in a virtual account: recorded
    STATUS_ECHO: ClassVar[str] = "status_echo"  # the PG repeats a change paymux made itself: acknowledged

    kind: str  # DEPOSIT or STATUS_ECHO
    order_id: str
    pg_tid: str
    mid: str
    amount: int
    depositor: str = ""
    # A per-payment secret the PG repeats in its notice (Toss Payments' virtual-account ``secret``).
    secret: str = field(default="", repr=False)


@dataclass(frozen=True)
class NoticeReply:
    """The answer a PG expects to a notice (INICIS: the text ``OK``); anything else makes it resend."""

    status_code: int
    body: str
    media_type: str = "text/plain"


class InvalidNotice(Refused):
    """A notice that is not from the PG, or not one we understand: answered with the PG's error."""


@dataclass(frozen=True)
class CredentialField:
    """One secret a PG issues to a merchant (INICIS: signKey, INIAPI key and IV …), asked for by the
    console's live channel form. ``help`` says where the merchant finds it."""

    name: str
    label: str
    help: str
    required: bool = True


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
    # The billing-key window also charges the amount it is given, in the same approval (PortOne's
    # "issue and charge at once": kakaopay, mobilians' newer module…; not html5_inicis, whose window
    # only issues the key).
    first_charge_with_key: bool = False
    test_mids: dict[PayType, str] = {}
    # Test credentials the PG publishes for its test MIDs, shown on the console's test card (name → value).
    public_test_credentials: dict[str, str] = {}
    mode: ChannelMode = ChannelMode.TEST
    # True: the buyer authenticates in the PG's own window (start_window / finish_window); False:
    # paymux shows the sandbox screens and calls approve_window.
    has_pg_window: bool = False
    credential_fields: tuple[CredentialField, ...] = ()
    notice_sources: tuple[str, ...] = ()  # the networks the PG's notices come from (CIDR)
    changes_vbank: bool = True  # the PG can change an issued account's amount or deadline
    # The longest return/close URL the PG accepts (Kakao Pay: 255 characters); 0 = no limit. Longer
    # window URLs are handed to the PG as short stand-ins (``ticket=~{token}``).
    return_url_limit: int = 0

    def supports_keyin(self) -> bool:
        return PayType.API in self.pay_types

    def remember_with(self, ledger: Any) -> None:  # noqa: B027 - an optional hook: most connectors need no ledger
        """Hand the connector paymux's own PG-side memory (``SandboxLedger``) for rules a PG makes
        paymux check before calling it (Mobilians' first billing charge). Default: not needed."""

    def missing_credentials(self, context: ChannelContext) -> list[str]:
        """The required credentials this channel lacks; a window or call is refused before any
        card is asked for while this is not empty."""
        return [f.name for f in self.credential_fields if f.required and not context.credentials.get(f.name)]

    async def start_window(self, context: ChannelContext, start: WindowStart) -> WindowLaunch:
        """Open the PG's own window (a signed form, or a server call that returns a redirect)."""
        raise Refused(f"{self.display_name} has no PG window in this mode")

    async def finish_window(
        self, context: ChannelContext, start: WindowStart, returned: Mapping[str, str]
    ) -> WindowOutcome:
        """The PG sent the buyer back with ``returned`` (its form or query fields): verify them and
        approve server-side. A transport failure of the approval call is an UNKNOWN result."""
        raise Refused(f"{self.display_name} has no PG window in this mode")

    def window_reference(
        self, context: ChannelContext, start: WindowStart, returned: Mapping[str, str]
    ) -> dict[str, str]:
        """What must be journaled before the approval call so that a lost answer can be settled
        (net cancel or inquiry). Raises Refused when ``returned`` is not a usable authentication."""
        return {}

    async def net_cancel(self, context: ChannelContext, reference: Mapping[str, str], amount: int, now: int) -> Outcome:
        """Undo an approval paymux could not record (INICIS netCancelUrl). APPROVED = nothing is charged."""
        return Outcome.UNKNOWN

    def parse_notice(self, form: Mapping[str, str]) -> PgNotice:
        """Read a PG notice (its sender is checked by the service against ``notice_sources`` and the
        channel's endpoint host). Raises InvalidNotice."""
        raise InvalidNotice(f"{self.display_name} sends no notices to paymux")

    async def confirm_notice(self, context: ChannelContext, notice: PgNotice) -> PgNotice:
        """The notice as the PG confirms it, asked with the channel's own credentials (Toss Payments: its
        deposit webhook names no amount, so the payment is looked up). Default: the notice as parsed.
        Raises InvalidNotice."""
        return notice

    def notice_reply(self, accepted: bool) -> NoticeReply:
        return NoticeReply(200 if accepted else 400, "OK" if accepted else "FAIL")

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
    async def cancel(self, context: ChannelContext, order: CancelOrder) -> CancelResult:
        """Cancel all or part of an approved payment; a refusal is an answer, not an exception."""

    async def inquire_cancel(self, context: ChannelContext, order: CancelOrder) -> CancelResult:
        """Whether a cancel whose answer was lost happened at the PG: done, refused (it did not
        happen), or still unknown — the default, for a PG that cannot be asked."""
        return CancelResult.unknown("this PG cannot be asked about a cancel")

    async def delete_billing_key(self, context: ChannelContext, billing_key: str, now: int) -> Outcome:
        """Delete a billing key at the PG. PGs with no delete call (INICIS INIAPI) forget it locally:
        APPROVED. DECLINED keeps the key here; UNKNOWN leaves the delete to be retried."""
        return Outcome.APPROVED

    @abstractmethod
    async def inquire(
        self, context: ChannelContext, order_id: str, now: int, reference: Mapping[str, str] | None = None
    ) -> ChargeResult:
        """Ask the PG what became of an order whose outcome we do not know.

        ``reference`` is what the journal kept before the call (a window's authentication token and
        net-cancel URL, …): a PG whose lost approvals cannot be looked up settles them by net cancel,
        answering DECLINED once the PG confirmed nothing is charged.
        """

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

    async def close_vbank(self, context: ChannelContext, payment: Payment, now: int) -> CancelResult:
        """Close a virtual account nobody paid into (``DELETE /vbanks``). The sandbox has nothing to close."""
        return CancelResult.done(payment.pg_tid or "")

    async def account_holder(self, context: ChannelContext, bank_code: str, account_number: str) -> str:
        """The name on a bank account (for refunds to a buyer's account)."""
        raise Refused(f"{self.display_name} does not look up account holders")
