"""NICE Payments (``nice``): a card PG whose billing keys are issued by API.

Rules the sandbox applies as NICE answers them (docs/sandbox.md, with sources):

* a card payment under 1,000 KRW is declined with NICE's ``3041`` [NICE common/code.md,
  pg-live-protocols §4.3] — server-side charges and the window alike;
* installments only from 50,000 KRW (NICE ``3024``; the shared rule in ``domain.money``).
"""

from __future__ import annotations

from paymux.connectors.base import ChargeRequest, WindowAuthentication, WindowStep
from paymux.connectors.sandbox import ChargeKind, SandboxConnector
from paymux.domain.channel import PayType

CARD_UNDER_1000 = "[3041] 금액 오류(1000원 미만 신용카드 승인 불가) (NICE refuses card payments under 1,000 KRW)"


class NiceSandbox(SandboxConnector):
    pg_provider = "nice"
    display_name = "나이스페이"
    pay_methods = frozenset({"card", "trans", "vbank", "phone"})
    test_mids = {PayType.GENERAL: "nictest00m", PayType.SUBSCRIPTION: "nictest04m", PayType.API: "nictest04m"}
    tid_prefix = "nictest00m0101"
    # The sandbox keys NICE's manual prints (common/test.md): for a channel pointed at
    # https://sandbox-api.nicepay.co.kr (the endpoint field) with NICE's own sandbox.
    public_test_credentials = {"client_id": "58e3b578555e45738d6b569e53d5ae54",
                               "secret_key": "4f13ca267dfa4fc6964148bedcda15ef"}

    def decline_reason(self, kind: ChargeKind, request: ChargeRequest) -> str | None:
        return CARD_UNDER_1000 if request.amount < 1000 else None

    def decline_window_reason(self, request: ChargeRequest, authentication: WindowAuthentication) -> str | None:
        if authentication.step is WindowStep.CARD and request.amount < 1000:
            return CARD_UNDER_1000
        return None
