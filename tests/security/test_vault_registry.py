"""Vault rotation walks every sealed value (issue #11 item 9): after ``paymux vault rotate`` the old
key is retired, and everything sealed under it still works — the webhook signing secret signs a
delivery that ``standardwebhooks`` verifies, a pending charge's journaled billing key is kept by the
reconciler, a live channel's PG credentials call the PG, billing keys charge — on both databases.
"""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from paymux.connectors.inicis.emulator import PAYMUX_LIVE_KEYS, EmulatorConfig
from paymux.domain.sealed import Sealed
from paymux.services.reconcile import settle_pending_outcomes
from paymux.services.runtime import Runtime
from paymux.services.vault_rotation import SEALED_VALUES, SealedColumns, SealedInJson
from paymux.store.schema import metadata
from paymux.vault import Vault, VaultError
from tests.connectors.inicis.support import EmulatorServer
from tests.harness import CARD_OK, CARD_TIMEOUT_APPROVED, GatewayServer, TestMerchant, standard_merchant, unique
from tests.postgres import create_database, drop_database, find_postgres
from tests.webhooks.receiver import Receiver, verify
from tests.webhooks.support import drain, hook_up

LIVE = f"html5_inicis.{PAYMUX_LIVE_KEYS.mid}"
BUYER = {"customer_name": "홍길동", "customer_email": "buyer@example.com", "customer_tel": "010-1234-5678"}


def test_the_registry_names_every_sealed_column_of_the_schema() -> None:
    listed = {(p.table.name, p.ciphertext) for p in SEALED_VALUES if isinstance(p, SealedColumns)}
    in_schema = {(t.name, c.name) for t in metadata.tables.values() for c in t.columns if c.name.endswith("_ciphertext")}
    assert in_schema == listed
    assert any(isinstance(p, SealedInJson) and p.table.name == "order_claims" for p in SEALED_VALUES)


def _key() -> str:
    return base64.urlsafe_b64encode(os.urandom(32)).decode()


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[str, str]]:
    """A database of this test alone: rotating the session's would strand the other tests' gateway."""
    if request.param == "sqlite":
        yield "sqlite", f"sqlite:///{tmp_path / 'rotated.db'}"
        return
    postgres = find_postgres()
    if postgres is None:
        pytest.skip("no PostgreSQL server available")
    url = create_database(postgres)
    yield "postgresql", url
    drop_database(postgres, url)


def _rotate(database_url: str, data_dir: Path, keys: str) -> str:
    env = {**os.environ, "PAYMUX_DATA_DIR": str(data_dir), "PAYMUX_DATABASE_URL": database_url, "PAYMUX_VAULT_KEYS": keys}
    done = subprocess.run([sys.executable, "-m", "paymux.cli", "vault", "rotate"], env=env, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return done.stdout


async def _every_sealed_value(runtime: Runtime) -> list[tuple[str, str]]:
    """(place, key id) of every sealed value stored, each opened with the runtime's vault."""
    opened: list[tuple[str, str]] = []
    async with runtime.database.reading() as connection:
        for place in SEALED_VALUES:
            if isinstance(place, SealedColumns):
                rows = await connection.execute(place.table.select().where(place.table.c[place.ciphertext].is_not(None)))
                for row in rows:
                    sealed = Sealed(getattr(row, place.key_id), getattr(row, place.ciphertext))
                    runtime.vault.open(sealed, place.context(row))
                    opened.append((place.name, sealed.key_id))
            else:
                for row in await connection.execute(place.table.select()):
                    holder: Any = json.loads(getattr(row, place.column))
                    for step in place.path:
                        holder = holder.get(step) if isinstance(holder, dict) else None
                    if isinstance(holder, dict):
                        sealed = Sealed(holder[place.key_id], base64.b64decode(holder[place.ciphertext]))
                        runtime.vault.open(sealed, place.context(holder))
                        opened.append((place.name, sealed.key_id))
    return opened


def test_after_rotation_the_old_key_is_retired_and_every_sealed_value_still_works(
    empty_database: tuple[str, str], tmp_path: Path
) -> None:
    backend, database_url = empty_database
    for name in ("before", "rotate", "after"):
        (tmp_path / name).mkdir()
    old, new = _key(), _key()
    current: list[GatewayServer] = []
    receiver = Receiver(lambda: current[0].clock.now()).start()
    inicis = EmulatorServer()
    inicis.start(EmulatorConfig(clock=lambda: current[0].clock.now()).with_merchant(PAYMUX_LIVE_KEYS))
    try:
        # under the old key: a webhook secret, a live channel's credentials, billing keys, and a
        # charge whose answer was lost with the key it issues journaled beside it
        before = GatewayServer(backend, database_url, tmp_path / "before", env={"PAYMUX_VAULT_KEYS": f"old:{old}"}).start()
        current.append(before)
        try:
            shop = standard_merchant(before)
            shop.add_channel("html5_inicis", "api", mid=PAYMUX_LIVE_KEYS.mid, mode="live", endpoint=inicis.base_url,
                             credentials={"sign_key": PAYMUX_LIVE_KEYS.sign_key, "iniapi_key": PAYMUX_LIVE_KEYS.iniapi_key,
                                          "iniapi_iv": PAYMUX_LIVE_KEYS.iniapi_iv})
            secret = hook_up(before, shop, receiver.url("/hook")).secret
            shop.issue_key("live_cust", CARD_OK, pg=LIVE, **BUYER).expect_ok()
            lost = shop.api("POST", "/subscribe/payments/onetime", json={
                "merchant_uid": unique("lost"), "amount": 8_800, "name": "lost answer", "card_number": CARD_TIMEOUT_APPROVED,
                "expiry": "2030-12", "birth": "820213", "customer_uid": "journaled_cust"}).body["response"]
            assert lost["status"] == "ready"
            places = {place for place, key_id in before.call(_every_sealed_value) if key_id == "old"}
            assert places == {p.name for p in SEALED_VALUES}  # every kind of sealed value exists under the old key
        finally:
            before.stop()

        assert "under key new" in _rotate(database_url, tmp_path / "rotate", f"new:{new},old:{old}")
        assert "re-sealed 0 record(s)" in _rotate(database_url, tmp_path / "rotate", f"new:{new},old:{old}")

        # the old key retired: only the new one is loaded
        after = GatewayServer(backend, database_url, tmp_path / "after", env={"PAYMUX_VAULT_KEYS": f"new:{new}"}).start()
        current[0] = after
        try:
            assert {key_id for _, key_id in after.call(_every_sealed_value)} == {"new"}
            rotated = TestMerchant(after, shop.merchant, shop.imp_secret)

            after.clock.advance(after.settings.pending_outcome_grace_seconds + 1)  # the reconciler asks the PG
            assert after.call(settle_pending_outcomes) >= 1
            assert rotated.api("GET", f"/payments/{lost['imp_uid']}").expect_ok()["status"] == "paid"
            # the journaled key was kept and opens: the sandbox reads the card behind it (this test
            # card's charges always lose their answer) — a key that did not open would charge nothing
            assert rotated.api("GET", "/subscribe/customers/journaled_cust").expect_ok()["card_number"].endswith("0119")
            kept = rotated.again("journaled_cust", unique("kept"), 2_000)
            assert kept.code == -1 and kept.response["status"] == "ready" and "confirming" in kept.message
            live = rotated.again("live_cust", unique("live"), 3_000, pg=LIVE).expect_ok()  # credentials + key
            assert (live["status"], live["pg_provider"], live["pg_id"]) == ("paid", "html5_inicis", PAYMUX_LIVE_KEYS.mid)

            drain(after)
            arrived = receiver.about({lost["imp_uid"], live["imp_uid"]})
            assert len(arrived) == 2 and all(verify(secret, request)["status"] == "paid" for request in arrived)
            with pytest.raises(VaultError):  # and the old key alone opens none of it any more
                after.call(lambda rt: _every_sealed_value(replace(rt, vault=Vault.from_env_value(f"old:{old}"))))
        finally:
            after.stop()

    finally:
        inicis.stop()
        receiver.close()

