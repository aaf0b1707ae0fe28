# rnnedu: `make lab` opens the course, `make test` runs everything.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
LAB_PORT ?= 8888
LAB_OPTS ?=
# Jupyter refuses to run as root without --allow-root (containers and CI machines often are root).
ALLOW_ROOT := $(if $(filter 0,$(shell id -u)),--allow-root)
NOTEBOOKS := $(sort $(wildcard notebooks/[0-9][0-9]_*.ipynb))
# tests/browser drive Debian's Chromium (apt-get install chromium); without it they are skipped.
CHROMIUM := /usr/bin/chromium
# The oldest versions rnnedu supports (TensorFlow 2.16, ipywidgets 7 as on Colab), in an environment of their own.
OLDEST := .venv-oldest
OLDEST_STAMP := $(OLDEST)/.installed
# Not run there, on purpose: test_lab checks `make lab`, which serves .venv; test_nbval_harness runs
# a notebook, and the notebooks are checked in .venv, with the versions they teach.
OLDEST_EXCLUDED := --ignore=tests/test_lab.py --ignore=tests/test_nbval_harness.py

.PHONY: help setup lab test test-oldest lint format notebooks screenshots bench clean

help:
	@echo "make lab        set up .venv and open the course in JupyterLab (localhost, with a token)"
	@echo "make test       set up .venv, then run the unit tests, every notebook (nbval) and the widgets in Chromium"
	@echo "make test-oldest  the unit and browser tests with the oldest supported versions, in .venv-oldest"
	@echo "make screenshots  refresh the README's pictures of the widgets (docs/screenshots/, needs Chromium)"
	@echo "make notebooks  re-execute every notebook in place, so committed outputs are fresh"
	@echo "make format     format the code and the notebooks with ruff"
	@echo "make bench      run the benchmarks and print medians (timings are printed, never asserted)"

setup: $(STAMP)

$(STAMP): requirements.txt pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || \
	  { echo "rnnedu needs Python 3.11 or newer (Keras 3.15 does); $(PYTHON) is $$($(PYTHON) --version 2>&1)." >&2; exit 1; }
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV) || { \
	  rm -rf $(VENV); \
	  echo "python3 -m venv failed; installing Debian's python3-venv (needs root)..." >&2; \
	  apt-get update -q && apt-get install -y -q python3-venv && $(PYTHON) -m venv $(VENV); }
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -r requirements.txt
	$(BIN)/python -m pip install -q --no-deps -e .
	@touch $(STAMP)

lab: $(STAMP)
	cd notebooks && ../$(BIN)/jupyter lab 00_start_here.ipynb --ServerApp.ip=127.0.0.1 --ServerApp.port=$(LAB_PORT) $(ALLOW_ROOT) $(LAB_OPTS)

test: $(STAMP) lint
	@test -x $(CHROMIUM) || echo "make test: $(CHROMIUM) not found, so the browser tests (tests/browser) are SKIPPED; apt-get install chromium runs them."
	$(BIN)/python -m pytest

$(OLDEST_STAMP): requirements-oldest.txt pyproject.toml | $(STAMP)
	$(PYTHON) -m venv $(OLDEST)
	$(OLDEST)/bin/python -m pip install -q --upgrade pip
	$(OLDEST)/bin/python -m pip install -q -r requirements-oldest.txt
	$(OLDEST)/bin/python -m pip install -q --no-deps -e .
	$(OLDEST)/bin/python -m pip check
	@touch $@

test-oldest: $(OLDEST_STAMP)
	$(OLDEST)/bin/python -m pytest tests rnnedu $(OLDEST_EXCLUDED)

screenshots: $(STAMP)
	rm -rf build/browser
	RNNEDU_BROWSER_TESTS=required $(BIN)/python -m pytest tests/browser -q -k render_and_redraw
	mkdir -p docs/screenshots
	cp build/browser/views/*.png docs/screenshots/

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

notebooks: $(STAMP)
	for nb in $(NOTEBOOKS); do \
	  RNNEDU_OFFLINE=1 TF_CPP_MIN_LOG_LEVEL=3 $(BIN)/jupyter nbconvert --to notebook --execute --inplace \
	    --ExecutePreprocessor.timeout=600 "$$nb" || exit 1; \
	done
	$(BIN)/python tools/notebook_header.py --check

bench: $(STAMP)
	$(BIN)/python -m rnnedu.bench gates
	$(BIN)/python -m rnnedu.bench gradients
	$(BIN)/python -m rnnedu.bench kernels --timesteps 28 --batch-sizes 64

clean:
	rm -rf $(VENV) $(OLDEST) build .ruff_cache
