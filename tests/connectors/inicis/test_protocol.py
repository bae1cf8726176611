"""KG INICIS wire rules against published and computed vectors; each test names its source
(tags as in shared/docs/pg-live-protocols.md §0)."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime

import pytest

from paymux.connectors.inicis import codes, protocol
from paymux.connectors.inicis.client import InicisHosts, InicisKeys

TEST_SIGN_KEY = "SU5JTElURV9UUklQTEVERVNfS0VZU1RS"  # [IMP-MANUAL], [INI-STD]


def test_aes_enc_field_matches_inicis_faq_example() -> None:
    """[INI-FAQ]: refundAcctNum 123456789 for INIpayTest is ``qwMHVJqsmXKoR+d8wQTS4g==``
    (key ``ItEQKi3rY7uvDS8l`` [INI-API], IV ``HYb3yQ4f65QL89==``)."""
    assert protocol.encrypt_field("123456789", "ItEQKi3rY7uvDS8l", "HYb3yQ4f65QL89==") == "qwMHVJqsmXKoR+d8wQTS4g=="
    assert protocol.decrypt_field("qwMHVJqsmXKoR+d8wQTS4g==", "ItEQKi3rY7uvDS8l", "HYb3yQ4f65QL89==") == "123456789"


def test_aes_decrypt_failure_names_no_value() -> None:
    with pytest.raises(ValueError) as raised:
        protocol.decrypt_field("qwMHVJqsmXKoR+d8wQTS4g==", "ItEQKi3rY7uvDS8l", "AAAAAAAAAAAAAAAA")
    assert "123456789" not in str(raised.value)


def test_refund_hashdata_vector() -> None:
    """[INI-API] refund sample values; hash computed in shared/docs §1.4: SHA-512(key+type+paymethod+
    timestamp+clientIp+mid+tid)."""
    expected = (
        "1c1dd8e572fa87bb19a41b8b1f2fb26c8be317cbda7800527994ada33f0c7d739794ec16ad348e92abf010b566e5b5d54fd5be7d5db088cc46b03a63d58c07e8"
    )
    values = ("Refund", "Card", "20210101120000", "192.0.0.1", "INIpayTest", "StdpayCARDINIpayTest20210101111111111111")
    assert protocol.iniapi_hash("ItEQKi3rY7uvDS8l", *values) == expected
    fields = dict(zip(("type", "paymethod", "timestamp", "clientIp", "mid", "tid"), values, strict=True))
    assert protocol.iniapi_hash_for(protocol.INIAPI_SPECS["Refund"], "ItEQKi3rY7uvDS8l", fields) == expected


def test_window_signature_and_verification_vectors() -> None:
    """[INI-STD], [INI-UTIL]: signature = SHA-256 of ``oid=…&price=…&timestamp=…``; verification adds
    ``signKey`` alphabetically (vectors computed in shared/docs §1.2)."""
    assert protocol.std_signature("ORDER-0001", 1004, 1700000000000) == (
        "49917d0664db177e06a4ff88db7154b6f86ef3171728bcc5b26e08c61e867576"
    )
    assert protocol.std_verification("ORDER-0001", 1004, TEST_SIGN_KEY, 1700000000000) == (
        "a8bced52f817e52ac3a3246c3cf80aa6f43e8f06dde52c4a1fedfd6f2524f1c8"
    )


def test_mkey_of_the_sample_sign_key() -> None:
    """[INI-STD]: the sample's mKey for the test signKey starts ``3a9503``."""
    assert protocol.mkey(TEST_SIGN_KEY).startswith("3a9503")
    assert protocol.mkey(TEST_SIGN_KEY) == hashlib.sha256(TEST_SIGN_KEY.encode()).hexdigest()


def test_auth_signature_vector_and_rotation() -> None:
    """[INI-UTIL]: authSignature field order rotates with tstamp's last digit; vector from shared/docs §1.2."""
    assert protocol.auth_signature("INIpayTest", "1700000000007", "ORDER-0001", "1004") == (
        "c53498356627175536d5d0434733d670af349a683de55622c21d8b7a0576906d"
    )

    def sha(text: str) -> str:
        return hashlib.sha256(text.encode()).hexdigest()

    assert protocol.auth_signature("M", "1700000000001", "O", "5") == sha("MOID=O&mid=M&tstamp=1700000000001")
    assert protocol.auth_signature("M", "1700000000005", "O", "5") == sha("tstamp=1700000000005&mid=M&MOID=O")
    assert protocol.auth_signature("M", "1700000000000", "O", "5") == sha("TotPrice=5&tstamp=1700000000000&MOID=O")
    assert len({protocol.auth_signature("M", f"170000000000{d}", "O", "5") for d in range(10)}) == 10


def test_approval_request_signature_and_nvp_rule() -> None:
    """[INI-STD-ADD]: SHA-256 of ``authToken=…&timestamp=…``; [INI-SIG]: alphabetical, no trailing ``&``."""
    assert protocol.nvp({"timestamp": "2", "authToken": "a", "B": "x"}) == "B=x&authToken=a&timestamp=2"
    assert protocol.auth_request_signature("tok", 123) == hashlib.sha256(b"authToken=tok&timestamp=123").hexdigest()


def test_iniapi_timestamp_is_kst() -> None:
    """[INI-API]: ``YYYYMMDDhhmmss`` in Korean time."""
    assert protocol.iniapi_timestamp(datetime(2021, 1, 1, 3, 0, 0, tzinfo=UTC)) == "20210101120000"
    assert protocol.iniapi_timestamp(protocol.kst(1609470000)) == "20210101120000"


def test_iniapi_service_table() -> None:
    """[INI-API], [INICISJS], [INI-KEYIN], [INI-FORMPAY]: one spec per type/paymethod and path."""
    assert protocol.iniapi_spec("Pay", "Vacct") is protocol.INIAPI_SPECS["PayVacct"]
    assert protocol.iniapi_spec("Pay", "Card").hash_fields[-3:] == ("moid", "price", "cardNumber")  # type: ignore[union-attr]
    assert protocol.iniapi_spec("Extra", "Inquiry").path == "/api/v1/extra"  # type: ignore[union-attr]
    assert protocol.iniapi_spec("Billing", "Card").hash_fields[-1] == "billKey"  # type: ignore[union-attr]
    assert protocol.iniapi_spec("PartialRefund", "Card").hash_fields[-3:-1] == ("price", "confirmPrice")  # type: ignore[union-attr]
    assert protocol.iniapi_spec("Inquiry", "Card") is None and protocol.iniapi_spec("Nope", "Card") is None


def test_mobile_key_value_reply_in_euc_kr() -> None:
    """[INI-M], [INI-MOB-EX]: ``P_STATUS=00&…`` plain text in EUC-KR."""
    body = protocol.format_kv_reply([("P_STATUS", "00"), ("P_UNAME", "홍길동"), ("P_RMESG1", "정상 & 완료")])
    assert body == "P_STATUS=00&P_UNAME=홍길동&P_RMESG1=정상   완료".encode("cp949")
    assert protocol.parse_kv_reply(body) == {"P_STATUS": "00", "P_UNAME": "홍길동", "P_RMESG1": "정상   완료"}
    assert protocol.charset_of("text/plain; charset=EUC-KR") == protocol.EUC_KR
    assert protocol.charset_of("text/plain; charset=UTF-8") == "utf-8"


def test_forms_decode_as_utf8_or_euc_kr() -> None:
    """EUC-KR (mobile window, vbank notice [INI-VBANK]) and UTF-8 forms both decode."""
    fields = {"NM_INPUT": "홍길동", "AMT_INPUT": "1000"}
    assert protocol.decode_form(protocol.encode_form(fields, protocol.EUC_KR)) == fields
    assert protocol.decode_form(protocol.encode_form(fields)) == fields


def test_hosts_derive_the_approval_url_from_idc_name() -> None:
    """[INI-PROP]: ``{fc|ks|stg}stdpay.inicis.com/api/payAuth``; the browser's authUrl is only compared."""
    hosts = InicisHosts.production()
    assert hosts.auth_url("stg") == "https://stgstdpay.inicis.com/api/payAuth"
    assert hosts.net_cancel_url("fc") == "https://fcstdpay.inicis.com/api/netCancel"
    assert hosts.mobile_approval_url("ks") == "https://ksmobile.inicis.com/smart/payReq.ini"
    assert hosts.trusts("https://stgstdpay.inicis.com/api/payAuth", hosts.auth_url("stg"))
    assert not hosts.trusts("https://evil.example/api/payAuth", hosts.auth_url("stg"))
    with pytest.raises(ValueError):
        hosts.auth_url("evil.example/")
    emulated = InicisHosts.emulated("http://127.0.0.1:9/")
    assert emulated.auth_url("stg") == emulated.auth_url(None) == "http://127.0.0.1:9/api/payAuth"


def test_public_test_keys_and_codes() -> None:
    """§1.1 test keys; §5.3 card codes; INICISJS bank codes."""
    keys = InicisKeys.public_test("INIpayTest")
    assert (keys.iniapi_key, keys.iniapi_iv) == ("ItEQKi3rY7uvDS8l", "HYb3yQ4f65QL89==")
    assert "ItEQ" not in repr(keys)
    assert codes.kftc_card_code("06") == "381" and codes.kftc_card_code("97") is None
    assert codes.kftc_bank_code("88") == "088" and codes.inicis_bank_code("004") == "04"
    assert codes.iamport_pay_method("DirectBank") == "trans" and codes.iamport_pay_method("VBANK") == "vbank"
    with pytest.raises(ValueError):
        InicisKeys.public_test("paymuxLive1")
