"""KG INICIS (``html5_inicis``, legacy ``inicis``): window payments, billing window, INIAPI billing.

The sandbox answers as INICIS's test server does and applies INICIS's documented rules (docs/sandbox.md
"PG rules the sandbox enforces", with their sources):

* a server-side charge (billing key or key-in) without ``name`` is refused before anything is sent,
  HTTP 400, in i'mport's words ``이니시스 빌링결제는 상품명이 필수입니다.`` — what the real service
  answered the official Python client (``iamport/iamport-rest-client-python`` pull request 27);
  INIAPI's ``goodName`` is a required field of ``Billing`` [pg-live-protocols §1.4];
* a card payment in the window under 100 KRW is declined with INICIS's ``500690`` (INICIS's code
  workbook [PO-CODES inicis-code.xlsx], pg-live-protocols §1.6); the window sends ``below1000``
  (docs/pgs.md), so INICIS's ``500608`` (under 1,000 KRW) does not apply to it, and no source ties
  either floor to INIAPI billing, so server-side charges are not held to them;
* ``buyer_tel`` is required in the payment window (``requires_buyer_tel``).
"""

from __future__ import annotations

from paymux.connectors.base import ChargeRequest, WindowAuthentication, WindowStep
from paymux.connectors.sandbox import ChargeKind, PgRuleRefusal, SandboxConnector
from paymux.domain.channel import PayType

NAME_REQUIRED = "이니시스 빌링결제는 상품명이 필수입니다."
CARD_UNDER_100 = "[500690] 신용카드 결제금액이 100원 미만입니다 (INICIS refuses card payments under 100 KRW)"


class InicisSandbox(SandboxConnector):
    pg_provider = "html5_inicis"
    display_name = "KG이니시스"
    pay_methods = frozenset(
        {"card", "trans", "vbank", "phone", "kakaopay", "samsung", "ssgpay", "chai", "payco", "naverpay",
         "tosspay", "cultureland", "smartculture", "happymoney"}
    )
    pay_types = frozenset({PayType.GENERAL, PayType.SUBSCRIPTION, PayType.API})
    requires_buyer_tel = True
    test_mids = {PayType.GENERAL: "INIpayTest", PayType.SUBSCRIPTION: "INIBillTst", PayType.API: "INIBillTst"}
    tid_prefix = "StdpayCARDINIpayTest"

    def refuse_request(self, kind: ChargeKind, request: ChargeRequest) -> PgRuleRefusal | None:
        if not (request.name or "").strip():
            return PgRuleRefusal("name", NAME_REQUIRED)
        return None

    def decline_window_reason(self, request: ChargeRequest, authentication: WindowAuthentication) -> str | None:
        if authentication.step is WindowStep.CARD and request.amount < 100:
            return CARD_UNDER_100
        return None
