"""Messages i'mport's real service answers, word for word, where shops and clients compare them.

Each is answered exactly (no English appended) with the ``code`` noted; the table with the source of
each is ``docs/messages.md``. Cases with no i'mport counterpart keep paymux's English help.
"""

from __future__ import annotations

# POST /payments/cancel of a payment that does not exist — code 1.
NO_PAYMENT_TO_CANCEL = "취소할 결제건이 존재하지 않습니다."
# POST /payments/cancel of a payment already fully cancelled — code 1.
ALREADY_FULLY_CANCELLED = "이미 전액취소된 주문입니다."
# POST /subscribe/payments/schedule for a customer_uid with no billing key — code 1.
UNREGISTERED_CUSTOMER = "등록되지 않은 구매자입니다."
# POST /subscribe/payments/unschedule when nothing is scheduled for the customer_uid — code 1.
NOTHING_SCHEDULED_TO_REVOKE = "취소할 예약결제 기록이 존재하지 않습니다."
# POST /subscribe/payments/onetime (key-in) with an expired or wrong card — code -1.
CARD_AUTH_FAILED = "카드정보 인증에 실패하였습니다."
# POST /subscribe/customers/{customer_uid} with an expired or wrong card — code -1.
BILLING_KEY_AUTH_FAILED = "카드정보 인증 및 빌키 발급에 실패하였습니다."

KNOWN_CODES: dict[str, int] = {
    NO_PAYMENT_TO_CANCEL: 1,
    ALREADY_FULLY_CANCELLED: 1,
    UNREGISTERED_CUSTOMER: 1,
    NOTHING_SCHEDULED_TO_REVOKE: 1,
    CARD_AUTH_FAILED: -1,
    BILLING_KEY_AUTH_FAILED: -1,
}
