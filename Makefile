# The two commands a newcomer needs: `make run` and `make test`. Everything else is a step of those.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
FFMPEG_DIR := .mediaflow/layers/FfmpegLayer
export SAM_CLI_TELEMETRY := 0
export GCONV_PATH := /dev/null

.PHONY: run test install ffmpeg node lint unit integration e2e sam-validate sam-build openapi bench clean

run: install ffmpeg  ## set everything up and start the local stack with a demo project
	$(PY) -m local --demo-project demo --allow-loopback-callbacks

test: install ffmpeg node lint  ## install what is missing and run every test
	$(PY) -m pytest -q -n 2 tests/unit tests/integration
	$(PY) -m pytest -q tests/e2e
	$(MAKE) sam-build

install: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(PY) -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	touch $(STAMP)

ffmpeg: $(FFMPEG_DIR)/bin/ffprobe

$(FFMPEG_DIR)/bin/ffprobe:
	$(MAKE) -C layers/ffmpeg build-FfmpegLayer ARTIFACTS_DIR=$(CURDIR)/$(FFMPEG_DIR) PIP="$(CURDIR)/$(PY) -m pip"

node:  ## a unit test runs the template's CloudFront Function (the SDK endpoint's edge) in node
	@command -v node >/dev/null 2>&1 || (apt-get update -qq && apt-get install -y -qq nodejs >/dev/null)

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy
	$(VENV)/bin/cfn-lint template.yaml
	$(VENV)/bin/sam validate --lint
	$(PY) -m local.openapi --check

openapi: install  ## regenerate openapi.json from the routes
	$(PY) -m local.openapi --write

sam-build: install  ## sam build without Docker (BuildMethod: makefile everywhere)
	PATH=$(CURDIR)/$(VENV)/bin:$$PATH $(VENV)/bin/sam build --build-dir .aws-sam/build --cached --parallel

bench: install ffmpeg
	$(PY) benchmarks/cold_import.py

clean:
	rm -rf .aws-sam .mediaflow .pytest_cache .mypy_cache .ruff_cache
