# dlnotes: the two commands. Each sets up its own environment from a fresh clone.
#   make book   create/refresh .venv, export, execute every notebook (slow cells too) and render the site
#   make test   create/refresh .venv, check notebooks and library are in sync, run pytest
SHELL := /bin/bash
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.dlnotes-installed
# pip arguments for torch: a CPU build (here a local wheel; on GitHub add --index-url https://download.pytorch.org/whl/cpu)
TORCH  ?= torch==2.13.0
PYTEST_ARGS ?=

.PHONY: book test env sync-check clean

# torch first (a CPU wheel), then the project with its dev extra; redone when pyproject.toml changes
$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q $(TORCH)
	$(BIN)/python -m pip install -q -e ".[dev]"
	$(BIN)/python -m ipykernel install --sys-prefix --name python3 >/dev/null
	touch $(STAMP)

env: $(STAMP)

book: env
	$(BIN)/nbdev-export
	MPLBACKEND=Agg $(BIN)/nbdev-test --flags slow --save --timing
	$(BIN)/nbdev-clean
	$(BIN)/nbdev-export
	$(BIN)/python tools/render_book.py

test: env
	PATH="$(abspath $(BIN)):$$PATH" bash tools/sync_check.sh
	MPLBACKEND=Agg $(BIN)/python -m pytest $(PYTEST_ARGS)

clean:
	rm -rf _proc _docs .pytest_cache
