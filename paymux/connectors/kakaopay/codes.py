"""Kakao Pay's own vocabulary: error codes, order statuses, action types, card issuers, test CIDs.

Sources (shared/docs/pg-live-protocols.md §2): Kakao's error-code workbook as shipped by PortOne
[PO-CODES ``kakao-code-20180820.xlsx``], Kakao's developer docs (old host ``kapi.kakao.com`` [KK-OLD],
new host ``open-api.kakaopay.com`` [KK-NEW]) and typed third-party clients [KK-CLIENT], [KK-STATUS].
Codes marked "paymux's choice" are not in any of those sources and are used by the emulator only.
"""

from __future__ import annotations

from paymux.connectors.kakaopay.sandbox import TEST_CID_ONETIME, TEST_CID_SUBSCRIPTION

PUBLIC_TEST_CIDS = frozenset({TEST_CID_ONETIME, TEST_CID_SUBSCRIPTION})
# Subscription CIDs issue an SID on approval. Kakao's test subscription CID is public; a merchant's own
# subscription CID is a contract detail paymux cannot see, so the connector trusts the approve reply.
SUBSCRIPTION_TEST_CIDS = frozenset({TEST_CID_SUBSCRIPTION})

# --- error codes (``error_code`` of the JSON error body) ------------------------------------------------
INVALID_PARAMETER = -2            # Kakao API common error: a required field missing or out of range [KK-OLD]
UNAUTHORIZED = -401               # bad SECRET_KEY / KakaoAK admin key [KK-OLD common errors]
NOT_AUTHENTICATED_YET = -701      # approve before the buyer finished in Kakao's window
ALREADY_APPROVED = -702           # the TID is already approved
ORDER_ID_MISMATCH = -706          # partner_order_id differs from ready's
USER_ID_MISMATCH = -707           # partner_user_id differs from ready's
INVALID_PG_TOKEN = -708           # a pg_token that is not the one Kakao issued for the TID
CANCEL_OVER_AVAILABLE = -710      # cancel_amount > what is left (also: cancel_available_amount checksum mismatch — paymux's choice)
TID_NOT_FOUND = -721
AMOUNT_MISMATCH = -722            # approve total_amount ≠ ready's (pg-live-protocols §7 row 8)
PAYMENT_EXPIRED = -723            # the ready TID lapsed (about 15 minutes) before approval
INVALID_CID = -731
SID_NOT_FOUND = -750
SID_INACTIVE = -751
SID_MONTHLY_LIMIT = -752
SID_USER_MISMATCH = -753          # partner_user_id differs from the one the SID was issued to
APPROVAL_FAILED = -780            # the payment method refused (see extras.method_result_code)
CANCEL_FAILED = -781
SUBSCRIPTION_FAILED = -782
STATE_FORBIDS_APPROVAL = -783
STATE_FORBIDS_CANCEL = -784       # e.g. cancelling a payment already fully cancelled
DUPLICATE_REQUEST = -785          # a second approval for the same partner_order_id (paymux's reading)
IP_NOT_ALLOWED = -798
MAINTENANCE = -9798               # Kakao Pay under maintenance (HTTP 503)

MESSAGES: dict[int, str] = {
    INVALID_PARAMETER: "잘못된 요청 파라미터입니다 (invalid parameter)",
    UNAUTHORIZED: "인증에 실패하였습니다 (the secret key or admin key is not valid)",
    NOT_AUTHENTICATED_YET: "결제 인증이 완료되지 않았습니다 (the buyer has not approved yet)",
    ALREADY_APPROVED: "이미 결제 완료된 TID입니다 (the TID is already approved)",
    ORDER_ID_MISMATCH: "가맹점 주문번호가 일치하지 않습니다 (partner_order_id differs from ready)",
    USER_ID_MISMATCH: "가맹점 회원 ID가 일치하지 않습니다 (partner_user_id differs from ready)",
    INVALID_PG_TOKEN: "잘못된 pg_token입니다 (invalid pg_token)",
    CANCEL_OVER_AVAILABLE: "취소 가능 금액을 초과하였습니다 (more than the cancellable amount)",
    TID_NOT_FOUND: "존재하지 않는 TID입니다 (no such TID)",
    AMOUNT_MISMATCH: "결제 금액이 일치하지 않습니다 (the amount differs from ready)",
    PAYMENT_EXPIRED: "결제 유효시간이 지났습니다 (the payment request expired)",
    INVALID_CID: "유효하지 않은 가맹점 코드(CID)입니다 (invalid CID)",
    SID_NOT_FOUND: "존재하지 않는 SID입니다 (no such SID)",
    SID_INACTIVE: "비활성화된 SID입니다 (the SID is inactive)",
    SID_MONTHLY_LIMIT: "SID 월 최대 사용 횟수를 초과하였습니다 (the SID's monthly limit is reached)",
    SID_USER_MISMATCH: "SID를 발급받은 회원 ID와 일치하지 않습니다 (partner_user_id differs from the SID's)",
    APPROVAL_FAILED: "결제 승인에 실패하였습니다 (the payment method refused)",
    CANCEL_FAILED: "결제 취소에 실패하였습니다 (the cancel failed)",
    SUBSCRIPTION_FAILED: "정기결제 요청에 실패하였습니다 (the subscription charge failed)",
    STATE_FORBIDS_APPROVAL: "결제 승인을 할 수 없는 상태입니다 (the payment cannot be approved in its state)",
    STATE_FORBIDS_CANCEL: "결제 취소를 할 수 없는 상태입니다 (the payment cannot be cancelled in its state)",
    DUPLICATE_REQUEST: "중복된 요청입니다 (duplicate request)",
    IP_NOT_ALLOWED: "허용되지 않은 IP입니다 (IP not allowed)",
    MAINTENANCE: "서비스 점검 중입니다 (Kakao Pay is under maintenance)",
}

# ``extras.method_result_code`` values (Kakao Money and card issuers) [PO-CODES kakao], pg-live-protocols §2.5.
METHOD_RESULTS: dict[str, str] = {
    "NOT_ENOUGH_BALANCE": "카카오머니 잔액이 부족합니다 (not enough Kakao Money)",
    "LIMIT_ONE_TIME": "1회 결제 한도를 초과하였습니다 (over the one-time limit)",
    "USER_LOCKED": "카카오페이 사용이 제한된 사용자입니다 (the user is locked)",
    "0002": "카드 한도가 초과되었습니다 (card limit exceeded)",
    "0004": "유효기간이 지난 카드입니다 (expired card)",
    "0019": "카드 비밀번호가 틀렸습니다 (wrong card password)",
    "0026": "분실 또는 도난 카드입니다 (lost or stolen card)",
}

# --- order statuses and action types [KK-STATUS] ---------------------------------------------------------
READY, SEND_TMS, OPEN_PAYMENT, SELECT_METHOD, AUTH_PASSWORD = "READY", "SEND_TMS", "OPEN_PAYMENT", "SELECT_METHOD", "AUTH_PASSWORD"
ISSUED_SID, SUCCESS_PAYMENT, PART_CANCEL_PAYMENT, CANCEL_PAYMENT = "ISSUED_SID", "SUCCESS_PAYMENT", "PART_CANCEL_PAYMENT", "CANCEL_PAYMENT"
FAIL_AUTH_PASSWORD, QUIT_PAYMENT, FAIL_PAYMENT = "FAIL_AUTH_PASSWORD", "QUIT_PAYMENT", "FAIL_PAYMENT"
APPROVED_STATUSES = frozenset({SUCCESS_PAYMENT, PART_CANCEL_PAYMENT, CANCEL_PAYMENT})  # charged at some point
NOT_CHARGED_STATUSES = frozenset({READY, SEND_TMS, OPEN_PAYMENT, SELECT_METHOD, AUTH_PASSWORD, FAIL_AUTH_PASSWORD,
                                  QUIT_PAYMENT, FAIL_PAYMENT})
ACTION_PAYMENT, ACTION_CANCEL, ACTION_ISSUED_SID = "PAYMENT", "CANCEL", "ISSUED_SID"
SID_ACTIVE, SID_INACTIVE_STATUS = "ACTIVE", "INACTIVE"
CARD, MONEY = "CARD", "MONEY"

# Kakao names card companies (``kakaopay_issuer_corp_code``/``kakaopay_purchase_corp_code`` are Kakao's own
# codes; the ``available_cards`` names are SHINHAN, KB, HYUNDAI, LOTTE, SAMSUNG, NH, BC, HANA, CITI,
# KAKAOBANK …) [KK-NEW]. Kakao's numeric corp codes are not published: paymux maps by name.
CARD_NAMES_TO_KFTC: dict[str, str] = {
    "SHINHAN": "366", "신한카드": "366", "KB": "381", "KB국민카드": "381", "국민카드": "381", "HYUNDAI": "367",
    "현대카드": "367", "LOTTE": "368", "롯데카드": "368", "SAMSUNG": "365", "삼성카드": "365", "NH": "371",
    "NH카드": "371", "농협카드": "371", "BC": "361", "BC카드": "361", "비씨카드": "361", "HANA": "374",
    "하나카드": "374", "CITI": "370", "씨티카드": "370", "KAKAOBANK": "090", "카카오뱅크": "090",
    "WOORI": "041", "우리카드": "041", "SUHYUP": "369", "수협카드": "369", "JEONBUK": "372", "JEJU": "373",
}


def message(code: int) -> str:
    return MESSAGES.get(code, "카카오페이 오류 (Kakao Pay error)")
