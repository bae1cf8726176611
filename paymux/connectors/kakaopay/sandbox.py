"""Kakao Pay's sandbox (``kakaopay``, legacy ``kakao``): test-mode channels without an endpoint.

Kakao Pay's window is simple pay approved in Kakao's own window or app; the live protocol is
:mod:`paymux.connectors.kakaopay.connector`. Subscriptions: the first payment issues an SID used for
later charges. Kakao Pay has no key-in: card data never goes to it.

Kakao's public test CIDs (developers.kakaopay.com, shared/docs/pg-live-protocols.md §2.1):
``TC0ONETIME`` for one-time payments and ``TCSUBSCRIP`` for subscriptions (its approval issues an SID).
"""

from __future__ import annotations

from paymux.connectors.sandbox import SandboxConnector
from paymux.domain.channel import PayType

TEST_CID_ONETIME = "TC0ONETIME"
TEST_CID_SUBSCRIPTION = "TCSUBSCRIP"


class KakaoPaySandbox(SandboxConnector):
    pg_provider = "kakaopay"
    display_name = "카카오페이"
    pay_methods = frozenset({"kakaopay", "card"})
    # simple: the one-time CID (payment window); subscription: the subscription CID (billing window only)
    pay_types = frozenset({PayType.SIMPLE, PayType.SUBSCRIPTION})
    billing_window_methods = frozenset({"card", "kakaopay"})  # the first approval issues an SID
    first_charge_with_key = True  # ... and charges the window's amount (i'mport's Kakao Pay guide)
    test_mids = {PayType.SIMPLE: TEST_CID_ONETIME, PayType.SUBSCRIPTION: TEST_CID_SUBSCRIPTION}
    tid_prefix = "T"
