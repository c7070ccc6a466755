"""``make demo``: paper-trade the bundled sample and print what happened."""

from __future__ import annotations

import time
from pathlib import Path

from workbench.data.binance.feed import replay_streams
from workbench.data.binance.instruments import SYNC_RULES, USDM, binance_instrument
from workbench.data.sample import sample_paths
from workbench.engine.paper_replay import PaperRunResult, run_paper_replay
from workbench.execution.sim_venue import FeeSchedule
from workbench.strategies.symmetric import SymmetricParams

#: Binance USD-M regular-tier fees when the sample was recorded.
DEMO_FEES = FeeSchedule(maker_bps=2.0, taker_bps=5.0)
#: 1 USDT from the mid, 0.01 BTC a side, at most 0.05 BTC of inventory.
DEMO_PARAMS = SymmetricParams(half_spread_ticks=10, size_lots=10, max_position_lots=50)


def run_demo_once() -> PaperRunResult:
    """Run the demo's paper trade on the sample (spot, USD-M and COIN-M BTC merged),
    quoting USD-M BTCUSDT."""
    instrument = binance_instrument(USDM, "BTCUSDT")
    return run_paper_replay(replay_streams(sample_paths()), instrument, SYNC_RULES,
                            DEMO_PARAMS, DEMO_FEES)


def run_demo(out_dir: str | Path = "runs") -> PaperRunResult:
    """Run the demo, write its journal to ``<out_dir>/demo/journal.parquet``, print a summary."""
    started = time.perf_counter()
    result = run_demo_once()
    journal_path = result.journal.write_parquet(Path(out_dir) / "demo" / "journal.parquet")
    elapsed = time.perf_counter() - started
    print("workbench demo: paper trading on the bundled Binance sample (no network, no keys)")
    print(result.format_summary())
    print(f"{'journal':>10}  {journal_path} ({len(result.journal.records):,} records)")
    print(f"{'run time':>10}  {elapsed:.1f} s")
    return result
