"""KG Mobilians (``mobilians``) in test mode without an endpoint: paymux's sandbox PG.

Rules the sandbox enforces, as the PG does (:mod:`.rules`): no API key-in; issuing a billing key
charges nothing; later billing charges must be the same amount as the first and fall on the same day
of the month (month-end clamped); phone payments can be cancelled only within the month they were paid.
"""

from __future__ import annotations

import hashlib

from paymux.connectors.base import ChargeRequest
from paymux.connectors.mobilians import rules
from paymux.connectors.mobilians.client import PUBLIC_TEST_SID, PUBLIC_TEST_SKEY
from paymux.connectors.sandbox import SandboxConnector
from paymux.domain.channel import PayType
from paymux.domain.payment import Payment


def first_charge_key(billing_key: str) -> str:
    """Where paymux's ledger keeps a billing key's first charge (a digest, never the key)."""
    return f"mobilians:first:{hashlib.sha256(billing_key.encode()).hexdigest()[:40]}"


class MobiliansSandbox(SandboxConnector):
    pg_provider = "mobilians"
    display_name = "KG모빌리언스"
    pay_methods = frozenset({"card", "trans", "phone"})
    pay_types = frozenset({PayType.GENERAL, PayType.SUBSCRIPTION})
    requires_buyer_tel = True
    billing_window_methods = frozenset({"phone"})
    # Mobilians' published phone test service [MOB-MCP auto_test/config.json]: the test card shows its skey.
    test_mids = {PayType.GENERAL: PUBLIC_TEST_SID, PayType.SUBSCRIPTION: PUBLIC_TEST_SID}
    public_test_credentials = {"sid": PUBLIC_TEST_SID, "skey": PUBLIC_TEST_SKEY}
    tid_prefix = "MCASH"

    async def check_billing_charge(self, billing_key: str, request: ChargeRequest) -> str | None:
        first = await self.ledger.get(first_charge_key(billing_key))
        fixed = rules.FirstCharge(int(first["amount"]), int(first["day"])) if first else None
        return rules.billing_refusal(fixed, request.amount, request.now)

    async def after_billing_charge(self, billing_key: str, request: ChargeRequest) -> None:
        key = first_charge_key(billing_key)
        if await self.ledger.get(key) is None:
            first = rules.first_charge(request.amount, request.now)
            await self.ledger.put(key, {"amount": first.amount, "day": first.day})

    def check_cancel(self, payment: Payment, now: int) -> str | None:
        if payment.pay_method == "phone":
            return rules.cancel_refusal(payment.paid_at, now)
        return None
