# datong task runner. Quick start: `make demo`, `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
export PATH := $(CURDIR)/$(BIN):$(PATH)

.PHONY: install demo test test-fast lint bench clean

install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip uv
	$(BIN)/uv pip install --quiet --python $(BIN)/python -e '.[dev,postgres]'
	touch $@

demo: install
	$(BIN)/datong demo --size $(or $(SIZE),small) --if-empty
	$(BIN)/datong serve --host 127.0.0.1 --port 8000

# Starts (installing when missing) a PostgreSQL server on loopback, then runs every test tier.
test: install
	scripts/test-services.sh > .test-services.env
	set -a && . ./.test-services.env && set +a && $(BIN)/pytest $(PYTEST_ARGS)

test-fast: install
	scripts/test-services.sh > .test-services.env
	set -a && . ./.test-services.env && set +a && $(BIN)/pytest -m "not slow" $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check datong tests bench
	$(BIN)/mypy

bench: install
	scripts/test-services.sh > .test-services.env
	set -a && . ./.test-services.env && set +a && $(BIN)/python -m bench.run $(BENCH_ARGS)

clean:
	rm -rf $(VENV) datong-data .pytest_cache .mypy_cache .ruff_cache .test-services.env
