"""NICE Payments (``nice``): a plain card PG; sandbox rules are the shared ones."""

from __future__ import annotations

from paymux.connectors.sandbox import SandboxConnector
from paymux.domain.channel import PayType


class NiceSandbox(SandboxConnector):
    pg_provider = "nice"
    display_name = "나이스페이"
    pay_methods = frozenset({"card", "trans", "vbank", "phone"})
    test_mids = {PayType.GENERAL: "nictest00m", PayType.SUBSCRIPTION: "nictest04m", PayType.API: "nictest04m"}
    tid_prefix = "nictest00m0101"
