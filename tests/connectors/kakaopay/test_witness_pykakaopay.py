"""A witness no one here wrote: PyPI's ``PyKakaoPay`` (0.1.1, by sehwan505) runs its documented flows
against paymux's Kakao Pay emulator — one-time ready → the buyer approves → approval → order → cancel,
and recurring ready → approval (SID) → subscription → status → inactive — plus its error path.

``PyKakaoPay`` speaks Kakao's older API: ``https://kapi.kakao.com/v1/payment/*`` with
``Authorization: KakaoAK {app admin key}``, parameters sent as the query string of a POST. It hard-codes
that host and has no base-URL attribute, so the test wraps its HTTP calls: each of its modules'
``requests`` name is replaced (pytest ``monkeypatch``) by a shim whose ``post(url, **kwargs)`` swaps
``https://kapi.kakao.com`` for the emulator's base URL and then calls the real ``requests.post`` —
everything else (headers, parameters, the reply handling) is the library's own, over real HTTP.
"""

from __future__ import annotations

import secrets
from types import SimpleNamespace
from typing import Any

import pytest
import requests
from pykakaopay.error import ArgumentError
from pykakaopay.recurring_payment import RecurringPayment
from pykakaopay.single_payment import SinglePayment

from tests.connectors.kakaopay.support import TEST_ADMIN_KEY, Buyer, KakaoPayEmulatorServer

KAKAO_HOST = "https://kapi.kakao.com"
SHOP = "http://shop.invalid/kakao"


@pytest.fixture
def pykakaopay_on_emulator(kakaopay: KakaoPayEmulatorServer, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Point PyKakaoPay's HTTP calls at the emulator; returns the URLs it called."""
    called: list[str] = []

    def post(url: str, **kwargs: Any) -> requests.Response:
        assert url.startswith(KAKAO_HOST + "/v1/payment/")
        called.append(url)
        return requests.post(kakaopay.base_url + url[len(KAKAO_HOST):], timeout=30, **kwargs)

    shim = SimpleNamespace(post=post)
    for module in ("pykakaopay.auth", "pykakaopay.single_payment", "pykakaopay.recurring_payment"):
        monkeypatch.setattr(f"{module}.requests", shim)
    return called


def ready(client: SinglePayment | RecurringPayment, order: str, amount: int) -> dict[str, Any]:
    return client.ready(partner_order_id=order, partner_user_id="witness-user", approval_url=f"{SHOP}/approve",
                        cancel_url=f"{SHOP}/cancel", fail_url=f"{SHOP}/fail", item_name="초코파이", quantity=1,
                        total_amount=amount, tax_free_amount=0, vat_amount=amount // 11)


def test_pykakaopay_one_time_payment_approval_order_and_cancel(
    kakaopay: KakaoPayEmulatorServer, pykakaopay_on_emulator: list[str]
) -> None:
    client, order = SinglePayment(TEST_ADMIN_KEY, "TC0ONETIME"), "witness-" + secrets.token_hex(4)
    prepared = ready(client, order, 2200)
    assert prepared["tid"].startswith("T") and prepared["redirection_url"].startswith(kakaopay.base_url)
    pg_token = Buyer().approve(prepared["redirection_url"])

    approved = client.approval(prepared["tid"], order, "witness-user", pg_token)
    assert (approved["tid"], approved["partner_order_id"], approved["amount"]["total"]) == (prepared["tid"], order, 2200)
    assert approved["aid"].startswith("A") and approved["payment_method_type"] == "MONEY"
    assert client.order(prepared["tid"])["status"] == "SUCCESS_PAYMENT"

    client.cancel(prepared["tid"], 700, 0, "partial")
    found = client.order(prepared["tid"])
    assert (found["status"], found["canceled_amount"]["total"], found["cancel_available_amount"]["total"]) == (
        "PART_CANCEL_PAYMENT", 700, 1500)
    client.cancel(prepared["tid"], 1500, 0, "rest")
    assert client.order(prepared["tid"])["status"] == "CANCEL_PAYMENT"
    with pytest.raises(ArgumentError) as refused:  # a third cancel: Kakao's -784 in the older error shape
        client.cancel(prepared["tid"], 100, 0, "again")
    assert '"code":-784' in str(refused.value).replace(" ", "")

    sent = [r for r in kakaopay.ledger()["requests"] if r["tid"] == prepared["tid"] or r["partner_order_id"] == order]
    assert {(r["generation"], r["auth"]) for r in sent} == {("older", "KakaoAK")}
    assert [u.rsplit("/", 1)[1] for u in pykakaopay_on_emulator] == ["ready", "approve", "order", "cancel", "order", "cancel",
                                                                     "order", "cancel"]


def test_pykakaopay_recurring_payment_sid_subscription_status_and_inactive(
    kakaopay: KakaoPayEmulatorServer, pykakaopay_on_emulator: list[str]
) -> None:
    client, order = RecurringPayment(TEST_ADMIN_KEY, "TCSUBSCRIP"), "witness-" + secrets.token_hex(4)
    prepared = ready(client, order, 9900)  # type: ignore[arg-type]
    pg_token = Buyer().approve(prepared["redirection_url"], "CARD_SHINHAN")
    first = client.approval(prepared["tid"], order, "witness-user", pg_token)
    sid = first["sid"]
    assert sid.startswith("S") and first["card_info"]["kakaopay_issuer_corp"] == "신한카드"

    later = client.subscription(sid, order + "-2", "witness-user", 1, 9900, 0)
    assert (later["sid"], later["amount"]["total"], later["partner_order_id"]) == (sid, 9900, order + "-2")
    assert [p["total"] for p in kakaopay.ledger()["payments"] if p["sid"] == sid and p["approved_at"]] == [9900, 9900]

    status = client.status(sid)
    assert (status["status"], status["available"]) == ("ACTIVE", True)
    assert client.inactive(sid)["status"] == "INACTIVE"
    assert client.status(sid)["available"] is False
    with pytest.raises(ArgumentError) as refused:
        client.subscription(sid, order + "-3", "witness-user", 1, 9900, 0)
    assert '"code":-751' in str(refused.value).replace(" ", "")


def test_pykakaopay_with_a_wrong_admin_key_gets_kakaos_401(kakaopay: KakaoPayEmulatorServer, pykakaopay_on_emulator: list[str]) -> None:
    with pytest.raises(ArgumentError) as refused:
        ready(SinglePayment("not-an-admin-key", "TC0ONETIME"), "witness-" + secrets.token_hex(4), 1000)
    assert '"code":-401' in str(refused.value).replace(" ", "")
