"""Toss Payments (``tosspayments``): window with server confirm, billing keys, virtual accounts.

One package holds everything Toss Payments calls its own: ``client`` (core API v1 on
``api.tosspayments.com``: confirm, cancel with ``Idempotency-Key``, lookups, key-in, billing), ``codes``
(error codes with their HTTP statuses, statuses, card/bank codes, public test keys), ``transformers``
(Toss's objects → paymux's values), ``connector`` (the live connector), ``emulator`` (an ASGI app speaking
the same API, for tests, demos and staging) and the sandbox used by test-mode channels without an endpoint.
"""

from paymux.connectors.tosspayments.sandbox import TossPaymentsSandbox

__all__ = ["TossPaymentsSandbox"]
