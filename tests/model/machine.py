"""The model-based test of issue 16: random sequences of money operations against a real paymux,
and after every step the records checked against what the PG did (docs/invariants.md).

The PG side: the sandbox PG's behaviour is fixed by the card that pays (docs/sandbox.md), so the
machine keeps the PG's ledger as the sandbox would — every approval, every accepted cancel, every
deposit — and reads the sandbox's own memory (the ``sandbox_ledger`` table) for what it keeps there:
the outcome it will answer an inquiry about a charge whose answer was lost. paymux is only ever
driven over HTTP (REST API, the window's form posts) and by its own background jobs, run as the
worker runs them at the moved clock.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, ClassVar

import httpx
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule
from sqlalchemy import select

from paymux.domain.payment import Payment
from paymux.services import payments as payment_service
from paymux.services.merchants import set_webhook_url
from paymux.services.reconcile import settle_pending_outcomes
from paymux.services.schedules import execute_due_schedules
from paymux.services.vbanks import expire_due_vbanks
from paymux.store.schema import sandbox_ledger
from paymux.webhooks.outbox import list_webhook_events
from tests.checkout.test_window_rules import open_window, param, rsp_of
from tests.harness import (
    CARD_AUTH_FAILED,
    CARD_EXPIRED,
    CARD_INSUFFICIENT,
    CARD_OK,
    CARD_REFUSED,
    CARD_TIMEOUT_APPROVED,
    CARD_TIMEOUT_DECLINED,
    GatewayServer,
    TestMerchant,
    unique,
)

# Test cards by what the sandbox PG does with them (docs/sandbox.md). Card company 366 (신한) is the
# one the 4000-… numbers belong to, 367 (현대) CARD_OK's: the window checks the chosen company.
CARDS: dict[str, tuple[str, str]] = {
    "approve": (CARD_OK, "367"),
    "refused": (CARD_REFUSED, "366"),
    "insufficient": (CARD_INSUFFICIENT, "366"),
    "expired": (CARD_EXPIRED, "366"),
    "auth_failed": (CARD_AUTH_FAILED, "366"),
    "timeout_approved": (CARD_TIMEOUT_APPROVED, "366"),
    "timeout_declined": (CARD_TIMEOUT_DECLINED, "366"),
}
APPROVES = {"approve", "timeout_approved"}
LOST = {"timeout_approved", "timeout_declined"}
KEY_REFUSED = {"expired", "auth_failed"}  # no billing key is issued for these
REFUSE = "refused before the PG"  # what paymux must answer without asking the PG
BUYER = {"buyer_name": "홍길동", "buyer_email": "buyer@example.com", "buyer_tel": "010-1234-5678"}

AMOUNTS = st.sampled_from([1_000, 1_100, 5_500, 11_000, 55_000])
CHARGE_CARDS = st.sampled_from(sorted(CARDS))
KEY_CARDS = st.sampled_from(["approve", "approve", "refused", "insufficient", "timeout_approved",
                             "timeout_declined", "expired"])


@dataclass
class PgTxn:
    """One transaction as the PG keeps it: what it approved and what it refunded (KRW)."""

    imp_uid: str
    merchant_uid: str
    amount: int
    tax_free: int
    approved: bool | None  # None: the PG decided but paymux has not heard (lost answer, open account)
    lost_outcome: bool | None = None  # what the PG will answer an inquiry about a lost answer
    lost_at: int = 0
    vbank_due: int = 0
    vbank: bool = False
    cancelled: int = 0
    cancelled_tax_free: int = 0
    schedule_of: str | None = None  # the customer_uid whose schedule made it
    customer_uid: str | None = None

    @property
    def balance(self) -> int:
        return self.amount - self.cancelled if self.approved else 0

    @property
    def tax_free_left(self) -> int:
        return self.tax_free - self.cancelled_tax_free


@dataclass
class Order:
    merchant_uid: str
    prepared: int | None = None
    schedule: dict[str, Any] | None = None  # an unexecuted schedule: customer_uid, at, amount
    ever_scheduled: bool = False
    txns: list[str] = field(default_factory=list)


@dataclass
class Customer:
    customer_uid: str
    card: str
    active: bool = True


class MoneyMachine(RuleBasedStateMachine):
    """Set ``gateway`` on a subclass (tests/model/test_model.py) before running."""

    gateway: GatewayServer
    key_extra: ClassVar[dict[str, str]] = {}  # what a billing key is issued with besides the card
    onetime_cards = CHARGE_CARDS

    def __init__(self) -> None:
        super().__init__()
        self.shop = self.model_shop()
        self.orders: dict[str, Order] = {}
        self.customers: dict[str, Customer] = {}
        self.pg: dict[str, PgTxn] = {}
        self.grace = self.gateway.settings.pending_outcome_grace_seconds
        self.jobs_ran_at = (0, 0)  # when the reconciler and the expiry job last started (server time)

    # --- helpers ------------------------------------------------------------------------------
    def model_shop(self) -> TestMerchant:
        return _model_shop(self.gateway)

    def check_pg_side(self) -> None:
        """The PG's own ledger against the model's (a PG with a ledger of its own: tests/model/live_inicis.py)."""

    def now(self) -> int:
        return self.gateway.clock.now()

    def order(self, merchant_uid: str | None) -> Order:
        if merchant_uid is None or merchant_uid not in self.orders:
            merchant_uid = merchant_uid or unique("o")
            self.orders[merchant_uid] = Order(merchant_uid)
        return self.orders[merchant_uid]

    def claimed(self, order: Order, own: str | None = None) -> bool:
        """Paid once (kept even when refunded), awaiting a deposit, or an answer outstanding; ``own``:
        the customer_uid whose schedule's own attempts do not count (the scheduler adopts them)."""
        for imp_uid in order.txns:
            txn = self.pg[imp_uid]
            if own is not None and txn.schedule_of == own:
                continue
            if txn.approved or (txn.approved is None and not txn.vbank and txn.lost_outcome is not None):
                return True
            if txn.vbank and txn.approved is None:
                return True
        return False

    def pick_order(self, data: st.DataObject, *, allow_taken: bool = True) -> Order:
        # the model's own insertion order, never the random ids: a replayed sequence draws the same things
        choices = ["fresh", *self.orders] if allow_taken else ["fresh"]
        choice = data.draw(st.sampled_from(choices), label="merchant_uid")
        return self.order(None if choice == "fresh" else choice)

    def record_charge(self, order: Order, reply_payment: dict[str, Any], card: str, amount: int, tax_free: int,
                      **extra: Any) -> PgTxn:
        imp_uid = reply_payment["imp_uid"]
        lost = card in LOST
        txn = PgTxn(imp_uid, order.merchant_uid, amount, tax_free,
                    approved=None if lost else card in APPROVES,
                    lost_outcome=(card in APPROVES) if lost else None,
                    lost_at=(reply_payment.get("started_at") or self.now()) if lost else 0, **extra)
        self.pg[imp_uid] = txn
        order.txns.append(imp_uid)
        return txn

    def expected_charge(self, order: Order, amount: int, card: str, own: str | None = None) -> str:
        """What paymux must answer a charge of ``order``: refused (before the PG), or the card's way."""
        if own is not None and not self.customers[own].active:
            return REFUSE
        if self.claimed(order, own):
            return REFUSE
        if order.prepared is not None and order.prepared != amount:
            return REFUSE
        return card

    def api(self, method: str, path: str, **kwargs: Any):  # type: ignore[no-untyped-def]
        reply = self.shop.api(method, path, **kwargs)
        assert reply.status < 500, reply.body
        return reply

    # --- billing keys ---------------------------------------------------------------------------
    @rule(card=KEY_CARDS)
    def issue_key(self, card: str) -> None:
        customer_uid = unique("cust")
        reply = self.shop.issue_key(customer_uid, CARDS[card][0], **self.key_extra)
        if card in KEY_REFUSED:
            assert reply.code != 0 and reply.response is None, reply.body
            return
        reply.expect_ok()
        self.customers[customer_uid] = Customer(customer_uid, card)

    @precondition(lambda self: any(c.active for c in self.customers.values()))
    @rule(data=st.data())
    def delete_key(self, data: st.DataObject) -> None:
        customer = data.draw(st.sampled_from([c for c in self.customers.values() if c.active]))
        self.api("DELETE", f"/subscribe/customers/{customer.customer_uid}").expect_ok()
        customer.active = False
        for order in self.orders.values():  # its schedules are revoked with it
            if order.schedule is not None and order.schedule["customer_uid"] == customer.customer_uid:
                order.schedule = None

    # --- charges --------------------------------------------------------------------------------
    @precondition(lambda self: bool(self.customers))
    @rule(data=st.data(), amount=AMOUNTS, tax_free_tenths=st.integers(0, 10))
    def charge_again(self, data: st.DataObject, amount: int, tax_free_tenths: int) -> None:
        customer = data.draw(st.sampled_from(list(self.customers.values())))
        order = self.pick_order(data)
        tax_free = amount * tax_free_tenths // 10
        expected = self.expected_charge(order, amount, customer.card) if customer.active else REFUSE
        reply = self.shop.again(customer.customer_uid, order.merchant_uid, amount, tax_free=tax_free, **BUYER)
        self._check_charge_answer(reply, expected, order, amount, tax_free, customer_uid=customer.customer_uid)

    @rule(data=st.data(), amount=AMOUNTS, tax_free_tenths=st.integers(0, 10))
    def charge_onetime(self, data: st.DataObject, amount: int, tax_free_tenths: int) -> None:
        card = data.draw(self.onetime_cards, label="card")
        order = self.pick_order(data)
        tax_free = amount * tax_free_tenths // 10
        expected = self.expected_charge(order, amount, card)
        body = {"merchant_uid": order.merchant_uid, "amount": amount, "tax_free": tax_free, "name": "모델 주문", **BUYER,
                "card_number": CARDS[card][0], "expiry": "2030-12", "birth": "820213", "pwd_2digit": "00"}
        reply = self.api("POST", "/subscribe/payments/onetime", json=body)
        self._check_charge_answer(reply, expected, order, amount, tax_free)

    def _check_charge_answer(self, reply, expected: str, order: Order, amount: int, tax_free: int,  # type: ignore[no-untyped-def]
                             **extra: Any) -> None:
        if expected == REFUSE:
            assert reply.code != 0 and reply.response is None, (expected, reply.body)
            return
        if expected in KEY_REFUSED:  # a key-in card failing authentication: -1, the failed attempt on record
            assert reply.code == -1 and reply.response is None, reply.body
            found = self.api("GET", f"/payments/findAll/{order.merchant_uid}").expect_ok()["list"]
            newest = max((p for p in found if p["imp_uid"] not in self.pg), key=lambda p: p["started_at"])
            self.record_charge(order, newest, "refused", amount, tax_free)
            return
        if expected in LOST:
            assert reply.code == -1 and reply.response["status"] == "ready", reply.body
        else:
            payment = reply.expect_ok()
            assert payment["status"] == ("paid" if expected in APPROVES else "failed"), (expected, payment)
        self.record_charge(order, reply.response, expected, amount, tax_free, **extra)

    @rule(data=st.data(), amount=AMOUNTS)
    def prepare(self, data: st.DataObject, amount: int) -> None:
        order = self.order(None)
        self.api("POST", "/payments/prepare", json={"merchant_uid": order.merchant_uid, "amount": amount}).expect_ok()
        order.prepared = amount

    # --- the payment window (its form posts, as iamport.js sends them) ---------------------------
    @rule(data=st.data(), card=st.sampled_from(["approve", "refused", "timeout_approved", "timeout_declined"]),
          amount=AMOUNTS, close=st.booleans())
    def window_payment(self, data: st.DataObject, card: str, amount: int, close: bool) -> None:
        order = self.pick_order(data)
        expected = self.expected_charge(order, amount, card)
        window = open_window(self.gateway, self.shop.user_code, param(order.merchant_uid, amount=amount))
        if expected == REFUSE:
            assert window.ticket is None, window.reply.text[:300]
            assert rsp_of(window.reply)["error_code"] in ("F409", "F422")
            return
        assert window.ticket, (order, _refusal(window.reply))
        if close:
            rsp = rsp_of(_post(self.gateway, "/checkout/close", {"ticket": window.ticket}))
            assert (rsp["status"], rsp["error_code"]) == ("failed", "F1002")
            self.record_charge(order, rsp, "refused", amount, 0)
            return
        number, company = CARDS[card]
        rsp = rsp_of(_post(self.gateway, "/checkout/approve", {
            "ticket": window.ticket, "card_company": company, "card_number": number, "expiry": "2030-12",
            "birth": "820213", "pwd_2digit": "00"}))
        status = "ready" if card in LOST else ("paid" if card in APPROVES else "failed")
        assert rsp["status"] == status, (card, rsp)
        self.record_charge(order, rsp, card, amount, 0)

    @rule(data=st.data(), pg=st.sampled_from(["html5_inicis", "kakaopay"]), amount=AMOUNTS)
    def billing_window(self, data: st.DataObject, pg: str, amount: int) -> None:
        """A billing-key window: KG INICIS issues the key only (records 0); Kakao Pay issues the SID
        and charges ``amount`` in one approval (docs/money.md), so a prepared amount binds it."""
        order = self.pick_order(data)
        customer_uid = unique("bw")
        charged = amount if pg == "kakaopay" else 0
        expected = self.expected_charge(order, charged, "approve") if charged else (
            REFUSE if self.claimed(order) else "approve")
        window = open_window(self.gateway, self.shop.user_code,
                             param(order.merchant_uid, pg=pg, amount=amount, customer_uid=customer_uid))
        if expected == REFUSE:
            assert window.ticket is None, f"{pg} billing window of {order} for {amount} opened"
            return
        assert window.ticket, (order, _refusal(window.reply))
        form = {"ticket": window.ticket}
        if pg == "html5_inicis":
            form.update({"card_number": CARD_OK, "expiry": "2030-12", "birth": "820213", "pwd_2digit": "00"})
        rsp = rsp_of(_post(self.gateway, "/checkout/approve", form))
        assert (rsp["success"], rsp["paid_amount"]) == (True, charged), rsp
        self.record_charge(order, rsp, "approve", charged, 0)
        self.customers[customer_uid] = Customer(customer_uid, "approve")

    # --- schedules ------------------------------------------------------------------------------
    @precondition(lambda self: bool(self.customers))
    @rule(data=st.data(), amount=AMOUNTS, after=st.sampled_from([30, 300, 3_600]))
    def schedule(self, data: st.DataObject, amount: int, after: int) -> None:
        customer = data.draw(st.sampled_from(list(self.customers.values())))
        order = self.pick_order(data)
        at = self.now() + after
        item = {"merchant_uid": order.merchant_uid, "schedule_at": at, "amount": amount, "name": "정기결제", **BUYER}
        reply = self.api("POST", "/subscribe/payments/schedule",
                         json={"customer_uid": customer.customer_uid, "schedules": [item]})
        # refused: an unknown (or deleted) key, an order scheduled before (whatever became of it), an
        # order paid, awaiting a deposit or being charged (docs/money.md)
        refused = not customer.active or order.ever_scheduled or self.claimed(order)
        if refused:
            assert reply.code != 0, f"schedule of {order} accepted: {reply.body}"
            return
        reply.expect_ok()
        order.schedule = {"customer_uid": customer.customer_uid, "at": at, "amount": amount}
        order.ever_scheduled = True

    # --- cancels --------------------------------------------------------------------------------
    @precondition(lambda self: any(t.approved and t.balance > 0 for t in self.pg.values()))
    @rule(data=st.data(), part=st.sampled_from(["all", "half", "rest", "one"]), tax_free_mode=st.sampled_from(
        ["none", "proportional", "all_left", "one", "over"]))
    def cancel(self, data: st.DataObject, part: str, tax_free_mode: str) -> None:
        txn = data.draw(st.sampled_from([t for t in self.pg.values() if t.approved and t.balance > 0]))
        body: dict[str, Any] = {"imp_uid": txn.imp_uid, "reason": "model"}
        amount = {"all": txn.balance, "half": max(txn.balance // 2, 1), "rest": txn.balance, "one": 1}[part]
        if part != "all":
            body["amount"] = amount
        tax_free = {"none": None, "proportional": txn.tax_free_left * amount // max(txn.balance, 1),
                    "all_left": txn.tax_free_left, "one": min(1, txn.tax_free_left), "over": txn.tax_free_left + 1}[tax_free_mode]
        if tax_free is not None:
            body["tax_free"] = tax_free
        if txn.vbank:
            body.update(refund_holder="홍길동", refund_bank="004", refund_account="12345678901234")
        valid, applied = _cancel_is_valid(txn, amount, tax_free)
        reply = self.api("POST", "/payments/cancel", json=body)
        if not valid:
            assert reply.code != 0, f"cancel {body} of {txn} accepted: {reply.body}"
            return
        payment = reply.expect_ok()
        txn.cancelled += amount
        txn.cancelled_tax_free += applied
        assert payment["cancel_amount"] == txn.cancelled, (payment, txn)

    # --- virtual accounts -----------------------------------------------------------------------
    @rule(data=st.data(), amount=AMOUNTS, hours=st.sampled_from([1, 24]))
    def issue_vbank(self, data: st.DataObject, amount: int, hours: int) -> None:
        order = self.pick_order(data)
        due = self.now() + hours * 3_600
        refused = self.claimed(order) or (order.prepared is not None and order.prepared != amount)
        reply = self.api("POST", "/vbanks", json={
            "merchant_uid": order.merchant_uid, "amount": amount, "vbank_code": "004", "vbank_due": due,
            "vbank_holder": "모델상점", "name": "가상계좌"})
        if refused:
            assert reply.code != 0, reply.body
            return
        payment = reply.expect_ok()
        assert payment["status"] == "ready" and payment["vbank_num"], payment
        txn = PgTxn(payment["imp_uid"], order.merchant_uid, amount, 0, approved=None, vbank=True, vbank_due=due)
        self.pg[txn.imp_uid] = txn
        order.txns.append(txn.imp_uid)

    @precondition(lambda self: any(t.vbank and t.approved is None for t in self.pg.values()))
    @rule(data=st.data(), revoke=st.booleans())
    def deposit_or_revoke(self, data: st.DataObject, revoke: bool) -> None:
        txn = data.draw(st.sampled_from([t for t in self.pg.values() if t.vbank and t.approved is None]))
        if revoke:
            assert self.api("DELETE", f"/vbanks/{txn.imp_uid}").expect_ok()["status"] == "failed"
            txn.approved = False
            return
        payment = self.api("POST", f"/vbanks/{txn.imp_uid}/deposit", json={}).expect_ok()
        assert (payment["status"], payment["amount"]) == ("paid", txn.amount)
        txn.approved = True

    # --- time -----------------------------------------------------------------------------------
    @rule(seconds=st.sampled_from([45, 600, 4_000, 90_000]))
    def time_passes(self, seconds: int) -> None:
        """The clock moves; the worker's jobs run as they would have meanwhile."""
        self.gateway.clock.advance(seconds)
        self.shop._token = None  # an access token lives 30 minutes of the server's time
        scheduled_at = self.now()
        while self.gateway.call(execute_due_schedules):
            pass
        self._learn_schedule_runs(scheduled_at)
        # The server's clock also runs with the wall clock: the model settles only what was past its
        # deadline when each job started, and the invariants hold the jobs to that moment.
        reconciled_at = self.now()
        while self.gateway.call(settle_pending_outcomes):
            pass
        expired_at = self.now()
        while self.gateway.call(expire_due_vbanks):
            pass
        self.jobs_ran_at = (reconciled_at, expired_at)
        for txn in self.pg.values():
            if txn.approved is None and txn.lost_outcome is not None and txn.lost_at + self.grace < reconciled_at:
                txn.approved = txn.lost_outcome
            if txn.vbank and txn.approved is None and txn.vbank_due < expired_at:
                txn.approved = False

    def _learn_schedule_runs(self, now: int) -> None:
        """Each schedule that came due: every attempt it made is registered by the card of its key
        (an attempt whose answer was lost stays pending until the reconciler asks the PG; one the PG
        has no record of is charged again); a run on an order paid otherwise, prepared for another
        amount, or of a deleted key charges nothing and says so."""
        for order in self.orders.values():
            schedule = order.schedule
            if schedule is None or schedule["at"] > now:
                continue
            customer = self.customers[schedule["customer_uid"]]
            refused = self.expected_charge(order, schedule["amount"], customer.card, own=customer.customer_uid) == REFUSE
            run = self.api("GET", f"/subscribe/payments/schedule/{order.merchant_uid}").expect_ok()
            found = self.api("GET", f"/payments/findAll/{order.merchant_uid}").expect_ok()["list"] if order.txns or (
                run["imp_uid"] or run["schedule_status"] == "scheduled") else []
            for attempt in sorted((p for p in found if p["imp_uid"] not in self.pg), key=lambda p: p["started_at"]):
                assert not refused and customer.active, (run, attempt)
                assert (attempt["customer_uid"], attempt["customer_uid_usage"]) == (
                    customer.customer_uid, "payment.scheduled"), attempt
                self.record_charge(order, attempt, customer.card, schedule["amount"], 0,
                                   schedule_of=customer.customer_uid, customer_uid=customer.customer_uid)
            if run["schedule_status"] == "scheduled":  # an answer outstanding: the reconciler settles it
                assert customer.card in LOST and customer.active, run
                continue
            assert run["schedule_status"] == "executed", run
            order.schedule = None
            if refused:
                assert (run["payment_status"], run["imp_uid"]) == ("failed", None), run
                continue
            assert run["imp_uid"] in self.pg and self.pg[run["imp_uid"]].schedule_of == customer.customer_uid, run

    # --- invariants -----------------------------------------------------------------------------
    @invariant()
    def records_match_the_pg(self) -> None:
        if not self.orders:
            return
        events = self.gateway.call(lambda rt: list_webhook_events(rt, self.shop.merchant.id, limit=200))
        hooks: dict[str, list[dict[str, Any]]] = {}
        for event in reversed(events):
            if event.imp_uid:
                hooks.setdefault(event.imp_uid, []).append(event.payload)
        ledger = self._sandbox_outcomes()
        for order in self.orders.values():
            if not order.txns:
                continue
            found = self.api("GET", f"/payments/findAll/{order.merchant_uid}").expect_ok()["list"]
            paid = [p for p in found if p["status"] in ("paid", "cancelled") and p["amount"] > 0]
            assert len(paid) <= 1, f"one paid payment per merchant_uid: {paid}"
            for payment in found:
                txn = self.pg.get(payment["imp_uid"])
                assert txn is not None, f"a payment the PG never saw: {payment}"
                stored = self.gateway.call(lambda rt, uid=txn.imp_uid: payment_service.get_payment(rt, self.shop.merchant, uid))
                _check_payment(payment, stored, txn, hooks.get(txn.imp_uid, []), ledger, self.jobs_ran_at, self.grace)
        self._check_schedules()
        self.check_pg_side()

    def _check_schedules(self) -> None:
        for txn in self.pg.values():
            if txn.schedule_of is None:
                continue
            run = self.api("GET", f"/subscribe/payments/schedule/{txn.merchant_uid}").expect_ok()
            if run["imp_uid"] is not None:  # every schedule's payment is its own
                assert run["imp_uid"] == txn.imp_uid, run
                payment = self.api("GET", f"/payments/{run['imp_uid']}").expect_ok()
                assert (payment["merchant_uid"], payment["customer_uid"], payment["customer_uid_usage"]) == (
                    txn.merchant_uid, txn.schedule_of, "payment.scheduled"), payment
                if run["schedule_status"] == "executed":
                    assert run["payment_status"] == payment["status"], (run, payment)

    def _sandbox_outcomes(self) -> dict[str, bool]:
        """The sandbox PG's own memory: the outcome it answers inquiries with, by order id (imp_uid)."""
        async def read(rt):  # type: ignore[no-untyped-def]
            async with rt.database.reading() as connection:
                rows = (await connection.execute(select(sandbox_ledger.c.key, sandbox_ledger.c.value).where(
                    sandbox_ledger.c.key.like("%:outcome:%")))).all()
            return {key.split(":outcome:", 1)[1]: json.loads(value)["approved"] for key, value in rows}
        return self.gateway.call(read)

    def teardown(self) -> None:
        self.gateway.call(lambda rt: set_webhook_url(rt, self.shop.merchant.id, None))


def _cancel_is_valid(txn: PgTxn, amount: int, tax_free: int | None) -> tuple[bool, int]:
    """Whether the PG may be asked for this cancel, and the tax-free part it refunds: never more than
    the balance, never more tax-free than is left, never more taxable (and so VAT) than is left, and
    the cancel that empties the balance refunds exactly the tax-free part left (docs/money.md)."""
    if not 0 < amount <= txn.balance:
        return False, 0
    taxable_left = txn.balance - txn.tax_free_left
    if amount == txn.balance:
        applied = txn.tax_free_left if tax_free is None else tax_free
        return applied == txn.tax_free_left, applied
    applied = tax_free or 0
    valid = applied <= min(amount, txn.tax_free_left) and amount - applied <= taxable_left
    return valid, applied


def _check_payment(payment: dict[str, Any], stored: Payment, txn: PgTxn, hooks: list[dict[str, Any]], ledger: dict[str, bool],
                   jobs_ran_at: tuple[int, int], grace: int) -> None:
    status = payment["status"]
    where = f"{payment['imp_uid']} ({payment['merchant_uid']}): {status}, PG {txn}"
    # money approved at the PG = paid amounts recorded
    if status in ("paid", "cancelled"):
        assert txn.approved is True and payment["amount"] == txn.amount, where
        assert stored.tax_free == txn.tax_free, where
    elif txn.approved is True:
        raise AssertionError(f"approved at the PG, not paid in the record: {where}")
    if status == "failed":
        assert txn.approved is False, where
    if status == "ready":
        assert txn.approved is None, where
    # cancelled at the PG = cancel_amount = sum of cancel_history
    history = payment["cancel_history"]
    assert payment["cancel_amount"] == sum(c["amount"] for c in history) == txn.cancelled, where
    assert (status == "cancelled") == (txn.approved is True and txn.amount > 0 and txn.cancelled == txn.amount), where
    # tax-free and VAT never over-refunded; the last cancel refunds exactly what is left of each
    assert sum(c.tax_free for c in stored.cancel_history) == txn.cancelled_tax_free, where
    assert txn.cancelled_tax_free <= txn.tax_free, where
    assert txn.cancelled - txn.cancelled_tax_free <= txn.amount - txn.tax_free, where
    if status == "cancelled":
        assert txn.cancelled_tax_free == txn.tax_free, where
    # the sandbox's own ledger holds the outcome of every lost answer, as the machine expects
    if txn.lost_outcome is not None:
        assert ledger.get(txn.imp_uid) is txn.lost_outcome, (where, ledger.get(txn.imp_uid))
    # nothing stays ready past its deadline
    # (once the jobs have run: the reconciler and the expiry job, as the worker runs them)
    reconciled_at, expired_at = jobs_ran_at
    if status == "ready":
        if txn.vbank:
            assert payment["vbank_date"] >= expired_at, f"virtual account past its due still ready: {where}"
        else:
            assert txn.lost_at + grace >= reconciled_at, f"lost answer past the grace period still ready: {where}"
    # every status change has its webhook
    statuses = [h["status"] for h in hooks]
    if status != "ready" or txn.vbank:
        assert status in statuses or (status == "paid" and txn.amount == 0 and "paid" in statuses), (where, hooks)
    if txn.vbank and (status != "ready" or payment["vbank_num"]):
        assert "ready" in statuses, (where, hooks)
    cancel_hooks = [h for h in hooks if h.get("cancellation_id")]
    assert len(cancel_hooks) == len(history), (where, hooks)


def _refusal(reply: httpx.Response) -> Any:
    """What a window page that opened no window says (its rsp), or the start of the page."""
    try:
        return rsp_of(reply)
    except AssertionError:
        return reply.text[:300]


def _post(gateway: GatewayServer, path: str, form: dict[str, str]) -> httpx.Response:
    return httpx.post(gateway.base_url + path, data=form, timeout=30)


def _model_shop(gateway: GatewayServer) -> TestMerchant:
    """A fresh merchant per run: KG INICIS window (default, cards and virtual accounts), KG INICIS
    API and subscription, Kakao Pay; a webhook URL so every status change writes its webhook."""
    merchant = gateway.create_merchant("model shop")
    merchant.add_channel("html5_inicis", "general", default=True)
    merchant.add_channel("html5_inicis", "api")
    merchant.add_channel("html5_inicis", "subscription")
    merchant.add_channel("kakaopay", "simple")
    gateway.call(lambda rt: set_webhook_url(rt, merchant.merchant.id, "http://127.0.0.1:9/model-hooks"))
    return merchant
