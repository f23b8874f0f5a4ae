# Every developer and CI entry point. A machine needs only python3 (3.11+) and make.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
# Linters (checkov, hadolint, actionlint) and Datadog's APM test agent live in their own venv:
# their pins clash with the project's, and the container never needs them.
# uv installs the locked packages (in seconds, with progress); pip only bootstraps uv, pinned here.
UV_VERSION := 0.13.9
UV         := $(BIN)/uv
TOOLS       := .venv-tools
TOOLS_STAMP := $(TOOLS)/.installed

.PHONY: run test lint lock clean-venv sandbox-down bytecode

# The virtual environment, rebuilt when the lock or the project metadata changes. Bytecode is compiled at
# install: every floatctl process (the tests start hundreds) then imports boto3, ddtrace and textual from
# .pyc, also where PYTHONDONTWRITEBYTECODE is set (as on CI machines of this kind).
$(STAMP): requirements.lock pyproject.toml sandbox/pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@$(UV) --version 2>/dev/null | grep -q '^uv $(UV_VERSION)' || { echo "installing uv $(UV_VERSION)"; \
		$(BIN)/python -m pip install --progress-bar on --disable-pip-version-check "uv==$(UV_VERSION)"; }
	$(UV) pip install --python $(BIN)/python --compile-bytecode -r requirements.lock
	$(UV) pip install --python $(BIN)/python --no-deps -e . -e ./sandbox
	@touch $(STAMP)

$(TOOLS_STAMP): tools/requirements-tools.lock $(STAMP)
	@test -x $(TOOLS)/bin/python || $(PYTHON) -m venv $(TOOLS)
	$(UV) pip install --python $(TOOLS)/bin/python --compile-bytecode -r tools/requirements-tools.lock
	@touch $(TOOLS_STAMP)

# The project's own bytecode, refreshed where a source changed: with PYTHONDONTWRITEBYTECODE set (as on
# this kind of machine) every floatctl process would otherwise compile each module it imports, which
# costs `floatctl --help` about a fifth of its start-up. run, test and bench all start floatctl processes.
bytecode: $(STAMP)
	@$(BIN)/python -m compileall -q jobs floatctl sandbox/floatctl_sandbox > /dev/null

## run: bring up the sandbox with fresh seed data and run the day-before-ach batch against it
# The three closing lines print whatever the run's exit code (1: some floats FAILED), which make keeps.
run: bytecode
	$(BIN)/floatctl sandbox reset
	@echo "$(BIN)/floatctl run day-before-ach"
	@DD_VERSION=$${DD_VERSION:-$(GIT_VERSION)} $(BIN)/floatctl run day-before-ach; code=$$?; \
	echo; \
	echo "The sandbox is still running in $$($(BIN)/floatctl -o json sandbox status | $(BIN)/python -c 'import json,sys; print(json.load(sys.stdin)["dir"])')."; \
	echo "Try: $(BIN)/floatctl status, $(BIN)/floatctl preview, $(BIN)/floatctl tui"; \
	echo "Stop it with: $(BIN)/floatctl sandbox down"; \
	exit $$code

## test: the whole suite against the real sandbox parts
# Two pytest workers, each with its own sandbox (tests/conftest.py makes one per process); a test file
# stays on one worker, so its module fixtures are built once. The suite mostly waits (rate limits,
# processes, leases), so two workers on two cores halve the wall time.
test: bytecode $(TOOLS_STAMP)
	$(BIN)/lint-imports --no-cache
	$(BIN)/python -m pytest -q -n 2 --dist loadfile

## lint: ruff over the code and tests
lint: $(STAMP)
	$(BIN)/ruff check jobs floatctl sandbox tests benchmarks
	$(BIN)/ruff format --check jobs floatctl sandbox tests benchmarks

## lock: re-resolve requirements.lock from pyproject.toml (needs network to the package index)
lock: $(STAMP)
	$(BIN)/uv pip compile pyproject.toml --all-extras --python-version 3.11 --universal -o requirements.lock
	$(BIN)/uv pip compile tools/requirements-tools.in --python-version 3.11 --universal -o tools/requirements-tools.lock

sandbox-down:
	-$(BIN)/floatctl sandbox down

clean-venv:
	rm -rf $(VENV) $(TOOLS)

# ---- Delivery: the wheel and the collections-jobs image (docs/deploy.md) ----
# CI sets CONTAINER_REGISTRY to the ECR registry + /floats and CONTAINER_TAG to the image tag
# (short SHA in test, release tag in prod); locally the image is floats/collections-jobs:<short SHA>.
CONTAINER_REGISTRY   ?= floats
CONTAINER_TAG        ?= $(shell git rev-parse --short=7 HEAD 2>/dev/null || echo dev)
COLLECTIONS_JOBS_IMAGE = $(CONTAINER_REGISTRY)/collections-jobs:$(CONTAINER_TAG)
GIT_VERSION          ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo unknown)
GIT_COMMIT           ?= $(shell git rev-parse HEAD 2>/dev/null || echo unknown)
GIT_COMMIT_DATE      ?= $(shell git show -s --format=%cI HEAD 2>/dev/null || echo unknown)
GIT_COMMIT_TIMESTAMP ?= $(shell git show -s --format=%ct HEAD 2>/dev/null || echo unknown)
CONTAINER_BUILD_ARGS  = --build-arg GIT_VERSION=$(GIT_VERSION) --build-arg GIT_COMMIT=$(GIT_COMMIT) \
                        --build-arg GIT_COMMIT_DATE=$(GIT_COMMIT_DATE) \
                        --build-arg GIT_COMMIT_TIMESTAMP=$(GIT_COMMIT_TIMESTAMP)

.PHONY: build container-build-collections-jobs container-push-collections-jobs

## build: the wheel the container installs, into dist/ (a clean build: no stale build/ files)
build: $(STAMP)
	rm -rf build dist
	$(BIN)/python -m build --wheel --outdir dist .

## container-build-collections-jobs: build the image into the local docker, then smoke-test it
container-build-collections-jobs:
	docker buildx build --load $(CONTAINER_BUILD_ARGS) --tag $(COLLECTIONS_JOBS_IMAGE) .
	docker run --rm $(COLLECTIONS_JOBS_IMAGE) version
	docker run --rm $(COLLECTIONS_JOBS_IMAGE) run day-before-ach --help
	docker run --rm --entrypoint python $(COLLECTIONS_JOBS_IMAGE) -c \
		"import zoneinfo; zoneinfo.ZoneInfo('America/New_York'); import jobs.batch.run, floatctl.cli"

## container-push-collections-jobs: build for linux/amd64 (Fargate) and push to $(CONTAINER_REGISTRY)
container-push-collections-jobs:
	docker buildx build --platform=linux/amd64 --push $(CONTAINER_BUILD_ARGS) --tag $(COLLECTIONS_JOBS_IMAGE) .

.PHONY: container-smoke
## container-smoke: build the real Dockerfile with podman on a local Debian bookworm base and check the
## image read-only as Fargate runs it (root, podman, runc, debootstrap; not part of make test; docs/deploy.md)
container-smoke: $(STAMP)
	tools/container-smoke/run.sh

.PHONY: reliability bench
## reliability: the crash/fault/bad-input trials with large counts, printed as one table (non-zero if a promise broke)
reliability: $(STAMP) $(TOOLS_STAMP)
	$(BIN)/python -m tests.faults.reliability --kills 100 --sigterms 20

## bench: the performance figures as ratios to their lower bounds (benchmarks/)
bench: bytecode
	$(BIN)/python -m benchmarks.run_all
