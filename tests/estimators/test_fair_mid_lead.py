"""The led fair mid recovers a simulated leader and beats the quoted venue's own mid."""

from __future__ import annotations

import numpy as np

from workbench.core.events import EventKind
from workbench.estimators import EventArrays, FairMidParams, StreamSet, fair_mid_frame
from workbench.estimators.fair_mid_calibration import calibrate_fair_mid

NS = 1_000_000_000
KEYS = [("binance-usdm", "BTCUSDT"), ("binance-spot", "BTCUSDT"),
        ("binance-coinm", "BTCUSD_PERP")]
STEP_NS = 20_000_000


def _simulated(seed: int, n_steps: int = 30_000, lag_q: int = 15, lag_c: int = 50):
    """An efficient price quoted at once by USD-M (the leader), ``lag_q`` steps late by
    spot (the quoted venue) and ``lag_c`` steps late by COIN-M (a laggard behind it),
    each rounded to its ticks with a one-tick spread and its own small noise."""
    rng = np.random.default_rng(seed)
    x = np.log(60_000.0) + np.cumsum(rng.normal(0.0, 0.3e-4, n_steps + lag_c))
    streams = StreamSet.of(KEYS)
    rows = []
    for i, lag in enumerate((0, lag_q, lag_c)):
        tick = streams.tick_sizes[i]
        px = np.exp(x[lag_c - lag: lag_c - lag + n_steps] + rng.normal(0, 0.05e-4, n_steps))
        bid = np.floor(px / tick).astype(np.int64)
        rows.append((np.arange(n_steps) * STEP_NS + i * 1000, np.full(n_steps, i), bid))
    ts = np.concatenate([r[0] for r in rows]) + 1_700_000_000 * NS
    order = np.argsort(ts, kind="stable")
    stream = np.concatenate([r[1] for r in rows])[order]
    bid = np.concatenate([r[2] for r in rows])[order]
    m = len(ts)
    lots = np.full(m, 5, np.int64)
    zero = np.zeros(m, np.int64)
    return EventArrays(streams, ts[order], stream, np.full(m, EventKind.BBO, np.uint8),
                       bid, lots, bid + 1, lots, zero, zero, zero)


def test_calibration_recovers_the_leader_and_ignores_the_laggard():
    p = calibrate_fair_mid(_simulated(1), FairMidParams(reference="binance-spot"))
    w = dict(p.lead_weights)
    # USD-M's gap closes on spot by min(h, 0.3 s) / 0.3 s: a third at 100 ms, all of it
    # at 1 s and 5 s; the pooled, horizon-normalised fit lies between, nearer 100 ms
    assert 0.34 < w["binance-usdm"] < 1.0
    assert abs(w["binance-coinm"]) < 0.1 * w["binance-usdm"]  # older news than spot's own


def test_led_fair_mid_beats_the_quoted_mid_out_of_sample():
    p = calibrate_fair_mid(_simulated(2), FairMidParams(reference="binance-spot"))
    test = _simulated(3)
    led = fair_mid_frame(test, p)["fair_mid"].to_numpy()
    own_mid = FairMidParams(reference="binance-spot", lead_weights=(), imbalance_bps=0.0)
    own = fair_mid_frame(test, own_mid)["fair_mid"].to_numpy()
    i = test.stream == 1
    ts = test.ts_ns[i]
    quoted = np.log((test.bid_ticks[i] + 0.5) * 0.01)
    # the gap carries 0.3 s of the efficient price's variance: a share of the error that
    # shrinks with the horizon (to 6% of it at 5 s)
    for h_steps, most in ((5, 0.8), (50, 0.9), (250, 0.99)):  # 0.1 s, 1 s, 5 s
        fut = quoted[h_steps:]
        e_led = fut - np.log(led[i][:-h_steps])
        e_own = fut - np.log(own[i][:-h_steps])
        assert np.mean(e_led**2) < most * np.mean(e_own**2), h_steps
    assert len(ts) > 1000
