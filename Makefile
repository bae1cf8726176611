# The two commands of the quick start: `make demo` and `make test`.
# Each creates the virtualenv and installs what it needs on first use, from the hashed lock files in
# requirements/ (pip --require-hashes: the exact versions and files of the lock, nothing else). The locks
# are written by `make lock` from pyproject.toml (see README, "Updating dependencies").
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PIP := $(BIN)/python -m pip --quiet
LOCKS := requirements
BASE_INSTALLED := $(VENV)/.installed-base
INSTALLED := $(VENV)/.installed

.PHONY: demo test lint serve bench bench-growth proof lock clean screenshots

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# `make demo` and `make serve`: paymux's own dependencies only (requirements/base.txt)
$(BASE_INSTALLED): $(LOCKS)/base.txt pyproject.toml | $(BIN)/python
	$(PIP) install --require-hashes -r $(LOCKS)/base.txt
	$(PIP) install --no-deps -e .
	touch $@

# `make test`: the same pins plus the test and dev extras (requirements/test.txt, compiled within base.txt)
$(INSTALLED): $(LOCKS)/test.txt $(LOCKS)/kakaopay-witness.txt pyproject.toml | $(BIN)/python
	$(PIP) install --require-hashes -r $(LOCKS)/test.txt
	# The Kakao Pay witness (tests/connectors/kakaopay/test_witness_pykakaopay.py): PyKakaoPay pins
	# requests>=2.27.1, iamport-rest-client pins requests==2.26.0; PyKakaoPay runs on 2.26, so no deps.
	$(PIP) install --no-deps --require-hashes -r $(LOCKS)/kakaopay-witness.txt
	$(PIP) install --no-deps -e .
	touch $@

demo: $(BASE_INSTALLED)
	$(BIN)/paymux demo

serve: $(BASE_INSTALLED)
	$(BIN)/paymux serve

# ruff (style, bug patterns, import order) over the whole tree and mypy over paymux/: settings in pyproject.toml
lint: $(INSTALLED)
	$(BIN)/ruff check
	$(BIN)/mypy

test: $(INSTALLED) lint
	sh scripts/ensure-chromium.sh
	sh scripts/ensure-npm-clients.sh
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# The README's two screenshots (docs/images/console-dashboard.png, payment-window.png), taken again by
# the layout tests that measure every console page and window screen (on SQLite, in Chromium).
screenshots: $(INSTALLED)
	sh scripts/ensure-chromium.sh
	PAYMUX_UPDATE_SCREENSHOTS=1 $(BIN)/python -m pytest -p no:cacheprovider -k sqlite \
		tests/console/test_layout.py::test_every_console_page_fits_a_laptop_and_a_phone \
		tests/console/test_layout.py::test_every_window_screen_fits_a_laptop_and_a_phone

bench: $(INSTALLED) bench-growth
	$(BIN)/python bench/charge_and_lookup.py
	$(BIN)/python bench/live_inicis.py

# From empty, never-analyzed databases up to GROWTH_TOTAL payments (200000: about half an hour on
# two cores); `make bench-growth GROWTH_TOTAL=20000` for a quick look.
GROWTH_TOTAL ?= 200000
$(VENV)/.bench-installed: $(LOCKS)/bench.txt $(INSTALLED)
	$(PIP) install --require-hashes -r $(LOCKS)/bench.txt
	touch $@

bench-growth: $(VENV)/.bench-installed
	$(BIN)/python bench/growth.py --total $(GROWTH_TOTAL)

# schemathesis with every check against /openapi.json of a running `paymux demo`, bounded in time
# (PROOF_SECONDS, 240 by default): no server error, no answer that contradicts the schema.
$(VENV)/.proof-installed: $(LOCKS)/proof.txt $(INSTALLED)
	$(PIP) install --require-hashes -r $(LOCKS)/proof.txt
	touch $@

proof: $(VENV)/.proof-installed
	bash bench/fuzz_openapi.sh
	PAYMUX_MODEL_EXAMPLES=60 PAYMUX_MODEL_STEPS=40 PAYMUX_MODEL_SHRINK=1 $(BIN)/python -m pytest tests/model/test_model.py -q -p no:cacheprovider

# Rewrite the locks from pyproject.toml: hashes of every file of each pinned release, no index URL (an
# install uses whatever index pip is configured with). Pins already in a lock are kept unless
# LOCK_ARGS says otherwise: LOCK_ARGS=--upgrade (everything), LOCK_ARGS='--upgrade-package fastapi'.
# test.txt is compiled within base.txt, proof.txt and bench.txt within test.txt, so the venv they
# share never holds two versions of one package. Takes a few minutes per file (hashes from the index).
LOCK_ARGS ?=
PIP_COMPILE = CUSTOM_COMPILE_COMMAND="make lock" $(BIN)/pip-compile --quiet --generate-hashes --strip-extras \
	--no-emit-index-url --no-emit-find-links $(LOCK_ARGS)
lock: $(INSTALLED)
	$(PIP_COMPILE) -o $(LOCKS)/base.txt pyproject.toml
	$(PIP_COMPILE) --extra test --extra dev -c $(LOCKS)/base.txt -o $(LOCKS)/test.txt pyproject.toml
	$(PIP_COMPILE) --extra test --extra dev --extra proof -c $(LOCKS)/test.txt -o $(LOCKS)/proof.txt pyproject.toml
	$(PIP_COMPILE) --extra test --extra dev --extra bench -c $(LOCKS)/test.txt -o $(LOCKS)/bench.txt pyproject.toml
	# PyKakaoPay alone (installed with --no-deps, see above): compiled with its dependencies, then only its own lines kept
	$(PIP_COMPILE) -o $(LOCKS)/.kakaopay-witness.full $(LOCKS)/kakaopay-witness.in
	{ echo '# PyKakaoPay alone, for pip install --no-deps --require-hashes (requirements/kakaopay-witness.in says why).'; \
	  echo '# Written by make lock.'; \
	  awk '/^[a-z0-9]/ { keep = ($$0 ~ /^pykakaopay==/) } keep' $(LOCKS)/.kakaopay-witness.full; } > $(LOCKS)/kakaopay-witness.txt
	rm $(LOCKS)/.kakaopay-witness.full

clean:
	rm -rf $(VENV) .paymux test-output
