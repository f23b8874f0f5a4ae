# Every developer and CI entry point. A machine needs only python3 (3.11+) and make.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
# Linters (checkov, hadolint, actionlint) and Datadog's APM test agent live in their own venv:
# their pins clash with the project's, and the container never needs them.
TOOLS       := .venv-tools
TOOLS_STAMP := $(TOOLS)/.installed

.PHONY: run test lint lock clean-venv sandbox-down

# The virtual environment, rebuilt when the lock or the project metadata changes.
$(STAMP): requirements.lock pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.lock
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps -e .
	@touch $(STAMP)

$(TOOLS_STAMP): tools/requirements-tools.lock
	@test -x $(TOOLS)/bin/python || $(PYTHON) -m venv $(TOOLS)
	$(TOOLS)/bin/python -m pip install --quiet --disable-pip-version-check -r tools/requirements-tools.lock
	@touch $(TOOLS_STAMP)

## run: bring up the sandbox with seed data and run the day-before-ach batch against it
run: $(STAMP)
	$(BIN)/floatctl sandbox up
	$(BIN)/floatctl run day-before-ach

## test: the whole suite against the real sandbox parts
test: $(STAMP) $(TOOLS_STAMP)
	$(BIN)/python -m pytest -q

## lint: ruff over the code and tests
lint: $(STAMP)
	$(BIN)/ruff check jobs floatctl tests
	$(BIN)/ruff format --check jobs floatctl tests

## lock: re-resolve requirements.lock from pyproject.toml (needs network to the package index)
lock: $(STAMP)
	$(BIN)/python -m pip install --quiet uv
	$(BIN)/uv pip compile pyproject.toml --all-extras --python-version 3.11 --universal -o requirements.lock
	$(BIN)/uv pip compile tools/requirements-tools.in --python-version 3.11 --universal -o tools/requirements-tools.lock

sandbox-down:
	-$(BIN)/floatctl sandbox down

clean-venv:
	rm -rf $(VENV) $(TOOLS)
