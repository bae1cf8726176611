"""KG INICIS (``html5_inicis``, legacy ``inicis``): window payments, billing window, INIAPI billing.

Live protocol (not wired yet): INIAPI form POSTs signed with SHA-512 over the fields and the merchant's
INIAPI key, result code "00" on success; the window returns an authUrl the server calls to approve.
"""

from __future__ import annotations

from paymux.connectors.sandbox import SandboxConnector
from paymux.domain.channel import PayType


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
