"""Kakao Pay (``kakaopay``, legacy ``kakao``): simple pay approved in Kakao's window or app.

Live protocol (not wired yet): ``ready`` returns a tid and redirect URLs, the buyer approves, then
``approve`` with the ``pg_token``. Subscriptions: the first payment issues an SID used for later charges.
Kakao Pay has no key-in: card data never goes to it.
"""

from __future__ import annotations

from paymux.connectors.sandbox import SandboxConnector
from paymux.domain.channel import PayType


class KakaoPaySandbox(SandboxConnector):
    pg_provider = "kakaopay"
    display_name = "카카오페이"
    pay_methods = frozenset({"kakaopay", "card"})
    pay_types = frozenset({PayType.SIMPLE})
    billing_window_methods = frozenset({"card", "kakaopay"})  # the first approval issues an SID
    first_charge_with_key = True  # ... and charges the window's amount (i'mport's Kakao Pay guide)
    test_mids = {PayType.SIMPLE: "TC0ONETIME"}
    tid_prefix = "T"
