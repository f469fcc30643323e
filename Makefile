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

.PHONY: help setup demo validate check test test-fast lint fmt fmt-ttl eval eval-split bench-validate bench-query bench-query-quick bench-load bench bench-quick clean

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

validate: $(STAMP) ## Validate the demo build (SHACL shapes + *-violation queries); OUT=DIR for another build
	@test -d $(OUT)/store || $(BIN)/trialkg build examples/seeds --out $(OUT)
	$(BIN)/trialkg validate --store $(OUT)

check: $(STAMP) ## Graph-wide consistency checks (networkx) on the demo build; OUT=DIR for another build
	@test -d $(OUT)/store || $(BIN)/trialkg build examples/seeds --out $(OUT)
	$(BIN)/trialkg check --store $(OUT)

test: $(STAMP) ## Run the whole test suite (corpus tests skip, saying why, if ../shared/corpus is absent)
	$(BIN)/python -m pytest -q

test-fast: $(STAMP) ## The test suite without the slow cross-checks
	$(BIN)/python -m pytest -q -m 'not slow'

lint: $(STAMP) ## ruff lint and format check
	$(BIN)/ruff check kg tests bench
	$(BIN)/ruff format --check kg tests bench

fmt: $(STAMP) ## ruff format the code
	$(BIN)/ruff format kg tests bench
	$(BIN)/ruff check --fix kg tests bench

fmt-ttl: $(STAMP) ## Rewrite the ontology, vocabularies and shapes in canonical Turtle
	$(BIN)/python -m kg.ontology canonicalize ontology/trialkg.ttl ontology/vocab/*.ttl shapes/*.ttl

eval-split: $(STAMP) ## Measure the flat/CSV outcome splitter against ground truth (misses in build/split-misses.txt)
	mkdir -p build
	$(BIN)/python bench/outcome_split.py --corpus $(CORPUS) --misses build/split-misses.txt

eval: eval-split $(STAMP) ## Measure text understanding on the labelled sets (drugs, endpoints, criteria, time frames, eligibility)
	$(BIN)/python bench/eval_drugs.py --quiet
	$(BIN)/python bench/eval_text.py --quiet
	$(BIN)/python bench/eval_eligibility.py --quiet

bench-validate: $(STAMP) ## Validation time at 1k and 10k studies: ours vs naive pyshacl and Apache Jena (ratios)
	-sh bench/install-jena.sh
	$(BIN)/python bench/validate_bench.py --n 1000 --n 10000 --corpus $(CORPUS)

bench-query: $(STAMP) ## Saved-query time at 1k and 10k studies: embedded store vs rdflib (ratios, same answers); loading into an Oxigraph server
	$(BIN)/python bench/query_bench.py --n 1000 --n 10000 --corpus $(CORPUS)

bench-query-quick: $(STAMP) ## bench-query at 1k studies only
	$(BIN)/python bench/query_bench.py --quick --corpus $(CORPUS)

bench: $(STAMP) ## Build speed and memory at 1k, 10k, 100k trials: ours vs plain rdflib vs json-decoding floor, incremental (ratios)
	$(BIN)/python bench/build_bench.py --sizes 1000,10000,100000

bench-quick: $(STAMP) ## bench at 1k trials only (about 3 minutes)
	$(BIN)/python bench/build_bench.py --quick

bench-load: $(STAMP) ## trialkg load of the whole corpus into a local Oxigraph server, by method and jobs (triples/s against the target)
	$(BIN)/python bench/load_bench.py --corpus $(CORPUS)

clean: ## Remove build outputs (keeps .venv)
	rm -rf build .pytest_cache .ruff_cache
