# Second Opinion: `make run` sets up and starts everything; `make test` sets up and runs every check.
SHELL := /bin/bash
.DEFAULT_GOAL := help

VENV := .venv
PY := $(VENV)/bin/python
# Python 3.12 or newer (Django 6 needs it): python3.13 / python3.12 / python3 on PATH when they
# really run (a pyenv shim may exist but fail), else pyenv's own 3.13 / 3.12.
PYTHON ?= $(shell \
  for c in python3.13 python3.12 python3; do \
    if $$c -c 'import sys; sys.exit(sys.version_info < (3, 12))' >/dev/null 2>&1; then command -v $$c; exit 0; fi; \
  done; \
  for v in 3.13 3.12; do \
    p=$$(pyenv prefix $$v 2>/dev/null) && [ -x "$$p/bin/python$$v" ] && { echo "$$p/bin/python$$v"; exit 0; }; \
  done)

.PHONY: help install run test test-cluster lint chromium java clamav nginx gettext messages bench bench-tus lock clean

help:
	@echo "make run   - set up, migrate, seed demo accounts, start web + worker + beat on http://127.0.0.1:8000"
	@echo "make test  - set up and run lint, migration check and every test"
	@echo "make test-cluster - only the production-shaped tests: nginx (deploy/) in front of two"
	@echo "             gunicorn nodes, a worker and beat, on PostgreSQL, Redis and moto's S3"
	@echo "make bench - run the benchmarks under bench/ and write bench/results.json"
	@echo "make bench-tus - 2 GiB tus uploads through nginx and two nodes against @tus/server"
	@echo "make lock  - re-pin Python dependencies (requirements.lock, requirements-dev.lock)"

$(VENV)/.installed: requirements-dev.lock
	@if [ -z "$(PYTHON)" ]; then \
	  echo "Second Opinion needs Python 3.12 or newer and none was found."; \
	  echo "Install one (for example 'apt-get install python3.12 python3.12-venv', or 'pyenv install 3.12')"; \
	  echo "or point to it: make run PYTHON=/path/to/python3.12"; exit 1; fi
	@echo "Using $(PYTHON) ($$($(PYTHON) -V))"
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet --require-hashes -r requirements-dev.lock
	touch $@

node_modules/.installed: package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

install: $(VENV)/.installed node_modules/.installed

run: install
	@$(MAKE) --no-print-directory messages || \
	  echo "Without the compiled catalogs every page is in English (make messages says what is missing)."
	$(PY) manage.py migrate --no-input
	$(PY) manage.py seed_demo
	@echo "Starting web (http://127.0.0.1:8000), Celery worker and beat. Ctrl-C stops all three."
	$(VENV)/bin/honcho start -f Procfile

# Browser tests drive Debian's chromium; never a browser downloaded by a test tool.
chromium:
	@if [ ! -x /usr/bin/chromium ]; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium) >/dev/null; \
	  else echo "Browser tests need Debian's chromium: sudo apt-get install chromium"; exit 1; fi; \
	fi

# The HTML validity check (tests/proofs/test_html_validity.py) runs the Nu HTML Checker from npm's
# vnu-jar on Java: Debian's default-jre-headless when there is none.
java:
	@if ! command -v java >/dev/null; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq default-jre-headless) >/dev/null; \
	  else echo "The HTML validity check needs Java: sudo apt-get install default-jre-headless"; exit 1; fi; \
	fi

# The virus-scanning tests start their own clamd (with an EICAR signature of their own) and are
# skipped, saying so, when it is missing (in CI they fail).
clamav:
	@if ! command -v clamd >/dev/null && [ ! -x /usr/sbin/clamd ]; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq clamav-daemon) >/dev/null; \
	  else echo "The virus-scanning tests need clamd (sudo apt-get install clamav-daemon); they are skipped without it."; fi; \
	fi

# The deploy/ tests check the nginx site with nginx itself and run it in front of two web nodes;
# they are skipped, saying so, when nginx is missing (in CI they fail).
nginx:
	@if [ ! -x /usr/sbin/nginx ]; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nginx) >/dev/null; \
	  else echo "The deploy tests need nginx (sudo apt-get install nginx); they are skipped without it."; fi; \
	fi

# The translations (README, Languages): the catalogs under locale/ are compiled into .mo files
# (built here, never committed) with GNU gettext's msgfmt, Debian's package `gettext`.
gettext:
	@if ! command -v msgfmt >/dev/null; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq gettext) >/dev/null; \
	  else echo "The translations need GNU gettext (msgfmt, msgcmp): sudo apt-get install gettext"; exit 1; fi; \
	fi

messages: install gettext
	$(PY) manage.py compilemessages --ignore=.venv --ignore=node_modules --ignore=var --ignore=staticfiles

# Types (mypy with django-stubs, settings in pyproject.toml; its cache under var/) and templates
# (djLint's checks and the 200-character line rule in .djlint_rules.yaml; it never reformats).
lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy
	$(VENV)/bin/djlint templates --lint
	$(PY) manage.py makemigrations --check --dry-run

# Tests run in parallel, one pytest-xdist worker per core (each with its own test database,
# Celery queue, worker, mail and media folders); TEST_WORKERS=0 runs them in one process.
# Locally the migrated SQLite test database is kept between runs (--reuse-db: a fresh copy of it
# for each run, made again when a migration changes); CI (CI set) builds it from scratch. A test
# that needs a missing service (clamd, Chromium, nginx, PostgreSQL, Redis) is skipped locally,
# saying why, and fails in CI. Coverage of the application packages is printed at the end (files
# not fully covered, then the total) and the run fails under COVERAGE_FLOOR: the measured total
# rounded down; raise it when the total rises, never lower it. The last line is the suite's time.
TEST_WORKERS ?= auto
COVERAGE_FLOOR ?= 93
TEST_DATABASE := $(if $(CI),--create-db,--reuse-db)
test: install chromium java clamav nginx lint messages
	@started=$$(date +%s); status=0; \
	$(VENV)/bin/pytest -n $(TEST_WORKERS) $(TEST_DATABASE) --durations=10 \
	  --cov --cov-report=term --cov-fail-under=$(COVERAGE_FLOOR) || status=$$?; \
	echo "make test: pytest took $$(($$(date +%s) - started)) s (exit status $$status)"; \
	exit $$status

# The production-shaped tests alone (they are part of `make test` too): deploy/'s nginx site in
# front of two gunicorn nodes sharing only PostgreSQL, Redis and an S3 server (moto), plus a worker
# and beat; graceful shutdown; the deploy files. The two-node test needs DATABASE_URL (PostgreSQL)
# and REDIS_URL, and is skipped, saying so, without them.
test-cluster: install chromium
	$(VENV)/bin/pytest tests/integration/test_cluster.py tests/integration/test_graceful_shutdown.py \
	  tests/integration/test_deploy_files.py tests/integration/test_compose_file.py -p no:cacheprovider

# Benchmarks: figures against a same-run baseline, never part of `make test` (README, Benchmarks).
# They need PostgreSQL and Redis: DATABASE_URL's server (else 127.0.0.1:5432) gets two databases
# of their own, secondopinion_bench (100,000 cases) and secondopinion_bench_small (10,000),
# created and seeded by the first run; REDIS_URL (else 127.0.0.1:6379) carries the tasks.
bench: install
	$(PY) bench/run.py

# Resumable uploads against the reference tus server (@tus/server, npm) with the official tuspy
# client; needs nginx, PostgreSQL and Redis as `make bench` does, and ~5 GiB free in the temp folder.
bench-tus: install node_modules/.installed nginx
	$(PY) bench/tus_bench.py

lock: $(VENV)/.installed
	$(PY) -m pip install --quiet uv
	$(VENV)/bin/uv pip compile pyproject.toml --universal --python-version 3.12 --generate-hashes -o requirements.lock
	$(VENV)/bin/uv pip compile pyproject.toml --extra dev --universal --python-version 3.12 --generate-hashes -o requirements-dev.lock

clean:
	rm -rf $(VENV) node_modules staticfiles
