# Collecte — the two commands: `make run` and `make test`.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV ?= .venv
BIN := $(VENV)/bin
PY := $(BIN)/python

# pip-compile's options for both locks: every package pinned with its hashes, no index of this machine.
PIP_COMPILE := $(BIN)/pip-compile --quiet --generate-hashes --allow-unsafe --strip-extras \
	--no-emit-index-url --no-emit-find-links

.PHONY: run test install install-dev lock lint typecheck pytest messages bench clean

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

# Dependencies come from a lock, hash-checked; the project goes on top without resolving anything.
# A stamp per lock skips pip while neither the lock nor pyproject.toml has changed.
install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

$(VENV)/.installed: requirements.lock pyproject.toml | $(PY)
	$(PY) -m pip install --quiet --require-hashes -r requirements.lock
	$(PY) -m pip install --quiet --no-deps -e .
	touch $@

$(VENV)/.installed-dev: requirements-dev.lock pyproject.toml | $(PY)
	$(PY) -m pip install --quiet --require-hashes -r requirements-dev.lock
	$(PY) -m pip install --quiet --no-deps -e .
	touch $@

## Re-resolve both locks from pyproject.toml, for Python 3.11 on Linux (what the image and CI run).
## Pins that still fit are kept; `make lock LOCK_ARGS=--upgrade` moves all to the newest releases.
lock: $(PY)
	$(PY) -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11) and "make lock: needs Python 3.11")'
	$(PY) -m pip install --quiet 'pip-tools>=7.4,<8'
	$(PIP_COMPILE) $(LOCK_ARGS) --output-file requirements.lock pyproject.toml
	$(PIP_COMPILE) $(LOCK_ARGS) --extra dev --constraint requirements.lock --output-file requirements-dev.lock \
		pyproject.toml

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
	$(BIN)/pybabel extract -F babel.cfg -k _ -k N_ --no-location --sort-output --width=100 --project=Collecte \
		-o collecte/locale/messages.pot .
	$(BIN)/pybabel update -i collecte/locale/messages.pot -d collecte/locale -D messages --ignore-obsolete --width=100

bench: install-dev
	$(PY) -m bench

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache *.egg-info
