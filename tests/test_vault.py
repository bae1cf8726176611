"""The vault: keys from env or a generated file, rotation by key id."""

from __future__ import annotations

import base64
import os
import stat
from pathlib import Path

import pytest

from paymux.vault import Vault, VaultError


def _key() -> str:
    return base64.urlsafe_b64encode(os.urandom(32)).decode()


def test_key_file_is_generated_private_and_stable(tmp_path: Path) -> None:
    first = Vault.load(None, tmp_path)
    sealed = first.seal(b"billing-key", "ctx")
    path = tmp_path / "vault.key"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert Vault.load(None, tmp_path).open(sealed, "ctx") == b"billing-key"


def test_rotation_keeps_old_records_readable_and_reseals_them(tmp_path: Path) -> None:
    old_key, new_key = _key(), _key()
    old = Vault.from_env_value(f"k1:{old_key}")
    sealed = old.seal(b"secret", "ctx")
    rotated = Vault.from_env_value(f"k2:{new_key},k1:{old_key}")
    assert rotated.current_key_id == "k2"
    assert rotated.open(sealed, "ctx") == b"secret"
    resealed = rotated.reseal(sealed, "ctx")
    assert resealed.key_id == "k2" and rotated.open(resealed, "ctx") == b"secret"
    with pytest.raises(VaultError, match="not loaded"):
        old.open(resealed, "ctx")


def test_tampering_and_bad_keys_are_refused() -> None:
    vault = Vault.from_env_value(f"k1:{_key()}")
    sealed = vault.seal(b"secret", "ctx")
    tampered = type(sealed)(sealed.key_id, sealed.ciphertext[:-1] + bytes([sealed.ciphertext[-1] ^ 1]))
    with pytest.raises(VaultError):
        vault.open(tampered, "ctx")
    with pytest.raises(VaultError, match="32 bytes"):
        Vault.from_env_value("k1:c2hvcnQ=")
    assert "secret" not in repr(sealed)
