# Quick start: `make run` serves the application on http://127.0.0.1:8000; `make test` runs ruff and the suite on
# SQLite and then on PostgreSQL.
SHELL := /bin/bash
.DEFAULT_GOAL := run

VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8000
PG_TEST_URL ?= postgres://postgres@127.0.0.1:5432/test
PYTHON_VERSION := $(shell cat .python-version)

# A Python matching .python-version (3.12+): pyenv's, then python3.12/3.13 on PATH.
PYTHON ?= $(firstword $(wildcard $(HOME)/.pyenv/versions/$(PYTHON_VERSION)*/bin/python3 /root/.pyenv/versions/$(PYTHON_VERSION)*/bin/python3) $(shell command -v python$(PYTHON_VERSION) python3.13 python3.12 2>/dev/null))

.PHONY: run test lint install install-test migrate clean browser-deps bench

$(VENV)/.installed: pyproject.toml .python-version
	@if [ -z "$(PYTHON)" ] || ! "$(PYTHON)" -c 'import sys; sys.exit(sys.version_info < (3, 12))' 2>/dev/null; then \
		echo "ERROR: Rakornis needs Python 3.12 or newer (pinned in .python-version: $(PYTHON_VERSION))."; \
		echo "       Found none (tried: '$(PYTHON)'). Install it (e.g. 'pyenv install $(PYTHON_VERSION)') or run 'make PYTHON=/path/to/python3.12'."; \
		exit 1; \
	fi
	@if [ ! -x $(PY) ] || ! $(PY) -c 'import sys; sys.exit(sys.version_info < (3, 12))'; then \
		rm -rf $(VENV); "$(PYTHON)" -m venv $(VENV); fi
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: $(VENV)/.installed
	$(PY) -m pip install --quiet -e ".[test]"
	touch $@

install: $(VENV)/.installed
install-test: $(VENV)/.installed-test

migrate: install
	DEBUG=true $(PY) manage.py migrate --noinput

# A development .env for `python manage.py ...` in this checkout; the real environment still wins.
.env:
	printf '# Development settings written by make run; delete for production-like behaviour.\nDEBUG=true\n' > .env

run: .env migrate
	DEBUG=true $(PY) manage.py load_reference_data
	DEBUG=true $(PY) manage.py seed_demo --if-empty
	@# The tasks worker (background Excel exports/imports) runs beside the server and stops with it.
	DEBUG=true $(PY) manage.py db_worker & worker=$$!; trap 'kill $$worker 2>/dev/null' EXIT INT TERM; \
		DEBUG=true $(PY) manage.py runserver 127.0.0.1:$(PORT)

lint: install-test
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	DEBUG=true $(PY) manage.py makemigrations --check --dry-run

# Debian's Chromium for the browser tests (Playwright's own browser download does not work here).
browser-deps:
	@if [ ! -x /usr/bin/chromium ]; then \
		if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
		else echo "Browser tests need /usr/bin/chromium: sudo apt-get install chromium"; fi; \
	fi

# The browser tests run on their own: only they need DJANGO_ALLOW_ASYNC_UNSAFE (Playwright's sync API inside
# pytest-django's live_server), never the rest of the suite or production.
test: install-test lint browser-deps
	@echo "== SQLite =="
	$(PY) -m pytest -n 2 -m "not browser"
	DJANGO_ALLOW_ASYNC_UNSAFE=true $(PY) -m pytest -m browser
	@echo "== PostgreSQL ($(PG_TEST_URL)) =="
	DATABASE_URL=$(PG_TEST_URL) $(PY) -m pytest -n 2 -m "not browser"
	DATABASE_URL=$(PG_TEST_URL) DJANGO_ALLOW_ASYNC_UNSAFE=true $(PY) -m pytest -m browser

# Benchmarks print figures and ratios against the bare libraries measured in the same run (never timed tests).
BENCH_DB ?= rakornis_bench
BENCH_PG_URL ?= postgres://postgres@127.0.0.1:5432/$(BENCH_DB)
bench: install-test
	@psql -h 127.0.0.1 -U postgres -tAc "SELECT 1 FROM pg_database WHERE datname = '$(BENCH_DB)'" | grep -q 1 \
		|| createdb -h 127.0.0.1 -U postgres $(BENCH_DB)
	DEBUG=true DATABASE_URL=$(BENCH_PG_URL) $(PY) manage.py migrate --noinput -v0
	DATABASE_URL=$(BENCH_PG_URL) $(PY) bench/xlsx_bench.py --proposals 100000 --import-rows 10000
	DATABASE_URL=$(BENCH_PG_URL) $(PY) bench/renja_bench.py --agreed 50000

clean:
	rm -rf $(VENV) staticfiles .pytest_cache .ruff_cache
