"""NHN KCP (``kcp``, billing ``kcp_billing``): a card PG.

Rules the sandbox applies as KCP answers them (docs/sandbox.md, with sources):

* a phone payment (휴대폰 소액결제) needs the buyer's name: KCP's window refuses one without
  ``buyer_name`` (PortOne's KCP guide, ``opi/ko/integration/pg/v1/nhn-kcp/readme.mdx``:
  "휴대폰 소액결제시 buyer_name … 파라미터를 필수 입력해야합니다");
* installments only from 50,000 KRW (same guide; the shared rule in ``domain.money``).
"""

from __future__ import annotations

from paymux.connectors.base import ChargeRequest, WindowAuthentication, WindowStep
from paymux.connectors.sandbox import SandboxConnector
from paymux.domain.channel import PayType

PHONE_NEEDS_BUYER_NAME = (
    "휴대폰 소액결제는 구매자 이름(buyer_name)이 필수입니다 (KCP phone payments need buyer_name)"
)


class KcpSandbox(SandboxConnector):
    pg_provider = "kcp"
    display_name = "NHN KCP"
    pay_methods = frozenset({"card", "trans", "vbank", "phone"})
    test_mids = {PayType.GENERAL: "T0000", PayType.SUBSCRIPTION: "BA001", PayType.API: "BA001"}
    tid_prefix = "KCP"

    def decline_window_reason(self, request: ChargeRequest, authentication: WindowAuthentication) -> str | None:
        if authentication.step is WindowStep.PHONE and not (request.buyer.name or "").strip():
            return PHONE_NEEDS_BUYER_NAME
        return None
