"""NICE Pay (``nice``; i'mport's ``nice_v2`` names the same new API): card and virtual account PG.

One package holds everything NICE calls its own: ``client`` (the "start" API on ``api.nicepay.co.kr``:
approve, cancel, net cancel, lookups, billing keys, signatures and encData), ``codes`` (result codes,
statuses, card codes), ``transformers`` (NICE's replies → paymux's values), ``connector`` (the live
connector), ``emulator`` (an ASGI app speaking the same API and the JS SDK's window, for tests, demos and
staging) and the sandbox used by test-mode channels without an endpoint.
"""

from paymux.connectors.nice.sandbox import NiceSandbox

__all__ = ["NiceSandbox"]
