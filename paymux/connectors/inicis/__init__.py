"""KG INICIS (``html5_inicis``, legacy ``inicis``): the web-standard window, the mobile window, INIAPI.

One package holds everything INICIS calls its own: ``protocol`` (signatures, hashes, AES of the
``[ENC]`` fields, timestamps), ``client`` (the HTTP calls), ``codes`` (result, card and bank codes),
``emulator`` (an ASGI app that speaks the same protocol, for tests, demos and staging) and the
sandbox used by test-mode channels without an endpoint.
"""

from paymux.connectors.inicis.sandbox import InicisSandbox

__all__ = ["InicisSandbox"]
