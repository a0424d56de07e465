# The README's two commands: `make run` and `make test`. Each sets everything up first.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint bench screenshots clean reliability

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/consult-aid

test: $(STAMP)
	$(BIN)/ruff check consult_aid tests benchmarks
	$(BIN)/mypy
	$(BIN)/python -m pytest

# The full reliability suite (docs/RELIABILITY.md); `make test` runs its fast part.
reliability: $(STAMP)
	$(BIN)/python -m tests.reliability.run_full

bench: $(STAMP)
	$(BIN)/python benchmarks/run_all.py

screenshots: $(STAMP)
	$(BIN)/python -m consult_aid.ui.screenshots docs/screenshots
	$(BIN)/python -m consult_aid.ui.screenshots docs/screenshots --large

clean:
	rm -rf $(VENV) build *.egg-info
