"""KG Mobilians' result codes and carriers, shared by the client, the connector and the emulator.

Sources: [MOB-MCP] ``md/payment/reference/error-codes.md`` (``0000``, ``6101``, ``6102``); the phone
payment codes of Mobilians' ``MC_CODE_0016`` and the phone cancel codes (``kg-phone-cancel-code.pdf``)
as PortOne ships them [PO-CODES], summarised in shared/docs/pg-live-protocols.md §3.3–3.4. Messages are
paymux's short Korean paraphrases with an English gloss.
"""

from __future__ import annotations

OK = "0000"
BAD_PARAMETER = "6101"
BAD_HMAC = "6102"

# phone payment [PO-CODES MC_CODE_0016]
NOT_REGISTERED = "0011"
LOST_OR_SUSPENDED = "0013"
TERMINATED = "0014"
UNPAID_BILL = "0016"
BLOCKED_BY_BUYER = "0024"
LIMIT_EXCEEDED = "0031"
MINOR = "0032"
NOT_SUBSCRIBED = "0035"
WRONG_OTP = "0043"
DUPLICATE_PAYMENT = "0051"
DUPLICATE_TRADE_ID = "0052"
NO_AUTO_PAYMENT = "0060"
UNKNOWN_SERVICE = "0071"
CARRIER_ERROR = "0098"
BUSY = "0099"
BAD_PRICE = "9110"
# phone cancel [PO-CODES kg-phone-cancel-code]
NO_SUCH_TRANSACTION = "0041"
CANCEL_PERIOD_PASSED = "0042"
ALREADY_CANCELLED = "0044"
CANCEL_MISMATCH = "0045"

MESSAGES: dict[str, str] = {
    OK: "정상처리",
    BAD_PARAMETER: "유효하지 않은 parameter",
    BAD_HMAC: "유효하지 않은 hmac",
    NOT_REGISTERED: "이동통신사에 등록되지 않은 번호입니다 (number not registered with the carrier)",
    LOST_OR_SUSPENDED: "분실 또는 일시정지된 휴대폰입니다 (lost or suspended phone)",
    TERMINATED: "해지된 휴대폰입니다 (terminated line)",
    UNPAID_BILL: "요금 미납으로 결제할 수 없습니다 (unpaid phone bill)",
    BLOCKED_BY_BUYER: "소액결제 차단을 신청한 휴대폰입니다 (the buyer blocked micropayments)",
    LIMIT_EXCEEDED: "휴대폰 결제 한도를 초과하였습니다 (the phone's micropayment limit is exceeded)",
    MINOR: "미성년자는 결제할 수 없습니다 (minor)",
    NOT_SUBSCRIBED: "소액결제 서비스에 가입되지 않은 휴대폰입니다 (micropayments not subscribed)",
    WRONG_OTP: "인증번호가 일치하지 않거나 만료되었습니다 (wrong or expired SMS code)",
    DUPLICATE_PAYMENT: "중복 결제입니다 (duplicate payment)",
    DUPLICATE_TRADE_ID: "이미 사용된 가맹점 거래번호입니다 (duplicate merchant trade id)",
    NO_AUTO_PAYMENT: "등록된 자동결제 거래가 없거나 등록 정보가 일치하지 않습니다 (unregistered automatic payment)",
    UNKNOWN_SERVICE: "등록되지 않은 가맹점 서비스입니다 (unregistered merchant service id)",
    CARRIER_ERROR: "이동통신사 오류입니다. 잠시 후 다시 시도하세요 (carrier error, retryable)",
    BUSY: "거래량이 많아 처리할 수 없습니다 (busy)",
    BAD_PRICE: "결제 금액 오류 (bad price)",
    NO_SUCH_TRANSACTION: "해당 거래가 존재하지 않습니다 (no such transaction)",
    CANCEL_PERIOD_PASSED: "취소 기간이 경과하였습니다 (cancel period passed: phone payments cancel within their month)",
    ALREADY_CANCELLED: "이미 취소된 거래입니다 (already cancelled)",
    CANCEL_MISMATCH: "취소 정보가 일치하지 않습니다 (cancel information mismatch)",
}

# Carriers of the phone window [MOB-MCP registration.md pay_options.mc_default_comm_id]; MVNOs last.
CARRIERS: dict[str, str] = {
    "SKT": "SKT", "KTF": "KT", "LGT": "LG U+", "CJH": "CJ헬로 (알뜰폰)", "KCT": "KCT (알뜰폰)", "SKL": "SK7 (알뜰폰)",
}


def message(code: str) -> str:
    return MESSAGES.get(code, "처리 실패 (failed)")


def refusal(code: str, given: str = "") -> str:
    """``[code] message`` as paymux shows a Mobilians refusal (Mobilians' own text when it sent one)."""
    return f"[{code}] {given or message(code)}"
