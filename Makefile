PYTHON ?= python

.PHONY: install test lint demo

install:  ## install fleetiac and the test tools into the current Python environment
	$(PYTHON) -m pip install -e '.[test]'

test:  ## the whole test suite (what CI runs)
	$(PYTHON) -m pytest

lint:  ## ruff, as CI sees it
	$(PYTHON) -m ruff check .

demo:  ## scan the bundled example platform repository
	fleetiac scan examples/platform
