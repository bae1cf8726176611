"""A secret as it rests: vault ciphertext plus the id of the key that sealed it."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Sealed:
    """Ciphertext from the vault plus the id of the key that sealed it (so keys can rotate)."""

    key_id: str
    ciphertext: bytes

    def __repr__(self) -> str:
        return f"Sealed(key_id={self.key_id!r}, <{len(self.ciphertext)} bytes>)"
