# The two commands of the quick start: `make demo` and `make test`.
# Each creates the virtualenv and installs what it needs on first use.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed

.PHONY: demo test serve bench bench-growth proof clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(INSTALLED): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	# The Kakao Pay witness (tests/connectors/kakaopay/test_witness_pykakaopay.py): PyKakaoPay pins
	# requests>=2.27.1, iamport-rest-client pins requests==2.26.0; PyKakaoPay runs on 2.26, so no deps.
	$(BIN)/python -m pip install --quiet --no-deps 'PyKakaoPay==0.1.1'
	touch $@

demo: $(INSTALLED)
	$(BIN)/paymux demo

serve: $(INSTALLED)
	$(BIN)/paymux serve

test: $(INSTALLED)
	sh scripts/ensure-chromium.sh
	sh scripts/ensure-npm-clients.sh
	$(BIN)/python -m pytest $(PYTEST_ARGS)

bench: $(INSTALLED) bench-growth
	$(BIN)/python bench/charge_and_lookup.py
	$(BIN)/python bench/live_inicis.py

# From empty, never-analyzed databases up to GROWTH_TOTAL payments (200000: about half an hour on
# two cores); `make bench-growth GROWTH_TOTAL=20000` for a quick look.
GROWTH_TOTAL ?= 200000
bench-growth: $(INSTALLED)
	$(BIN)/python -m pip install --quiet -e '.[bench]'
	$(BIN)/python bench/growth.py --total $(GROWTH_TOTAL)

# schemathesis with every check against /openapi.json of a running `paymux demo`, bounded in time
# (PROOF_SECONDS, 240 by default): no server error, no answer that contradicts the schema.
$(VENV)/.proof-installed: pyproject.toml $(INSTALLED)
	$(BIN)/python -m pip install --quiet -e '.[test,proof]'
	touch $@

proof: $(VENV)/.proof-installed
	bash bench/fuzz_openapi.sh
	PAYMUX_MODEL_EXAMPLES=60 PAYMUX_MODEL_STEPS=40 PAYMUX_MODEL_SHRINK=1 $(BIN)/python -m pytest tests/model/test_model.py -q -p no:cacheprovider

clean:
	rm -rf $(VENV) .paymux test-output
