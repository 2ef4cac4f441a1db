PYTHON ?= python

.PHONY: install test lint demo snapshots oracle fuzz screenshot

install:  ## install fleetiac and the test tools into the current Python environment
	$(PYTHON) -m pip install -e '.[test]'

test: oracle  ## the whole test suite (what CI runs), with HashiCorp's HCL parser as the oracle
	$(PYTHON) -m pytest

# HashiCorp's HCL parser (npm @cdktf/hcl2json, wasm), the oracle of tests/test_hcl_oracle.py, installed
# from the committed lock file into .oracle/ (git-ignored), again only when the lock file changes.
# Without npm the oracle tests skip (outside CI) and say why.
ORACLE_STAMP := .oracle/node_modules/.package-lock.json

oracle: $(ORACLE_STAMP)  ## install the HCL oracle (npm) into .oracle/

$(ORACLE_STAMP): tests/oracle/package.json tests/oracle/package-lock.json
	@if command -v npm >/dev/null 2>&1; then \
	  mkdir -p .oracle && cp tests/oracle/package.json tests/oracle/package-lock.json .oracle/ && \
	  npm ci --prefix .oracle --no-audit --no-fund --ignore-scripts; \
	else echo "npm not found: the HCL oracle tests will be skipped"; fi

fuzz: oracle  ## the HCL differential test against HashiCorp's parser, large batch (FUZZ_EXAMPLES=5000)
	FLEETIAC_ORACLE_EXAMPLES=$${FUZZ_EXAMPLES:-5000} $(PYTHON) -m pytest -p no:cacheprovider tests/test_hcl_oracle.py

lint:  ## ruff and mypy, as CI sees them (the suite runs both)
	$(PYTHON) -m ruff check .
	$(PYTHON) -m mypy

# fixtures/<RULE>/snapshot.txt pins every finding's location, resource and message; after a deliberate
# change, FLEETIAC_UPDATE_SNAPSHOTS=1 makes tests/test_fixtures.py rewrite them: review the diff, commit.
snapshots:  ## rewrite the fixtures' message snapshots from the current findings
	FLEETIAC_UPDATE_SNAPSHOTS=1 $(PYTHON) -m pytest -p no:cacheprovider tests/test_fixtures.py

demo:  ## scan the bundled example platform repository
	fleetiac scan examples/platform

# docs/report.png, the README's picture of `scan --format html`: the report of examples/platform in
# headless Chromium (Debian: apt-get install chromium-headless-shell, or chromium).
CHROMIUM ?= $(shell command -v chromium || command -v chromium-browser || command -v chromium-headless-shell)

screenshot:  ## regenerate docs/report.png (the HTML report of examples/platform, in headless Chromium)
	@test -n "$(CHROMIUM)" || { echo "no chromium, chromium-browser or chromium-headless-shell on PATH"; exit 1; }
	mkdir -p build
	-$(PYTHON) -m fleetiac scan examples/platform --as-of 2026-11-23 --no-cache --format html:build/report.html
	$(CHROMIUM) --headless --no-sandbox --disable-gpu --hide-scrollbars --window-size=1280,3800 \
	  --screenshot=docs/report.png file://$(CURDIR)/build/report.html

.PHONY: bench bench-compare

bench:  ## benchmark a generated tree (BENCH_SCALE=0.25 for a quick one); figures to stdout and bench/results.json
	$(PYTHON) bench/run.py

bench-compare:  ## the same, with Checkov installed into .bench-venv for the ratio
	test -x .bench-venv/bin/checkov || ($(PYTHON) -m venv .bench-venv && .bench-venv/bin/pip install checkov)
	$(PYTHON) bench/run.py
