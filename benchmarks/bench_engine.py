"""The engine end to end: tick-to-quote latency and the Python engine's event rate.

* tick_to_quote_p50 / p99: wall time from a market event entering the engine to its
  commands leaving it, with the full estimator stack over three venues and the GLFT
  maker (the demo's configuration), over the recorded BTC set (or the bundled sample);
* python_engine_events_per_s: events per second of a whole backtest through the engine,
  the simulated exchange and the replay driver.
"""

from __future__ import annotations

import itertools
import time

from common import BINANCE, report

from workbench.data.binance.feed import group_streams, replay_streams
from workbench.data.binance.instruments import binance_instrument
from workbench.data.sample import sample_paths
from workbench.engine import backtest
from workbench.engine.demo import DEMO_FEES, DEMO_MAKER, DEMO_ORDERS, DEMO_QUOTE
from workbench.execution.sim import ConservativeQueue, ConstantLatency, FeedLatency

FILES = ("spot/btcusdt_20240808.gz", "usdm/btcusdt_20240808.gz", "cm/btcusd_perp_20240808.gz")


def main() -> None:
    files = [BINANCE / f for f in FILES] if BINANCE.is_dir() else sample_paths()
    instruments = [binance_instrument(*k) for k in group_streams(files)]
    events = list(itertools.islice(replay_streams(files), 300_000))
    t0 = time.perf_counter()
    result = backtest(events, DEMO_QUOTE, DEMO_MAKER, instruments=instruments,
                      fees=DEMO_FEES,
                      latency=ConstantLatency(5_000_000, 5_000_000, feed=FeedLatency()),
                      queue=ConservativeQueue(), orders=DEMO_ORDERS, seed=7)
    elapsed = time.perf_counter() - t0
    snap = result.engine.snapshot()
    print(f"# {len(events):,} events, {len(result.fills):,} fills")
    report("tick_to_quote_p50", snap.compute_p50_ns / 1e3, "us", "<=", 50)
    report("tick_to_quote_p99", snap.compute_p99_ns / 1e3, "us", "<=", 250)
    report("python_engine_events_per_s", len(events) / elapsed, "events/s", ">=", 0)


if __name__ == "__main__":
    main()
