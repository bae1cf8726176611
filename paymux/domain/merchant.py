"""Merchants, their sub-merchants (tiers) and the IP whitelist."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from functools import cached_property

from paymux.domain.errors import InvalidParameter

IpNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network


def parse_whitelist(blocks: list[str], field: str = "ip_whitelist") -> list[str]:
    """Validate CIDR blocks (RFC 4632) and return them in canonical form.

    A block with host bits set (``1.1.1.1/24``) is refused rather than silently widened: the
    operator must say which network they mean.
    """
    canonical: list[str] = []
    for raw in blocks:
        text = raw.strip()
        if not text:
            continue
        if "/" not in text:
            raise InvalidParameter(field, f"'{text}' is not a CIDR block; write e.g. {text}/32 for one address")
        try:
            network = ipaddress.ip_network(text, strict=True)
        except ValueError as error:
            raise InvalidParameter(field, f"'{text}' is not a valid CIDR block ({error})") from None
        canonical.append(str(network))
    return canonical


@dataclass(frozen=True)
class Merchant:
    id: int
    user_code: str
    name: str
    imp_key: str
    credentials_version: int
    ip_whitelist: tuple[str, ...] = ()
    parent_id: int | None = None
    tier_code: str | None = None
    webhook_url: str | None = None

    @cached_property
    def _networks(self) -> tuple[IpNetwork, ...]:
        return tuple(ipaddress.ip_network(block) for block in self.ip_whitelist)

    def allows_ip(self, ip: str | None) -> bool:
        """An empty whitelist allows every address; otherwise the caller must be inside a block."""
        if not self.ip_whitelist:
            return True
        if ip is None:
            return False
        try:
            address = ipaddress.ip_address(ip)
        except ValueError:
            return False
        if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
            address = address.ipv4_mapped
        return any(address in network for network in self._networks)
