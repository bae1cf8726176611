"""Issue 16's model-based test: Hypothesis drives random sequences of money operations against a real
paymux on each database and checks every record against the PG's side after every step
(tests/model/machine.py, docs/invariants.md).

Budget: ``make test`` runs a bounded number of sequences (about a minute or two per database);
``PAYMUX_MODEL_EXAMPLES`` / ``PAYMUX_MODEL_STEPS`` raise it (``make proof``). Runs are derandomized
(the same sequences every time, so CI is reproducible) unless ``PAYMUX_MODEL_SEED`` is set, and
keep no example database; a failure prints the shrunk sequence of steps, the seed and a
``@reproduce_failure`` blob (``PAYMUX_MODEL_SHRINK=1`` shrinks it to the fewest steps first)."""

from __future__ import annotations

import os

from hypothesis import HealthCheck, Phase, settings
from hypothesis.stateful import run_state_machine_as_test

from tests.harness import GatewayServer
from tests.model.machine import MoneyMachine

EXAMPLES = int(os.environ.get("PAYMUX_MODEL_EXAMPLES", "6"))
STEPS = int(os.environ.get("PAYMUX_MODEL_STEPS", "25"))
SEED = os.environ.get("PAYMUX_MODEL_SEED")
# Shrinking a failure replays many sequences against the server (minutes); `make test` reports the
# failing sequence as found, PAYMUX_MODEL_SHRINK=1 (set by `make proof`) shrinks it first.
SHRINK = os.environ.get("PAYMUX_MODEL_SHRINK") == "1"


def test_every_record_matches_the_pg(model_gateway: GatewayServer) -> None:
    machine = type("SandboxMoneyMachine", (MoneyMachine,), {"gateway": model_gateway})
    budget = settings(
        max_examples=EXAMPLES, stateful_step_count=STEPS, deadline=None, database=None,
        derandomize=SEED is None, print_blob=True,
        suppress_health_check=list(HealthCheck), phases=[Phase.explicit, Phase.generate, *([Phase.shrink] if SHRINK else [])],
    )
    if SEED is not None:
        machine.TestCase.settings = budget  # type: ignore[attr-defined]
    try:
        if SEED is not None:
            from hypothesis import seed as with_seed
            with_seed(int(SEED))(lambda: run_state_machine_as_test(machine, settings=budget))()
        else:
            run_state_machine_as_test(machine, settings=budget)
    except BaseException:
        print(f"model test failed on {model_gateway.backend}: examples={EXAMPLES} steps={STEPS} "
              f"seed={SEED or 'derandomized'} (rerun with PAYMUX_MODEL_SEED={SEED or '<n>'} for another search)")
        raise
