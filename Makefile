# datong task runner. Quick start: `make demo`, `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
export PATH := $(CURDIR)/$(BIN):$(PATH)

.PHONY: install demo test test-fast lint bench clean

install: $(VENV)/.installed node_modules/.package-lock.json

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip uv
	$(BIN)/uv pip install --quiet --python $(BIN)/python -e '.[dev,postgres]'
	touch $@

# The console's front-end libraries (chart.js, jsqr), pinned by package-lock.json; the app
# serves them from node_modules, never from the internet.
node_modules/.package-lock.json: package.json package-lock.json
	npm ci --ignore-scripts --no-audit --no-fund --loglevel=error
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
	rm -rf $(VENV) node_modules test-artifacts datong-data .pytest_cache .mypy_cache .ruff_cache .test-services.env
