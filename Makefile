# The README's commands. `make run` serves the app on the embedded defaults with demo data;
# `make stack` runs the production-like stack (PostgreSQL, Redis, gunicorn, uvicorn, Celery
# worker and beat; docs/production.md); `make test` runs the suite (on PostgreSQL/Redis too
# when DATABASE_URL/REDIS_URL are set).
PYTHON ?= python3
VENV ?= .venv
BIN = $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000

# The file honcho reads the stack's environment from (make stack ENV_FILE=.env.staging).
ENV_FILE ?= .env
HONCHO = $(BIN)/honcho run -e $(ENV_FILE)

.PHONY: run stack test lint typecheck lock audit screenshots bench bench-quick

$(BIN)/.installed: requirements/base.txt requirements/dev.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet --require-hashes -r requirements/base.txt -r requirements/dev.txt
	touch $@

# The server and the demo's carrier (Procfile.run) under honcho, with no .env (the embedded
# defaults; honcho sets PORT itself, hence RUN_ADDRESS). Ctrl-C stops both.
run: $(BIN)/.installed
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py seed_demo
	RUN_ADDRESS=$(HOST):$(PORT) $(BIN)/honcho start -f Procfile.run -e /dev/null || test $$? -eq 130

# The Procfile's processes under honcho, which reads .env (cp .env.example .env) into every
# command here; a variable set in .env wins over the shell's. Ctrl-C stops them all.
stack: $(BIN)/.installed
	@test -f $(ENV_FILE) || echo "No $(ENV_FILE) file: using the environment alone (cp .env.example .env)."
	$(HONCHO) $(BIN)/python manage.py check_services --create-database
	$(HONCHO) $(BIN)/python manage.py migrate --noinput
	$(HONCHO) $(BIN)/python manage.py collectstatic --noinput --verbosity 0
	$(HONCHO) $(BIN)/python manage.py seed_demo
	@rm -rf var/metrics && mkdir -p var/metrics  # prometheus-client's multiprocess files
	$(BIN)/honcho start -e $(ENV_FILE) || test $$? -eq 130  # 130: stopped by Ctrl-C

test: $(BIN)/.installed
	$(BIN)/pytest

lint: $(BIN)/.installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	$(MAKE) typecheck

# mypy with the Django and DRF plugins over all project code ([tool.mypy] in pyproject.toml).
typecheck: $(BIN)/.installed
	$(BIN)/mypy

# Known vulnerabilities in the pinned requirements (pip-audit; see .ci/audit.py).
audit: $(BIN)/.installed
	$(BIN)/python .ci/audit.py

lock: $(BIN)/.installed
	cd requirements && ../$(BIN)/pip-compile --quiet --strip-extras --generate-hashes --allow-unsafe --no-emit-index-url --no-emit-find-links base.in -o base.txt
	cd requirements && ../$(BIN)/pip-compile --quiet --strip-extras --generate-hashes --allow-unsafe --no-emit-index-url --no-emit-find-links dev.in -o dev.txt

# Refresh docs/screenshots/ from the browser journeys (needs Chromium, PostgreSQL and Redis).
screenshots: $(BIN)/.installed
	SCREENSHOT_DIR=docs/screenshots $(BIN)/pytest tests/live/test_browser_journeys.py tests/live/test_catalogue_journey.py \
		tests/live/test_admin_journey.py tests/live/test_staff_orders_live.py

# The production benchmark (bench/README.md): starts its own database, Redis DBs 10-11, SMTP sink,
# uvicorn, Celery worker and beat, measures every goal, writes bench/results/. ARGS=--quick for
# the scaled-down run (under 3 minutes), also `make bench-quick`.
bench: $(BIN)/.installed
	$(BIN)/python bench/run.py $(ARGS)

bench-quick: $(BIN)/.installed
	$(BIN)/python bench/run.py --quick $(ARGS)
