# trialkg: `make help` lists the targets.
SHELL := bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help
MAKEFLAGS += --no-builtin-rules

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
CORPUS ?= ../shared/corpus
OUT ?= build/demo

.PHONY: help setup demo test test-slow lint fmt fmt-ttl eval-split clean

help: ## List the targets
	@echo "trialkg make targets:"
	@grep -E '^[a-zA-Z_-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-14s %s\n", $$1, $$2}'

$(STAMP): pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -c constraints.txt -e '.[test]'
	touch $(STAMP)

setup: $(STAMP) ## Create .venv with trialkg and its pinned dependencies

demo: $(STAMP) ## Build the example trials into the embedded store; print a summary and the saved queries' answers
	$(BIN)/trialkg build examples/seeds --out $(OUT)
	@echo
	$(BIN)/trialkg stats --store $(OUT)
	@echo
	$(BIN)/trialkg query --all --store $(OUT)

test: $(STAMP) ## Run the whole test suite (fast; corpus tests skip if ../shared/corpus is absent)
	$(BIN)/python -m pytest -q

test-slow: $(STAMP) ## Run the slow tests too (long fuzzing, whole-corpus builds)
	$(BIN)/python -m pytest -q -m 'slow or not slow'

lint: $(STAMP) ## ruff lint and format check
	$(BIN)/ruff check kg tests bench
	$(BIN)/ruff format --check kg tests bench

fmt: $(STAMP) ## ruff format the code
	$(BIN)/ruff format kg tests bench
	$(BIN)/ruff check --fix kg tests bench

fmt-ttl: $(STAMP) ## Rewrite the ontology, vocabularies and shapes in canonical Turtle
	$(BIN)/python -m kg.ontology canonicalize ontology/trialkg.ttl ontology/vocab/*.ttl

eval-split: $(STAMP) ## Measure the flat/CSV outcome splitter against ground truth; list every miss
	$(BIN)/python bench/outcome_split.py --corpus $(CORPUS)

clean: ## Remove build outputs (keeps .venv)
	rm -rf build .pytest_cache .ruff_cache
