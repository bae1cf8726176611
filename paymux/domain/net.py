"""Addresses: whether a caller's address is in a list of networks (PG notice senders, whitelists),
and whether an address is public (where paymux may send a request a user chose)."""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Iterable
from urllib.parse import urlsplit


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
    (in any IPv4 or IPv6 spelling, including IPv6 forms that embed such an IPv4): see
    ``is_public_target``."""
    ip = parse_address(address)
    return ip is not None and is_public_target(ip)


# --- where paymux may send a request a user chose (webhooks, notice_url) -------------------------

_NAT64 = ipaddress.ip_network("64:ff9b::/96")  # well-known NAT64 prefix: the last 32 bits are an IPv4
_NAT64_LOCAL = ipaddress.ip_network("64:ff9b:1::/48")
_IPV4_COMPATIBLE = ipaddress.ip_network("::/96")  # deprecated ::a.b.c.d
_SIX_TO_FOUR = ipaddress.ip_network("2002::/16")
_NOT_PUBLIC = tuple(
    ipaddress.ip_network(block)
    for block in (
        "0.0.0.0/8", "10.0.0.0/8", "100.64.0.0/10", "127.0.0.0/8", "169.254.0.0/16", "172.16.0.0/12",
        "192.0.0.0/24", "192.0.2.0/24", "192.88.99.0/24", "192.168.0.0/16", "198.18.0.0/15",
        "198.51.100.0/24", "203.0.113.0/24", "224.0.0.0/4", "240.0.0.0/4",
        "::/128", "::1/128", "100::/64", "2001::/23", "2001:db8::/32", "fc00::/7", "fe80::/10",
        "fec0::/10", "ff00::/8",
    )
)


def embedded_ipv4(ip: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 address carries and a network may route to: IPv4-mapped
    (``::ffff:a.b.c.d``), IPv4-compatible (``::a.b.c.d``), NAT64 (``64:ff9b::a.b.c.d``) and 6to4
    (``2002:AABB:CCDD::``). None for other addresses."""
    if ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    if ip in _NAT64 or (ip in _IPV4_COMPATIBLE and int(ip) > 1):
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    if ip in _SIX_TO_FOUR:
        return ip.sixtofour
    return None


def is_public_target(ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    """Whether paymux may send a user-chosen request to ``ip``: False for unspecified (``0.0.0.0/8``,
    ``::``), loopback, private, link-local (cloud metadata ``169.254.169.254``), CGNAT, unique-local
    (``fc00::/7``), site-local, multicast, documentation and reserved ranges, and for IPv6 addresses
    that embed such an IPv4 (mapped, compatible, NAT64, 6to4)."""
    if isinstance(ip, ipaddress.IPv6Address):
        inner = embedded_ipv4(ip)
        if inner is not None:
            return is_public_target(inner)
        if ip in _NAT64_LOCAL:
            return False
    if any(ip in block for block in _NOT_PUBLIC if block.version == ip.version):
        return False
    return ip.is_global and not (
        ip.is_private or ip.is_loopback or ip.is_link_local or ip.is_multicast or ip.is_reserved or ip.is_unspecified
    )


def literal_host_address(host: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    """The address a URL host denotes without DNS, read as the system resolver reads it: dotted,
    shortened (``127.1``), decimal (``2130706433``), hex (``0x7f000001``) and octal (``0177.0.0.1``)
    IPv4, bracketed or bare IPv6 with an optional zone. None for a DNS name."""
    text = host.strip().strip("[]").rstrip(".")
    if not text:
        return None
    try:
        return ipaddress.ip_address(text.split("%", 1)[0])
    except ValueError:
        pass
    try:
        infos = socket.getaddrinfo(text, None, flags=socket.AI_NUMERICHOST)
    except (OSError, UnicodeError, ValueError):
        return None
    return ipaddress.ip_address(str(infos[0][4][0]).split("%", 1)[0]) if infos else None


def is_loopback_name(host: str) -> bool:
    """``localhost`` and names under it (RFC 6761): resolvers answer loopback without asking DNS."""
    name = host.strip().rstrip(".").lower()
    return name == "localhost" or name.endswith(".localhost")


def user_url_problem(url: str, *, allow_private: bool) -> str | None:
    """Why paymux must not send a request to ``url`` a user chose (a webhook URL, a ``notice_url``),
    judged without DNS; None when it may try. Refused: anything but http(s), no host, userinfo
    (``user:pass@``), whitespace or control characters, and, unless ``allow_private``, a host that is
    a non-public address in any spelling, or ``localhost``. DNS names are judged again when the
    request is sent (see ``paymux.webhooks.targets``)."""
    if any(c.isspace() or ord(c) < 32 or ord(c) == 127 for c in url):
        return "must not contain spaces or control characters"
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises on a bad port
    except ValueError:
        return "must be an http:// or https:// URL"
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        return "must be an http:// or https:// URL"
    if "@" in parts.netloc:
        return "must not carry a user name or password (user:pass@)"
    if allow_private:
        return None
    host = parts.hostname
    address = literal_host_address(host)
    if is_loopback_name(host) or (address is not None and not is_public_target(address)):
        return (
            f"must point at a public host; {host} is a loopback, private, link-local or reserved address "
            "(an operator allows those with PAYMUX_WEBHOOK_ALLOW_PRIVATE=1)"
        )
    return None
