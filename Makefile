# dlnotes: the two commands. Each sets up its own environment from a fresh clone.
#   make book   create/refresh .venv, export, execute every notebook (slow cells too) and render the site
#   make test   create/refresh .venv, check notebooks and library are in sync, run pytest
SHELL := /bin/bash
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
# the stamp is named by pyproject.toml's content (nbdev-export rewrites the file, so its mtime is no guide)
STAMP  := $(VENV)/.installed-$(shell (sha256sum pyproject.toml 2>/dev/null || shasum -a 256 pyproject.toml) | cut -c1-16)
# pip arguments for torch: a CPU build (here a local wheel; on GitHub add --index-url https://download.pytorch.org/whl/cpu)
TORCH  ?= torch==2.13.0
PYTEST_ARGS ?=
# numpy's multi-threaded BLAS (and torch's OpenMP) spend more time handing tiny matrices between threads
# (the book's networks are small); one BLAS thread makes every notebook 2-3x faster on a 2-core machine.
export OPENBLAS_NUM_THREADS ?= 1
export OMP_NUM_THREADS ?= 1
export MKL_NUM_THREADS ?= 1

.PHONY: book test env sync-check clean

# torch first (a CPU wheel), then the project with its dev extra; redone when pyproject.toml changes
$(STAMP):
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q $(TORCH)
	$(BIN)/python -m pip install -q -e ".[dev]"
	$(BIN)/python -m ipykernel install --sys-prefix --name python3 >/dev/null
	rm -f $(VENV)/.installed-*
	touch $(STAMP)

env: $(STAMP)

# The site: math typesets with no network because the pages load MathJax from the site itself. The pinned
# npm package mathjax@3.2.2 (integrity-checked) is fetched once with `npm pack` into build/ (so npm is needed
# the first time); tools/render_book.py renders with Quarto (on PATH; nbs/_quarto.yml: html-math-method),
# copies MathJax into _docs/mathjax/ and drops the scripts Quarto would load from CDNs.
# Check the result in a real browser: `.venv/bin/python -m pytest tests/test_site.py` (Quarto + Chromium).
book: env
	$(BIN)/python tools/render_book.py --check-fonts
	$(BIN)/python tools/mathjax.py --fetch
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
