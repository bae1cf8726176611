"""Bank and card company codes as i'mport lists them (``GET /banks``, ``GET /cards``).

Banks are the KFTC (금융결제원) standard 3-digit codes i'mport uses for ``bank_code``, ``vbank_code``
and ``refund_bank``; this is the one bank table of paymux (``domain.card.BANKS`` is this table). Card
companies are i'mport's ``card_code`` values, held in ``domain.card.CARD_COMPANIES``.
Sources: i'mport's code tables (PortOne V1 docs, "은행 코드" / "카드사 코드"); KFTC's bank code list.
"""

from __future__ import annotations

from paymux.domain.errors import NotFound

# KFTC standard bank codes → names, in KFTC order. Banks only: securities firms are not refund or
# virtual-account banks in i'mport.
BANKS: dict[str, str] = {
    "002": "KDB산업은행", "003": "IBK기업은행", "004": "KB국민은행", "007": "수협은행", "008": "수출입은행",
    "011": "NH농협은행", "012": "지역농축협", "020": "우리은행", "023": "SC제일은행", "027": "한국씨티은행",
    "031": "iM뱅크(대구은행)", "032": "부산은행", "034": "광주은행", "035": "제주은행", "037": "전북은행",
    "039": "경남은행", "045": "새마을금고", "048": "신협", "050": "저축은행", "052": "모건스탠리은행",
    "054": "HSBC은행", "055": "도이치은행", "057": "JP모간체이스은행", "058": "미즈호은행", "059": "MUFG은행",
    "060": "BOA은행", "061": "BNP파리바은행", "062": "중국공상은행", "063": "중국은행", "064": "산림조합중앙회",
    "067": "중국건설은행", "071": "우체국", "081": "하나은행", "088": "신한은행", "089": "케이뱅크",
    "090": "카카오뱅크", "092": "토스뱅크",
}


def code_view(code: str, name: str) -> dict[str, str]:
    """i'mport's shape of one code: ``{code, name}``."""
    return {"code": code, "name": name}


def bank(code: str) -> dict[str, str]:
    """One bank by its KFTC code. Raises NotFound for a code i'mport does not list."""
    name = BANKS.get(code)
    if name is None:
        raise NotFound(f"bank code '{code}' is not a KFTC bank code i'mport lists (존재하지 않는 은행코드입니다)")
    return code_view(code, name)


def card_company(code: str, companies: dict[str, str]) -> dict[str, str]:
    """One card company by its i'mport ``card_code``. Raises NotFound for an unknown code."""
    name = companies.get(code)
    if name is None:
        raise NotFound(f"card code '{code}' is not a card company code i'mport lists (존재하지 않는 카드사코드입니다)")
    return code_view(code, name)
