# Two commands do all set-up on a fresh machine: `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
DEMO := .demo

.PHONY: demo console test test-fast lint venv clean

venv: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@

# The whole system on the simulated web (simweb/demo.py): a week of opinion with a compressed clock, a local
# SMTP server saving every email under .demo/mail/, the digest and evaluations in .demo/reports-out/. No internet.
demo: venv
	$(BIN)/yuqing demo --dir $(DEMO)

# The duty console on the demo's database, as of the demo's last instant (make demo prints the account).
console: venv
	$(BIN)/yuqing --config $(DEMO)/config.toml web --now 2026-11-30T08:00:00+08:00

# Style, the direction of imports (import-linter contracts in pyproject.toml) and types (mypy).
lint: venv
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	$(BIN)/mypy

test: lint
	$(BIN)/python -m pytest

# The tests without the slow ones (a full retrain, the simulated week, killed processes, crawler children).
test-fast: venv
	$(BIN)/python -m pytest -m "not slow"

clean:
	rm -rf $(VENV) $(DEMO) data/*.db*
