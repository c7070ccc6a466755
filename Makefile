# The workbench's two everyday commands: `make demo` and `make test`.
# Each builds .venv from nothing when it is missing or older than pyproject.toml.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test bench bench-quick lint clean

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

demo: $(STAMP)
	$(BIN)/workbench demo

lint: $(STAMP)
	$(BIN)/ruff check .

test: $(STAMP) lint
	$(BIN)/python -m pytest -q

bench: $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[dev,bench]'
	@for b in benchmarks/bench_*.py; do $(BIN)/python $$b || exit 1; done

# The headline ratios on smaller inputs (under 2 minutes): before a commit to a hot path.
QUICK_BENCHES := bench_backtest bench_data bench_engine bench_order_path
bench-quick: $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[dev,bench]'
	@for b in $(QUICK_BENCHES); do BENCH_QUICK=1 $(BIN)/python benchmarks/$$b.py || exit 1; done
	@BENCH_QUICK=1 $(BIN)/python benchmarks/bench_scorecard.py --stack-only

clean:
	rm -rf $(VENV) runs store .pytest_cache .ruff_cache
