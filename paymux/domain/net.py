"""Addresses: whether a caller's address is in a list of networks (PG notice senders, whitelists),
and whether an address is public (where paymux may send a request a user chose)."""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable

_CGNAT = ipaddress.ip_network("100.64.0.0/10")


def parse_address(address: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    """An IPv4 or IPv6 address with IPv4-mapped IPv6 folded to IPv4; None when unreadable."""
    try:
        ip = ipaddress.ip_address(address.strip())
    except ValueError:
        return None
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    return ip


def address_in(address: str, networks: Iterable[str]) -> bool:
    """True when ``address`` lies in one of ``networks`` (CIDR blocks or single addresses). An
    unreadable address or network never matches."""
    ip = parse_address(address)
    if ip is None:
        return False
    for network in networks:
        try:
            if ip in ipaddress.ip_network(network.strip(), strict=False):
                return True
        except ValueError:
            continue
    return False


def is_public_address(address: str) -> bool:
    """False for loopback, private, link-local, CGNAT, multicast, reserved and unspecified addresses
    (in any IPv4 or IPv6 spelling)."""
    ip = parse_address(address)
    return ip is not None and ip.is_global and not (isinstance(ip, ipaddress.IPv4Address) and ip in _CGNAT)
