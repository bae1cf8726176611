"""The vault: keys from env or a generated file, rotation by key id."""

from __future__ import annotations

import base64
import os
import stat
from pathlib import Path

import pytest

from paymux.vault import Vault, VaultError
from tests.postgres import run_coroutine


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


def test_cli_rotation_reseals_billing_keys_and_they_still_charge(tmp_path: Path) -> None:
    import json
    import subprocess
    import sys

    old_key, new_key = _key(), _key()

    def cli(keys: str, *args: str) -> str:
        env = {**os.environ, "PAYMUX_DATA_DIR": str(tmp_path), "PAYMUX_VAULT_KEYS": keys}
        env.pop("PAYMUX_DATABASE_URL", None)
        done = subprocess.run([sys.executable, "-m", "paymux.cli", *args], env=env, capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stderr
        return done.stdout

    created = json.loads(cli(f"old:{old_key}", "merchant", "create", "--name", "m", "--json"))
    cli(f"old:{old_key}", "channel", "add", "--merchant", created["user_code"], "--pg", "kcp", "--type", "api")

    from paymux.config import Settings
    from paymux.domain.card import CardDetails
    from paymux.services.billing import (
        CustomerInfo,
        PaymentDetails,
        charge_again,
        issue_billing_key,
    )
    from paymux.services.merchants import get_merchant
    from paymux.services.runtime import Runtime

    def runtime_with(keys: str) -> Runtime:
        return Runtime.build(Settings.from_env({"PAYMUX_DATA_DIR": str(tmp_path), "PAYMUX_VAULT_KEYS": keys}))

    async def issue() -> None:
        runtime = runtime_with(f"old:{old_key}")
        merchant = await get_merchant(runtime, created["user_code"])
        card = CardDetails.parse("5361-4812-3456-1234", "2030-12", "820213", None)
        customer = await issue_billing_key(runtime, merchant, "c1", card, None, CustomerInfo())
        assert customer.billing_key.key_id == "old"
        await runtime.close()

    run_coroutine(issue())
    assert "re-sealed 1 record(s) under key new" in cli(f"new:{new_key},old:{old_key}", "vault", "rotate")

    async def charge_with_new_key_only() -> str:
        runtime = runtime_with(f"new:{new_key}")
        merchant = await get_merchant(runtime, created["user_code"])
        paid = await charge_again(runtime, merchant, "c1", PaymentDetails(merchant_uid="o1", amount=1_000))
        await runtime.close()
        return paid.status.value

    assert run_coroutine(charge_with_new_key_only()) == "paid"  # the old key is no longer needed
