# Billfold: `make run` starts the app with a demo account; `make test` runs the whole suite.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
PYTEST_ARGS ?=
# `make run PORT=8001` when something else already listens on 8000.
PORT ?= 8000

.PHONY: install run serve worker test e2e lint format bench migrate demo clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $(STAMP)

install: $(STAMP)

migrate: install
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py billfold_setup

demo: migrate
	DJANGO_DEBUG=1 $(BIN)/python manage.py seed_demo

## Start the web server and the background worker on 127.0.0.1:$(PORT) (development).
run: demo
	DJANGO_DEBUG=1 $(BIN)/honcho -f Procfile.dev start --port $(PORT)

## Production-like local run: gunicorn with its config file, static files collected.
serve: migrate
	$(BIN)/python manage.py collectstatic --noinput --verbosity 0
	$(BIN)/gunicorn -c config/gunicorn.py

worker: install
	$(BIN)/python manage.py qcluster

test: install
	$(BIN)/python -m pytest $(PYTEST_ARGS)

e2e: install
	$(BIN)/python -m pytest -m e2e $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

bench: install
	$(BIN)/python -m tests.bench $(BENCH_ARGS)

clean:
	rm -rf $(VENV) var/staticfiles .pytest_cache
