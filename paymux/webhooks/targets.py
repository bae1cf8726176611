"""Where webhooks may go: the SSRF policy of every request paymux sends to a URL a user chose.

A merchant's webhook URL and every ``notice_url`` (given to the API, or to the payment window, which
anyone who knows a user code can open) are chosen by someone paymux does not trust with its network.
As Svix and Stripe do, paymux

- refuses anything but http(s), userinfo (``user:pass@``), and, unless the operator sets
  ``PAYMUX_WEBHOOK_ALLOW_PRIVATE=1``, any destination that is not a public address: loopback,
  private, link-local (cloud metadata), CGNAT, unique-local, reserved, and IPv6 forms embedding
  those (``paymux.domain.net.is_public_target``), in any spelling;
- resolves the host itself, refuses it if *any* address it resolves to is not public, and connects
  to the address it checked (``PinnedTransport``): no second lookup a DNS rebinding could answer
  differently. The request keeps the original ``Host`` header and TLS server name (SNI and
  certificate check against the host name, not the address);
- never follows redirects (the client has ``follow_redirects=False``: a 3xx is a failed try);
- tells the merchant that a try was refused or could not be delivered, never why a connection
  failed (no open / closed / filtered port oracle).

Literal addresses are refused early, when a URL is set or given (``user_url_problem``); DNS names
are judged at every try, since what they resolve to can change.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
import ssl
from typing import Any

import httpx

from paymux.domain.net import is_public_target, user_url_problem


class TargetRefused(Exception):
    """paymux will not send this request; the message is safe to show the merchant."""


REFUSED_PRIVATE = "refused: the host is not a public address (PAYMUX_WEBHOOK_ALLOW_PRIVATE is off)"
REFUSED_UNRESOLVED = "could not deliver: the host does not resolve"
NOT_DELIVERED = "could not deliver: no HTTP response"


async def resolve_checked(host: str, port: int, *, allow_private: bool) -> str:
    """The address to connect to for ``host``: every address it resolves to must be public (unless
    ``allow_private``); the first is returned. Raises TargetRefused."""
    try:
        infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError, ValueError):
        raise TargetRefused(REFUSED_UNRESOLVED) from None
    addresses: list[ipaddress.IPv4Address | ipaddress.IPv6Address] = []
    for info in infos:
        try:
            addresses.append(ipaddress.ip_address(str(info[4][0]).split("%", 1)[0]))
        except ValueError:
            raise TargetRefused(REFUSED_UNRESOLVED) from None
    if not addresses:
        raise TargetRefused(REFUSED_UNRESOLVED)
    if not allow_private and not all(is_public_target(address) for address in addresses):
        raise TargetRefused(REFUSED_PRIVATE)
    return str(addresses[0])


class PinnedTransport(httpx.AsyncBaseTransport):
    """Resolves each request's host once, checks the addresses, and connects to the checked one."""

    def __init__(self, *, allow_private: bool, verify: ssl.SSLContext) -> None:
        self.allow_private = allow_private
        self._inner = httpx.AsyncHTTPTransport(verify=verify, trust_env=False, retries=0)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        url = str(request.url)
        problem = user_url_problem(url, allow_private=self.allow_private)
        if problem is not None:
            raise TargetRefused(f"refused: the URL {problem}")
        host = request.url.host
        port = request.url.port or (443 if request.url.scheme == "https" else 80)
        address = await resolve_checked(host, port, allow_private=self.allow_private)
        # Host header was set from the URL when the request was built; SNI and the certificate
        # check use the host name, while the socket goes to the checked address.
        request.url = request.url.copy_with(host=address)
        if request.url.scheme == "https":
            request.extensions = {**request.extensions, "sni_hostname": host}
        response = await self._inner.handle_async_request(request)
        response.extensions = {**response.extensions, "paymux_peer": address}
        return response

    async def aclose(self) -> None:
        await self._inner.aclose()


def peer_is_public(response: httpx.Response) -> bool:
    """Whether the answer came from a public address (only those answers are shown in excerpts)."""
    peer: Any = response.extensions.get("paymux_peer")
    try:
        return peer is not None and is_public_target(ipaddress.ip_address(str(peer).split("%", 1)[0]))
    except ValueError:
        return False
