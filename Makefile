# The two commands of the README: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: run test install lint check clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: requirements.txt requirements-dev.txt | $(BIN)/python
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $@

install: $(VENV)/.installed

run: install
	$(BIN)/python scripts/run_portal.py

# Two worker processes (pytest-xdist), one per core; each gets its own test database, Redis
# database and var folder (tests/xdist_services.py). TEST_WORKERS=0 runs in one process.
TEST_WORKERS ?= 2

test: install
	OPSPORTAL_VAR_DIR=$${OPSPORTAL_VAR_DIR:-var/test} $(BIN)/python -m pytest -n $(TEST_WORKERS) --dist loadfile $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

check: install
	$(BIN)/python manage.py makemigrations --check --dry-run

clean:
	rm -rf var
