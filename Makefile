# The two commands a newcomer needs: `make run` and `make test`. Everything else is a step of those.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
FFMPEG_DIR := .mediaflow/layers/FfmpegLayer
export SAM_CLI_TELEMETRY := 0
export GCONV_PATH := /dev/null

.PHONY: run test install ffmpeg lint unit integration e2e sam-validate sam-build openapi bench clean

run: install ffmpeg  ## set everything up and start the local stack with a demo project
	$(PY) -m local --demo-project demo --allow-loopback-callbacks

test: install ffmpeg lint  ## install what is missing and run every test
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

# Every benchmark in turn (each prints its figures and a verdict, exits 1 on a miss); the list of
# those that missed comes last. BENCH_FULL=1 adds the long comparison of where moto runs.
BENCHMARKS := cold_import query_reads url_ingest_memory transcode_engine transcode_overhead smart_cover_speed
OVERHEAD_ARGS := $(if $(BENCH_FULL),--moto both,)

bench: install ffmpeg  ## run every benchmark (~10 min on 2 idle cores; BENCH_FULL=1: ~20 min)
	@missed=""; for name in $(BENCHMARKS); do \
	  args=""; [ "$$name" = transcode_overhead ] && args="$(OVERHEAD_ARGS)"; \
	  echo "== benchmarks/$$name.py $$args"; \
	  $(PY) benchmarks/$$name.py $$args || missed="$$missed $$name"; \
	  echo; \
	done; \
	if [ -n "$$missed" ]; then echo "missed or failed:$$missed"; exit 1; fi; \
	echo "every benchmark met its target"

clean:
	rm -rf .aws-sam .mediaflow .pytest_cache .mypy_cache .ruff_cache
