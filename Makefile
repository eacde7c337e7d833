# The two commands a newcomer needs: `make run` and `make test`. Everything else is a step of those.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
FFMPEG_DIR := .mediaflow/layers/FfmpegLayer
export SAM_CLI_TELEMETRY := 0
export GCONV_PATH := /dev/null

.PHONY: run test install ffmpeg console browser lint unit integration e2e sam-validate sam-build openapi bench clean invoke demo-media console-deploy bench-covers node

run: install ffmpeg console  ## set everything up and start the local stack with a demo project
	$(PY) -m local --demo-project demo --allow-loopback-callbacks

test: install ffmpeg node console browser lint  ## install what is missing and run every test
	$(PY) -m pytest -q -n 2 tests/unit tests/integration
	$(PY) -m pytest -q -n 2 --dist loadfile tests/e2e
	$(MAKE) sam-build

install: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(PY) -m pip install --quiet --disable-pip-version-check -e '.[dev,cli]'
	touch $(STAMP)

ffmpeg: $(FFMPEG_DIR)/bin/ffprobe $(FFMPEG_DIR)/fonts/DejaVuSans.ttf

# The web console is static files; only hls.js comes from npm (pinned in console/package-lock.json)
# and is copied into console/vendor/, so nothing is fetched from a CDN at run time.
CONSOLE_VENDOR := console/vendor/hls.min.js
console: $(CONSOLE_VENDOR)

$(CONSOLE_VENDOR): console/package.json console/package-lock.json | node
	cd console && npm ci --no-audit --no-fund --loglevel=error
	mkdir -p console/vendor
	cp console/node_modules/hls.js/dist/hls.min.js console/node_modules/hls.js/LICENSE console/vendor/

console-deploy: install console  ## copy the console to a stack deployed with ConsoleEnabled=true: make console-deploy STACK=<name>
	@test -n "$(STACK)" || { echo "usage: make console-deploy STACK=<stack name>"; exit 2; }
	$(PY) -m mediaflow_cli.console_deploy --stack $(STACK)

# Headless Chromium and its driver for the browser tests (Debian packages; browsers cannot be
# downloaded by Playwright/Selenium here).
browser:
	@command -v chromium >/dev/null && command -v chromedriver >/dev/null || { \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver; }

$(FFMPEG_DIR)/bin/ffprobe $(FFMPEG_DIR)/fonts/DejaVuSans.ttf:
	$(MAKE) -C layers/ffmpeg build-FfmpegLayer ARTIFACTS_DIR=$(CURDIR)/$(FFMPEG_DIR) PIP="$(CURDIR)/$(PY) -m pip"

# node runs the template's CloudFront Function in a unit test; npm fetches the console's hls.js.
node:
	@command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1 || { \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nodejs npm >/dev/null; }

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

invoke: install ffmpeg  ## one function against the running stack: make invoke FN=GetVideoFunction EVENT=events/get_video.json
	@test -n "$(FN)" || { echo "usage: make invoke FN=<LogicalId> [EVENT=events/<file>.json]"; exit 2; }
	$(PY) -m local invoke $(FN) $(if $(EVENT),-e $(EVENT))

unit: install  ## unit tests only (no network, no stack)
	$(PY) -m pytest -q -n 2 tests/unit

integration: install ffmpeg  ## integration tests (moto in-process, real ffmpeg)
	$(PY) -m pytest -q -n 2 tests/integration

e2e: install ffmpeg console browser  ## end-to-end tests against the local stack, browser tests included
	$(PY) -m pytest -q -n 2 --dist loadfile tests/e2e

sam-validate: install  ## cfn-lint and sam validate --lint (both offline)
	$(VENV)/bin/cfn-lint template.yaml
	$(VENV)/bin/sam validate --lint

demo-media: install ffmpeg  ## demo.mp4: 10 s 1280x720 H.264/AAC test pattern, for the README's examples
	GCONV_PATH=/dev/null $(FFMPEG_DIR)/bin/ffmpeg -nostdin -hide_banner -loglevel error -y \
		-f lavfi -i testsrc2=size=1280x720:rate=25:duration=10 -f lavfi -i sine=frequency=440:duration=10 \
		-c:v libx264 -preset veryfast -pix_fmt yuv420p -c:a aac -movflags +faststart demo.mp4
	@echo "demo.mp4 ready"

# Every benchmark in turn (each prints its figures and a verdict, exits 1 on a miss); the list of
# those that missed comes last. BENCH_FULL=1 adds the long comparison of where moto runs.
BENCHMARKS := cold_import query_reads url_ingest_memory transcode_engine transcode_overhead smart_cover_speed snapshots truncation_check parallel_encode cost_per_minute
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

bench-covers: install ffmpeg  ## smart-cover speed at GOP 1/2/10 s, 1 and 10 minutes (~15 min; clips cached)
	$(PY) benchmarks/smart_cover_speed.py

clean:
	rm -rf .aws-sam .mediaflow .pytest_cache .mypy_cache .ruff_cache
