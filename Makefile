# Momentum — `make run` and `make test` each set everything up on a fresh machine.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
AXE    := node_modules/axe-core/axe.min.js

.PHONY: run test lint bench setup axe clean

run: setup ## prepare storage, load the demo if empty, serve on http://127.0.0.1:8000
	$(BIN)/momentum init
	$(BIN)/momentum demo --if-empty
	$(BIN)/momentum summary
	$(BIN)/momentum serve

PYTEST_WORKERS ?= auto

test: setup axe ## run the whole test suite, one worker per core (PYTEST_WORKERS=0: none)
	$(BIN)/pytest -n $(PYTEST_WORKERS) --dist worksteal

lint: setup ## ruff, mypy and the layers' import contracts (import-linter)
	$(BIN)/ruff check service projections web notify system entrypoints tests bench
	$(BIN)/mypy
	$(BIN)/lint-imports

bench: setup ## measure SPEC 11 and write bench/RESULTS.md
	$(BIN)/python -m bench.commands
	$(BIN)/python -m bench.projections
	$(BIN)/python -m bench.api
	$(BIN)/python -m bench.digests
	$(BIN)/python -m bench.freshness
	$(BIN)/python -m bench.audit

setup: $(STAMP)

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

axe: $(AXE) ## axe-core for the end-to-end accessibility checks (tests/e2e)

$(AXE): package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $(AXE)

clean: ## remove the virtualenv, node_modules and local data
	rm -rf $(VENV) node_modules var
