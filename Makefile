# `make run` and `make test` are all a new user needs: each creates .venv and installs what is missing.
# `make run` installs only what serving needs; `make test` (and lint, bench) adds the dev and bench tools.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
SERVE_STAMP := $(VENV)/.serve-stamp
DEV_STAMP := $(VENV)/.dev-stamp

.PHONY: install install-dev run test lint bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(SERVE_STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(DEV_STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[dev,bench]'
	touch $@

install: $(SERVE_STAMP)

install-dev: $(DEV_STAMP)

run: install
	$(BIN)/nguon db upgrade
	$(BIN)/nguon demo --if-empty
	$(BIN)/nguon serve --log-format text

lint: install-dev
	$(BIN)/ruff check .
	$(BIN)/mypy

# axe-core for the consumer-page test, from tests/e2e/package-lock.json (npm's own marker file is the stamp).
AXE_STAMP := tests/e2e/node_modules/.package-lock.json

$(AXE_STAMP): tests/e2e/package-lock.json
	npm ci --prefix tests/e2e --no-audit --no-fund --loglevel=error

test: lint $(AXE_STAMP)
	$(BIN)/pytest

bench: install-dev
	$(BIN)/python bench/ledger_bench.py

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache .hypothesis tests/e2e/node_modules
