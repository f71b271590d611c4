# Collecte — the two commands: `make run` and `make test`.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV ?= .venv
BIN := $(VENV)/bin
PY := $(BIN)/python

.PHONY: run test install install-dev lint typecheck pytest messages bench clean

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

install: $(PY)
	$(PY) -m pip install --quiet -e .

install-dev: $(PY)
	$(PY) -m pip install --quiet -e '.[dev]'

## Install, migrate the embedded database, load the demo on first run, and serve on :8000.
run: install
	$(BIN)/collecte db upgrade
	$(BIN)/collecte demo
	$(BIN)/collecte serve --host 127.0.0.1 --port 8000

## Install the dev tools and run ruff, mypy (strict) and pytest.
test: install-dev lint typecheck pytest

lint:
	$(BIN)/ruff format --check collecte tests bench scripts alembic/env.py
	$(BIN)/ruff check collecte tests bench scripts alembic/env.py

typecheck:
	$(BIN)/mypy

pytest:
	$(BIN)/pytest $(PYTEST_ARGS)

## Re-extract translatable messages and update the catalogues (then translate the new ones).
messages: install-dev
	$(BIN)/pybabel extract -F babel.cfg -k _ -k N_ --no-location --sort-output --project=Collecte \
		-o collecte/locale/messages.pot .
	$(BIN)/pybabel update -i collecte/locale/messages.pot -d collecte/locale -D messages --ignore-obsolete

bench: install-dev
	$(PY) -m bench

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache *.egg-info
