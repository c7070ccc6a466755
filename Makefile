# The workbench's two everyday commands: `make demo` and `make test`.
# Each builds .venv from nothing when it is missing or older than pyproject.toml.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test bench bench-quick lint clean chromium

# The browser test drives Debian's chromium (never a downloaded browser).
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD := 1

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

demo: $(STAMP)
	$(BIN)/workbench demo

lint: $(STAMP)
	$(BIN)/ruff check .

test: $(STAMP) lint chromium
	$(BIN)/python -m pytest -q

# Debian's chromium for the browser test, installed when missing (root, non-interactive);
# where it cannot be installed the test skips and says why.
chromium:
	@test -x /usr/bin/chromium || { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null && \
	  { DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium >/dev/null 2>&1 || \
	    { apt-get update -q >/dev/null && \
	      DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium >/dev/null; }; }; } || \
	  echo "chromium could not be installed: the browser test will skip"

# The bench extra (hftbacktest), installed once per pyproject.toml, not on every run.
BENCH_STAMP := $(VENV)/.bench-installed
$(BENCH_STAMP): $(STAMP) pyproject.toml
	$(BIN)/python -m pip install --quiet -e '.[dev,bench]'
	@touch $(BENCH_STAMP)

bench: $(BENCH_STAMP)
	@for b in benchmarks/bench_*.py; do $(BIN)/python $$b || exit 1; done

# The headline ratios on smaller inputs (under 2 minutes): before a commit to a hot path.
QUICK_BENCHES := bench_backtest bench_data bench_engine bench_order_path
bench-quick: $(BENCH_STAMP)
	@for b in $(QUICK_BENCHES); do BENCH_QUICK=1 $(BIN)/python benchmarks/$$b.py || exit 1; done
	@BENCH_QUICK=1 $(BIN)/python benchmarks/bench_scorecard.py --stack-only

clean:
	rm -rf $(VENV) runs store .pytest_cache .ruff_cache
