# Referral Engine — two commands: `make demo` runs the product, `make test` runs the whole suite.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
UV_VERSION := 0.13.9
HOST ?= 127.0.0.1
PORT ?= 8000
POSTGRES_URL ?= postgres://postgres@127.0.0.1:5432/referral_engine
PYTEST_ARGS ?=
# pytest-xdist workers; each gets its own test database.
TEST_WORKERS ?= auto

.PHONY: demo test install chromium lint format test-sqlite test-postgres lock bench clean

$(VENV)/.installed: pyproject.toml requirements.lock
	@$(PYTHON) -c 'import sys; sys.exit("Referral Engine needs Python 3.11 or newer" if sys.version_info < (3, 11) else 0)'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)
	$(BIN)/uv pip install --quiet --python $(BIN)/python --require-hashes -r requirements.lock
	$(BIN)/uv pip install --quiet --python $(BIN)/python --no-deps -e .
	@touch $@

install: $(VENV)/.installed

## Debian's Chromium for the browser tests: installed with apt-get where that is possible (root), else a warning.
chromium:
	@if [ -x /usr/bin/chromium ]; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	  echo "== installing Chromium for the browser tests =="; \
	  DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium \
	    || { apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium; }; \
	else \
	  echo "warning: /usr/bin/chromium is missing and cannot be installed here (needs root and apt-get):" \
	       "the browser tests will be skipped, or fail where CI=true." >&2; \
	fi

## Set everything up, load the demo firm if there is none, and serve on http://$(HOST):$(PORT).
demo: install
	$(BIN)/referral-engine migrate --no-input -v 0
	$(BIN)/referral-engine collectstatic --no-input -v 0
	$(BIN)/referral-engine demo --if-missing
	$(BIN)/referral-engine serve --host $(HOST) --port $(PORT)

## Set everything up and run the whole suite on SQLite, then on PostgreSQL when one answers.
test: install lint test-sqlite test-postgres

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

test-sqlite: install chromium
	@echo "== test suite on SQLite =="
	env -u DATABASE_URL $(BIN)/pytest -n $(TEST_WORKERS) $(PYTEST_ARGS)

test-postgres: install chromium
	@url="$${DATABASE_URL:-$(POSTGRES_URL)}"; \
	if $(BIN)/python -c "import sys, dj_database_url as d, psycopg; c = d.parse(sys.argv[1]); psycopg.connect(host=c['HOST'] or None, port=c['PORT'] or None, user=c['USER'] or None, password=c['PASSWORD'] or None, dbname='postgres', connect_timeout=3).close()" "$$url" 2>/dev/null; then \
	  echo "== test suite on PostgreSQL ($$url) =="; \
	  DATABASE_URL="$$url" $(BIN)/pytest -n $(TEST_WORKERS) $(PYTEST_ARGS); \
	elif [ -n "$$REQUIRE_POSTGRES" ]; then \
	  echo "PostgreSQL at $$url does not answer, and REQUIRE_POSTGRES is set." >&2; exit 1; \
	else \
	  echo "== PostgreSQL does not answer at $$url: skipping the PostgreSQL pass (CI requires it) =="; \
	fi

## Re-pin every dependency after editing pyproject.toml.
lock: install
	$(BIN)/uv pip compile --quiet pyproject.toml --extra dev --python-version 3.11 --generate-hashes -o requirements.lock

bench: install
	$(BIN)/python bench/demo_generate.py --accounts 1000000

clean:
	rm -rf $(VENV) var build *.egg-info
