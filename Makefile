# compose-cutover: the developer's entry points. CI runs `make test` (see .ci/run).
SHELL := /bin/bash

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python

# Two environments, each a scripts/testenv.sh state dir: the one a developer keeps up between
# runs (`make env-up`, then plain `pytest`), and the one `make test` brings up and always takes
# down. Separate, so a full test run never pulls the services from under someone's session.
CUTOVER_TESTENV ?= /tmp/cutover-testenv
TEST_RUN_TESTENV ?= /tmp/cutover-testenv-run
# `make sandbox`'s own environment and work dir (scripts/sandbox.sh); SAMPLE=fixed starts fixed.
SANDBOX_TESTENV ?= /tmp/cutover-sandbox
SANDBOX_WORKDIR ?= /tmp/cutover-sandbox-work
SAMPLE ?= planted
SANDBOX = CUTOVER_TESTENV=$(SANDBOX_TESTENV) SANDBOX_WORKDIR=$(SANDBOX_WORKDIR) SAMPLE=$(SAMPLE) \
	PYTHON=$(PY) scripts/sandbox.sh
PYTEST_ARGS ?=

.PHONY: venv demo test-fast lint env-up env-down env-status test bench sandbox sandbox-run \
	sandbox-fix sandbox-down

venv: $(VENV)/.installed

# Reinstalled only when pyproject.toml changes.
$(VENV)/.installed: pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -e '.[test,dev]'
	touch $@

# The demo needs only the runtime dependencies: a new user's first command.
$(VENV)/.runtime: pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -e .
	touch $@

demo: $(VENV)/.runtime
	$(VENV)/bin/cutover demo

# Pure unit tests and the UI tests on the demo: no services, a few seconds.
test-fast: venv
	$(PY) -m pytest -q tests/unit tests/ui

lint: venv
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy
	$(VENV)/bin/lint-imports
	$(VENV)/bin/lint-imports

env-up: venv
	CUTOVER_TESTENV=$(CUTOVER_TESTENV) PYTHON=$(PY) scripts/testenv.sh up
	@echo "source $(CUTOVER_TESTENV)/env.sh, then: scripts/with-keyring.sh $(PY) -m pytest"

env-down:
	CUTOVER_TESTENV=$(CUTOVER_TESTENV) scripts/testenv.sh down

env-status:
	@CUTOVER_TESTENV=$(CUTOVER_TESTENV) scripts/testenv.sh status

# A rehearsal on real services: the test environment (its own state dir), the Email-RAG sample's
# Compose project and manifests on it (pods on the real kubelet), then cutover in the foreground. It stays up
# when cutover exits: sandbox-run opens cutover again, sandbox-fix applies assets/demo/k8s-fixed/,
# sandbox-down stops everything by pid.
sandbox: venv
	@$(SANDBOX) up

sandbox-run: venv
	@$(SANDBOX) run

sandbox-fix: venv
	@$(SANDBOX) fix

sandbox-down:
	@$(SANDBOX) down

# Environment up, the whole suite inside a D-Bus session with an unlocked keyring, environment
# down whatever happened (the EXIT trap), and the suite's exit code as make's.
test: venv
	@set -uo pipefail; \
	export CUTOVER_TESTENV=$(TEST_RUN_TESTENV); \
	trap 'scripts/testenv.sh down' EXIT; \
	PYTHON=$(PY) scripts/testenv.sh up || exit 1; \
	source "$$CUTOVER_TESTENV/env.sh"; \
	scripts/with-keyring.sh $(PY) -m pytest $(PYTEST_ARGS)

# The benchmarks (benchmarks/*.py; files starting with _ are their helpers): first paint of the
# demo, and the live pod health ones against the developer's test environment (`make env-up`
# first). Each prints its figures and the ratio to its baseline.
# IDLE_SECONDS=10 shortens the idle one.
bench: venv
	@set -euo pipefail; \
	source "$(CUTOVER_TESTENV)/env.sh"; \
	for b in benchmarks/[!_]*.py; do echo "== $$b"; $(PY) "$$b"; done
