# Two commands do all set-up on a fresh machine (Python >= 3.10 as `python3`):
#   make demo   -> creates .venv, installs mufuse, runs `mufuse demo`
#   make test   -> creates .venv, installs mufuse with its test extras (MaxFuse included), runs ruff, mypy, pytest
#   make quick  -> the tests that need neither MaxFuse nor ../shared/data, stopping at the first failure (daily
#                  work; CI runs `make test`)
#   make docs   -> creates .venv, installs mufuse[doc] (MaxFuse included), builds docs/_build/html with warnings as
#                  errors, executing the tutorials/*.ipynb notebooks (they read ../shared/data)
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: demo test quick docs lint venv

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

venv: $(BIN)/python

demo: venv
	$(BIN)/python -m pip install -q -e .
	$(BIN)/mufuse demo

test: venv
	$(BIN)/python -m pip install -q -e ".[test]"
	$(BIN)/ruff check src tests benchmarks scripts
	$(BIN)/mypy src
	$(BIN)/python -m pytest

quick: venv
	$(BIN)/python -m pip install -q -e ".[test]"
	$(BIN)/python -m pytest -q -x -m "not maxfuse and not realdata"

docs: venv
	$(BIN)/python -m pip install -q -e ".[doc]"
	rm -rf docs/_build/html docs/generated
	$(BIN)/python -m sphinx -W --keep-going -b html docs docs/_build/html

lint: venv
	$(BIN)/ruff check src tests benchmarks scripts
	$(BIN)/mypy src
	$(BIN)/ruff format --check src tests benchmarks scripts
