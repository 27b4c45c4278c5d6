# Fresh machine: `make run` serves the demo on http://127.0.0.1:8000; `make test` runs the tests.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: help install install-test run test lint openapi bench bench-import clean
.DEFAULT_GOAL := help

help:
	@echo "make run      set up and serve the demo on http://$(HOST):$(PORT) (SQLite; HOST=, PORT= to change)"
	@echo "make test     install and run the test suite (DATABASE_URL=postgres://... for PostgreSQL)"
	@echo "make lint     ruff"
	@echo "make openapi  regenerate openapi/openapi.yaml"
	@echo "make bench    read-API benchmark (bench/RESULTS.md); make bench-import: the importers'"
	@echo "make clean    remove the test database and pytest's cache"

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@ $(VENV)/.installed

install: $(VENV)/.installed
install-test: $(VENV)/.installed-test

# The demo is a development setup: DEBUG=1 for every step (no production SECRET_KEY needed).
# The URL clients are told (one_params, /one-params, /cache/info) follows HOST and PORT.
run: export DEBUG := 1
run: export MIRROR_PUBLIC_URL ?= http://$(HOST):$(PORT)
run: install
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py load_demo
	$(BIN)/python manage.py mirror_one_cache
	$(BIN)/python manage.py runserver $(HOST):$(PORT)

test: install-test
	$(BIN)/python -m pytest

lint: install-test
	$(BIN)/ruff check .

# Read-API benchmark (not part of `make test`, never run by CI): seeds SQLite and PostgreSQL at
# 1x and 5x (kept in /tmp/mirror-bench and mirror_bench_s*), gunicorn + wrk, writes bench/RESULTS.md.
# BENCH_POSTGRES=postgres://user@host:port/ names a server where databases can be created.
BENCH_ARGS ?=
bench: install-test
	@command -v wrk >/dev/null || { if [ "$$(id -u)" = 0 ]; then \
	  apt-get update -q && apt-get install -y -q wrk; else \
	  echo "wrk is missing: run 'sudo apt-get install -y wrk' and make bench again"; exit 1; fi; }
	$(BIN)/python -m bench.run $(BENCH_ARGS)

bench-import: install-test
	$(BIN)/python bench/labvanced_import.py --sessions 1000 --trials 200
	$(BIN)/python bench/labstep_import.py --experiments 500 --attachments 2000
	$(BIN)/python bench/hyperstudy_import.py --events 1000000 --rooms 100 --no-trace

openapi: install
	$(BIN)/python manage.py spectacular --file openapi/openapi.yaml

clean:
	rm -rf var/test-mirror.sqlite3 .pytest_cache
