PYTHON ?= python3
SHELL := /bin/bash
.SHELLFLAGS := -o pipefail -c
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: lint test test-fast demo bench clean install uninstall

# make install: outreach in its own virtual environment under $(PREFIX)/share/outreach/venv and one link,
# $(PREFIX)/bin/outreach (the pipx way; no root). PREFIX defaults to ~/.local, so the link is on the usual PATH.
PREFIX ?= $(HOME)/.local
INSTALL_VENV ?= $(PREFIX)/share/outreach/venv
PIP_ARGS ?=

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(STAMP)

# The quality gate (docs/architecture.md "The quality gate"): lint rules, the formatter's check, the types.
lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy outreach_cli

# The gate first (#19.4): ruff check, ruff format --check, mypy (strict where pyproject.toml says), then the suite.
test: lint
	$(BIN)/python -m pytest -q

# The suite without the tests marked slow (kill -9, races, the cron install, PostgreSQL's concurrency): a few minutes.
test-fast: $(STAMP)
	$(BIN)/python -m pytest -q -m "not slow"

demo: $(STAMP)
	PATH="$(CURDIR)/$(BIN):$$PATH" bash examples/demo.sh

# make bench BENCH_ARGS=--quick for a short run. Each part writes its figures into bench/results*.txt,
# which docs/performance.md points to (bench/postgres.py says in one line why it skips without a server).
bench: $(STAMP)
	$(BIN)/pip install --quiet -e '.[test,bench]'
	$(BIN)/python bench/run.py $(BENCH_ARGS)
	$(BIN)/python bench/right_time.py $(BENCH_ARGS) | tee bench/results-right-time.txt
	$(BIN)/pip install --quiet -e '.[test,bench,postgres]'
	$(BIN)/python bench/postgres.py $(BENCH_ARGS) | tee bench/results-postgres.txt
	$(BIN)/python bench/readme.py

clean:
	rm -rf $(VENV)

install:
	$(PYTHON) -m venv --clear "$(INSTALL_VENV)"
	"$(INSTALL_VENV)/bin/pip" install --quiet --disable-pip-version-check $(PIP_ARGS) "$(CURDIR)"
	mkdir -p "$(PREFIX)/bin"
	ln -sfn "$(INSTALL_VENV)/bin/outreach" "$(PREFIX)/bin/outreach"
	@echo "Installed $(PREFIX)/bin/outreach (environment: $(INSTALL_VENV))."
	@case ":$$PATH:" in *":$(PREFIX)/bin:"*) ;; *) echo "Add $(PREFIX)/bin to your PATH to run outreach by name.";; esac

uninstall:
	rm -f "$(PREFIX)/bin/outreach"
	rm -rf "$(INSTALL_VENV)"
