"""Service errors as the console shows them: the service's own words in English, Korean in the Korean console.

Services and the domain write their messages for the REST API (the i'mport contract: English help,
i'mport's Korean where it has words), and those stay as they are. The Korean console reads each
message by its shape (``KOREAN``, one entry per message a console page can show, with a stable name)
and writes it in Korean, amounts as ``1,000원``. A message without an entry falls back to the Korean
the message carries (``한국어 (English help)`` or ``English (한국어)``), else to a Korean sentence naming
the field, never to English; such a message is logged as ``console.untranslated_error`` so it gets
an entry. ``tests/console/test_language_completeness.py`` checks every message of every service a
console route calls against this table.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from paymux.console.i18n import STRINGS, translate
from paymux.observability.logs import get_logger

log = get_logger("paymux.console")

HANGUL = re.compile(r"[\uac00-\ud7a3]")
# Three Latin words in a row: an English sentence (codes, URLs and names such as "NHN KCP" are not).
ENGLISH_SENTENCE = re.compile(r"[A-Za-z']+(?:[ ,;:]+[A-Za-z']+){2,}")
_PARENTHESES = re.compile(r"\s*\(([^()]*)\)")

FIELD_LABELS = {
    "amount": "금액", "tax_free": "면세 금액", "checksum": "취소 가능 잔액 검증값",
    "refund_holder": "환불 예금주", "refund_bank": "환불 은행", "refund_account": "환불 계좌번호",
    "pg": "PG사", "mid": "상점아이디", "type": "결제 유형", "mode": "연동 구분", "endpoint": "PG 접속 주소",
    "new_default": "새 기본 PG", "direction": "이동 방향", "webhook_url": "웹훅 URL",
    "webhook_format": "웹훅 본문 형식", "ip_whitelist": "보안 화이트리스트", "name": "이름", "parent": "상위 가맹점",
    "status": "상태", "state": "발송 상태", "date_from": "시작일", "date_to": "종료일",
}


def _label(prefix: str) -> Callable[[str], str]:
    """A code (``paid``, ``api``) as the console's Korean strings name it (``status.paid``, ``type.api``)."""
    def label(value: str) -> str:
        key = prefix + value.strip()
        return translate("ko", key) if key in STRINGS else value.strip()
    return label


def _labels(prefix: str) -> Callable[[str], str]:
    return lambda values: ", ".join(_label(prefix)(value) for value in values.split(","))


# Groups that are amounts in KRW, written 1,000 (the Korean says 원 after them).
AMOUNTS = frozenset({"amount", "balance", "checksum", "tax_free", "left", "taxable", "least", "due"})
# How a named group of a pattern is written in Korean.
_CONVERT: dict[str, Callable[[str], str]] = {
    "status": _label("status."), "kind": _label("type."), "kinds": _labels("type."), "purpose": _label("purpose."),
    "field": lambda name: FIELD_LABELS.get(name, name),
    "problem": lambda problem: _url_problem_korean(problem),
    "tries": lambda tries: _tries_korean(tries),
}


def _url_problem_korean(problem: str) -> str:
    """``user_url_problem``'s answer (what a refused webhook try carries after "refused: the URL ") in Korean."""
    return korean_error("webhook_url: " + problem, "webhook_url")


def _tries_korean(tries: str) -> str:
    """A given-up webhook's tries, ``url: HTTP 500; url: could not deliver: …``, each error in Korean."""
    written = []
    for attempt in tries.split("; "):
        url, _, outcome = attempt.partition(": ")
        written.append(f"{url}: {outcome if outcome.startswith('HTTP ') else korean_error(outcome)}")
    return "; ".join(written)


@dataclass(frozen=True)
class KoreanError:
    """One message a console page can show: its English shape and its Korean (``str.format`` with
    the pattern's named groups)."""

    name: str
    pattern: re.Pattern[str]
    korean: str

    def write(self, found: re.Match[str]) -> str:
        groups = {name: text or "" for name, text in found.groupdict().items()}
        codes = {f"{name}_code": text for name, text in groups.items()}
        return self.korean.format(**codes, **{name: _convert(name, text) for name, text in groups.items()})


def _convert(name: str, text: str) -> str:
    if name in _CONVERT:
        return _CONVERT[name](text)
    return f"{int(text):,}" if name in AMOUNTS and text.isdigit() else text


def _entry(name: str, pattern: str, korean: str) -> KoreanError:
    return KoreanError(name, re.compile(pattern), korean)


# Each pattern is searched in the message; InvalidParameter's "field: " prefix is part of the message.
KOREAN: tuple[KoreanError, ...] = (
    # Cancels (domain/payment.py, services/cancels.py)
    _entry("cancel.over_balance", r"amount (?P<amount>\d+) exceeds the cancellable balance (?P<balance>\d+)",
           "취소 요청 금액 {amount}원이 취소 가능 잔액 {balance}원을 초과합니다."),
    _entry("cancel.not_paid", r"payment (?P<imp_uid>\S+) is (?P<status>\w+); only paid payments can be cancelled",
           "결제 {imp_uid}은(는) {status} 상태라 취소할 수 없습니다. 결제완료 상태의 결제만 취소할 수 있습니다."),
    _entry("cancel.checksum", r"checksum (?P<checksum>\d+) does not match the cancellable balance (?P<balance>\d+)",
           "취소가능잔액 검증에 실패하였습니다. 요청한 검증값은 {checksum}원, 취소 가능 잔액은 {balance}원입니다."),
    _entry("amount.positive", r"^amount: must be greater than 0$", "0보다 큰 금액을 입력하세요."),
    _entry("tax_free.negative", r"^tax_free: must not be negative$", "면세 금액은 0원 이상이어야 합니다."),
    _entry("tax_free.over_amount", r"^tax_free: must not exceed the amount being cancelled$",
           "면세 금액은 취소 금액보다 클 수 없습니다."),
    _entry("tax_free.over_balance", r"tax_free (?P<tax_free>\d+) exceeds the remaining tax-free balance (?P<left>\d+)",
           "면세금액 취소가능잔액을 초과하였습니다. 요청한 면세 금액은 {tax_free}원, 남은 면세 금액은 {left}원입니다."),
    _entry("tax_free.whole_balance",
           r"tax_free (?P<tax_free>\d+): the cancel of the whole balance (?P<balance>\d+) of payment \S+ refunds "
           r"the tax-free part left, (?P<left>\d+)",
           "잔액 {balance}원 전액을 취소하면 남은 면세 금액 {left}원이 환불됩니다. 면세 금액을 {left}원으로 하거나 비워두세요 "
           "(면세금액 취소가능잔액과 일치해야 합니다)."),
    _entry("tax_free.taxable_over",
           r"tax_free (?P<tax_free>\d+): cancelling (?P<amount>\d+) would refund (?P<taxable>\d+) taxable .* "
           r"but (?P<left>\d+) taxable is left of payment \S+; tax_free must be at least (?P<least>\d+)",
           "과세금액 취소가능잔액을 초과하였습니다. {amount}원을 취소하려면 면세 금액이 {least}원 이상이어야 합니다 "
           "(남은 과세 금액 {left}원)."),
    _entry("cancel.channel_removed", r"the PG channel of payment (?P<imp_uid>\S+) was removed; cancel it at the PG",
           "결제 {imp_uid}에 쓰인 PG 설정이 삭제되어 paymux에서 취소할 수 없습니다. PG사 관리자 화면에서 취소하세요."),
    _entry("cancel.refund_required",
           r"^(?P<field>refund_\w+): is required to refund a virtual-account payment",
           "가상계좌 결제를 환불하려면 {field}을(를) 입력하세요."),
    _entry("cancel.refund_bank", r"^refund_bank: must be a KFTC bank code", "환불 은행을 목록에서 선택하세요."),
    _entry("cancel.kakaopay_no_record", r"^Kakao Pay has no record of this cancel; nothing was refunded",
           "카카오페이에 이 취소 내역이 없습니다. 환불되지 않았습니다."),
    # Virtual accounts (services/vbanks.py)
    _entry("vbank.not_awaiting",
           r"virtual account of (?P<imp_uid>\S+) is (?P<status>\w+), no longer awaiting a deposit",
           "가상계좌 결제 {imp_uid}은(는) {status} 상태라 더 이상 입금을 기다리지 않습니다."),
    _entry("vbank.deposit_live", r"^deposits can be simulated only for sandboxed test channels",
           "입금 처리(테스트)는 PG 접속 주소가 없는 테스트 채널에서만 할 수 있습니다. 그 밖의 입금은 PG사가 알려줍니다."),
    _entry("vbank.deposit_mismatch", r"deposit of (?P<amount>\d+) does not match the amount due (?P<due>\d+)",
           "입금액 {amount}원이 입금할 금액 {due}원과 다릅니다 (입금액 불일치)."),
    _entry("vbank.settled", r"virtual account of (?P<imp_uid>\S+) was settled meanwhile",
           "가상계좌 결제 {imp_uid}은(는) 그 사이에 이미 처리되었습니다. 페이지를 새로고침하세요."),
    # PG settings (services/channels.py, domain/channel.py)
    _entry("channel.type", r"^type: must be one of general, subscription, simple, api",
           "결제 유형은 일반결제, 정기결제, 간편결제, API 방식 중에서 고르세요."),
    _entry("channel.mode", r"^mode: must be test or live", "연동 구분은 테스트 또는 실연동 중에서 고르세요."),
    _entry("channel.type_unsupported",
           r"^type: (?P<pg>.+) supports (?P<kinds>[a-z, ]+) channels, not (?P<kind>\w+)",
           "{pg}은(는) {kinds} 유형만 지원합니다. {kind} 유형으로는 추가할 수 없습니다."),
    _entry("channel.mid_required", r"^mid: is required for a live channel",
           "실연동 채널에는 PG사가 발급한 상점아이디(MID)를 입력하세요."),
    _entry("channel.mid_format", r"^mid: must be at most 100 characters and contain no '\.'",
           "상점아이디는 100자 이하로, '.' 없이 입력하세요."),
    _entry("channel.endpoint_format", r"^endpoint: must be an http\(s\) base URL",
           "PG 접속 주소는 https://pg-staging.example.com 같은 http(s) 기본 주소로 입력하세요 "
           "(사용자 정보, 쿼리, 프래그먼트 없이)."),
    _entry("channel.endpoint_unknown_host", r"^endpoint: host (?P<host>\S+) does not resolve",
           "PG 접속 주소의 호스트 {host}을(를) 찾을 수 없습니다."),
    _entry("channel.endpoint_private", r"^endpoint: must be a public host",
           "PG 접속 주소는 공개 호스트여야 합니다. 사설·루프백 주소는 운영자가 PAYMUX_PG_ENDPOINT_ALLOW_PRIVATE=1로 "
           "허용한 경우에만 쓸 수 있습니다."),
    _entry("channel.duplicate", r"a (?P<pg>\S+) channel with MID (?P<mid>\S+) and type (?P<kind>\w+) already exists",
           "{pg}의 {kind} 설정에 상점아이디 {mid}이(가) 이미 등록되어 있습니다."),
    _entry("channel.new_default_required", r"^new_default: choose the new default channel",
           "기본 PG를 삭제하려면 남은 PG 설정 중에서 새 기본 PG를 먼저 선택하세요."),
    _entry("channel.new_default_unknown", r"^new_default: must be one of the remaining channels",
           "새 기본 PG는 남은 PG 설정 중에서 고르세요."),
    _entry("channel.direction", r"^direction: must be up or down", "순서는 위 또는 아래로만 옮길 수 있습니다."),
    _entry("channel.pg_code", r"^(?P<field>\w+): must be a PG code such as",
           "{field} 값이 PG사 코드가 아닙니다 (예: html5_inicis 또는 kakaopay)."),
    _entry("channel.none", r"^No PG channel is configured for this merchant", "등록된 PG 설정이 없습니다."),
    _entry("channel.none_of_kind", r"^No PG channel of type (?P<kinds>[a-z, ]+) is configured for this merchant",
           "{kinds} 유형의 PG 설정이 없습니다."),
    # IP whitelist (domain/merchant.py); the console says "올바른 CIDR 블록이 아닙니다." before it
    _entry("cidr.no_prefix", r"'(?P<text>.+)' is not a CIDR block; write e\.g\. (?P<example>\S+) for one address",
           "'{text}'에는 대역 길이가 없습니다. 주소 하나는 {example}처럼 입력하세요."),
    _entry("cidr.host_bits", r"'(?P<text>.+)' is not a valid CIDR block \(.* has host bits set\)",
           "'{text}'에 호스트 비트가 있습니다. 네트워크 주소로 입력하세요 (예: 1.1.1.0/24)."),
    _entry("cidr.not_network", r"'(?P<text>.+)' is not a valid CIDR block \(.*does not appear to be an IPv4 or IPv6",
           "'{text}'은(는) IPv4·IPv6 주소 대역으로 읽을 수 없습니다 (예: 1.1.1.1/32, 1.1.1.0/24)."),
    _entry("cidr.invalid", r"'(?P<text>.+)' is not a valid CIDR block \(", "'{text}'은(는) 올바른 CIDR 블록이 아닙니다."),
    # Webhook URL (services/merchants.py, domain/net.py); the console says "올바른 http(s) URL이 아닙니다." before it
    _entry("webhook_url.example", r"^webhook_url: must be an http:// or https:// URL such as",
           "https://shop.example/webhook처럼 http:// 또는 https://로 시작하는 주소를 입력하세요."),
    _entry("webhook_url.scheme", r"^webhook_url: must be an http:// or https:// URL$",
           "http:// 또는 https://로 시작하는 주소를 입력하세요."),
    _entry("webhook_url.spaces", r"^webhook_url: must not contain spaces or control characters",
           "주소에 공백이나 제어 문자가 들어갈 수 없습니다."),
    _entry("webhook_url.userinfo", r"^webhook_url: must not carry a user name or password",
           "주소에 사용자 이름이나 비밀번호(user:pass@)를 넣을 수 없습니다."),
    _entry("webhook_url.private", r"^webhook_url: must point at a public host; (?P<host>\S+) is a loopback",
           "공개 호스트만 쓸 수 있습니다. {host}은(는) 루프백·사설·링크 로컬·예약 주소입니다 "
           "(운영자가 PAYMUX_WEBHOOK_ALLOW_PRIVATE=1로 허용할 수 있습니다)."),
    _entry("webhook_url.not_set", r"^webhook_url: is not set", "먼저 웹훅 URL을 저장하세요."),
    _entry("webhook_format", r"^webhook_format: must be one of", "본문 형식은 JSON 또는 폼(x-www-form-urlencoded)만 고를 수 있습니다."),
    # Sub-merchants (services/merchants.py)
    _entry("merchant.name", r"^name: is required", "이름을 입력하세요."),
    _entry("merchant.nesting", r"^parent: a sub-merchant cannot have sub-merchants", "하위 가맹점은 하위 가맹점을 가질 수 없습니다."),
    _entry("merchant.codes_taken", r"^user code, imp_key or tier code already in use",
           "새로 만든 식별코드가 이미 쓰이고 있습니다. 다시 시도하세요."),
    # Billing keys (services/billing.py)
    _entry("billing.channel_removed", r"the PG channel of customer_uid '(?P<customer_uid>.*)' was removed",
           "빌링키 {customer_uid}에 쓰인 PG 설정이 삭제되었습니다. 빌링키를 새로 발급하세요."),
    # Searches and periods (services/reports.py)
    _entry("date.format", r"^(?P<field>date_from|date_to): must be a date written YYYY-MM-DD",
           "{field}은(는) YYYY-MM-DD 형식으로 입력하세요."),
    _entry("date.bounds", r"^(?P<field>date_from|date_to): must be a date from (?P<first>[\d-]+) to (?P<last>[\d-]+)",
           "{field}은(는) {first}부터 {last} 사이의 날짜로 입력하세요."),
    _entry("date.order", r"^date_to: must not be before date_from", "종료일이 시작일보다 빠릅니다."),
    _entry("date.range", r"^date_from: the period may span at most (?P<days>\d+) days", "기간은 최대 {days}일입니다."),
    _entry("payment.status", r"^status: must be ready, paid, cancelled or failed", "상태는 목록에서 선택하세요."),
    # A webhook try as the console's test button and delivery log show it (webhooks/delivery.py, targets.py)
    _entry("delivery.timeout", r"^could not deliver: no HTTP response within (?P<seconds>[\d.]+) s",
           "전달 실패: {seconds}초 안에 HTTP 응답이 없었습니다."),
    _entry("delivery.no_answer", r"^could not deliver: no HTTP response", "전달 실패: HTTP 응답이 없었습니다."),
    _entry("delivery.unresolved", r"^could not deliver: the host does not resolve",
           "전달 실패: 웹훅 주소의 호스트를 DNS에서 찾을 수 없습니다. 주소의 철자와 DNS 설정을 확인하세요."),
    _entry("delivery.refused_url", r"^refused: the URL (?P<problem>.+)$", "전달 거부: {problem}"),
    _entry("delivery.private", r"^refused: the host is not a public address",
           "전달 거부: 웹훅 주소가 공개 호스트가 아닙니다(루프백·사설·링크 로컬·예약 주소). "
           "운영자가 PAYMUX_WEBHOOK_ALLOW_PRIVATE=1로 허용할 수 있습니다."),
    _entry("delivery.no_url", r"^no webhook URL: the merchant has none set",
           "웹훅 URL이 없습니다: 가맹점 웹훅 URL도, 결제의 notice_url도 설정되지 않았습니다."),
    _entry("delivery.circuit", r"^not tried: its endpoint failed (?P<failures>\d+) or more times in a row",
           "시도하지 않음: 수신 서버가 {failures}번 이상 연속으로 실패해 잠시 멈췄습니다."),
    _entry("delivery.gave_up", r"^gave up after (?P<count>\d+) tries: (?P<tries>.*)$",
           "{count}번 시도 후 전달 포기: {tries}"),
    _entry("delivery.no_merchant", r"^no merchant with id (?P<id>\d+)", "가맹점(id {id})을 찾을 수 없습니다."),
)


def korean_error(message: str, field: str | None = None) -> str:
    """``message`` (an error's or a webhook try's) in Korean: its entry in ``KOREAN``, else the Korean
    it carries, else a Korean sentence naming ``field`` (logged, so the message gets an entry)."""
    for entry in KOREAN:
        found = entry.pattern.search(message)
        if found:
            return entry.write(found)
    carried = korean_part(message)
    if carried:
        return carried
    log.warning("console.untranslated_error", message=message, field=field)
    label = FIELD_LABELS.get(field or "")
    return f"{label} 값을 확인하세요." if label else "요청을 처리하지 못했습니다."


def korean_part(message: str) -> str | None:
    """The Korean of a message written ``한국어 (English help)`` or ``English (한국어)``; None if it has none."""
    if not HANGUL.search(message):
        return None
    outside = _PARENTHESES.sub(lambda m: "" if ENGLISH_SENTENCE.search(m.group(1)) else m.group(0), message).strip()
    if HANGUL.search(outside) and not ENGLISH_SENTENCE.search(outside):
        return outside + "." if HANGUL.match(outside[-1]) else outside
    inside = [part for part in _PARENTHESES.findall(message) if HANGUL.search(part) and not ENGLISH_SENTENCE.search(part)]
    return inside[-1] if inside else None


_TRAILING_PARENTHESES = re.compile(r"^(?P<before>.*\S)\s*\((?P<inside>[^()]*)\)\s*$", re.DOTALL)


def english_error(message: str) -> str:
    """A service error as the English console shows it: the service's words, without their Korean half
    (``한국어 (English)`` → ``English``; ``English (한국어)`` → ``English``)."""
    if not HANGUL.search(message):
        return message
    parts = _TRAILING_PARENTHESES.match(message)
    if parts is None:
        return message
    before, inside = parts["before"], parts["inside"]
    if not HANGUL.search(inside):
        return inside
    return before if not HANGUL.search(before) else message


def localized_error(lang: str, message: str, field: str | None = None) -> str:
    """A service error as the console shows it in ``lang``: English keeps the service's English words."""
    return english_error(message) if lang == "en" else korean_error(message, field)
