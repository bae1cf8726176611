"""Identity verification through the API (#10 item 5): ``POST /certifications/otp/request`` and
``/otp/confirm/{imp_uid}`` (the sandbox's code is 123456), ``GET``/``DELETE /certifications/{imp_uid}``,
in iamport-server-api's ``IIamportCertification`` shape; wrong, expired and exhausted codes;
isolation. The window (IMP.certification) is tested in tests/checkout/test_certification_window.py."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.harness import GatewayServer, TestMerchant, unique

PERSON = {"name": "홍길동", "phone": "010-1234-5678", "birth": "19900115", "gender_digit": "1", "carrier": "SKT"}


@pytest.fixture
def clock_reset(gateway: GatewayServer) -> Iterator[None]:
    yield
    gateway.clock.reset()


def _request(shop: TestMerchant, **extra: object) -> str:
    return shop.api("POST", "/certifications/otp/request", json={**PERSON, **extra}).expect_ok()["imp_uid"]


def test_verification_by_code_then_read_and_erase(shop: TestMerchant) -> None:
    order = unique("signup")
    imp_uid = _request(shop, merchant_uid=order, company="paymux shop")
    pending = shop.api("GET", f"/certifications/{imp_uid}").expect_ok()
    assert (pending["certified"], pending["certified_at"], pending["merchant_uid"]) == (False, 0, order)

    wrong = shop.api("POST", f"/certifications/otp/confirm/{imp_uid}", json={"otp": "000000"})
    assert (wrong.status, wrong.code) == (400, -1) and "인증번호가 일치하지 않습니다" in wrong.message

    done = shop.api("POST", f"/certifications/otp/confirm/{imp_uid}", json={"otp": "123456"}).expect_ok()
    assert (done["imp_uid"], done["certified"], done["name"], done["phone"], done["carrier"]) == (
        imp_uid, True, "홍길동", "01012345678", "SKT")
    assert (done["gender"], done["birthday"], done["foreigner"], done["pg_provider"]) == ("male", "1990-01-15", False, "danal")
    assert done["birth"] == 632329200  # 1990-01-15 00:00 in Korea, unix seconds
    assert done["certified_at"] > 0 and len(done["unique_key"]) == 88 and len(done["unique_in_site"]) == 64
    assert shop.api("GET", f"/certifications/{imp_uid}").expect_ok() == done
    again = shop.api("POST", f"/certifications/otp/confirm/{imp_uid}", json={"otp": "123456"})
    assert again.status == 400 and "이미 인증이 완료된" in again.message

    erased = shop.api("DELETE", f"/certifications/{imp_uid}").expect_ok()
    assert erased["imp_uid"] == imp_uid
    assert shop.api("GET", f"/certifications/{imp_uid}").status == 404
    assert shop.api("DELETE", f"/certifications/{imp_uid}").status == 404


def test_one_person_has_one_ci_everywhere_and_one_di_per_merchant(shop: TestMerchant, other_shop: TestMerchant) -> None:
    def certified(merchant: TestMerchant, **extra: object) -> dict:  # type: ignore[type-arg]
        imp_uid = _request(merchant, **extra)
        return merchant.api("POST", f"/certifications/otp/confirm/{imp_uid}", json={"otp": "123456"}).expect_ok()

    first, second = certified(shop), certified(shop, phone="010-9999-0000", carrier="KT", is_mvno=True)
    elsewhere, someone_else = certified(other_shop), certified(shop, name="김철수")
    assert first["unique_key"] == second["unique_key"] == elsewhere["unique_key"] != someone_else["unique_key"]
    assert first["unique_in_site"] == second["unique_in_site"] != elsewhere["unique_in_site"]


def test_codes_expire_after_three_minutes_and_five_wrong_tries_void_the_request(
    gateway: GatewayServer, shop: TestMerchant, clock_reset: None
) -> None:
    late = _request(shop)
    gateway.clock.advance(181)
    expired = shop.api("POST", f"/certifications/otp/confirm/{late}", json={"otp": "123456"})
    assert expired.status == 400 and "시간이 초과" in expired.message

    tried = _request(shop)
    for _ in range(5):
        assert shop.api("POST", f"/certifications/otp/confirm/{tried}", json={"otp": "111111"}).status == 400
    spent = shop.api("POST", f"/certifications/otp/confirm/{tried}", json={"otp": "123456"})
    assert spent.status == 400 and "횟수를 초과" in spent.message
    assert shop.api("GET", f"/certifications/{tried}").expect_ok()["certified"] is False


@pytest.mark.parametrize(("field", "value"), [
    ("name", ""), ("phone", "02-123-4567"), ("phone", "010-12"), ("birth", "19901301"), ("birth", "900115"),
    ("gender_digit", "9"), ("gender_digit", "x"), ("carrier", "VERIZON"),
])
def test_bad_details_are_refused_by_field(shop: TestMerchant, field: str, value: str) -> None:
    refused = shop.api("POST", "/certifications/otp/request", json={**PERSON, field: value})
    assert (refused.status, refused.code) == (400, -1) and field in refused.message


def test_form_bodies_and_missing_fields(shop: TestMerchant) -> None:
    imp_uid = shop.api("POST", "/certifications/otp/request", data={**PERSON, "is_mvno": "true"}).expect_ok()["imp_uid"]
    assert shop.api("POST", f"/certifications/otp/confirm/{imp_uid}", data={"otp": "123456"}).expect_ok()["certified"]
    assert shop.api("POST", f"/certifications/otp/confirm/{imp_uid}", json={}).status == 400
    assert shop.api("POST", "/certifications/otp/request", json={k: v for k, v in PERSON.items() if k != "carrier"}).status == 400


def test_another_merchant_cannot_read_confirm_or_erase(shop: TestMerchant, other_shop: TestMerchant) -> None:
    imp_uid = _request(shop)
    assert other_shop.api("GET", f"/certifications/{imp_uid}").status == 404
    assert other_shop.api("POST", f"/certifications/otp/confirm/{imp_uid}", json={"otp": "123456"}).status == 404
    assert other_shop.api("DELETE", f"/certifications/{imp_uid}").status == 404
    assert shop.api("GET", f"/certifications/{imp_uid}").expect_ok()["certified"] is False


def test_window_pages_refuse_forged_tickets_and_missing_origins(gateway: GatewayServer, shop: TestMerchant) -> None:
    import httpx

    base = gateway.base_url + "/checkout/certification"
    for step in ("request", "confirm", "close"):
        forged = httpx.post(f"{base}/{step}", data={"ticket": "eyJ.forged", "otp": "123456"}, timeout=10)
        assert forged.status_code == 404, step
    no_origin = httpx.post(f"{base}/open", data={"user_code": shop.user_code, "param": "{}"}, timeout=10)
    assert no_origin.status_code == 400
    page = httpx.post(f"{base}/open", data={"user_code": shop.user_code, "param": "{}", "origin": "http://shop.test"}, timeout=10)
    assert page.status_code == 200 and 'data-step="details"' in page.text
    assert "script-src" not in page.headers["content-security-policy"]  # the window runs no script
