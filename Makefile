# The two commands a newcomer needs: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000

.PHONY: install run migrate demo test lint format clean bench serve

install: $(VENV)/.installe .env

$(VENV)/.installe: pyproject.toml
	test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

.env:
	cp .env.example .env
	echo "DJANGO_SECRET_KEY=$$($(PYTHON) -c 'import secrets; print(secrets.token_urlsafe(50))')" >> .env

migrate: install
	$(BIN)/python manage.py migrate --no-input

demo: migrate
	DJANGO_DEBUG=1 $(BIN)/python manage.py charger_demo

run: demo
	@echo "FIPD Programmation : http://127.0.0.1:$(PORT)/ (comptes de démonstration : voir README.md)"
	DJANGO_DEBUG=1 $(BIN)/python manage.py runserver 127.0.0.1:$(PORT)

# Production: gunicorn (workers from WEB_CONCURRENCY) on the database of DATABASE_URL (PostgreSQL), DEBUG off;
# with REDIS_URL, a Celery worker (CELERY_CONCURRENCY processes, default 2) beside it for the queued tasks
# (validated PDFs, e-mails), stopped with gunicorn; without, the tasks run in the web processes. The settings
# come from the environment or .env (see README « Déployer »).
serve: install
	$(BIN)/python manage.py migrate --no-input
	$(BIN)/python manage.py collectstatic --no-input --verbosity 0
	@if $(BIN)/python -c 'from fipd import settings; raise SystemExit(0 if settings.REDIS_URL else 1)'; then \
	  $(BIN)/celery -A fipd worker --concurrency "$${CELERY_CONCURRENCY:-2}" --loglevel "$${LOG_LEVEL:-WARNING}" & \
	  trap "kill $$! 2>/dev/null; wait $$!" EXIT INT TERM; \
	else \
	  echo "REDIS_URL absent : les tâches (PDF validés, courriels) s'exécutent dans les processus web."; \
	fi; \
	$(BIN)/gunicorn fipd.wsgi:application --config gunicorn.conf.py

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# Two processes (pytest-xdist): the suite holds under ten minutes on a 2-core machine; PYTEST_WORKERS=0 runs it
# in one process.
PYTEST_WORKERS ?= 2

test: lint
	$(BIN)/python -m pytest -n $(PYTEST_WORKERS)

bench: migrate
	$(BIN)/python bench/run.py

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .hypothesis staticfiles .test-db.sqlite3*
