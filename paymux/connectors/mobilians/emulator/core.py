"""The emulator's shared context and the scenario table in Mobilians' terms (phone numbers as test data)."""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from starlette.requests import Request

from paymux.connectors.mobilians import codes
from paymux.connectors.mobilians.emulator.config import EmulatorConfig
from paymux.connectors.mobilians.emulator.state import EmulatorState

# Phone numbers (their last four digits) that make the carrier answer a Mobilians code.
AT_AUTHENTICATION = {  # the window's SMS step fails: the result goes to ok_url (fail_url) with the code
    "0011": codes.NOT_REGISTERED, "0013": codes.LOST_OR_SUSPENDED, "0016": codes.UNPAID_BILL,
    "0035": codes.NOT_SUBSCRIBED,
}
AT_APPROVAL = {  # approval (TID or MOBILID) refused by the carrier
    "0031": codes.LIMIT_EXCEEDED, "0098": codes.CARRIER_ERROR,
}
SLOW_SUFFIX = "7777"  # approval committed, reply held past the caller's timeout


def suffix_code(table: dict[str, str], phone: str) -> str | None:
    return table.get(phone[-4:]) if len(phone) >= 10 else None


@dataclass
class Emulator:
    config: EmulatorConfig
    state: EmulatorState

    def now(self) -> float:
        return float(self.config.clock())

    def skey(self, sid: str) -> str | None:
        return self.config.services.get(sid)

    def base_url(self, request: Request) -> str:
        return (self.config.base_url or str(request.base_url)).rstrip("/")


def emulator_of(request: Request) -> Emulator:
    emulator: Emulator = request.app.state.emulator
    return emulator


def digits(count: int) -> str:
    return "".join(secrets.choice("0123456789") for _ in range(count))


def new_tid(now: float) -> str:
    """20 digits like the manual's ``20190619160850826790``: yyyymmddhhmmss + 6 random digits."""
    from paymux.connectors.mobilians.protocol import time_stamp

    return time_stamp(now) + digits(6)


def transaction_id(now: float, kind: str) -> str:
    """32 characters like ``20230117MCNA4002165626A047216348`` (paymux's pattern)."""
    from paymux.connectors.mobilians.protocol import time_stamp

    return (time_stamp(now)[:8] + "MCNA" + kind + digits(9) + "A" + digits(9))[:32]
