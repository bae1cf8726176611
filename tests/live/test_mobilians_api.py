"""Live KG Mobilians through paymux's REST API against the emulator over real HTTP, on both databases:
the phone billing key (issued by the window) and its charges under seed 004's rule — the first
charge's amount, on its day of the month, month-end clamped — checked by paymux before Mobilians is
called, with the gateway's injectable clock (shared by the emulator); cancels within the payment's
month and refused after it; phone partial cancel; key-in refused; a lost billing charge settled by the
reconciler's inquiry, charged once."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

import pytest

from paymux.connectors.mobilians.rules import KST
from paymux.services.reconcile import settle_pending_outcomes
from tests.connectors.mobilians.support import MobiliansEmulator
from tests.harness import GatewayServer, TestMerchant, unique
from tests.live.conftest import after_grace
from tests.live.test_mobilians_window import issue_key, pay, seed_param


def at_kst(year: int, month: int, day: int, hour: int = 12) -> int:
    return int(datetime(year, month, day, hour, tzinfo=KST).timestamp())


@pytest.fixture
def calendar(gateway: GatewayServer, mobilians_shop: TestMerchant) -> Iterator[Calendar]:
    moved = Calendar(gateway, mobilians_shop)
    yield moved
    gateway.clock.reset()
    mobilians_shop._token = None


class Calendar:
    """Moves the gateway's (and so the emulator's) clock to a KST date; the API token is renewed."""

    def __init__(self, gateway: GatewayServer, shop: TestMerchant) -> None:
        self.gateway, self.shop = gateway, shop

    def go(self, year: int, month: int, day: int, hour: int = 12) -> None:
        self.gateway.clock.advance(at_kst(year, month, day, hour) - self.gateway.clock.now())
        self.shop._token = None


def test_phone_billing_charges_repeat_the_first_amount_on_its_day_month_end_clamped(
    gateway: GatewayServer, mobilians_pg: MobiliansEmulator, mobilians_shop: TestMerchant, calendar: Calendar
) -> None:
    customer = unique("gildong")
    calendar.go(2027, 1, 31)
    assert issue_key(gateway, mobilians_pg, mobilians_shop, customer)["success"] is True
    first = mobilians_shop.again(customer, unique("order_id"), 9_900).expect_ok()
    assert first["status"] == "paid" and mobilians_pg.payment(first["imp_uid"])["amount"] == 9_900
    for (year, month, day), amount, paid, why in [
        ((2027, 2, 28), 9_900, True, ""),              # February has no 31st: its last day
        ((2027, 3, 30), 9_900, False, "day 31"),
        ((2027, 3, 31), 3_000, False, "first amount, 9900"),
        ((2027, 3, 31), 9_900, True, ""),
        ((2027, 4, 30), 9_900, True, ""),              # April's last day
    ]:
        calendar.go(year, month, day)
        reply = mobilians_shop.again(customer, unique("order_id"), amount)
        charged = reply.response
        if paid:
            assert reply.code == 0 and charged["status"] == "paid", reply.body
            assert mobilians_pg.payment(charged["imp_uid"])["amount"] == amount
        else:
            assert charged["status"] == "failed" and why in charged["fail_reason"], reply.body
            assert mobilians_pg.requests_for(charged["imp_uid"]) == []  # refused before Mobilians was called


def test_a_phone_payment_cancels_in_its_month_and_not_after(
    gateway: GatewayServer, mobilians_pg: MobiliansEmulator, mobilians_shop: TestMerchant, calendar: Calendar
) -> None:
    calendar.go(2027, 5, 31, 20)
    late = pay(gateway, mobilians_pg, mobilians_shop, seed_param(unique("order")))
    soon = pay(gateway, mobilians_pg, mobilians_shop, seed_param(unique("order"), amount=5_000))
    partial = mobilians_shop.api("POST", "/payments/cancel", json={"imp_uid": soon["imp_uid"], "amount": 2_000}).expect_ok()
    assert (partial["status"], partial["cancel_amount"]) == ("paid", 2_000)
    assert mobilians_pg.payment(soon["imp_uid"])["balance"] == 3_000
    rest = mobilians_shop.api("POST", "/payments/cancel", json={"imp_uid": soon["imp_uid"]}).expect_ok()
    assert (rest["status"], rest["cancel_amount"]) == ("cancelled", 5_000)
    assert mobilians_pg.payment(soon["imp_uid"])["status"] == "cancelled"
    calendar.go(2027, 6, 1, 9)
    refused = mobilians_shop.api("POST", "/payments/cancel", json={"imp_uid": late["imp_uid"]})
    assert refused.code != 0 and "[0042]" in (refused.message or ""), refused.body
    assert mobilians_pg.requests_for(late["imp_uid"], "cancellation") == []
    still = mobilians_shop.api("GET", f"/payments/{late['imp_uid']}").expect_ok()
    assert (still["status"], still["cancel_amount"]) == ("paid", 0)


def test_key_in_billing_keys_are_refused_for_mobilians(mobilians_shop: TestMerchant) -> None:
    reply = mobilians_shop.issue_key(unique("cust"), pg="mobilians")
    assert reply.code != 0 and reply.response is None, reply.body


def test_a_billing_charge_whose_answer_is_lost_is_settled_paid_once_by_inquiry(
    gateway: GatewayServer, mobilians_pg: MobiliansEmulator, mobilians_shop: TestMerchant
) -> None:
    customer = unique("gildong")
    assert issue_key(gateway, mobilians_pg, mobilians_shop, customer, "01012347777")["success"] is True
    pending = mobilians_shop.again(customer, unique("order_id"), 4_400).body["response"]
    assert pending["status"] == "ready"
    assert mobilians_pg.payment(pending["imp_uid"])["status"] == "approved"  # Mobilians did charge
    after_grace(gateway, settle_pending_outcomes)
    settled = mobilians_shop.api("GET", f"/payments/{pending['imp_uid']}").expect_ok()
    assert (settled["status"], settled["amount"]) == ("paid", 4_400)
    assert settled["pg_tid"] == mobilians_pg.payment(pending["imp_uid"])["pay_token"]
    approvals = [e for e in mobilians_pg.ledger()["events"] if e.get("trade_id") == pending["imp_uid"] and e["kind"] == "approval"]
    assert [e["amount"] for e in approvals] == [4_400]
