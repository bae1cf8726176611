"""Issue 16's model-based test: Hypothesis drives random sequences of money operations against a real
paymux on each database and checks every record against the PG's side after every step
(tests/model/machine.py, docs/invariants.md).

Budget: ``make test`` runs a bounded number of sequences (about a minute or two per database);
``PAYMUX_MODEL_EXAMPLES`` / ``PAYMUX_MODEL_STEPS`` raise it (``make proof``). Runs are derandomized
(the same sequences every time, so CI is reproducible) unless ``PAYMUX_MODEL_RANDOM=1``, and
keep no example database; a failure prints the sequence of steps, the seed mode and a
``@reproduce_failure`` blob (``PAYMUX_MODEL_SHRINK=1`` shrinks it to the fewest steps first)."""

from __future__ import annotations

import os

from hypothesis import HealthCheck, Phase, settings
from hypothesis.stateful import run_state_machine_as_test

from tests.connectors.inicis.support import EmulatorServer
from tests.harness import GatewayServer
from tests.model.live_inicis import LiveInicisMachine
from tests.model.machine import MoneyMachine

EXAMPLES = int(os.environ.get("PAYMUX_MODEL_EXAMPLES", "10"))
STEPS = int(os.environ.get("PAYMUX_MODEL_STEPS", "30"))
RANDOM = os.environ.get("PAYMUX_MODEL_RANDOM") == "1"  # a fresh search each run instead of the fixed one
# Shrinking a failure replays many sequences against the server (minutes); `make test` reports the
# failing sequence as found, PAYMUX_MODEL_SHRINK=1 (set by `make proof`) shrinks it first.
SHRINK = os.environ.get("PAYMUX_MODEL_SHRINK") == "1"


def test_every_record_matches_the_pg(model_gateway: GatewayServer) -> None:
    """The sandbox PG: its ledger is the card table and the ``sandbox_ledger`` table."""
    _run(type("SandboxMoneyMachine", (MoneyMachine,), {"gateway": model_gateway}), model_gateway)


def test_every_record_matches_the_inicis_emulators_ledger(model_gateway: GatewayServer, model_inicis: EmulatorServer) -> None:
    """A live KG INICIS channel against the INICIS emulator: the PG's own ledger is the oracle."""
    machine = type("LiveInicisMoneyMachine", (LiveInicisMachine,), {"gateway": model_gateway, "inicis": model_inicis})
    _run(machine, model_gateway, examples=max(EXAMPLES // 2, 1))


def _run(machine: type, model_gateway: GatewayServer, examples: int = EXAMPLES) -> None:
    budget = settings(
        max_examples=examples, stateful_step_count=STEPS, deadline=None, database=None,
        derandomize=not RANDOM, print_blob=True,
        suppress_health_check=list(HealthCheck), phases=[Phase.explicit, Phase.generate, *([Phase.shrink] if SHRINK else [])],
    )
    try:
        run_state_machine_as_test(machine, settings=budget)
    except BaseException:
        print(f"{machine.__name__} failed on {model_gateway.backend}: examples={examples} steps={STEPS} "
              f"seed={'random' if RANDOM else 'derandomized (fixed)'}; the @reproduce_failure blob above replays it")
        raise
