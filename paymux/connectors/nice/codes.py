"""NICE Pay's own vocabulary: result codes, payment statuses, card codes, hosts.

Source: NICE's public developer manual (github.com/nicepayments/nicepay-manual), ``common/code.md``
("API 응답코드", "카드코드"), ``api/payment-window-server.md``, ``api/cancel.md``,
``api/payment-subscribe.md`` (shared/docs/pg-live-protocols.md §4.3). Codes marked "paymux's choice"
are not named for that case by those sources and are used by the emulator only.
"""

from __future__ import annotations

PRODUCTION_API = "https://api.nicepay.co.kr"
SANDBOX_API = "https://sandbox-api.nicepay.co.kr"
JS_SDK = "https://pay.nicepay.co.kr/v1/js/"  # Server 승인 모델 [payment-window-server.md]
SANDBOX_JS_SDK = "https://sandbox-pay.nicepay.co.kr/v1/js/"  # the sandbox's SDK [common/test.md 샌드박스를 통한 TEST]
SANDBOX_HOSTS = {"sandbox-api.nicepay.co.kr": SANDBOX_JS_SDK, "api.nicepay.co.kr": JS_SDK}
SANDBOX_CLIENT_PREFIX = "S2_"  # newer sandbox client keys begin so (unverified: not in the manual; paymux's heuristic)
# The sandbox test keys printed in NICE's manual [common/test.md, 결제(승인) API 호출: the Basic header decodes to
# clientId:secretKey]. Published for anyone's tests; whether NICE still honours them is unverified.
PUBLIC_SANDBOX_CLIENT_ID = "58e3b578555e45738d6b569e53d5ae54"
PUBLIC_SANDBOX_SECRET_KEY = "4f13ca267dfa4fc6964148bedcda15ef"

SUCCESS = "0000"
# --- card -------------------------------------------------------------------------------------------
CARD_NUMBER_ERROR = "3011"       # 카드번호 오류
EXPIRY_ERROR = "3021"            # 유효기간 오류
QUOTA_UNDER_50000 = "3024"       # 할부 최소금액 오류(50000미만)
CARD_UNDER_1000 = "3041"         # 금액 오류(1000원 미만 신용카드 승인 불가)
ISSUER_DECLINED = "3095"         # 카드사 실패 응답
# --- cancel -----------------------------------------------------------------------------------------
CANCEL_AMOUNT_ZERO = "2010"      # 취소 요청금액 0원 이하
CANCEL_NOT_FOUND = "2012"        # 취소 해당거래 없음
CANCEL_DONE = "2013"             # 취소 완료 거래
NET_CANCEL_LATE = "2020"         # 망상 취소 허용시간 초과
CANCEL_OVER_BALANCE = "2032"     # 취소금액이 취소가능금액보다 큼
ALREADY_APPROVED = "2201"        # 기승인존재
# --- API --------------------------------------------------------------------------------------------
SIGN_DATA_FAILED = "A101"        # SIGN DATA 검증에 실패하였습니다
MID_INVALID = "A114"             # 상점 MID가 유효하지 않습니다 (also: bad Basic auth, HTTP 401 — paymux's choice)
TID_INVALID = "A115"             # TID가 유효하지 않습니다
FIELD_MISSING = "A117"           # 필수입력항목이 누락되었습니다
NOT_FOUND = "A118"               # 조회 결과데이터 없음
AMOUNT_MISMATCH = "A123"         # 거래금액 불일치(인증된 금액과 승인요청 금액 불일치)
BID_NOT_FOUND = "A124"           # 해당 BID가 존재하지 않습니다
BID_EXPIRED = "A126"             # 이미 삭제된 빌키이거나 존재하지 않은 빌키입니다
DUPLICATE_ORDER = "A127"         # 주문번호 중복 오류
FIELD_TOO_LONG = "A147"          # 필드 길이가 초과되었습니다
DECRYPT_FAILED = "A204"          # 전문 복호화 오류가 발생하였습니다
AUTH_NOT_FOUND = "A210"          # 인증 요청내역이 존재하지 않습니다
BILLING_CARD_INVALID = "F112"    # 유효하지않은 카드번호를 입력하셨습니다 (card_bin 없음)
BILLING_CARD_REFUSED = "F113"    # 본인의 신용카드 확인중 오류가 발생하였습니다
BID_ISSUED_MESSAGE = "빌키가 정상적으로 생성되었습니다."    # F100's message, given with 0000 [payment-subscribe.md]
BID_EXPIRED_MESSAGE = "빌링 정보가 정상적으로 삭제되었습니다."  # F101's message
USER_CANCEL = "9999"             # the buyer closed the window: authResultCode ≠ 0000 (paymux's choice of value)
OUTAGE = "9999"                  # HTTP 503 body during an outage (paymux's choice)

MESSAGES: dict[str, str] = {
    SUCCESS: "정상 처리되었습니다.",
    CARD_NUMBER_ERROR: "카드번호 오류", EXPIRY_ERROR: "유효기간 오류",
    QUOTA_UNDER_50000: "할부 최소금액 오류(50000미만)", CARD_UNDER_1000: "금액 오류(1000원 미만 신용카드 승인 불가)",
    ISSUER_DECLINED: "카드사 실패 응답", CANCEL_AMOUNT_ZERO: "취소 요청금액 0원 이하", CANCEL_NOT_FOUND: "취소 해당거래 없음",
    CANCEL_DONE: "취소 완료 거래", NET_CANCEL_LATE: "망상 취소 허용시간 초과",
    CANCEL_OVER_BALANCE: "취소금액이 취소가능금액보다 큼", ALREADY_APPROVED: "기승인존재",
    SIGN_DATA_FAILED: "SIGN DATA 검증에 실패하였습니다", MID_INVALID: "상점 MID가 유효하지 않습니다",
    TID_INVALID: "TID가 유효하지 않습니다", FIELD_MISSING: "필수입력항목이 누락되었습니다",
    NOT_FOUND: "조회 결과데이터 없음", AMOUNT_MISMATCH: "거래금액 불일치(인증된 금액과 승인요청 금액 불일치)",
    BID_NOT_FOUND: "해당 BID가 존재하지 않습니다", BID_EXPIRED: "이미 삭제된 빌키이거나 존재하지 않은 빌키입니다",
    DUPLICATE_ORDER: "주문번호 중복 오류", FIELD_TOO_LONG: "필드 길이가 초과되었습니다",
    DECRYPT_FAILED: "전문 복호화 오류가 발생하였습니다", AUTH_NOT_FOUND: "인증 요청내역이 존재하지 않습니다",
    BILLING_CARD_INVALID: "유효하지않은 카드번호를 입력하셨습니다 (card_bin 없음)",
    BILLING_CARD_REFUSED: "본인의 신용카드 확인중 오류가 발생하였습니다",
}


def message(code: str) -> str:
    return MESSAGES.get(code, "")


# --- payment statuses [payment-window-server.md 응답 명세] ---------------------------------------------
PAID, READY, FAILED, CANCELLED, PARTIAL_CANCELLED, EXPIRED = (
    "paid", "ready", "failed", "cancelled", "partialCancelled", "expired")
CHARGED_STATUSES = frozenset({PAID, PARTIAL_CANCELLED})
NOT_CHARGED_STATUSES = frozenset({READY, FAILED, EXPIRED})

# --- window methods (AUTHNICE.requestPay ``method``) by i'mport pay_method ------------------------------
METHODS_BY_PAY_METHOD: dict[str, str] = {"card": "card", "vbank": "vbank", "kakaopay": "kakaopay",
                                         "naverpay": "naverpayCard", "payco": "payco", "ssgpay": "ssgpay",
                                         "samsung": "samsungpayCard"}

# --- NICE card codes [common/code.md 카드코드] → KFTC card codes (paymux.domain.card.CARD_COMPANIES) --------
CARD_CODES_TO_KFTC: dict[str, str] = {
    "01": "361", "02": "381", "03": "374", "04": "365", "06": "366", "07": "367", "08": "368", "11": "370",
    "12": "371", "13": "369", "14": "048", "15": "041", "16": "374", "21": "364", "22": "372", "23": "373",
    "25": "VIS", "26": "MAS", "27": "DIN", "28": "AMX", "29": "JCB", "32": "071", "33": "050", "34": "UNI",
    "35": "045", "36": "002", "37": "090", "38": "089",
}
CARD_NAMES: dict[str, str] = {
    "01": "비씨", "02": "KB국민", "03": "하나(외환)", "04": "삼성", "06": "신한", "07": "현대", "08": "롯데",
    "11": "씨티", "12": "NH채움", "15": "우리", "16": "하나",
}
