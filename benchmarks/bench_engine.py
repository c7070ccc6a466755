"""The engine end to end: tick-to-quote against an empty engine step.

* ``tick_to_quote_p50_vs_empty_step`` / ``_p99_``: the engine's compute time per market
  event (``compute_p50_ns`` / ``compute_p99_ns`` of its snapshot: from the event
  entering the engine to its commands leaving it) with the full estimator stack over
  three venues and the GLFT maker (the demo's configuration), in a backtest over the
  recorded BTC set (or the bundled sample), against the same percentile of an empty
  engine step on the same events: the same engine keeping the same books, with
  book-mid signals at a constant volatility and quoting held, so that it decides
  nothing (what the engine's own bookkeeping costs);
* the Python engine's events per second through the simulated exchange and the replay
  driver is printed as information.

Runs alternate (:mod:`interleave`), five pairs, median of the per-pair ratios.
"""

from __future__ import annotations

import itertools
import time

from common import BINANCE
from interleave import QUICK, Figure, info, interleave_metrics, report_pairs

from workbench.data.binance.feed import group_streams, replay_streams
from workbench.data.binance.instruments import SYNC_RULES, binance_instrument
from workbench.data.sample import sample_paths
from workbench.engine import Engine, EngineConfig, backtest, default_risk_limits
from workbench.engine.demo import DEMO_FEES, DEMO_MAKER, DEMO_ORDERS, DEMO_QUOTE
from workbench.execution.sim import ConservativeQueue, ConstantLatency, FeedLatency

FIGURES = {
    "p50": Figure("tick_to_quote_p50_vs_empty_step", "the same engine on the same events "
                  "with book-mid signals and quoting held (p50)", "<=", 12.0),
    "p99": Figure("tick_to_quote_p99_vs_empty_step", "the same engine on the same events "
                  "with book-mid signals and quoting held (p99)", "<=", 6.0),
}
FILES = ("spot/btcusdt_20240808.gz", "usdm/btcusdt_20240808.gz", "cm/btcusd_perp_20240808.gz")
EVENTS = 20_000 if QUICK else 60_000


def empty_step(events: list, instruments: list) -> tuple[float, float]:
    """p50 and p99 ns of the engine's step with nothing to decide."""
    quoted = next(i for i in instruments if i.key == DEMO_QUOTE)
    config = EngineConfig(tuple(instruments), DEMO_QUOTE, DEMO_MAKER,
                          default_risk_limits(quoted, DEMO_MAKER), SYNC_RULES,
                          orders=DEMO_ORDERS, constant_vol_per_sqrt_s=2e-5)
    engine = Engine(config)
    engine.hold_quotes("bench: the empty step", events[0].local_ts_ns)
    for event in events:
        if engine.on_market(event):
            raise RuntimeError("an empty step sent commands")
    snap = engine.snapshot()
    return snap.compute_p50_ns, snap.compute_p99_ns


def main() -> None:
    files = [BINANCE / f for f in FILES] if BINANCE.is_dir() else sample_paths()
    keys = list(group_streams(files))
    instruments = [binance_instrument(*k) for k in keys]
    events = list(itertools.islice(replay_streams(files), EVENTS))
    runs = []

    def engine_run() -> tuple[float, float]:
        t0 = time.perf_counter()
        result = backtest(events, DEMO_QUOTE, DEMO_MAKER, instruments=instruments,
                          fees=DEMO_FEES, latency=ConstantLatency(5_000_000, 5_000_000,
                                                  feed=FeedLatency()),
                          queue=ConservativeQueue(), orders=DEMO_ORDERS, seed=7)
        runs.append((time.perf_counter() - t0, len(result.fills)))
        snap = result.engine.snapshot()
        return snap.compute_p50_ns, snap.compute_p99_ns

    p50, p99 = interleave_metrics(engine_run, lambda: empty_step(events, instruments),
                                  warmup=False)
    report_pairs(FIGURES["p50"], p50, "us", 1e-3)
    report_pairs(FIGURES["p99"], p99, "us", 1e-3)
    info("python_engine_events_per_s", len(events) / min(r[0] for r in runs), "events/s",
         f"{len(events):,} events, {runs[-1][1]:,} fills")


if __name__ == "__main__":
    main()
