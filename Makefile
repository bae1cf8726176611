# The two commands of the quick start: `make demo` and `make test`.
# Each creates the virtualenv and installs what it needs on first use.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed

.PHONY: demo test serve bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(INSTALLED): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@

demo: $(INSTALLED)
	$(BIN)/paymux demo

serve: $(INSTALLED)
	$(BIN)/paymux serve

test: $(INSTALLED)
	sh scripts/ensure-chromium.sh
	$(BIN)/python -m pytest $(PYTEST_ARGS)

bench: $(INSTALLED)
	$(BIN)/python bench/charge_and_lookup.py
	$(BIN)/python bench/live_inicis.py

clean:
	rm -rf $(VENV) .paymux test-output
