"""Issue #14 item 6: every message a Korean console page can show is Korean.

The services a console route calls are read (their source, not a list kept by hand): every
``raise InvalidParameter | Refused | Conflict`` in the functions below is turned into the message
it would carry (sample values for the parts computed at run time) and must come out of
``korean_error`` as Korean with no English sentence, through an entry of the table or the Korean the
message itself carries — never through the last-resort sentence. A new error in one of these
functions without Korean fails here. The console's own strings, pay methods and the webhook
delivery words are checked the same way.
"""

from __future__ import annotations

import ast
import importlib
import re
from pathlib import Path
from typing import Any

import pytest

from paymux.console.error_text import ENGLISH_SENTENCE, HANGUL, KOREAN, korean_error, korean_part
from paymux.console.i18n import STRINGS
from paymux.domain.pay_request import PAY_METHODS
from paymux.webhooks.delivery import NO_URL
from paymux.webhooks.targets import NOT_DELIVERED, REFUSED_PRIVATE, REFUSED_UNRESOLVED

ROOT = Path(__file__).resolve().parents[2]

# module → the functions console routes reach in it (routes_*.py call the public ones; the private
# ones are what those call). None: every function of the module.
REACHED: dict[str, set[str] | None] = {
    "paymux.domain.payment": {"plan_cancel", "cancel_tax_free"},
    "paymux.domain.merchant": {"parse_whitelist"},
    "paymux.domain.channel": {"explain_channel", "validate_pg_code"},
    "paymux.services.channels": None,
    "paymux.services.cancels": {"cancel_payment", "_reserve", "_locked_payment", "_settle", "_check_refund_account"},
    "paymux.services.merchants": {"create_merchant", "set_ip_whitelist", "set_webhook_url"},
    "paymux.services.vbanks": {"deposit", "_awaiting", "record_deposit"},
    "paymux.services.billing": {"delete_customer", "forget_customer"},
    "paymux.services.reports": {"payment_filter", "_parse_day", "webhook_filter_state", "webhook_log", "dashboard_range"},
    "paymux.webhooks.outbox": {"set_webhook_format", "resend_webhook"},
    "paymux.webhooks.delivery": {"send_test_webhook"},
}
SHOWN = {"InvalidParameter", "Refused", "Conflict"}  # NotFound and Forbidden are fixed Korean pages
# Messages computed at run time, and why they need no entry of their own.
DYNAMIC = {
    "result.reason": "the PG's own refusal (Korean PGs answer in Korean; Kakao Pay's English one has an entry)",
    "closed.reason": "the PG's own refusal",
    "problem": "domain.net.user_url_problem's answer: its every return is checked below",
}
# The fields an InvalidParameter names through a variable.
FIELDS = {"field": ["ip_whitelist", "pg"], "name": ["refund_holder", "refund_bank", "refund_account"],
          "field_name": ["date_from", "date_to"]}
# A sample for a value computed at run time, by its source text; anything else is a number.
SAMPLES = {
    "payment.status.value": "failed", "self.status.value": "failed", "kind.value": "api", "kinds": "general, simple",
    "allowed": "general, simple", "hint": "", "connector.display_name": "KG이니시스", "pg": "kcp",
    "code": "html5_inicis", "mid": "MID001", "text": "1.1.1.1/24", "error": "1.1.1.1/24 has host bits set",
    "parts.hostname": "pg.example", "field_name": "date_from", "name": "refund_holder", "field": "pg",
    "purpose.value if purpose else 'this request'": "billing_window", "named[0].pay_type.value": "api",
    "', '.join(WEBHOOK_FORMATS)": "json, form",
}


def _sample(node: ast.expr, module: object) -> list[str] | None:
    """The texts ``node`` evaluates to with sample run-time values; None when it is DYNAMIC."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node.value]
    if isinstance(node, ast.JoinedStr):
        text = ""
        for part in node.values:
            if isinstance(part, ast.Constant):
                text += str(part.value)
            else:
                assert isinstance(part, ast.FormattedValue)
                text += SAMPLES.get(ast.unparse(part.value), "1000")
        return [text]
    if isinstance(node, ast.BoolOp | ast.IfExp):
        texts = [_sample(value, module) for value in (node.values if isinstance(node, ast.BoolOp) else (node.body, node.orelse))]
        return [text for found in texts if found for text in found]
    source = ast.unparse(node)
    if source in DYNAMIC:
        return None
    if isinstance(_constant(source, module), str):
        return [_constant(source, module)]
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "format":
        return [re.sub(r"\{\w+\}", "1000", _constant(ast.unparse(node.func.value), module))]
    raise AssertionError(f"cannot tell what {source} says: add a sample or a DYNAMIC reason")


def _constant(dotted: str, module: object) -> Any:
    """A module-level constant (``CANCEL_PENDING``, ``messages.ALREADY_FULLY_CANCELLED``), or None."""
    value = module
    for name in dotted.split("."):
        value = getattr(value, name, None)
    return value


def _raised(module_name: str, functions: set[str] | None) -> list[tuple[str, str | None, str]]:
    """(where, field, message) of every error the functions raise."""
    module = importlib.import_module(module_name)
    tree = ast.parse((ROOT / (module_name.replace(".", "/") + ".py")).read_text(encoding="utf-8"))
    found: list[tuple[str, str | None, str]] = []
    for function in ast.walk(tree):
        if not isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef):
            continue
        if functions is not None and function.name not in functions:
            continue
        for node in ast.walk(function):  # every error built (raised, or returned to be raised)
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in SHOWN):
                continue
            kind, args = node.func.id, node.args
            where = f"{module_name}.{function.name}:{node.lineno}"
            if kind == "InvalidParameter":
                fields = FIELDS.get(ast.unparse(args[0])) or _sample(args[0], module)
                problems = _sample(args[1], module)
                if problems is None:
                    continue
                assert fields is not None
                found += [(where, f, f"{f}: {p}") for f in fields for p in problems]
            else:
                found += [(where, None, text) for text in _sample(args[0], module) or []]
    return found


def _url_problems() -> list[str]:
    """Every answer of ``domain.net.user_url_problem`` (what set_webhook_url raises as ``problem``)."""
    tree = ast.parse((ROOT / "paymux/domain/net.py").read_text(encoding="utf-8"))
    function = next(n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef) and n.name == "user_url_problem")
    texts: list[str] = []
    for node in ast.walk(function):
        if isinstance(node, ast.Return) and node.value is not None and not ast.unparse(node.value) == "None":
            texts += _sample(node.value, None) or []
    return texts


DELIVERY_MODULES = ("paymux.webhooks.delivery", "paymux.webhooks.targets")
# What a delivery message's run-time part says, by its source text; anything else is a number.
DELIVERY_SAMPLES = {"problem": None, "merchant.id": "7", "closes_at": "1700000000"}
MESSAGE_SHAPE = re.compile(r"^[a-z][a-z ]*: ")  # "could not deliver: …", "refused: …", "no webhook URL: …"
ERROR_NAMES = {"error", "why", "last_error"}  # the variables and keys a webhook try's error goes through


def _delivery_text(node: ast.expr, module: object) -> list[str] | None:
    """The texts a delivery message expression says; every answer of user_url_problem for ``{problem}``
    (and a failed try's description in "gave up after"); None when it is not a message written here."""
    if isinstance(node, ast.Subscript):  # a message cut to length: text[:EXCERPT_CHARS]
        return _delivery_text(node.value, module)
    if isinstance(node, ast.Constant):
        return [node.value] if isinstance(node.value, str) else None
    if isinstance(node, ast.Name):
        value = _constant(node.id, module)
        return [value] if isinstance(value, str) else None
    if not isinstance(node, ast.JoinedStr):
        return None
    texts = [""]
    for part in node.values:
        if isinstance(part, ast.Constant):
            texts = [text + str(part.value) for text in texts]
            continue
        assert isinstance(part, ast.FormattedValue)
        source = ast.unparse(part.value)
        named = _constant(source, module)
        if isinstance(named, str):
            options = [named]
        elif source == "problem":  # a refused URL's reason, or the failed tries of a given-up webhook
            tries = ["https://shop.example/hook: HTTP 500", f"https://shop.example/hook: {NOT_DELIVERED} within 10 s",
                     "https://shop.example/hook: could not deliver: the host does not resolve"]
            options = _url_problems() if texts[0].endswith("the URL ") else ["; ".join(tries)]
        else:
            options = [DELIVERY_SAMPLES.get(source) or "5"]
        texts = [text + option for text in texts for option in options]
    return texts


def _delivery_messages() -> list[tuple[str, str | None, str]]:
    """Every message paymux/webhooks/delivery.py and targets.py write (read from their source): the
    module constants shaped ``what: why``, what TargetRefused / InvalidParameter / NotFound / Refused
    carry, and what is put in a try's ``error`` (or ``why``, ``last_error``)."""
    found: list[tuple[str, str | None, str]] = []
    for module_name in DELIVERY_MODULES:
        module = importlib.import_module(module_name)
        tree = ast.parse((ROOT / (module_name.replace(".", "/") + ".py")).read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            where = f"{module_name}:{getattr(node, 'lineno', 0)}"
            texts: list[str] | None = None
            field: str | None = None
            if isinstance(node, ast.Assign) and node in tree.body and len(node.targets) == 1:
                texts = [t for t in _delivery_text(node.value, module) or [] if MESSAGE_SHAPE.match(t)]
            elif isinstance(node, ast.Assign | ast.AnnAssign):
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                if any(isinstance(t, ast.Name) and t.id in ERROR_NAMES for t in targets) and node.value is not None:
                    texts = _delivery_text(node.value, module)
            elif isinstance(node, ast.Dict):
                texts = [t for key, value in zip(node.keys, node.values, strict=True)
                         if isinstance(key, ast.Constant) and key.value in ERROR_NAMES
                         for t in _delivery_text(value, module) or []]
            elif isinstance(node, ast.keyword) and node.arg in ERROR_NAMES:
                texts = _delivery_text(node.value, module)
            elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.args and node.func.id in (
                    "TargetRefused", "InvalidParameter", "NotFound", "Refused", "Conflict"):
                if node.func.id == "InvalidParameter":
                    field = ast.literal_eval(node.args[0])
                    texts = [f"{field}: {t}" for t in _delivery_text(node.args[1], module) or []]
                else:
                    texts = _delivery_text(node.args[0], module)
            found += [(where, field, text) for text in texts or [] if text]
    return found


def _messages() -> list[tuple[str, str | None, str]]:
    found = [item for name, functions in REACHED.items() for item in _raised(name, functions)]
    found += [("domain.net.user_url_problem", "webhook_url", f"webhook_url: {p}") for p in _url_problems()]
    found += _delivery_messages()
    return found


MESSAGES = _messages()


def test_the_console_reaches_many_messages() -> None:
    """The reading above finds what it should (a broken reader would pass the next test vacuously)."""
    assert len(MESSAGES) > 60
    texts = [message for _, _, message in MESSAGES]
    assert "amount 1000 exceeds the cancellable balance 1000" in texts
    assert any("is not a CIDR block" in text for text in texts)
    assert any(text.startswith("mid: is required for a live channel") for text in texts)


def test_every_webhook_delivery_message_is_read_from_its_module() -> None:
    """The reading of webhooks/delivery.py and targets.py finds each of their messages (issue #14 review item 6)."""
    texts = {message for _, _, message in _delivery_messages()}
    assert {NOT_DELIVERED, f"{NOT_DELIVERED} within 5 s", NO_URL, REFUSED_UNRESOLVED, REFUSED_PRIVATE} <= texts
    assert "webhook_url: is not set; save a webhook URL before sending a test webhook" in texts
    assert "refused: the URL must be an http:// or https:// URL" in texts
    assert any(text.startswith("not tried: its endpoint failed 5 or more times in a row") for text in texts)
    assert any(text.startswith("gave up after 5 tries: https://shop.example/hook: HTTP 500;") for text in texts)
    assert korean_error(REFUSED_UNRESOLVED) == "전달 실패: 웹훅 주소의 호스트를 DNS에서 찾을 수 없습니다. 주소의 철자와 DNS 설정을 확인하세요."


@pytest.mark.parametrize(("where", "field", "message"), MESSAGES, ids=[f"{w}-{m[:40]}" for w, _, m in MESSAGES])
def test_every_message_a_console_page_shows_is_korean(where: str, field: str | None, message: str) -> None:
    covered = any(entry.pattern.search(message) for entry in KOREAN) or korean_part(message)
    assert covered, f"{where}: no Korean for {message!r} (add an entry to paymux/console/error_text.py)"
    korean = korean_error(message, field)
    assert HANGUL.search(korean), (where, korean)
    assert not ENGLISH_SENTENCE.search(korean), (where, korean)


def test_the_korean_table_and_strings_have_no_english_sentence() -> None:
    names = [entry.name for entry in KOREAN]
    assert len(names) == len(set(names))
    for entry in KOREAN:
        assert HANGUL.search(entry.korean) and not ENGLISH_SENTENCE.search(entry.korean), entry.name
    for key, (korean, _english) in STRINGS.items():
        assert not ENGLISH_SENTENCE.search(korean), key


def test_every_pay_method_has_a_name_in_both_languages() -> None:
    for method in PAY_METHODS:
        assert f"method.{method}" in STRINGS, method
    for method, korean in {"card": "신용카드", "vbank": "가상계좌", "trans": "실시간계좌이체", "phone": "휴대폰소액결제"}.items():
        assert STRINGS[f"method.{method}"][0] == korean


def test_amounts_are_written_with_separators_and_won() -> None:
    korean = korean_error("amount 1234567 exceeds the cancellable balance 30000")
    assert korean == "취소 요청 금액 1,234,567원이 취소 가능 잔액 30,000원을 초과합니다."


def test_an_unknown_english_message_never_reaches_the_korean_console() -> None:
    assert korean_error("mid: something nobody translated yet", "mid") == "상점아이디 값을 확인하세요."
    assert korean_error("something nobody translated yet") == "요청을 처리하지 못했습니다."
