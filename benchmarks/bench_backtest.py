"""The compiled fast path against hftbacktest (issue 5), one line per figure.

Both engines run a GLFT maker (Guéant's closed form, constant volatility) that requotes
after every feed message: a ladder of ``LEVELS`` post-only orders a side, position limit,
constant order entry and response latency, a conservative queue (hftbacktest's
``risk_adverse_queue_model``), the same maker/taker fees. Orders are one lot, so
hftbacktest's exchange without partial fills fills them as ours would (its partial-fill
exchange stops with ``InvalidOrderStatus``, hftbacktest issues #301 and #312).
They run in this process on the same rows, converted once to each engine's format
(:func:`workbench.engine.fast.events.to_hftbacktest`):

* ``synthetic``: 2,000,000 rows of the seeded BTCUSDT-like stream of
  :mod:`workbench.engine.fast.synthetic`;
* ``recorded``: the recorded Binance USD-M BTCUSDT files (2024-07-18/19 and 2024-08-08,
  one stream with a resync after the gap between them), or the bundled sample where
  ``../shared/data`` is absent.

Figures (:mod:`interleave`: ours and hftbacktest alternate, five pairs at least, the
median of the per-pair ratios): ``fast_path_vs_hftbacktest_<set>`` is hftbacktest's run
time over the fast path's (target >= 2: we are twice as fast) and
``python_engine_vs_hftbacktest_recorded`` hftbacktest's over the Python engine's on the
recorded set (target >= 0.3). Printed as information: rows per second of each run, and
the memory a run needs: its input array (48 bytes a row for us, 64 for hftbacktest)
plus the rise of the process's peak resident memory during the run
(``/proc/self/clear_refs`` resets the peak first). A run is timed from the in-memory
array to the end of the data (hftbacktest's includes building its backtest object,
which reads the array in place), after a warm-up that compiles both. hftbacktest is
the ``bench`` extra: without it the script stops with exit status 2.

Run: ``python benchmarks/bench_backtest.py [--rows N] [--seed S]`` (``BENCH_QUICK=1``:
250,000 synthetic rows, no memory run of the Python engine; the recorded set stays whole).
"""

from __future__ import annotations

import argparse
import math
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path

import numpy as np
from common import BINANCE
from interleave import QUICK, Figure, info, interleave, report_pairs, require
from numba import njit

from workbench.core.instruments import Instrument
from workbench.data.binance.feed import read_raw_feed
from workbench.data.binance.instruments import KNOWN, USDM
from workbench.data.table import EventTable
from workbench.engine.fast import (
    FastParams,
    FastResult,
    event_array,
    run_fast,
    synthetic_events,
    to_hftbacktest,
)
from workbench.engine.fast.events import END_OF_MESSAGE, LOCAL_EVENT
from workbench.engine.fast.synthetic import SYNTHETIC_INSTRUMENT

FIGURES = {
    "synthetic": Figure("fast_path_vs_hftbacktest_synthetic", "hftbacktest on the same "
                        "rows, strategy and venue model", ">=", 2.0, speed=True),
    "recorded": Figure("fast_path_vs_hftbacktest_recorded", "hftbacktest on the same "
                       "rows, strategy and venue model", ">=", 2.0, speed=True),
    "python": Figure("python_engine_vs_hftbacktest_recorded", "hftbacktest on the same "
                     "recorded stream and strategy settings", ">=", 0.3, speed=True),
}
LEVELS = 2
PARAMS = FastParams(
    model="glft", gamma=0.1, k_per_price=5.0, a_per_s=1.0, sigma_per_sqrt_s=2e-5,
    levels=LEVELS, spacing_ticks=1, size_lots=1, max_long_lots=20, max_short_lots=20,
    entry_latency_ns=5_000_000, response_latency_ns=5_000_000,
    maker_fee_bps=2.0, taker_fee_bps=5.0, record_every_ns=1_000_000_000,
)
RECORDED = ("usdm/btcusdt_20240718.gz", "usdm/btcusdt_20240719.gz", "usdm/btcusdt_20240808.gz")


def peak_mb(run: Callable[[], object]) -> tuple[float, float, object]:
    """``(seconds, MB, result)`` of ``run()``: wall time, how far the peak RSS rose above
    the RSS it started from, and what it returned."""
    status = Path("/proc/self/status")
    try:
        Path("/proc/self/clear_refs").write_text("5")
        before = _status_kb(status, "VmRSS")
    except OSError:
        before = math.nan
    t0 = time.perf_counter()
    result = run()
    seconds = time.perf_counter() - t0
    try:
        peak = _status_kb(status, "VmHWM")
    except OSError:
        peak = math.nan
    return seconds, (peak - before) / 1024.0, result


def _status_kb(path: Path, key: str) -> float:
    for line in path.read_text().splitlines():
        if line.startswith(key + ":"):
            return float(line.split()[1])
    raise OSError(f"{key} not in {path}")


class Peak:
    """A run's wall seconds (what :func:`interleave` reads), keeping its largest memory
    rise (MB) across calls and what its last call returned."""

    def __init__(self, run: Callable[[], object]) -> None:
        self.run = run
        self.mb = 0.0
        self.result: object = None

    def __call__(self) -> float:
        seconds, mb, self.result = peak_mb(self.run)
        self.mb = max(self.mb, mb)
        return seconds


# -- hftbacktest ---------------------------------------------------------------------------
@njit
def _hbt_maker(hbt, gamma, k, a, sigma, tick, lot, levels, spacing, size_lots, max_long,
               max_short, gtx, limit, buy):
    """GLFT ladder maker requoting after every feed message (hftbacktest's API); returns
    the messages it saw and its fills."""
    base_half = math.log1p(gamma / k) / gamma
    ratio = gamma / k
    shape = gamma / (2.0 * k * a) * (1.0 + ratio) ** (1.0 + 1.0 / ratio)
    want = np.empty((2, levels), np.int64)
    n_want = np.zeros(2, np.int64)
    have = np.empty((2, 64), np.int64)
    n_have = np.zeros(2, np.int64)
    next_id = 1
    steps = 0
    while hbt.wait_next_feed(False, 1 << 62) == 2:  # 2: a feed message arrived
        steps += 1
        hbt.clear_inactive_orders(0)
        depth = hbt.depth(0)
        bb, ba = depth.best_bid_tick, depth.best_ask_tick
        n_want[:] = 0
        if -(1 << 62) < bb < ba < (1 << 62):
            mid = (bb + ba) * 0.5 * tick
            pos = round(hbt.position(0) / lot)
            xi = math.sqrt((mid * sigma) ** 2 * shape)
            centre = mid - pos * xi
            half = base_half + 0.5 * xi
            top_bid = min(math.floor((centre - half) / tick), ba - 1)
            top_ask = max(math.ceil((centre + half) / tick), bb + 1)
            room = (max_long - pos, max_short + pos)
            for s in range(2):
                for j in range(levels):
                    if room[s] < (j + 1) * size_lots:
                        break
                    want[s, j] = top_bid - j * spacing if s == 0 else top_ask + j * spacing
                    n_want[s] += 1
        n_have[:] = 0
        values = hbt.orders(0).values()
        while values.has_next():
            order = values.get()
            s = 0 if order.side == buy else 1
            keep = False
            for j in range(n_want[s]):
                if want[s, j] == order.price_tick:
                    keep = True
            if keep:
                have[s, n_have[s]] = order.price_tick
                n_have[s] += 1
            elif order.cancellable:
                hbt.cancel(0, order.order_id, False)
        for s in range(2):
            for j in range(n_want[s]):
                price = want[s, j]
                found = False
                for m in range(n_have[s]):
                    if have[s, m] == price:
                        found = True
                if not found:
                    if s == 0:
                        hbt.submit_buy_order(0, next_id, price * tick, size_lots * lot, gtx,
                                             limit, False)
                    else:
                        hbt.submit_sell_order(0, next_id, price * tick, size_lots * lot, gtx,
                                              limit, False)
                    next_id += 1
    return steps, hbt.state_values(0).num_trades


def hftbacktest_runner(data: np.ndarray, inst: Instrument, p: FastParams):
    """A function running hftbacktest once over ``data`` (a fresh backtest per call)."""
    import hftbacktest as hb

    def run() -> tuple[int, int]:
        asset = (hb.BacktestAsset().data(data).linear_asset(1.0)
                 .constant_order_latency(p.entry_latency_ns, p.response_latency_ns)
                 .risk_adverse_queue_model().no_partial_fill_exchange()
                 .trading_value_fee_model(p.maker_fee_bps * 1e-4, p.taker_fee_bps * 1e-4)
                 .tick_size(inst.tick_size_float).lot_size(inst.lot_size_float)
                 .last_trades_capacity(0))
        hbt = hb.HashMapMarketDepthBacktest([asset])
        steps, fills = _hbt_maker(hbt, p.gamma, p.k_per_price, p.a_per_s, p.sigma_per_sqrt_s,
                           inst.tick_size_float, inst.lot_size_float, p.levels,
                           p.spacing_ticks, p.size_lots, p.max_long_lots, p.max_short_lots,
                           hb.GTX, hb.LIMIT, hb.BUY)
        hbt.close()
        return steps, fills

    return run


# -- the comparison ------------------------------------------------------------------------
def compare(name: str, events: np.ndarray, inst: Instrument) -> Peak:
    """Time both engines on one event set, interleaved, and print its lines; returns
    hftbacktest's run (for the Python engine's comparison)."""
    n = len(events)
    run_fast(events[: min(n, 50_000)], inst, PARAMS)  # load or compile the kernel
    data = to_hftbacktest(events, inst.tick_size_float, inst.lot_size_float)
    hftbacktest_runner(data[: min(len(data), 50_000)], inst, PARAMS)()  # compile
    fast = Peak(lambda: run_fast(events, inst, PARAMS))
    hbt = Peak(hftbacktest_runner(data, inst, PARAMS))
    pairs = interleave(fast, hbt, warmup=False)
    check_runs(name, events, fast.result, hbt.result)
    report_pairs(FIGURES[name], pairs)
    info(f"fast_path_events_per_s_{name}", n / min(pairs.ours), "events/s")
    info(f"fast_path_peak_mb_{name}", events.nbytes / 2**20 + fast.mb, "MB")
    info(f"hftbacktest_events_per_s_{name}", n / min(pairs.reference), "events/s")
    info(f"hftbacktest_peak_mb_{name}", data.nbytes / 2**20 + hbt.mb, "MB")
    return hbt


def check_runs(name: str, events: np.ndarray, fast: FastResult,
               hbt: tuple[int, int]) -> None:
    """Stop unless both engines did the work compared: hftbacktest's maker decided once
    per local time of a message (it takes the messages of one time together, ours one
    by one; a handful apart on the recorded set, where a gap's clear and a few messages
    share a time) and both traded; prints their fills."""
    ends = (events["ev"] & np.uint64(LOCAL_EVENT | END_OF_MESSAGE)) == \
        LOCAL_EVENT | END_OF_MESSAGE
    messages = int(np.count_nonzero(ends))
    times = len(np.unique(events["local_ts_ns"][ends]))
    steps, hbt_fills = hbt
    if not times - 2 <= steps <= messages or not len(fast.fills) or not hbt_fills:
        raise RuntimeError(f"{name}: unequal work: {messages} local messages at {times} "
                           f"times, hftbacktest decided {steps} times; fills: ours "
                           f"{len(fast.fills)}, hftbacktest {hbt_fills}")
    info(f"fills_{name}", len(fast.fills), "fills", f"hftbacktest {hbt_fills}; {messages} "
         f"messages, {steps} decisions of hftbacktest")


def python_engine(table: EventTable, hbt: Peak) -> None:
    """The Python engine (book-mid signals, the same GLFT maker and venue model as
    :data:`PARAMS`) over the recorded stream's depth diffs and trades, interleaved with
    hftbacktest's run over the same stream; prints its lines. The simulated exchange
    shares the engine's book, as in :func:`workbench.backtest`. Its memory is the peak of
    Python's allocations (``tracemalloc``, one more run) while the event objects are
    made and replayed: a run's own allocations reuse memory the process already holds,
    so its resident size hardly moves."""
    from workbench.core import BestBidOffer, SimulatedClock
    from workbench.data.binance.instruments import SYNC_RULES
    from workbench.engine import Engine, EngineConfig, default_risk_limits
    from workbench.engine.replay_driver import run_replay
    from workbench.execution.sim import ConservativeQueue, ConstantLatency, FeeSchedule, SimExchange
    from workbench.quoting import GLFTParams, InventoryParams, LadderParams
    from workbench.strategies import MakerParams

    key = (USDM, "BTCUSDT")
    inst = KNOWN[key]
    p = PARAMS
    maker = MakerParams(
        model="glft", glft_params=GLFTParams(gamma=p.gamma, k_per_price=p.k_per_price,
                                             a_per_s=p.a_per_s),
        ladder=LadderParams(levels=p.levels, spacing_ticks=p.spacing_ticks,
                            size_lots=p.size_lots),
        inventory=InventoryParams(max_long_lots=p.max_long_lots,
                                  max_short_lots=p.max_short_lots,
                                  hard_limit_lots=p.max_long_lots))

    def event_objects() -> list:
        return [e for e in table.events() if not isinstance(e, BestBidOffer)]

    events = event_objects()
    config = EngineConfig((inst,), key, maker, default_risk_limits(inst, maker), SYNC_RULES,
                          constant_vol_per_sqrt_s=p.sigma_per_sqrt_s)

    def run(events: list) -> None:
        engine = Engine(config)
        venue = SimExchange([inst], {key: FeeSchedule(p.maker_fee_bps, p.taker_fee_bps)},
                            ConstantLatency(p.entry_latency_ns, p.response_latency_ns),
                            ConservativeQueue(), SYNC_RULES, seed=0, books=engine.syncs)
        run_replay(engine, venue, events, SimulatedClock())

    pairs = interleave(Peak(lambda: run(events)), hbt, warmup=False)
    report_pairs(FIGURES["python"], pairs)
    n = len(events)
    info("python_engine_messages_per_s_recorded", n / min(pairs.ours), "msgs/s")
    if QUICK:
        return
    events.clear()  # the traced run makes its own
    tracemalloc.start()
    run(event_objects())
    peak_bytes = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    info("python_engine_peak_mb_recorded", peak_bytes / 2**20, "MB")


def recorded_events() -> tuple[np.ndarray, str, EventTable]:
    """The USD-M BTCUSDT stream as an event array, where it came from, and its table."""
    paths = [BINANCE / rel for rel in RECORDED]
    if not all(p.exists() for p in paths):
        from workbench.data.sample import sample_paths

        paths = [p for p in sample_paths() if "usdm" in p.parts]
    table = read_raw_feed(paths).streams[(USDM, "BTCUSDT")]
    return event_array(table), ", ".join(p.name for p in paths), table


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=250_000 if QUICK else 2_000_000)
    parser.add_argument("--seed", type=int, default=5)
    args = parser.parse_args()
    require("hftbacktest", "the fast path against hftbacktest")
    compare("synthetic", synthetic_events(args.rows, args.seed), SYNTHETIC_INSTRUMENT)
    events, source, table = recorded_events()
    info("recorded_rows", len(events), "rows", source)
    hbt = compare("recorded", events, KNOWN[(USDM, "BTCUSDT")])
    python_engine(table, hbt)


if __name__ == "__main__":
    main()
