"""The sandbox PG: the "test integration" every connector runs in test mode.

It behaves like a PG's own test server. Cards are chosen from a documented table (docs/sandbox.md) to
approve, decline for each common reason, or time out with an unknown outcome that a later inquiry
resolves. Its memory (what an inquiry answers, Mobilians' first charge) sits in the sandbox ledger,
its side of the wire; ordinary approvals are not remembered, so an inquiry about an order it never
recorded answers "no such transaction", as a PG does for a request that never reached it.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from dataclasses import asdict
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any, Protocol

from paymux.connectors.base import (
    CancelOrder,
    CancelResult,
    CardRefused,
    ChannelContext,
    ChargeRequest,
    ChargeResult,
    Connector,
    IssuedBillingKey,
    Outcome,
    VbankIssued,
    WindowAuthentication,
    WindowStep,
)
from paymux.domain.card import BANKS, CARD_COMPANIES, CardDetails
from paymux.domain.errors import InvalidParameter, PaymuxError, Refused
from paymux.domain.payment import CARD_AUTHENTICATION_FAILED, NEVER_REACHED_PG, Approval, Payment


class SandboxLedger(Protocol):
    async def get(self, key: str) -> dict[str, Any] | None: ...

    async def put(self, key: str, value: dict[str, Any]) -> None: ...


class CardBehaviour(StrEnum):
    APPROVE = "approve"
    REFUSED = "refused"
    INSUFFICIENT = "insufficient"
    EXPIRED = "expired"
    AUTH_FAILED = "auth_failed"
    TIMEOUT_THEN_APPROVED = "timeout_approved"
    TIMEOUT_THEN_DECLINED = "timeout_declined"


# The test card table (docs/sandbox.md). Any other well-formed number approves.
TEST_CARDS: dict[str, CardBehaviour] = {
    "4000000000000002": CardBehaviour.REFUSED,
    "4000000000009995": CardBehaviour.INSUFFICIENT,
    "4000000000000069": CardBehaviour.EXPIRED,
    "4000000000000127": CardBehaviour.AUTH_FAILED,
    "4000000000000119": CardBehaviour.TIMEOUT_THEN_APPROVED,
    "4000000000000101": CardBehaviour.TIMEOUT_THEN_DECLINED,
}

DECLINE_REASONS: dict[CardBehaviour, str] = {
    CardBehaviour.REFUSED: "카드사 승인거절 (card company refused the charge)",
    CardBehaviour.INSUFFICIENT: "잔액부족 (insufficient balance)",
    CardBehaviour.EXPIRED: f"{CARD_AUTHENTICATION_FAILED} (유효기간 경과: expired card)",
    CardBehaviour.AUTH_FAILED: f"{CARD_AUTHENTICATION_FAILED} (비밀번호/생년월일 불일치: wrong password or birth date)",
    CardBehaviour.TIMEOUT_THEN_DECLINED: "카드사 승인거절 (card company refused the charge)",
}

# Phone numbers (digits) that the sandbox's phone payments and phone billing keys refuse.
PHONE_OVER_LIMIT_SUFFIX = "0002"
PHONE_OVER_LIMIT = "휴대폰 결제 한도를 초과하였습니다 (the phone's monthly micropayment limit is used up)"
# Billing keys that do not come from a card carry these in place of the card company code.
NON_CARD_KEY_KINDS = frozenset({"phone", "wallet"})

# Card company by BIN prefix, longest prefix first; anything else is a BC card.
BIN_TABLE: tuple[tuple[str, str, int], ...] = (
    ("400000", "366", 0),
    ("536148", "367", 0),
    ("457973", "381", 0),
    ("510737", "365", 0),
    ("123412", "368", 0),
    ("949094", "371", 1),
    ("4", "VIS", 0),
    ("5", "MAS", 0),
)


def card_company(digits: str) -> tuple[str, str, int]:
    """(card_code, card_name, card_type) of a sandbox card."""
    for prefix, code, card_type in BIN_TABLE:
        if digits.startswith(prefix):
            return code, CARD_COMPANIES[code], card_type
    return "361", CARD_COMPANIES["361"], 0


class ChargeKind(StrEnum):
    """How a server-side charge reaches the PG: a stored billing key (``again``, schedules, the
    billing charge of ``onetime`` with ``customer_uid``) or card data (key-in ``onetime``)."""

    BILLING = "billing"
    KEYIN = "keyin"


class PgRuleRefusal(InvalidParameter):
    """A request the PG's documented rules refuse before anything is charged or recorded (HTTP 400,
    ``code`` -1), in the exact words i'mport answers it with where they are known."""

    def __init__(self, field: str, message: str) -> None:
        PaymuxError.__init__(self, message)
        self.field = field


def behaviour_of(card: CardDetails, now: int) -> CardBehaviour:
    today = datetime.fromtimestamp(now, UTC)
    if card.is_expired(today.year, today.month):
        return CardBehaviour.EXPIRED
    return TEST_CARDS.get(card.number, CardBehaviour.APPROVE)


class SandboxConnector(Connector):
    """Common sandbox behaviour; each PG module sets its rules and tid format on top."""

    tid_prefix: str = "sandbox"

    def __init__(self, ledger: SandboxLedger) -> None:
        self.ledger = ledger

    # --- hooks a PG module may override -------------------------------------------------------
    def new_tid(self, now: int) -> str:
        stamp = datetime.fromtimestamp(now, UTC).strftime("%Y%m%d%H%M%S")
        return f"{self.tid_prefix}{stamp}{secrets.token_hex(6)}"

    async def check_billing_charge(self, billing_key: str, request: ChargeRequest) -> str | None:
        """A PG-specific refusal reason for a billing-key charge, or None."""
        return None

    async def after_billing_charge(self, billing_key: str, request: ChargeRequest) -> None:
        """Remember what the PG must remember after an approved billing-key charge."""

    def check_cancel(self, payment: Payment, now: int) -> str | None:
        """A PG-specific refusal reason for a cancel, or None."""
        return None

    def refuse_request(self, kind: ChargeKind, request: ChargeRequest) -> PgRuleRefusal | None:
        """A rule this PG (or i'mport in front of it) applies to a server-side charge before anything
        is sent: the request is refused with HTTP 400 and nothing is recorded. Declared here, on the
        PG's sandbox, it holds for the PG's channels in every mode (services.billing asks it through
        ``ConnectorRegistry.describe``)."""
        return None

    def decline_reason(self, kind: ChargeKind, request: ChargeRequest) -> str | None:
        """A rule the PG applies when it answers a server-side card charge: the charge is declined
        (``code`` 0, ``status`` failed, this ``fail_reason``), as the PG's reply code says."""
        return None

    def decline_window_reason(self, request: ChargeRequest, authentication: WindowAuthentication) -> str | None:
        """A rule the PG applies when it approves a window payment: declined with this reason."""
        return None

    # --- the interface ---------------------------------------------------------------------------
    async def issue_billing_key(
        self, context: ChannelContext, card: CardDetails, customer_uid: str, now: int
    ) -> IssuedBillingKey:
        behaviour = behaviour_of(card, now)
        if behaviour in (CardBehaviour.EXPIRED, CardBehaviour.AUTH_FAILED):
            raise CardRefused("카드정보 인증 및 빌키 발급에 실패하였습니다. (card authentication failed)")
        code, name, card_type = card_company(card.number)
        billing_key = f"sbk.{self.pg_provider}.{behaviour.value}.{code}.{card_type}.{secrets.token_hex(12)}"
        return IssuedBillingKey(billing_key, code, name, card.masked_number, card_type)

    async def charge_billing_key(
        self, context: ChannelContext, billing_key: str, request: ChargeRequest
    ) -> ChargeResult:
        parts = billing_key.split(".")
        if len(parts) != 6 or parts[0] != "sbk" or parts[1] != self.pg_provider:
            return ChargeResult.declined("유효하지 않은 빌링키입니다 (billing key not issued by this PG)")
        behaviour, code, card_type = CardBehaviour(parts[2]), parts[3], int(parts[4])
        if code in NON_CARD_KEY_KINDS:  # a phone or wallet key: no card company on the approval
            code, card_type = "", None  # type: ignore[assignment]
        refusal = await self.check_billing_charge(billing_key, request)
        if refusal:
            return ChargeResult.declined(refusal)
        ruled = self.decline_reason(ChargeKind.BILLING, request)
        if ruled:
            return self._declined(ruled, code, card_type, None)
        result = await self._decide(context, behaviour, request, code, card_type, None)
        if result.outcome is not Outcome.DECLINED:
            await self.after_billing_charge(billing_key, request)
        return result

    async def charge_card(self, context: ChannelContext, card: CardDetails, request: ChargeRequest) -> ChargeResult:
        behaviour = behaviour_of(card, request.now)
        code, _, card_type = card_company(card.number)
        ruled = self.decline_reason(ChargeKind.KEYIN, request)
        if ruled and behaviour not in (CardBehaviour.EXPIRED, CardBehaviour.AUTH_FAILED):
            return self._declined(ruled, code, card_type, card.masked_number)
        return await self._decide(context, behaviour, request, code, card_type, card.masked_number)

    @staticmethod
    def _declined(reason: str, code: str, card_type: int | None, masked: str | None) -> ChargeResult:
        """A decline that names the card its number identifies (``card_code``, ``card_name``,
        ``card_type`` on the failed payment, as i'mport shows them), carried in ``approval``
        although nothing was approved (services.charging reads it only as the card)."""
        card = Approval(
            pg_tid="", card_code=code or None, card_name=CARD_COMPANIES.get(code), card_number=masked,
            card_type=card_type, by_sandbox=True,
        )
        return ChargeResult(Outcome.DECLINED, approval=card if code else None, reason=reason, card_number=masked)

    async def _decide(
        self,
        context: ChannelContext,
        behaviour: CardBehaviour,
        request: ChargeRequest,
        code: str,
        card_type: int | None,
        masked: str | None,
    ) -> ChargeResult:
        approval = Approval(
            pg_tid=self.new_tid(request.now),
            apply_num=self._apply_num(),
            card_code=code or None,
            card_name=CARD_COMPANIES.get(code),
            card_number=masked,
            card_type=card_type,
            card_quota=request.card_quota,
            by_sandbox=True,
        )
        if behaviour is CardBehaviour.APPROVE:
            return ChargeResult.approved(approval)
        if behaviour in (CardBehaviour.TIMEOUT_THEN_APPROVED, CardBehaviour.TIMEOUT_THEN_DECLINED):
            approved = behaviour is CardBehaviour.TIMEOUT_THEN_APPROVED
            await self.ledger.put(
                self._outcome_key(request.order_id),
                {"approved": approved, "approval": asdict(approval), "reason": DECLINE_REASONS.get(behaviour, "")},
            )
            return ChargeResult.unknown("PG did not answer in time; the outcome will be confirmed by inquiry")
        return self._declined(DECLINE_REASONS[behaviour], code, card_type, masked)

    async def approve_window(
        self, context: ChannelContext, request: ChargeRequest, authentication: WindowAuthentication
    ) -> ChargeResult:
        """The window's approval step: cards follow the test-card table, phones the limit rule, and
        bank transfers and simple-pay approvals are approved."""
        if authentication.step is WindowStep.CARD:
            card = authentication.card
            assert card is not None
            chosen = authentication.card_company
            code, _, card_type = card_company(card.number)
            if chosen is not None and code != chosen:
                return self._declined(
                    f"선택하신 카드사({CARD_COMPANIES.get(chosen, chosen)})의 카드가 아닙니다 "
                    "(the card does not belong to the chosen card company)",
                    code, card_type, card.masked_number,
                )
            ruled = self.decline_window_reason(request, authentication)
            if ruled:
                return self._declined(ruled, code, card_type, card.masked_number)
            return await self._decide(context, behaviour_of(card, request.now), request, code, card_type, card.masked_number)
        ruled = self.decline_window_reason(request, authentication)
        if ruled:
            return ChargeResult.declined(ruled)
        if authentication.step is WindowStep.PHONE:
            if (authentication.phone or "").endswith(PHONE_OVER_LIMIT_SUFFIX):
                return ChargeResult.declined(PHONE_OVER_LIMIT)
            return ChargeResult.approved(Approval(pg_tid=self.new_tid(request.now), apply_num=self._apply_num(), by_sandbox=True))
        if authentication.step is WindowStep.BANK:
            bank = authentication.bank_code or ""
            if bank not in BANKS:
                return ChargeResult.declined(f"bank_code '{bank}' is not a bank this PG transfers from")
            return ChargeResult.approved(
                Approval(pg_tid=self.new_tid(request.now), bank_code=bank, bank_name=BANKS[bank], by_sandbox=True)
            )
        wallet = authentication.wallet if authentication.wallet != self.pg_provider else None
        return ChargeResult.approved(
            Approval(pg_tid=self.new_tid(request.now), apply_num=self._apply_num(), emb_pg_provider=wallet, by_sandbox=True)
        )

    async def issue_window_billing_key(
        self, context: ChannelContext, authentication: WindowAuthentication, customer_uid: str, now: int
    ) -> IssuedBillingKey:
        if authentication.step is WindowStep.CARD:
            assert authentication.card is not None
            return await self.issue_billing_key(context, authentication.card, customer_uid, now)
        if authentication.step is WindowStep.PHONE:
            if (authentication.phone or "").endswith(PHONE_OVER_LIMIT_SUFFIX):
                raise CardRefused(PHONE_OVER_LIMIT)
            kind = "phone"
        elif authentication.step is WindowStep.WALLET:
            kind = "wallet"
        else:
            raise CardRefused("billing keys are issued from a card, a phone or a simple-pay approval")
        billing_key = f"sbk.{self.pg_provider}.{CardBehaviour.APPROVE.value}.{kind}.0.{secrets.token_hex(12)}"
        return IssuedBillingKey(billing_key, None, None, None, None)

    @staticmethod
    def _apply_num() -> str:
        return f"{secrets.randbelow(10**8):08d}"

    def _outcome_key(self, order_id: str) -> str:
        return f"{self.pg_provider}:outcome:{order_id}"

    async def cancel(self, context: ChannelContext, order: CancelOrder) -> CancelResult:
        refusal = self.check_cancel(order.payment, order.now)
        if refusal:
            return CancelResult.refused(refusal)
        return CancelResult.done(self.new_tid(order.now))

    async def inquire(
        self, context: ChannelContext, order_id: str, now: int, reference: Mapping[str, str] | None = None
    ) -> ChargeResult:
        recorded = await self.ledger.get(self._outcome_key(order_id))
        if recorded is None:
            return ChargeResult.declined(NEVER_REACHED_PG)
        if recorded["approved"]:
            return ChargeResult.approved(Approval(**recorded["approval"]))
        return ChargeResult.declined(recorded["reason"])

    async def issue_vbank(
        self, context: ChannelContext, request: ChargeRequest, bank_code: str, due: int, holder: str
    ) -> VbankIssued:
        if "vbank" not in self.pay_methods:
            return await super().issue_vbank(context, request, bank_code, due, holder)
        if bank_code not in BANKS:
            raise Refused(f"vbank_code '{bank_code}' is not a bank this PG issues accounts at")
        if due <= request.now:
            raise Refused("vbank_due must be in the future (입금기한이 이미 지났습니다)")
        number = f"{secrets.randbelow(10**14):014d}"
        return VbankIssued(self.new_tid(request.now), bank_code, BANKS[bank_code], number, holder)

    async def account_holder(self, context: ChannelContext, bank_code: str, account_number: str) -> str:
        """Sandbox accounts all belong to 홍길동, except numbers ending 0000, which do not exist."""
        if bank_code not in BANKS:
            raise Refused(f"bank_code '{bank_code}' is not a known bank")
        if account_number.endswith("0000"):
            raise Refused("계좌정보가 올바르지 않습니다 (no such account)")
        return "홍길동"
