"""NHN KCP (``kcp``, billing ``kcp_billing``): a plain card PG; sandbox rules are the shared ones."""

from __future__ import annotations

from paymux.connectors.sandbox import SandboxConnector
from paymux.domain.channel import PayType


class KcpSandbox(SandboxConnector):
    pg_provider = "kcp"
    display_name = "NHN KCP"
    pay_methods = frozenset({"card", "trans", "vbank", "phone"})
    test_mids = {PayType.GENERAL: "T0000", PayType.SUBSCRIPTION: "BA001", PayType.API: "BA001"}
    tid_prefix = "KCP"
