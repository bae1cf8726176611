"""The fair gate in front of each connection pool (issue #15 item 4): a returned connection goes to the
request that has waited longest, a newcomer never overtakes, and a request that waits too long gets the
pool's TimeoutError (answered 503 + Retry-After by the API, tests/security/test_capacity.py)."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy.exc import TimeoutError as PoolTimeout

from paymux.store.gate import FairGate


def test_waiters_are_served_first_come_first_served_and_newcomers_queue_behind() -> None:
    async def scenario() -> list[str]:
        gate = FairGate(size=1, timeout=5)
        served: list[str] = []
        await gate.acquire()  # the holder

        async def request(name: str) -> None:
            await gate.acquire()
            served.append(name)
            await asyncio.sleep(0)
            gate.release()

        early = [asyncio.create_task(request(name)) for name in ("first", "second", "third")]
        await asyncio.sleep(0)
        assert gate.waiting == 3
        gate.release()  # the holder gives its connection back…
        late = asyncio.create_task(request("newcomer"))  # …just as a newcomer arrives
        await asyncio.gather(*early, late)
        return served

    assert asyncio.run(scenario()) == ["first", "second", "third", "newcomer"]


def test_a_request_that_waits_too_long_is_refused_and_the_slot_goes_on() -> None:
    async def scenario() -> None:
        gate = FairGate(size=1, timeout=0.05)
        await gate.acquire()
        with pytest.raises(PoolTimeout):
            await gate.acquire()
        assert gate.waiting == 0  # the refused request left the queue
        gate.release()
        await gate.acquire()  # the slot was not lost

    asyncio.run(scenario())
