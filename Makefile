# `make run` and `make test` work on a fresh machine: each creates .venv if it is missing.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PIP := $(BIN)/python -m pip
# CPU build of torch; any other version pulls a multi-GB CUDA build.
TORCH := torch==2.13.0
HOST ?= 127.0.0.1
PORT ?= 7860

export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1
export GRADIO_ANALYTICS_ENABLED := False
export ANONYMIZED_TELEMETRY := False

.PHONY: run test lint bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(PIP) install --quiet $(TORCH)
	$(PIP) install --quiet -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml $(VENV)/.installed
	$(PIP) install --quiet -e '.[test]'
	touch $@

run: $(VENV)/.installed
	$(BIN)/newsrag ingest corpus/
	$(BIN)/newsrag search "Who is leading MiniMax's new funding round, and how much is it seeking?" --k 3

test: $(VENV)/.installed-test
	$(BIN)/python -m pytest

lint: $(VENV)/.installed-test
	$(BIN)/ruff check rag tests bench
	$(BIN)/ruff format --check rag tests bench
	$(BIN)/mypy rag

bench: $(VENV)/.installed
	$(BIN)/python bench/ingest.py

clean:
	rm -rf .newsrag .pytest_cache
