"""Bad input: invalid prices, crossed or one-sided books, silence, time going back, jumps."""

from __future__ import annotations

import math

import numpy as np
import pytest

from workbench.core.events import BestBidOffer, Side, Trade
from workbench.estimators import (
    FairMidFusion,
    FairMidParams,
    SignalStack,
    StackParams,
    StreamSet,
)

NS = 1_000_000_000
KEYS = [("binance-spot", "BTCUSDT"), ("binance-usdm", "BTCUSDT"),
        ("binance-coinm", "BTCUSD_PERP")]
TICKS = {"binance-spot": 100, "binance-usdm": 10, "binance-coinm": 10}  # ticks per USD


def _bbo(t, venue, bid, ask, qb=5, qa=5):
    sym = dict(KEYS)[venue]
    k = TICKS[venue]
    return BestBidOffer(-1, t, venue, sym, round(bid * k), qb, round(ask * k), qa, t)


def _quotes(rng, n, t0=1_700_000_000 * NS, jump=None, bad=None):
    """Three venues quoting around a random walk every 50 ms."""
    mid = 60_000.0
    out = []
    for j in range(n):
        mid *= math.exp(rng.normal(0, 2e-5))
        t = t0 + j * 50_000_000
        for v in TICKS:
            m = mid * (1.10 if jump and v == jump[0] and jump[1] <= j < jump[2] else 1.0)
            e = _bbo(t, v, m - 0.05, m + 0.05)
            if bad is not None:
                e = bad(j, v, e) or e
            out.append(e)
    return out


def _check_finite(stack):
    s = stack.signals()
    for name in ("fair_mid", "vol_per_sqrt_s", "book_imbalance", "ofi", "trade_imbalance",
                 "toxicity_bid", "toxicity_ask"):
        assert math.isfinite(getattr(s, name)), name
    assert 0.0 <= s.toxicity_bid <= 1.0 and 0.0 <= s.toxicity_ask <= 1.0
    return s


def test_invalid_quotes_are_flagged_and_never_reach_the_snapshot():
    rng = np.random.default_rng(1)

    def bad(j, v, e):
        if v == "binance-usdm" and 100 <= j < 140:
            kind = j % 4
            if kind == 0:
                return e._replace(bid_ticks=0)  # zero price
            if kind == 1:
                return e._replace(bid_ticks=-5, ask_ticks=-4)  # negative
            if kind == 2:
                return e._replace(bid_ticks=e.ask_ticks + 10)  # crossed
            return e._replace(ask_lots=0)  # one-sided
        return None

    stack = SignalStack(StreamSet.of(KEYS))
    ref = SignalStack(StreamSet.of(KEYS))
    for e in _quotes(rng, 300, bad=bad):
        stack.update(e)
        s = _check_finite(stack)
        if 100 <= (e.local_ts_ns - 1_700_000_000 * NS) // 50_000_000 < 140 \
                and e.venue == "binance-usdm":
            assert "binance-usdm" not in s.sources
            assert stack.state()["sources"]["binance-usdm"] == "invalid"
    for e in _quotes(np.random.default_rng(1), 300):
        ref.update(e)
    assert abs(stack.signals().fair_mid / ref.signals().fair_mid - 1) < 1e-4


def test_nan_price_through_the_float_api_is_rejected():
    fusion = FairMidFusion(StreamSet.of(KEYS))
    fusion.on_quote(0, 1, 6_000_000, 1, 6_000_001, 1)
    fusion.on_quote(0, 2, float("nan"), 1, 6_000_001, 1)
    assert fusion.source_states()["binance-spot"] == "invalid" and not fusion.ok
    assert math.isfinite(fusion.value) and fusion.value > 0


@pytest.mark.parametrize(("fair", "jumper", "during", "after"), [
    # the average: the jumping venue is an outlier and leaves it
    (FairMidParams(reference_led=False), "binance-coinm",
     ("binance-spot", "binance-usdm"), ("binance-spot", "binance-usdm", "binance-coinm")),
    # led by spot with a weight on USD-M: spot jumping makes the fair mid fall back to the
    # basis-corrected average of the two others
    (FairMidParams(lead_weights=(("binance-usdm", 0.3),)), "binance-spot",
     ("binance-usdm", "binance-coinm"), ("binance-spot", "binance-usdm")),
])
def test_ten_percent_jump_on_one_venue_is_flagged_and_ignored(fair, jumper, during, after):
    rng = np.random.default_rng(2)
    stack = SignalStack(StreamSet.of(KEYS), StackParams(fair=fair))
    events = _quotes(rng, 400, jump=(jumper, 200, 260))
    before = None
    for j, e in enumerate(events):
        stack.update(e)
        s = _check_finite(stack)
        step = j // 3
        if step == 199 and e.venue == "binance-coinm":
            before = s.fair_mid
            assert s.sources == after
        if 201 <= step < 260:
            assert s.sources == during
            assert stack.state()["sources"][jumper] == "outlier"
            assert abs(s.fair_mid / before - 1) < 5e-3  # random walk only, no 10% move
            assert s.fair_mid_ok
    assert stack.signals().sources == after


def test_silent_source_and_out_of_order_timestamps():
    rng = np.random.default_rng(3)
    stack = SignalStack(StreamSet.of(KEYS))
    events = [e for e in _quotes(rng, 400)
              if not (e.venue == "binance-spot" and e.local_ts_ns > 1_700_000_000 * NS + 5 * NS)]
    for e in events[:600]:
        stack.update(e)
    assert stack.state()["sources"]["binance-spot"] == "stale"
    assert "binance-spot" not in stack.signals().sources
    late = events[300]._replace(local_ts_ns=events[300].local_ts_ns - 10 * NS)
    stack.update(late)
    stack.update(Trade(-1, events[0].local_ts_ns, "binance-usdm", "BTCUSDT", 600_000, 1,
                       Side.BUY, 1))
    assert stack.out_of_order == 2
    s = _check_finite(stack)
    assert s.ts_ns == events[599].local_ts_ns


def test_all_sources_bad_holds_the_last_value_with_ok_false():
    fusion = FairMidFusion(StreamSet.of(KEYS[:2]))
    fusion.update(_bbo(1, "binance-spot", 60_000.0, 60_000.1))
    fusion.update(_bbo(2, "binance-usdm", 60_000.0, 60_000.1))
    value = fusion.value
    fusion.update(_bbo(3, "binance-spot", 66_000.0, 66_000.1))  # two sources disagree
    assert not fusion.ok and fusion.value == value
    assert set(fusion.source_states().values()) == {"outlier"}
