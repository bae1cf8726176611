"""Kakao Pay (``kakaopay``, legacy ``kakao``): simple pay approved by the buyer in Kakao's own window.

One package holds everything Kakao Pay calls its own: ``client`` (the online payment API on
``open-api.kakaopay.com``: ready, approve, order, cancel, subscription, SID management), ``codes``
(error codes, order statuses, card issuers), ``transformers`` (Kakao's replies → paymux's values),
``connector`` (the live connector), ``emulator`` (an ASGI app speaking both Kakao API generations, for
tests, demos and staging) and the sandbox used by test-mode channels without an endpoint.
"""

from paymux.connectors.kakaopay.sandbox import KakaoPaySandbox

__all__ = ["KakaoPaySandbox"]
