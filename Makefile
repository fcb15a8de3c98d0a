# Two commands do all set-up on a fresh machine (Python >= 3.10 as `python3`):
#   make demo   -> creates .venv, installs mufuse, runs `mufuse demo`
#   make test   -> creates .venv, installs mufuse with its test extras (MaxFuse included), runs pytest
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: demo test lint venv

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

lint: venv
	$(BIN)/ruff check src tests benchmarks scripts
	$(BIN)/mypy src
	$(BIN)/ruff format --check src tests benchmarks scripts
