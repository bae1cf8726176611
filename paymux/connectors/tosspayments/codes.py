"""Toss Payments' own vocabulary: error codes with their HTTP statuses, payment statuses, methods,
card-company and bank codes, and the public test keys.

Sources (shared/docs/pg-live-protocols.md §4.1; docs/pgs.md §9): Toss Payments' API reference and error
code list (docs.tosspayments.com/reference, /reference/error-codes) [TOSS-RS], [TOSS-TC], its
idempotency guide [TOSS-IDEM], webhook guide [TOSS-HOOK], and the third-party client
``python-tosspayments`` (PyPI) as a reading of the wire format. The HTTP status of each code is what the
reference lists where it lists one; statuses marked "paymux's choice" are not in those sources.
"""

from __future__ import annotations

# Toss's public test keys, printed in its docs' examples (docs.tosspayments.com "API 키"): any merchant's
# test keys behave alike in test mode. ``tvivarepublica`` is the mId Toss's test payments carry.
PUBLIC_TEST_CLIENT_KEY = "test_ck_D5GePWvyJnrK0W0k6q8gLzN97Eoq"
PUBLIC_TEST_SECRET_KEY = "test_sk_zXLkKEypNArWmo50nX3lmeaxYG5R"
TEST_MID = "tvivarepublica"

# --- error codes: code → (HTTP status, message) ------------------------------------------------------
ALREADY_PROCESSED_PAYMENT = "ALREADY_PROCESSED_PAYMENT"
ALREADY_CANCELED_PAYMENT = "ALREADY_CANCELED_PAYMENT"
DUPLICATED_ORDER_ID = "DUPLICATED_ORDER_ID"
INVALID_REQUEST = "INVALID_REQUEST"
INVALID_CARD_EXPIRATION = "INVALID_CARD_EXPIRATION"
INVALID_STOPPED_CARD = "INVALID_STOPPED_CARD"
EXCEED_MAX_AMOUNT = "EXCEED_MAX_AMOUNT"
NOT_CANCELABLE_AMOUNT = "NOT_CANCELABLE_AMOUNT"
NOT_CANCELABLE_PAYMENT = "NOT_CANCELABLE_PAYMENT"
NOT_MATCHES_REFUNDABLE_AMOUNT = "NOT_MATCHES_REFUNDABLE_AMOUNT"
NOT_MATCHES_CUSTOMER_KEY = "NOT_MATCHES_CUSTOMER_KEY"
UNAUTHORIZED_KEY = "UNAUTHORIZED_KEY"
REJECT_CARD_COMPANY = "REJECT_CARD_COMPANY"
REJECT_ACCOUNT_PAYMENT = "REJECT_ACCOUNT_PAYMENT"
FORBIDDEN_REQUEST = "FORBIDDEN_REQUEST"
NOT_FOUND_PAYMENT = "NOT_FOUND_PAYMENT"
NOT_FOUND_PAYMENT_SESSION = "NOT_FOUND_PAYMENT_SESSION"
NOT_FOUND_BILLING = "NOT_FOUND_BILLING"          # paymux's choice for an unknown billingKey / authKey
IDEMPOTENT_REQUEST_PROCESSING = "IDEMPOTENT_REQUEST_PROCESSING"  # paymux's choice (the first request still runs)
FAILED_INTERNAL_SYSTEM_PROCESSING = "FAILED_INTERNAL_SYSTEM_PROCESSING"
PAY_PROCESS_CANCELED = "PAY_PROCESS_CANCELED"     # failUrl: the buyer closed the window
PAY_PROCESS_ABORTED = "PAY_PROCESS_ABORTED"       # failUrl: the payment failed in the window

ERRORS: dict[str, tuple[int, str]] = {
    ALREADY_PROCESSED_PAYMENT: (400, "이미 처리된 결제 입니다."),
    ALREADY_CANCELED_PAYMENT: (400, "이미 취소된 결제 입니다."),
    DUPLICATED_ORDER_ID: (400, "이미 승인 및 취소가 진행된 중복된 주문번호 입니다. 다른 주문번호로 진행해주세요."),
    INVALID_REQUEST: (400, "잘못된 요청입니다."),
    INVALID_CARD_EXPIRATION: (400, "카드 정보를 다시 확인해주세요. (유효기간)"),
    INVALID_STOPPED_CARD: (400, "정지된 카드 입니다."),
    EXCEED_MAX_AMOUNT: (400, "거래금액 한도를 초과했습니다."),
    NOT_CANCELABLE_AMOUNT: (403, "취소 할 수 없는 금액 입니다."),
    NOT_CANCELABLE_PAYMENT: (403, "취소 할 수 없는 결제 입니다."),
    NOT_MATCHES_REFUNDABLE_AMOUNT: (400, "잔액 결과가 일치하지 않습니다."),
    NOT_MATCHES_CUSTOMER_KEY: (403, "빌링 인증 고객키와 결제 요청 고객키가 일치하지 않습니다."),
    UNAUTHORIZED_KEY: (401, "인증되지 않은 시크릿 키 혹은 클라이언트 키 입니다."),
    REJECT_CARD_COMPANY: (403, "결제 승인이 거절되었습니다."),
    REJECT_ACCOUNT_PAYMENT: (403, "잔액부족으로 결제에 실패했습니다."),
    FORBIDDEN_REQUEST: (403, "허용되지 않은 요청입니다."),
    NOT_FOUND_PAYMENT: (404, "존재하지 않는 결제 정보 입니다."),
    NOT_FOUND_PAYMENT_SESSION: (404, "결제 시간이 만료되어 결제 진행 데이터가 존재하지 않습니다."),
    NOT_FOUND_BILLING: (404, "존재하지 않는 빌링 정보 입니다."),
    IDEMPOTENT_REQUEST_PROCESSING: (409, "이전 멱등 요청이 처리 중입니다."),
    FAILED_INTERNAL_SYSTEM_PROCESSING: (500, "내부 시스템 처리 작업이 실패했습니다. 잠시 후 다시 시도해주세요."),
    PAY_PROCESS_CANCELED: (400, "사용자에 의해 결제가 취소되었습니다."),
    PAY_PROCESS_ABORTED: (400, "결제 진행 중 승인에 실패하여 결제가 중단되었습니다."),
}


def status_of(code: str) -> int:
    return ERRORS.get(code, (400, ""))[0]


def message(code: str) -> str:
    return ERRORS.get(code, (400, "토스페이먼츠 오류 (Toss Payments error)"))[1]


# --- payment statuses [TOSS-TC], pg-live-protocols §4.1 ------------------------------------------------
READY, IN_PROGRESS, WAITING_FOR_DEPOSIT, DONE = "READY", "IN_PROGRESS", "WAITING_FOR_DEPOSIT", "DONE"
CANCELED, PARTIAL_CANCELED, ABORTED, EXPIRED = "CANCELED", "PARTIAL_CANCELED", "ABORTED", "EXPIRED"
CHARGED_STATUSES = frozenset({DONE, CANCELED, PARTIAL_CANCELED})
NOT_CHARGED_STATUSES = frozenset({READY, IN_PROGRESS, ABORTED, EXPIRED})

# --- methods as Toss names them (``method`` of requestPayment and of the Payment object) ----------------
CARD, TRANSFER, VIRTUAL_ACCOUNT, MOBILE_PHONE = "카드", "계좌이체", "가상계좌", "휴대폰"
METHODS_BY_PAY_METHOD = {"card": CARD, "trans": TRANSFER, "vbank": VIRTUAL_ACCOUNT, "phone": MOBILE_PHONE}

# --- Toss's card-company codes (``card.issuerCode``) → KFTC card_code (i'mport) --------------------------
# Toss's code table ("카드사 코드", docs.tosspayments.com/codes/org-codes).
CARD_ISSUERS_TO_KFTC: dict[str, str] = {
    "11": "381", "21": "374", "31": "361", "41": "366", "51": "365", "61": "367", "71": "368", "91": "371",
    "36": "370", "34": "369", "35": "372", "42": "373", "W1": "041", "15": "090", "24": "092", "46": "364",
}
KFTC_TO_CARD_ISSUERS = {kftc: toss for toss, kftc in CARD_ISSUERS_TO_KFTC.items()}

# Toss's bank codes are the 2-digit KFTC codes ("88" 신한은행, "20" 우리은행, "04" KB국민은행 …)
# ("은행 코드", docs.tosspayments.com/codes/org-codes); i'mport uses the 3-digit form.


def kftc_bank(toss_code: str) -> str:
    code = toss_code.strip()
    return "0" + code if len(code) == 2 and code.isdigit() else code


def toss_bank(kftc_code: str) -> str:
    code = kftc_code.strip()
    return code[1:] if len(code) == 3 and code.startswith("0") else code
