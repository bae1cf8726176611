"""The model-based test against a live-mode KG INICIS channel pointed at the INICIS emulator: paymux
speaks INICIS's real protocol (INIAPI billing, key-in, refunds, inquiry) over loopback HTTP, and the
oracle is the PG's own ledger, the emulator's ``GET /_emulator/transactions``.

The machine is the sandbox one (tests/model/machine.py) without the rules a live INICIS channel does
differently (its own payment window, virtual accounts by INICIS's notices), plus one invariant: every
payment the model says the PG approved is at the PG with that price and the cancelled amount paymux
recorded, and nothing the model says was declined is approved there.
"""

from __future__ import annotations

from typing import Any, ClassVar

from hypothesis import strategies as st

from paymux.connectors.inicis.emulator import PAYMUX_LIVE_KEYS
from paymux.services.merchants import set_webhook_url
from tests.connectors.inicis.support import EmulatorServer
from tests.harness import TestMerchant
from tests.model.machine import MoneyMachine

LIVE_MID = PAYMUX_LIVE_KEYS.mid


class LiveInicisMachine(MoneyMachine):
    """Set ``gateway`` and ``inicis`` (an EmulatorServer on the gateway's clock) on a subclass."""

    inicis: EmulatorServer
    key_extra: ClassVar[dict[str, str]] = {"customer_name": "홍길동", "customer_email": "buyer@example.com", "customer_tel": "010-1234-5678"}
    # INICIS answers an expired or wrong-password key-in card with its own decline codes; the
    # sandbox's authentication-failure answer (-1) is not what a live channel promises.
    onetime_cards = st.sampled_from(["approve", "refused", "insufficient", "timeout_approved", "timeout_declined"])

    def model_shop(self) -> TestMerchant:
        merchant = self.gateway.create_merchant("model live INICIS shop")
        keys = {"sign_key": PAYMUX_LIVE_KEYS.sign_key, "iniapi_key": PAYMUX_LIVE_KEYS.iniapi_key,
                "iniapi_iv": PAYMUX_LIVE_KEYS.iniapi_iv}
        for pay_type in ("general", "subscription", "api"):
            merchant.add_channel("html5_inicis", pay_type, mid=LIVE_MID, mode="live", default=pay_type == "general",
                                 endpoint=self.inicis.base_url, credentials=keys)
        self.gateway.call(lambda rt: set_webhook_url(rt, merchant.merchant.id, "http://127.0.0.1:9/model-hooks"))
        return merchant

    # INICIS's own window and its virtual accounts are driven by tests/live; not rules here.
    def window_payment(self, *args: Any) -> None: ...
    def billing_window(self, *args: Any) -> None: ...
    def issue_vbank(self, *args: Any) -> None: ...
    def deposit_or_revoke(self, *args: Any) -> None: ...

    def _at_pg(self) -> dict[str, dict[str, Any]]:
        return {p["oid"]: p for p in self.inicis.ledger()["payments"] if p["mid"] == LIVE_MID and p["oid"] in self.pg}

    def _sandbox_outcomes(self) -> dict[str, bool]:
        """What INICIS holds about each lost answer: approved iff its ledger has the payment."""
        at_pg = self._at_pg()
        return {uid: uid in at_pg for uid, txn in self.pg.items() if txn.lost_outcome is not None}

    def check_pg_side(self) -> None:
        at_pg = self._at_pg()
        for txn in self.pg.values():
            found = at_pg.get(txn.imp_uid)
            approved = txn.approved if txn.approved is not None else txn.lost_outcome
            if approved and txn.amount > 0:
                assert found is not None, f"approved in the model, not at INICIS: {txn}"
                assert found["price"] == txn.amount, (txn, found)
                if txn.approved:
                    assert found["cancelled_amount"] == txn.cancelled, (txn, found)
                    assert found["balance"] == txn.amount - txn.cancelled, (txn, found)
            elif approved is False:
                assert found is None, f"declined in the model, approved at INICIS: {txn} {found}"
