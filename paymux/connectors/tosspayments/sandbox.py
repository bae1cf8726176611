"""Toss Payments (``tosspayments``, the code i'mport uses) in test mode without an endpoint: paymux's
sandbox PG. The live protocol is :mod:`paymux.connectors.tosspayments.connector`.

Toss's window pays by card, transfer, virtual account and phone; its billing-auth window issues a
billing key without charging; key-in and card billing keys are API calls under Toss's extra contract.
Test mode: Toss's documented test keys (``test_ck_…`` / ``test_sk_…``) and its test mId ``tvivarepublica``.
"""

from __future__ import annotations

from paymux.connectors.sandbox import SandboxConnector
from paymux.connectors.tosspayments.codes import PUBLIC_TEST_CLIENT_KEY, PUBLIC_TEST_SECRET_KEY, TEST_MID
from paymux.domain.channel import PayType


class TossPaymentsSandbox(SandboxConnector):
    pg_provider = "tosspayments"
    display_name = "토스페이먼츠"
    pay_methods = frozenset({"card", "trans", "vbank", "phone"})
    pay_types = frozenset({PayType.GENERAL, PayType.SUBSCRIPTION, PayType.API})
    billing_window_methods = frozenset({"card"})
    test_mids = {PayType.GENERAL: TEST_MID, PayType.SUBSCRIPTION: TEST_MID, PayType.API: TEST_MID}
    public_test_credentials = {"client_key": PUBLIC_TEST_CLIENT_KEY, "secret_key": PUBLIC_TEST_SECRET_KEY}
    tid_prefix = "tviva"
