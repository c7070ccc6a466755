"""The compiled fast path gives the Python engine's fills on the same recorded data.

Both run the GLFT maker on USD-M BTCUSDT alone (its depth diffs and trades), quoting
around the book's own mid with a constant volatility, one latency model (5 ms each way
for orders, the recorded feed latency of the default ``FeedLatency()``: the venue sees
each message at its exchange time, the strategy after its feed latency), the
conservative queue, post-only quotes, no requote tolerance. The fast path's documented
differences are configured away; order ids differ, so fills are compared by what they
are: time, side, price, size, liquidity and fee. Cases: a tight toy model, and the
calibrated defaults at 70% a year with and without a drift of the mid; and the toy model
on one clock (no feed latency: the venue sees each message when we do).
"""

from __future__ import annotations

import numpy as np
import pytest

from workbench.core import BestBidOffer, BookDelta, SimulatedClock
from workbench.data.binance.feed import read_raw_feed
from workbench.data.binance.instruments import SYNC_RULES, binance_instrument
from workbench.engine import Engine, EngineConfig, default_risk_limits
from workbench.engine.fast import FastParams, event_array, run_fast
from workbench.engine.recorder import RunRecorder
from workbench.engine.replay_driver import run_replay
from workbench.execution.sim import (
    ConservativeQueue,
    ConstantLatency,
    FeedLatency,
    FeeSchedule,
    SimExchange,
)
from workbench.quoting import GLFTParams, InventoryParams, LadderParams
from workbench.strategies import MakerParams

KEY = ("binance-usdm", "BTCUSDT")
LATENCY_NS = 5_000_000
LIMIT = 5
DEFAULT = GLFTParams()
CASES = {  # (gamma, k, A, drift USD/s), volatility of log returns per √s
    "toy": (dict(gamma=0.05, k_per_price=2.0, a_per_s=1.0, drift_price_per_s=0.0), 2e-5),
    "calibrated": (dict(gamma=DEFAULT.gamma, k_per_price=DEFAULT.k_per_price,
                        a_per_s=DEFAULT.a_per_s, drift_price_per_s=0.0), 1.25e-4),
    "calibrated-drift": (dict(gamma=DEFAULT.gamma, k_per_price=DEFAULT.k_per_price,
                              a_per_s=DEFAULT.a_per_s, drift_price_per_s=5e-3), 1.25e-4),
}


@pytest.fixture(scope="module")
def table(sample_files):
    usdm = [p for p in sample_files if "usdm" in str(p)]
    return read_raw_feed(usdm, workers=1).streams[KEY]


def _python_fills(table, glft, vol, latency, end):
    inst = binance_instrument(*KEY)
    maker = MakerParams(model="glft", glft_params=GLFTParams(**glft),
                        ladder=LadderParams(levels=1, spacing_ticks=1, size_lots=1),
                        inventory=InventoryParams(max_long_lots=LIMIT, max_short_lots=LIMIT,
                                                  hard_limit_lots=LIMIT, skew_mode="capped"))
    config = EngineConfig((inst,), KEY, maker, default_risk_limits(inst, maker), SYNC_RULES,
                          constant_vol_per_sqrt_s=vol)
    recorder = RunRecorder(inst)
    engine = Engine(config, recorder=recorder)
    venue = SimExchange([inst], {KEY: FeeSchedule(2.0, 5.0)}, latency, ConservativeQueue(),
                        SYNC_RULES, seed=0)
    events = [e for e in table.events() if not isinstance(e, BestBidOffer)
              and not (isinstance(e, BookDelta) and len(e.bid_ticks) + len(e.ask_ticks) == 0)]
    run_replay(engine, venue, events, SimulatedClock())
    return [(f.ts_ns, int(f.side), f.price_ticks, f.size_lots, f.liquidity.value == "maker",
             f.fee) for f in recorder.fills if f.ts_ns <= end]


def _fast_events(table, latency):
    if latency.feed is None:
        return event_array(table, local_offset_ns=0, exchange_clock="local")
    return event_array(table, feed=latency.feed)


def _fast_fills(events, end, glft, vol, latency):
    inst = binance_instrument(*KEY)
    params = FastParams(model="glft", **glft, sigma_per_sqrt_s=vol, vol_mode="constant",
                        skew_mode="capped", levels=1, size_lots=1, max_long_lots=LIMIT,
                        max_short_lots=LIMIT, entry_latency_ns=latency.entry_ns,
                        response_latency_ns=latency.response_ns, maker_fee_bps=2.0,
                        taker_fee_bps=5.0)
    fills = run_fast(events, inst, params).fills
    return [(int(f["exch_ts_ns"]), int(f["side"]), int(f["price_ticks"]), int(f["size_lots"]),
             bool(f["maker"]), float(f["fee"])) for f in fills if f["exch_ts_ns"] <= end]


@pytest.mark.parametrize("case, feed", [(c, True) for c in sorted(CASES)] + [("toy", False)],
                         ids=[*sorted(CASES), "toy-one-clock"])
def test_fast_path_fills_equal_the_python_engines(table, case, feed):
    glft, vol = CASES[case]
    latency = ConstantLatency(LATENCY_NS, LATENCY_NS, feed=FeedLatency() if feed else None)
    events = _fast_events(table, latency)
    end = int(events["local_ts_ns"].max())
    python = _python_fills(table, glft, vol, latency, end)
    fast = _fast_fills(events, end, glft, vol, latency)
    assert len(python) > 20
    assert [f[:5] for f in fast] == [f[:5] for f in python]
    np.testing.assert_allclose([f[5] for f in fast], [f[5] for f in python], rtol=1e-9)
