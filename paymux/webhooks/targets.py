"""Where webhooks may go: the SSRF policy of every request paymux sends to a URL a user chose.

A merchant's webhook URL and every ``notice_url`` (given to the API, or to the payment window, which
anyone who knows a user code can open) are chosen by someone paymux does not trust with its network.
As Svix and Stripe do, paymux

- refuses anything but http(s), userinfo (``user:pass@``), and, unless the operator sets
  ``PAYMUX_WEBHOOK_ALLOW_PRIVATE=1``, any destination that is not a public address: loopback,
  private, link-local (cloud metadata), CGNAT, unique-local, reserved, and IPv6 forms embedding
  those (``paymux.domain.net.is_public_target``), in any spelling;
- resolves the host itself, refuses it if *any* address it resolves to is not public, and connects
  to the address it checked (``CheckedResolver``, with aiohttp's DNS cache off): no second lookup a
  DNS rebinding could answer differently. The request keeps the original ``Host`` header and TLS server name (SNI and
  certificate check against the host name, not the address);
- never follows redirects (``allow_redirects=False``: a 3xx is a failed try) and ignores proxy
  settings of the environment;
- tells the merchant that a try was refused or could not be delivered, never why a connection
  failed (no open / closed / filtered port oracle).

Literal addresses are refused early, when a URL is set or given (``user_url_problem``); DNS names
are judged at every try, since what they resolve to can change.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from typing import Any

from aiohttp.abc import AbstractResolver, ResolveResult
from yarl import URL

from paymux.domain.net import is_public_target, literal_host_address


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


class CheckedResolver(AbstractResolver):
    """aiohttp's resolver for webhook requests: resolves each host once per connection, refuses it
    unless every address is allowed, and hands aiohttp the checked address to connect to. aiohttp
    keeps the host name for the ``Host`` header, SNI and the certificate check. (Literal addresses
    never reach a resolver; ``user_url_problem`` judged them before the request.)"""

    def __init__(self, *, allow_private: bool) -> None:
        self.allow_private = allow_private

    async def resolve(self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET) -> list[ResolveResult]:
        address = await resolve_checked(host, port, allow_private=self.allow_private)
        family = socket.AF_INET6 if ":" in address else socket.AF_INET
        return [
            ResolveResult(hostname=host, host=address, port=port, family=family, proto=0, flags=socket.AI_NUMERICHOST)
        ]

    async def close(self) -> None:
        pass


def canonical_url(url: str) -> str:
    """``url`` with a literal IPv4 host in another spelling (``2130706434``, ``0x7f000002``,
    ``127.2``) written dotted, as the system resolver reads it: aiohttp refuses such hosts, and
    ``user_url_problem`` has already judged the address they denote."""
    parsed = URL(url)
    host = parsed.raw_host or ""
    address = literal_host_address(host)
    if isinstance(address, ipaddress.IPv4Address) and host != str(address):
        return str(parsed.with_host(str(address)))
    return url


def peer_is_public(peer: Any) -> bool:
    """Whether an answer came from a public address (only those answers are shown in excerpts);
    ``peer`` is the socket's peer name, or None."""
    try:
        address = peer[0] if isinstance(peer, tuple) else peer
        return address is not None and is_public_target(ipaddress.ip_address(str(address).split("%", 1)[0]))
    except ValueError:
        return False
