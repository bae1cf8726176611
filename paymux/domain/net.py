"""Addresses: whether a caller's address is in a list of networks (PG notice senders, whitelists)."""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable


def address_in(address: str, networks: Iterable[str]) -> bool:
    """True when ``address`` (IPv4 or IPv6, IPv4-mapped IPv6 folded) lies in one of ``networks``
    (CIDR blocks or single addresses). An unreadable address or network never matches."""
    try:
        ip = ipaddress.ip_address(address.strip())
    except ValueError:
        return False
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    for network in networks:
        try:
            if ip in ipaddress.ip_network(network.strip(), strict=False):
                return True
        except ValueError:
            continue
    return False


def is_public_address(address: str) -> bool:
    """False for loopback, private, link-local, CGNAT, multicast, reserved and unspecified addresses
    (in any IPv4 or IPv6 spelling, IPv4-mapped folded)."""
    try:
        ip = ipaddress.ip_address(address.strip())
    except ValueError:
        return False
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    cgnat = ipaddress.ip_network("100.64.0.0/10")
    return ip.is_global and not (isinstance(ip, ipaddress.IPv4Address) and ip in cgnat)
