"""KG INICIS codes: result codes, card and bank codes, pay-method names, and their paymux (KFTC / i'mport)
equivalents. Shared by the client, the connector and the emulator.

Sources (shared/docs/pg-live-protocols.md): §1.6 [PO-CODES inicis-code.xlsx] for the 6-digit result codes,
[INICISJS] for card/bank/method codes, §5.3 [PO support/code-info/card-code.mdx] for KFTC card codes.
Codes marked "paymux's choice" are not published by INICIS; the emulator answers them and the connector
must only treat them as "not success" (plus the message).
"""

from __future__ import annotations

from paymux.domain.card import BANKS, CARD_COMPANIES

# --- success -------------------------------------------------------------------------------------

WINDOW_OK = "0000"   # window authentication and web-standard approval [INICISJS]
API_OK = "00"        # INIAPI and the mobile P_STATUS [INICISJS], [INI-MOB-EX]
MOBILE_FAILED = "01"  # mobile P_STATUS for any failure; the code travels in P_RMESG1 as "[code] message"
#                       (the bracket format is paymux's choice; INICIS publishes only "00 = success")

# Aliases by channel (the connector's names).
STD_OK = WINDOW_OK
INIAPI_OK = API_OK
MOBILE_OK = API_OK
MOBILE_VBANK_DEPOSITED = "02"  # P_STATUS of the mobile deposit notice [INICISJS MobpayVbankNoti]
# A mobile window that returns P_STATUS=01 to P_NEXT_URL was closed by the buyer (the emulator sends it
# only for "취소"; paymux's reading of INICIS's behaviour).
BUYER_CLOSED_CODES = frozenset({MOBILE_FAILED})

# INICIS's public test MIDs (shared/docs §1.1); keys in ``client.PUBLIC_TEST_KEYS``.
PUBLIC_TEST_MIDS = frozenset({"INIpayTest", "INIBillTst", "iniescrow0"})

# --- INICIS's own failure codes [PO-CODES inicis-code.xlsx], via §1.6 -----------------------------

UNDER_1000 = "500608"
UNDER_100 = "500690"
DUPLICATE_ORDER = "500619"
DUPLICATE_TIMESTAMP = "500631"
BAD_INSTALLMENT = "500607"
INSTALLMENT_LIMIT = "500676"
LIMIT_PER_TRANSACTION = "500644"
LIMIT_DAILY = "500645"
LIMIT_MONTHLY = "500646"
PARTIAL_CANCEL_FAILED = "500127"
PARTIAL_CANCEL_NOT_CONTRACTED = "500412"
TOO_MANY_PARTIAL_CANCELS = "500705"
PARTIAL_BALANCE_ERROR = "500706"
PARTIAL_EQUALS_WHOLE = "500749"
CANCEL_OVER_BALANCE = "500826"
PARTIAL_NOT_ALLOWED_ON_ORIGINAL = "500624"
CANCEL_NOT_ALLOWED_ON_ORIGINAL = "500625"
CARD_NOT_PARTIAL_CANCELLABLE = "11C9"
COMMS_ERROR = "500055"  # "comms error", §7 scenario 6
CARD_RESTRICTED = "120001"
CARD_EXPIRED = "120004"
CARD_MONTHLY_LIMIT = "120016"
CARD_WRONG_PASSWORD = "120019"
CARD_TOO_MANY_WRONG_PASSWORDS = "120021"
CARD_LOST_OR_STOLEN = "120026"
CARD_DUPLICATE = "120036"
CARD_LIMIT_EXCEEDED = "120049"
CARD_INSUFFICIENT_BALANCE = "120054"
BILLING_FIELD_BLANK = "ER0102"  # blank goodName / buyer field on a billing charge (code index 68602144406)
MOBILE_AMOUNT_MISSING = "MX1003"  # INICIS mobile FAQ (§1.3)

# --- paymux's choice (not published by INICIS) ----------------------------------------------------

REQUEST_INVALID = "01"        # INIAPI: JSON body, missing/invalid field, unknown service or MID
HASH_MISMATCH = "02"          # INIAPI: hashData does not match the MID's INIAPI key
ENC_INVALID = "03"            # INIAPI: an [ENC] field does not decrypt with the MID's key and IV
BILLKEY_UNKNOWN = "04"        # INIAPI Billing: no such billKey for this MID
AUTH_TOKEN_INVALID = "V801"   # payAuth/netCancel: authToken unknown or already used
SIGNATURE_MISMATCH = "V802"   # payAuth/netCancel: signature is not sha256(authToken=…&timestamp=…)
PRICE_MISMATCH = "V803"       # payAuth: price differs from the window's price
AUTH_TOKEN_EXPIRED = "V804"   # payAuth: authToken older than its lifetime
MOBILE_REQUEST_INVALID = "MX9001"  # mobile: P_MID/P_TID missing or unknown on payReq.ini / payNetCancel.ini

MESSAGES: dict[str, str] = {
    WINDOW_OK: "정상처리되었습니다. (approved)",
    API_OK: "정상처리되었습니다. (success)",
    UNDER_1000: "신용카드 결제는 1,000원 이상부터 가능합니다 (card amount under 1,000 KRW)",
    UNDER_100: "결제금액이 100원 미만입니다 (amount under 100 KRW)",
    DUPLICATE_ORDER: "중복된 주문번호입니다 (duplicate merchant order number)",
    DUPLICATE_TIMESTAMP: "중복된 거래입니다 (duplicate transaction, same timestamp)",
    BAD_INSTALLMENT: "할부개월수 오류 (installments need 50,000 KRW or more and 2-12 months)",
    INSTALLMENT_LIMIT: "할부한도 초과 (installment limit)",
    LIMIT_PER_TRANSACTION: "건당 한도 초과 (per-transaction limit exceeded)",
    LIMIT_DAILY: "일 한도 초과 (daily limit exceeded)",
    LIMIT_MONTHLY: "휴대폰 결제 월 한도를 초과하였습니다 (monthly limit exceeded)",
    PARTIAL_CANCEL_FAILED: "부분취소 실패 (중복요청 확인) (partial cancel failed, check for a duplicate request)",
    PARTIAL_CANCEL_NOT_CONTRACTED: "부분취소 불가 가맹점 (merchant cannot partially cancel)",
    TOO_MANY_PARTIAL_CANCELS: "부분취소 횟수 초과 (too many partial cancels)",
    PARTIAL_BALANCE_ERROR: "부분취소 잔액 오류 (confirmPrice is not the balance after this cancel)",
    PARTIAL_EQUALS_WHOLE: "부분취소는 전체금액을 취소할 수 없습니다 (a partial cancel may not cancel the whole remaining amount)",
    CANCEL_OVER_BALANCE: "취소금액이 잔액보다 큽니다 (cancel amount larger than the balance)",
    PARTIAL_NOT_ALLOWED_ON_ORIGINAL: "부분취소 불가 원거래 (already cancelled or not partially cancellable)",
    CANCEL_NOT_ALLOWED_ON_ORIGINAL: "취소 불가 원거래 (이미 취소된 거래) (already cancelled)",
    CARD_NOT_PARTIAL_CANCELLABLE: "부분취소 불가 카드 (card cannot be partially cancelled)",
    COMMS_ERROR: "통신 장애 (PG communication error; nothing was applied)",
    CARD_RESTRICTED: "카드사 승인거절: 거래정지카드 (card company refused the charge)",
    CARD_EXPIRED: "카드사 승인거절: 유효기간 오류 (expired card)",
    CARD_MONTHLY_LIMIT: "카드사 승인거절: 월 한도 초과 (monthly limit)",
    CARD_WRONG_PASSWORD: "카드사 승인거절: 비밀번호 오류 (wrong password or birth date)",
    CARD_TOO_MANY_WRONG_PASSWORDS: "카드사 승인거절: 비밀번호 횟수 초과 (too many wrong passwords)",
    CARD_LOST_OR_STOLEN: "카드사 승인거절: 분실/도난 카드 (lost or stolen)",
    CARD_DUPLICATE: "카드사 승인거절: 중복 거래 (duplicate transaction)",
    CARD_LIMIT_EXCEEDED: "카드사 승인거절: 한도 초과 (limit exceeded)",
    CARD_INSUFFICIENT_BALANCE: "카드사 승인거절: 잔액부족 (insufficient balance)",
    BILLING_FIELD_BLANK: "필수항목 누락: goodName, buyerName, buyerEmail, buyerTel (a required billing field is blank)",
    MOBILE_AMOUNT_MISSING: "결제금액 누락 (P_AMT is missing)",
    REQUEST_INVALID: "요청 전문 오류 (malformed request)",
    HASH_MISMATCH: "hashData 검증 실패 (hashData does not match)",
    ENC_INVALID: "암호화 필드 복호화 실패 (an [ENC] field does not decrypt)",
    BILLKEY_UNKNOWN: "등록되지 않은 빌링키입니다 (unknown billKey)",
    AUTH_TOKEN_INVALID: "유효하지 않은 authToken입니다 (authToken unknown or already used)",
    SIGNATURE_MISMATCH: "signature 검증 실패 (signature mismatch)",
    PRICE_MISMATCH: "결제금액 불일치 (price differs from the window's price)",
    AUTH_TOKEN_EXPIRED: "인증 유효시간이 만료되었습니다 (authToken expired)",
    MOBILE_REQUEST_INVALID: "요청 정보 오류 (P_MID / P_TID missing or unknown)",
}


def message(code: str) -> str:
    """The emulator's ``resultMsg`` for a code (Korean, then English in brackets)."""
    return MESSAGES.get(code, "처리 실패 (failed)")


meaning = message  # the connector's name for it


# --- card companies: INICIS 2-digit CARD_Code ↔ KFTC card_code -----------------------------------

# [INICISJS] InicisCardCode; 34 and 41 from the INICIS sample's comment (code index 32579714365).
INICIS_CARD_TO_KFTC: dict[str, str] = {
    "01": "374",  # 하나(외환)
    "03": "368",  # 롯데
    "04": "367",  # 현대
    "06": "381",  # 국민
    "11": "361",  # BC
    "12": "365",  # 삼성
    "14": "366",  # 신한
    "15": "370",  # 한미 (now Citi) — the KFTC equivalent is paymux's reading
    "16": "371",  # NH농협
    "17": "374",  # 하나SK
    "21": "VIS", "22": "MAS", "23": "JCB", "24": "AMX", "25": "DIN",
    "34": "374",  # 하나
    "41": "371",  # NH(농협)
}

# The code the emulator writes for a KFTC company (one INICIS code per company).
KFTC_TO_INICIS_CARD: dict[str, str] = {
    "374": "17", "368": "03", "367": "04", "381": "06", "361": "11", "365": "12", "366": "14",
    "370": "15", "371": "16", "VIS": "21", "MAS": "22", "JCB": "23", "AMX": "24", "DIN": "25",
}

INICIS_CARD_NAMES: dict[str, str] = {code: CARD_COMPANIES[kftc] for code, kftc in INICIS_CARD_TO_KFTC.items()}


def kftc_card_code(inicis_code: str | None) -> str | None:
    """KFTC ``card_code`` of an INICIS ``CARD_Code`` / ``cardCode`` / ``P_FN_CD1``; None when unknown
    (e.g. ``97`` KakaoMoney, which is not a card)."""
    return INICIS_CARD_TO_KFTC.get((inicis_code or "").strip())


# --- banks: INICIS 2-digit ↔ KFTC 3-digit --------------------------------------------------------

# [INICISJS] InicisBankCode; for these banks the KFTC code is "0" + the INICIS code.
INICIS_BANK_TO_KFTC: dict[str, str] = {
    "02": "002", "03": "003", "04": "004", "07": "007", "11": "011", "20": "020", "23": "023",
    "27": "027", "31": "031", "32": "032", "34": "034", "35": "035", "37": "037", "39": "039",
    "48": "048", "53": "027", "71": "071", "81": "081", "88": "088", "89": "089", "90": "090",
    "92": "092",
}

KFTC_TO_INICIS_BANK: dict[str, str] = {kftc: kftc[1:] for kftc in BANKS}

INICIS_BANK_NAMES: dict[str, str] = {KFTC_TO_INICIS_BANK[kftc]: name for kftc, name in BANKS.items()}


def kftc_bank_code(inicis_code: str | None) -> str | None:
    """KFTC ``bank_code`` of an INICIS bank code (``VACT_BankCode``, ``ACCT_BankCode``, ``CD_BANK``…)."""
    return INICIS_BANK_TO_KFTC.get((inicis_code or "").strip())


def inicis_bank_code(kftc_code: str) -> str | None:
    """INICIS bank code of a paymux (KFTC) bank, for vbank issue and refund accounts."""
    return KFTC_TO_INICIS_BANK.get(kftc_code)


# --- pay methods ----------------------------------------------------------------------------------

# Web-standard ``gopaymethod`` / reply ``payMethod`` ↔ i'mport ``pay_method`` [INI-STD], [INICISJS].
STD_TO_IAMPORT: dict[str, str] = {"Card": "card", "DirectBank": "trans", "VBank": "vbank", "HPP": "phone"}
IAMPORT_TO_STD: dict[str, str] = {value: key for key, value in STD_TO_IAMPORT.items()}

# Mobile ``P_INI_PAYMENT`` / ``P_TYPE`` [INICISJS MobpayMethod] ↔ web-standard names.
MOBILE_TO_STD: dict[str, str] = {"CARD": "Card", "BANK": "DirectBank", "VBANK": "VBank", "MOBILE": "HPP"}
STD_TO_MOBILE: dict[str, str] = {value: key for key, value in MOBILE_TO_STD.items()}

# INIAPI ``paymethod`` of an approved payment, for Refund / PartialRefund [INICISJS IniapiPaymethod].
# A vbank not yet deposited is cancelled as ``GVacct`` (채번취소).
STD_TO_INIAPI: dict[str, str] = {"Card": "Card", "DirectBank": "Acct", "VBank": "Vacct", "HPP": "HPP"}
INIAPI_TO_STD: dict[str, str] = {"Card": "Card", "Acct": "DirectBank", "Vacct": "VBank", "GVacct": "VBank", "HPP": "HPP"}


def iamport_pay_method(inicis_name: str) -> str | None:
    """i'mport ``pay_method`` of an INICIS method name in any of its three spellings."""
    std = MOBILE_TO_STD.get(inicis_name) or INIAPI_TO_STD.get(inicis_name) or inicis_name
    return STD_TO_IAMPORT.get(std)


# --- inquiry status (INIAPI Extra/Inquiry) [INICISJS] ---------------------------------------------

INQUIRY_APPROVED = "0"
INQUIRY_CANCELLED = "1"
INQUIRY_NOT_FOUND = "9"
INQUIRY_VBANK_WAITING = "N"
INQUIRY_VBANK_DEPOSITED = "Y"
INQUIRY_VBANK_CANCELLED = "C"
INQUIRY_VBANK_OPEN = frozenset({INQUIRY_VBANK_WAITING})  # issued, not deposited: cancel with GVacct
# The balance left after partial cancels, in the inquiry reply: paymux's addition (INICIS publishes only
# tid, price and status for Inquiry); the emulator sends it, INICIS may not.
INQUIRY_REMAINING_FIELD = "prtcRemains"
