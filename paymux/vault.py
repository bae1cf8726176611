"""Encryption at rest for secrets (billing keys, PG credentials, webhook signing secrets).

AES-256-GCM with a fresh 96-bit nonce per record. Each record stores the id of the key that sealed it,
so an operator can add a new key, make it current and re-seal old records (``paymux vault rotate``)
without downtime; every place a sealed value rests is listed in ``services.vault_rotation.SEALED_VALUES``,
which rotation walks. The record's context (merchant and customer) is bound as associated data: a sealed
billing key copied onto another customer row does not open.

Keys come from ``PAYMUX_VAULT_KEYS`` (``id:base64key,…``, the first is current) or, when unset, from a
key file generated in the data directory on first start.
"""

from __future__ import annotations

import base64
import json
import os
import secrets
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from paymux.domain.customer import Sealed

KEY_FILE_NAME = "vault.key"
_NONCE_BYTES = 12


class VaultError(Exception):
    """A record cannot be opened: unknown key id, wrong context or tampered ciphertext."""


def _decode_key(key_id: str, encoded: str) -> bytes:
    key = base64.urlsafe_b64decode(encoded.strip() + "=" * (-len(encoded.strip()) % 4))
    if len(key) != 32:
        raise VaultError(f"vault key {key_id!r} must be 32 bytes (base64), got {len(key)}")
    return key


class Vault:
    def __init__(self, keys: dict[str, bytes], current_key_id: str) -> None:
        if current_key_id not in keys:
            raise VaultError(f"current vault key {current_key_id!r} is not among the keys")
        self._ciphers = {key_id: AESGCM(key) for key_id, key in keys.items()}
        self._keys = dict(keys)
        self._derived: dict[tuple[str, str], bytes] = {}
        self.current_key_id = current_key_id

    @classmethod
    def from_env_value(cls, value: str) -> Vault:
        keys: dict[str, bytes] = {}
        order: list[str] = []
        for item in value.split(","):
            key_id, sep, encoded = item.strip().partition(":")
            if not sep:
                raise VaultError("PAYMUX_VAULT_KEYS must be 'id:base64key[,id:base64key…]'")
            keys[key_id] = _decode_key(key_id, encoded)
            order.append(key_id)
        return cls(keys, order[0])

    @classmethod
    def from_key_file(cls, path: Path) -> Vault:
        """Load the local key file, creating it (mode 0600) on first use."""
        if not path.exists():
            path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
            key_id = "k" + secrets.token_hex(4)
            content = {"current": key_id, "keys": {key_id: base64.urlsafe_b64encode(os.urandom(32)).decode()}}
            descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(descriptor, "w") as handle:
                json.dump(content, handle)
        content = json.loads(path.read_text())
        keys = {key_id: _decode_key(key_id, encoded) for key_id, encoded in content["keys"].items()}
        return cls(keys, content["current"])

    @classmethod
    def load(cls, env_value: str | None, data_dir: Path) -> Vault:
        if env_value:
            return cls.from_env_value(env_value)
        return cls.from_key_file(data_dir / KEY_FILE_NAME)

    def seal(self, plaintext: bytes, context: str) -> Sealed:
        nonce = os.urandom(_NONCE_BYTES)
        ciphertext = self._ciphers[self.current_key_id].encrypt(nonce, plaintext, context.encode())
        return Sealed(key_id=self.current_key_id, ciphertext=nonce + ciphertext)

    def open(self, sealed: Sealed, context: str) -> bytes:
        cipher = self._ciphers.get(sealed.key_id)
        if cipher is None:
            raise VaultError(f"vault key {sealed.key_id!r} is not loaded; add it to PAYMUX_VAULT_KEYS")
        nonce, ciphertext = sealed.ciphertext[:_NONCE_BYTES], sealed.ciphertext[_NONCE_BYTES:]
        try:
            return cipher.decrypt(nonce, ciphertext, context.encode())
        except InvalidTag:
            raise VaultError("sealed record does not open with its key and context") from None

    def reseal(self, sealed: Sealed, context: str) -> Sealed:
        """Re-encrypt under the current key (rotation)."""
        if sealed.key_id == self.current_key_id:
            return sealed
        return self.seal(self.open(sealed, context), context)

    def derive_key(self, purpose: str) -> bytes:
        """A key for another job (token signing, sales-slip links) derived from the current key,
        never stored; derived once per key and purpose (HKDF on every charge's receipt link cost more
        CPU than its HMAC)."""
        cache_key = (self.current_key_id, purpose)
        derived = self._derived.get(cache_key)
        if derived is None:
            derived = self._derived[cache_key] = HKDF(
                algorithm=hashes.SHA256(), length=32, salt=None, info=purpose.encode()
            ).derive(self._keys[self.current_key_id])
        return derived
