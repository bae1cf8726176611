"""KG Mobilians (``mobilians``): mobile micropayment first, also card and bank transfer.

Rules the sandbox enforces, as the PG does: no API key-in; issuing a billing key charges nothing; later
billing charges must be the same amount as the first and fall on the same day of the month; phone
payments can be cancelled only within the month they were paid.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime

from paymux.connectors.base import ChargeRequest
from paymux.connectors.sandbox import SandboxConnector
from paymux.domain.channel import PayType
from paymux.domain.payment import Payment


def _month(unix_seconds: int) -> tuple[int, int]:
    moment = datetime.fromtimestamp(unix_seconds, UTC)
    return moment.year, moment.month


class MobiliansSandbox(SandboxConnector):
    pg_provider = "mobilians"
    display_name = "KG모빌리언스"
    pay_methods = frozenset({"card", "trans", "phone"})
    pay_types = frozenset({PayType.GENERAL, PayType.SUBSCRIPTION})
    requires_buyer_tel = True
    billing_window_methods = frozenset({"phone"})
    test_mids = {PayType.GENERAL: "mobilians_test", PayType.SUBSCRIPTION: "mobilians_bill_test"}
    tid_prefix = "MCASH"

    def _first_charge_key(self, billing_key: str) -> str:
        return f"mobilians:first:{hashlib.sha256(billing_key.encode()).hexdigest()[:40]}"

    async def check_billing_charge(self, billing_key: str, request: ChargeRequest) -> str | None:
        first = await self.ledger.get(self._first_charge_key(billing_key))
        if first is None:
            return None
        if request.amount != first["amount"]:
            return (
                f"KG모빌리언스 정기결제는 최초 결제와 같은 금액만 가능합니다 "
                f"(Mobilians billing charges must repeat the first amount, {first['amount']})"
            )
        day = datetime.fromtimestamp(request.now, UTC).day
        if day != first["day"]:
            return (
                f"KG모빌리언스 정기결제는 매월 최초 결제일과 같은 날에만 가능합니다 "
                f"(Mobilians billing charges must fall on day {first['day']} of the month)"
            )
        return None

    async def after_billing_charge(self, billing_key: str, request: ChargeRequest) -> None:
        key = self._first_charge_key(billing_key)
        if await self.ledger.get(key) is None:
            day = datetime.fromtimestamp(request.now, UTC).day
            await self.ledger.put(key, {"amount": request.amount, "day": day})

    def check_cancel(self, payment: Payment, now: int) -> str | None:
        if payment.pay_method == "phone" and _month(payment.paid_at) != _month(now):
            return "휴대폰 소액결제는 결제한 달 안에만 취소할 수 있습니다 (phone payments cancel only within their month)"
        return None
