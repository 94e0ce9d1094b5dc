# Two commands do all the set-up on a fresh machine with Python 3.11: `make run`, `make test`.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
# Extra pytest arguments, e.g. `make test-fast PYTEST_ARGS="-x tests/handlers"`.
PYTEST_ARGS ?=
# pytest-xdist workers for make test and test-fast: auto is one per core; 0 runs in-process.
PYTEST_WORKERS ?= auto
# The Mini App's browser tests drive this Chromium (Debian's package) through Playwright.
CHROMIUM ?= /usr/bin/chromium

.PHONY: run test test-fast lint typecheck check-content bench clean translations postgres

$(BIN)/python:
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "$(PYTHON) not found; set PYTHON=/path/to/python3.11"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: $(BIN)/python pyproject.toml
	$(BIN)/python -m pip install --quiet -e .
	@touch $@

$(VENV)/.installed-dev: $(BIN)/python pyproject.toml
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	@touch $(VENV)/.installed $@

# Installed when missing where apt-get can (as root); elsewhere one line says how.
$(CHROMIUM):
	@if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	else \
		echo "$(CHROMIUM) not found: run 'sudo apt-get install -y chromium', or set CHROMIUM=/path/to/chromium"; exit 1; \
	fi
	@test -x $(CHROMIUM) || { echo "$(CHROMIUM) still missing after apt-get install chromium; set CHROMIUM=/path/to/chromium"; exit 1; }

run: $(VENV)/.installed
	$(BIN)/python -m bot

test: $(VENV)/.installed-dev $(CHROMIUM)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy bot
	CHROMIUM_PATH=$(CHROMIUM) $(BIN)/python -m pytest -n $(PYTEST_WORKERS) $(PYTEST_ARGS)

# The edit loop: every test not marked slow (no subprocess, no server, no browser), with 30
# fuzz cases instead of 300. CONTRIBUTING.md, Tests, says what is slow and how it is marked.
test-fast: $(VENV)/.installed-dev
	FUZZ_EXAMPLES=$${FUZZ_EXAMPLES:-30} CHROMIUM_PATH=$(CHROMIUM) $(BIN)/python -m pytest -n $(PYTEST_WORKERS) -m "not slow" $(PYTEST_ARGS)

check-content: $(VENV)/.installed
	$(BIN)/python -m bot check-content

# After changing a text: extract the message ids, merge them into every .po (then translate
# the new entries), and compile the .mo files the bot reads. tests/test_i18n.py checks all three.
translations: $(VENV)/.installed-dev
	mkdir -p build
	$(BIN)/pybabel extract -F babel.cfg --no-location --sort-output -o build/messages.pot .
	$(BIN)/pybabel update -i build/messages.pot -d bot/locale -D messages -w 100 --ignore-obsolete --no-fuzzy-matching
	$(BIN)/pybabel compile -d bot/locale -D messages --statistics

# A throwaway local PostgreSQL (temporary folder, 127.0.0.1, a free port, fsync off): prints
# its DATABASE_URL, and Ctrl-C stops it and deletes its data. See docs/postgresql.md.
postgres: $(VENV)/.installed-dev
	$(BIN)/python -m tests.pg_server

bench: $(VENV)/.installed-dev
	$(BIN)/python bench/daily_fanout.py

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
