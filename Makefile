# `make run` and `make test` work on a fresh machine: each creates .venv if it is missing.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PIP := $(BIN)/python -m pip
# CPU build of torch; any other version pulls a multi-GB CUDA build.
TORCH := torch==2.13.0
# llama.cpp is compiled for this CPU, but without AMX: its AMX kernels crash (SIGSEGV) where the
# OS does not grant AMX tile state, as in many VMs. --no-cache-dir so that a wheel built
# without these flags is not reused from pip's cache.
NO_AMX := -mno-amx-tile -mno-amx-int8 -mno-amx-bf16
LLAMA := llama-cpp-python[server]==0.3.36
HOST ?= 127.0.0.1
PORT ?= 7860

export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1
export GRADIO_ANALYTICS_ENABLED := False
export ANONYMIZED_TELEMETRY := False

.PHONY: run test lint bench eval-rtqa clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(PIP) install --quiet $(TORCH)
	CMAKE_ARGS="-DCMAKE_C_FLAGS='$(NO_AMX)' -DCMAKE_CXX_FLAGS='$(NO_AMX)'" \
		$(PIP) install --quiet --no-cache-dir '$(LLAMA)'
	$(PIP) install --quiet -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml $(VENV)/.installed
	$(PIP) install --quiet -e '.[test]'
	touch $@

$(VENV)/.installed-bench: pyproject.toml $(VENV)/.installed
	$(PIP) install --quiet -e '.[bench]'
	touch $@

run: $(VENV)/.installed
	$(BIN)/newsrag ingest corpus/
	$(BIN)/newsrag serve --host $(HOST) --port $(PORT)

test: $(VENV)/.installed-test
	$(BIN)/python -m pytest

lint: $(VENV)/.installed-test
	$(BIN)/ruff check rag ui eval newsrag tests bench
	$(BIN)/ruff format --check rag ui eval newsrag tests bench
	$(BIN)/mypy rag ui eval newsrag
	$(BIN)/python -m rag.config --check README.md

# Benchmarks print Markdown tables (and write bench/results/*.json); they need ../shared.
BENCH_INDEX ?= .newsrag-bench
bench: $(VENV)/.installed-bench
	rm -rf $(BENCH_INDEX)
	$(BIN)/python bench/ingest.py --keep $(BENCH_INDEX)
	$(BIN)/python bench/query.py --index $(BENCH_INDEX)
	$(BIN)/python bench/retrieval.py --index $(BENCH_INDEX)
	$(BIN)/python bench/answer.py --index $(BENCH_INDEX)
	$(BIN)/python bench/memory.py --index $(BENCH_INDEX)
	$(BIN)/python bench/prompts.py
	$(BIN)/python bench/load.py --index $(BENCH_INDEX)
	$(BIN)/python bench/money.py
	$(BIN)/python bench/deals.py --index $(BENCH_INDEX)

# The answer-quality run of docs/benchmarks.md (about an hour on 2 cores, needs ../shared and the
# index `make bench` builds): all 339 questions with every answer kept (--refusal-threshold 0),
# the refusal curve and spread read from its records, and the time-honesty set.
RTQA := ../shared/data/realtimeqa-2023q4
EVAL_OUT ?= eval-out
eval-rtqa: $(VENV)/.installed-bench
	$(BIN)/newsrag eval $(RTQA)/questions.jsonl --corpus $(RTQA)/articles.jsonl \
		--index $(BENCH_INDEX) --refusal-threshold 0 --out $(EVAL_OUT)/rtqa
	$(BIN)/python bench/refusal.py $(EVAL_OUT)/rtqa/results.jsonl
	$(BIN)/python bench/spread.py $(EVAL_OUT)/rtqa/results.jsonl
	$(BIN)/newsrag eval eval/time-honesty.jsonl --index $(BENCH_INDEX) --out $(EVAL_OUT)/time-honesty

clean:
	rm -rf .newsrag .pytest_cache
