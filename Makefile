# Union Portal: `make run` sets up and starts everything; `make test` runs the suite.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
# The web port: the environment's WEB_PORT, else the one in .env, else 8000.
WEB_PORT ?= $(or $(shell sed -n 's/^WEB_PORT=[^0-9]*\([0-9]*\).*/\1/p' .env 2>/dev/null | tail -n 1),8000)
export WEB_PORT

.PHONY: run setup install install-test assets test lint check-migrations clean

# The Procfile's "ready" process says when the worker has reported in. honcho
# reads no .env (-e /dev/null): the settings read it themselves, below the
# environment, and WEB_PORT is settled above.
run: setup
	$(PY) manage.py seed_demo
	@echo "Portal: http://127.0.0.1:$(WEB_PORT)/  (admin: /admin/, health: /healthz)"
	@echo "Starting web, worker and beat; wait for the \"ready\" line (about half a minute)."
	PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/honcho start -e /dev/null

setup: install .env
	$(PY) manage.py webpush_keys --env-file .env
	$(PY) manage.py migrate --noinput
	$(PY) manage.py setup_schedules

install: $(VENV)/.installed assets

install-test: $(VENV)/.installed-test assets

$(VENV)/.installed: requirements.txt
	test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.installed-test: $(VENV)/.installed requirements-test.txt
	$(PY) -m pip install --quiet -r requirements-test.txt
	touch $@

assets: node_modules/.package-lock.json

node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund

# Local development settings; production sets real environment variables.
.env:
	printf 'DJANGO_DEBUG=true\n' > .env

# In parallel on every core (one database and Redis database a worker); a test
# file stays on one worker so that its module fixtures are built once.
test: install-test
	$(BIN)/pytest -n auto --dist loadfile --durations=15

lint: install-test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

# Without DJANGO_DEBUG the settings demand production secrets; checking the
# migrations needs none, so it runs with the development settings, as CI does.
check-migrations: install-test
	DJANGO_DEBUG=true $(PY) manage.py makemigrations --check --dry-run

clean:
	rm -rf $(VENV) node_modules var .env
