# The two commands of the README: `make run` (demo) and `make test` (lint + suite).
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test test-unit lint fmt migrate demo messages serve worker beat bench bench-load clean

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

$(VENV)/.runtime: $(PY) requirements.txt
	$(PY) -m pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.dev: $(VENV)/.runtime requirements-dev.txt
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $@

run: $(VENV)/.runtime
	$(PY) manage.py migrate --no-input
	$(PY) manage.py compile_catalogues
	$(PY) manage.py seed_demo
	@echo
	@echo "MaliSIG runs at http://$(HOST):$(PORT)/  (log in with one of the demo accounts above; Ctrl-C stops it)"
	@echo
	$(PY) manage.py runserver $(HOST):$(PORT)

test: $(VENV)/.dev lint
	$(PY) -m pytest

test-unit: $(VENV)/.dev
	$(PY) -m pytest --ignore=tests/e2e -m "not integration"

lint: $(VENV)/.dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(PY) manage.py makemigrations --check --dry-run

fmt: $(VENV)/.dev
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

migrate: $(VENV)/.runtime
	$(PY) manage.py migrate --no-input

demo: migrate
	$(PY) manage.py seed_demo

# Needs GNU gettext to extract strings; compiling needs only Python.
messages: $(VENV)/.dev
	$(PY) manage.py makemessages -l fr -l en --no-location --ignore=.venv --ignore=bench --ignore=tests --ignore=staticfiles
	$(PY) manage.py compile_catalogues --force

# The real stack (set DATABASE_URL, REDIS_URL, SECRET_KEY, DEBUG=False, ALLOWED_HOSTS ... first).
serve: $(VENV)/.runtime
	$(PY) manage.py collectstatic --no-input
	$(PY) manage.py migrate --no-input
	$(VENV)/bin/gunicorn malisig.wsgi --bind $(HOST):$(PORT) --workers $${WEB_CONCURRENCY:-3} --access-logfile -

worker: $(VENV)/.runtime
	$(VENV)/bin/celery -A malisig worker --loglevel INFO

beat: $(VENV)/.runtime
	$(VENV)/bin/celery -A malisig beat --loglevel INFO --schedule $${CELERY_BEAT_SCHEDULE_FILE:-/tmp/malisig-celerybeat-schedule}

bench: $(VENV)/.dev
	$(PY) bench/run.py

# The load test ("Load test" in bench/README.md): needs PostgreSQL and Redis on loopback; rebuilds the
# malisig_load database and empties Redis db 12 (LOAD_DATABASE_URL, LOAD_REDIS_URL). LOAD_ARGS="--duration 30s".
$(VENV)/.bench: $(VENV)/.dev requirements-bench.txt
	$(PY) -m pip install --quiet -r requirements-bench.txt
	touch $@

bench-load: $(VENV)/.bench
	$(PY) bench/load/run.py $(LOAD_ARGS)

clean:
	rm -rf $(VENV) staticfiles .pytest_cache .ruff_cache
