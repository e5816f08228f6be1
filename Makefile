# Every target bootstraps .venv on a fresh machine; nothing needs to be installed by hand.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp

.PHONY: demo test bench ui lint validate clean-home

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	@touch $(STAMP)

demo: $(STAMP)  ## import, enrich, score, draft ... on embedded defaults (grows with each capability)
	$(BIN)/gtm demo

test: $(STAMP)  ## the whole suite against real parts (embedded Postgres, ...)
	$(BIN)/python -m pytest

bench: $(STAMP)  ## performance and quality harnesses -> benchmarks/results/*.json
	$(BIN)/python -m benchmarks

ui: $(STAMP)  ## Dagster UI + daemon (and later the review web app)
	$(BIN)/gtm up

lint: $(STAMP)
	$(BIN)/ruff check gtm gtm_assets gtm_resources tests benchmarks

validate: $(STAMP)  ## load the Dagster code location the way the UI does
	DAGSTER_HOME=$$(mktemp -d) $(BIN)/dagster definitions validate -w workspace.yaml

clean-home:  ## remove local state (.gtm): embedded database, Dagster instance, inbox, outbox
	-$(BIN)/gtm db:stop
	rm -rf .gtm
