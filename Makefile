# Analyse 法治政府建设年度报告.  `make help` lists the targets.
# The two commands a new user needs: `make briefings` and `make test`;
# both create .venv (Python 3.11) and install the package first.

PYTHON ?= $(shell command -v python3.11 2>/dev/null || command -v python3)
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
LAB_STAMP := $(VENV)/.lab-installed
DATA ?= data/raw
OUT ?= reports
ARGS ?=
KERNEL ?= analysis

.DEFAULT_GOAL := help
.PHONY: help install briefings test lint format lab bench clean

help: ## list the targets
	@grep -E '^[a-zA-Z_-]+:.*## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*## "}; {printf "  make %-11s %s\n", $$1, $$2}'

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info[:2] == (3, 11) else "Python 3.11 is needed: set PYTHON=/path/to/python3.11")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

install: $(STAMP) ## create .venv with Python 3.11 and install the package and its dependencies

briefings: $(STAMP) ## set up, then build every HTML briefing from $(DATA) into $(OUT)/ (more options: ARGS="--town 神树镇 -p top_n 30")
	$(BIN)/python -m analysis briefings --data $(DATA) --out $(OUT) $(ARGS)

$(LAB_STAMP): $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[dev,lab]'
	$(BIN)/python -m ipykernel install --sys-prefix --name $(KERNEL) --display-name "Python ($(KERNEL))"
	@touch $(LAB_STAMP)

lab: $(LAB_STAMP) ## JupyterLab in the project's environment, with the kernel "$(KERNEL)" (ARGS="--no-browser" on a server)
	$(BIN)/jupyter lab $(ARGS)

test: $(STAMP) ## set up, then run the whole test suite
	$(BIN)/python -m pytest

lint: $(STAMP) ## ruff lint and format check
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks

format: $(STAMP) ## ruff format and fix
	$(BIN)/ruff format src tests benchmarks
	$(BIN)/ruff check --fix src tests benchmarks

bench: $(STAMP) ## time load, indicators and the whole pipeline (1,000 synthetic reports) against bare jieba
	$(BIN)/python benchmarks/foundation.py
	$(BIN)/python benchmarks/indicators.py --mb 10
	$(BIN)/python benchmarks/pipeline.py --reports 1000

clean: ## remove .venv, caches and built briefings (data/raw is never touched)
	rm -rf $(VENV) .cache .pytest_cache .ruff_cache .hypothesis
	find $(OUT) -mindepth 1 ! -name .gitkeep -exec rm -rf {} +
