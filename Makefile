# cxlab: two commands. `make demo` sets everything up and publishes the reports; `make test` runs the tests.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
SIZE ?= default
SEED ?= 7
PYTEST_ARGS ?=
# make test runs on this many pytest-xdist workers; the tests of one file stay on one worker
TEST_WORKERS ?= 2

.DEFAULT_GOAL := help
PORT ?= 8888
.PHONY: help install lab demo data bank refresh test test-slow test-all bench lint format browser postgres pdf docs clean

help: ## List the targets
	@awk 'BEGIN {FS = ":.*## "}; /^[a-zA-Z_-]+:.*## / {printf "  \033[36m%-11s\033[0m %s\n", $$1, $$2}' $(MAKEFILE_LIST)

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev,lab,docs]"
	@touch $(STAMP)

install: $(STAMP) ## Create .venv and install cxlab with its dependencies

demo: $(STAMP) ## Set up, generate the default synthetic workspace, run every notebook, publish the reports
	$(BIN)/cxlab data generate --size $(SIZE) --seed $(SEED)
	$(BIN)/cxlab refresh

lab: $(STAMP) ## Open JupyterLab on this workspace's notebooks (PORT=8888; add LAB_ARGS=--no-browser on a server)
	CXLAB_WORKSPACE=$(CURDIR) $(BIN)/jupyter lab --ServerApp.root_dir=$(CURDIR) --port=$(PORT) \
		$(if $(filter 0,$(shell id -u)),--allow-root) $(LAB_ARGS)

data: $(STAMP) ## Generate the synthetic workspace only (SIZE=tiny|default|large|xlarge, SEED=7)
	$(BIN)/cxlab data generate --size $(SIZE) --seed $(SEED)

BANK ?= workspaces/bank_calls
bank: $(STAMP) ## A real bank's call report (fpp3 bank_calls, 2003) as an interval workspace in BANK, and its forecast report
	mkdir -p $(BANK)
	cp examples/bank_calls/cxlab.toml examples/bank_calls/schedule.yaml $(BANK)/
	echo 'notebooks_dir = "$(CURDIR)/notebooks"' >> $(BANK)/cxlab.toml
	test -f $(BANK)/data/raw/bank_calls.csv || \
		$(BIN)/cxlab data sample bank_calls --to $(BANK)/data/raw/bank_calls.csv
	$(BIN)/cxlab data ingest $(BANK)/data/raw/bank_calls.csv --table intervals \
		--map examples/bank_calls/intervals.yaml --workspace $(BANK)
	$(BIN)/cxlab data ingest examples/bank_calls/queues.csv --table queues --workspace $(BANK)
	$(BIN)/cxlab refresh --workspace $(BANK)

refresh: $(STAMP) ## Run every scheduled notebook and publish the reports
	$(BIN)/cxlab refresh

pdf: $(STAMP) ## Export a published report: make pdf NOTEBOOK=00_service_review (a PDF and one HTML file)
	$(BIN)/cxlab export $(NOTEBOOK) --pdf --single-file

test: $(STAMP) ## Run the tests (what CI runs; slow simulations excluded)
	$(BIN)/python -m pytest -m "not slow" -n $(TEST_WORKERS) --dist loadfile $(PYTEST_ARGS)

test-slow: $(STAMP) ## Run the long simulations (coverage over many seeds, A/A rates)
	$(BIN)/python -m pytest -m slow -n $(TEST_WORKERS) --dist loadfile $(PYTEST_ARGS)

test-all: $(STAMP) ## Run every test
	$(BIN)/python -m pytest $(PYTEST_ARGS)

bench: $(STAMP) ## Run the benchmarks (each prints a table)
	@for b in benchmarks/bench_*.py; do echo "== $$b"; $(BIN)/python $$b || exit 1; done

lint: $(STAMP) ## Check the code with ruff
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks

format: $(STAMP) ## Format the code with ruff
	$(BIN)/ruff format src tests benchmarks
	$(BIN)/ruff check --fix src tests benchmarks

browser: ## Install headless Chromium and a CJK font for the browser tests and PDF exports (Debian)
	@if ! command -v chromium >/dev/null || ! fc-list 2>/dev/null | grep -qi "Noto Sans CJK"; then \
		apt-get update -qq && apt-get install -y -qq chromium fonts-noto-cjk fontconfig >/dev/null; fi

postgres: ## Install the PostgreSQL server the database tests start in a temporary folder (Debian)
	@if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 && ! command -v initdb >/dev/null; then \
		apt-get update -qq && apt-get install -y -qq --no-install-recommends postgresql >/dev/null; fi

docs: $(STAMP) ## Build the guide and API reference into site/ (offline; open site/index.html from disk)
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs build --strict

clean: ## Remove generated data, outputs and caches (keeps .venv)
	rm -rf data/raw/synthetic data/processed/* outputs/* .pytest_cache .ruff_cache
	@touch data/processed/.gitkeep outputs/.gitkeep
