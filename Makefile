PYTHON ?= python

.PHONY: install test lint demo snapshots

install:  ## install fleetiac and the test tools into the current Python environment
	$(PYTHON) -m pip install -e '.[test]'

test:  ## the whole test suite (what CI runs)
	$(PYTHON) -m pytest

lint:  ## ruff and mypy, as CI sees them (the suite runs both)
	$(PYTHON) -m ruff check .
	$(PYTHON) -m mypy

# fixtures/<RULE>/snapshot.txt pins every finding's location, resource and message; after a deliberate
# change, FLEETIAC_UPDATE_SNAPSHOTS=1 makes tests/test_fixtures.py rewrite them: review the diff, commit.
snapshots:  ## rewrite the fixtures' message snapshots from the current findings
	FLEETIAC_UPDATE_SNAPSHOTS=1 $(PYTHON) -m pytest -p no:cacheprovider tests/test_fixtures.py

demo:  ## scan the bundled example platform repository
	fleetiac scan examples/platform

.PHONY: bench bench-compare

bench:  ## benchmark a generated tree (BENCH_SCALE=0.25 for a quick one); figures to stdout and bench/results.json
	$(PYTHON) bench/run.py

bench-compare:  ## the same, with Checkov installed into .bench-venv for the ratio
	test -x .bench-venv/bin/checkov || ($(PYTHON) -m venv .bench-venv && .bench-venv/bin/pip install checkov)
	$(PYTHON) bench/run.py
