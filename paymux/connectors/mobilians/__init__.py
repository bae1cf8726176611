"""KG Mobilians (``mobilians``; MOBILPAY / KG파이낸셜): phone micropayments first, card and transfer too.

One package holds everything Mobilians calls its own: ``protocol`` (hosts, the HMAC-SHA256 of the
REST API), ``client`` (the HTTP calls), ``codes`` (result codes and carriers), ``rules`` (the
phone-billing and same-month cancel rules paymux checks before calling), ``transformers`` (replies
into paymux's values), ``connector`` (the live protocol), ``emulator`` (an ASGI app speaking the same
protocol, for tests, demos and staging) and the sandbox used by test-mode channels without an endpoint.
"""

from paymux.connectors.mobilians.sandbox import MobiliansSandbox

__all__ = ["MobiliansSandbox"]
