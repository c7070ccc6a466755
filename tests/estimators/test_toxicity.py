"""The toxicity score: calibrated percentiles, signed combination, documented defaults."""

from __future__ import annotations

import numpy as np
import pytest

from workbench.estimators.toxicity import (
    ToxicityParams,
    percentile,
    percentile_array,
    score_arrays,
    tail_score,
)


def test_percentile_is_the_mid_rank_on_the_knots():
    knots = (0.0, 0.0, 0.0, 1.0, 2.0)
    assert percentile(0.0, knots) == pytest.approx((0 + 3) / 10)  # ties: middle of ranks
    assert percentile(-1.0, knots) == 0.0 and percentile(5.0, knots) == 1.0
    assert percentile(1.5, knots) == pytest.approx(4 / 5)
    x = np.array([-1.0, 0.0, 0.5, 1.0, 3.0])
    np.testing.assert_allclose(percentile_array(x, knots), [percentile(v, knots) for v in x])


def test_signed_combination_and_quiet_quantile():
    uniform = tuple(np.linspace(0.0, 1.0, 101).tolist())
    p = ToxicityParams(knots=(uniform,) * 6, weights=(0.5, -0.5, 0.0, 0.0, 0.0, 0.0),
                       combined_knots=tuple(np.linspace(-0.5, 0.5, 101).tolist()),
                       quiet_quantile=0.8)
    hi, lo = np.array([0.99]), np.array([0.01])
    # the positive component high and the negative one low
    u_hi, u_lo = percentile(0.99, uniform), percentile(0.01, uniform)
    z = 0.5 * (u_hi - 0.5) - 0.5 * (u_lo - 0.5)
    *_, score = score_arrays((hi, lo, lo, lo, lo, lo), p)
    assert score[0] == pytest.approx(tail_score(percentile(z, p.combined_knots), 0.8))
    assert score[0] > 0.9
    # the component with the negative weight high: it argues against toxicity
    *_, calm = score_arrays((hi, hi, lo, lo, lo, lo), p)
    assert calm[0] == 0.0
    assert tail_score(0.8, 0.8) == 0.0 and tail_score(0.9, 0.8) == pytest.approx(0.5)


def test_percentiles_on_calibrated_knots_are_the_empirical_cdf():
    """Knots fitted by the calibration on a sample, read back: the percentile of a new
    value is the sample's empirical CDF there (numpy quantiles), within the knot grid."""
    from workbench.estimators.toxicity_calibration import KNOT_PROBS, _knots

    rng = np.random.default_rng(11)
    sample = rng.lognormal(0.0, 1.0, 50_000)
    knots = _knots(sample)
    np.testing.assert_allclose(knots, np.quantile(sample, KNOT_PROBS), rtol=1e-5)
    x = np.quantile(sample, [0.013, 0.2, 0.5, 0.77, 0.96])
    ecdf = np.searchsorted(np.sort(sample), x, side="right") / len(sample)
    got = percentile_array(x, knots)
    step = 1.0 / (len(knots) - 1)
    assert (np.abs(got - ecdf) <= step).all(), (got, ecdf)
    # between the knots of probabilities j/40 and (j+1)/40 a value reads (j+1)/41
    j = np.searchsorted(knots, x)
    np.testing.assert_allclose(got, j / len(knots))


def test_quiet_quantile_flags_the_largest_share_within_the_target():
    """Against a brute-force count over every attainable percentile."""
    from workbench.estimators.toxicity_calibration import quiet_quantile_for

    n = 101
    rng = np.random.default_rng(3)
    q = rng.integers(0, 2 * n + 1, 20_000) / (2.0 * n)  # mid-ranks on n knots
    for share, w in ((0.1, 0.5), (0.05, 0.5), (0.1, 0.3)):
        q0 = quiet_quantile_for(q, n, share, w)
        flagged = np.mean(tail_score(q, q0) >= w)
        shares = [np.mean(q >= lev) for lev in np.unique(q)]
        assert flagged == max(s for s in shares if s <= share)
        assert share - 2.0 / (2 * n + 1) <= flagged <= share


def test_vpin_before_its_window_is_full_is_neutral():
    uniform = tuple(np.linspace(0.0, 1.0, 101).tolist())
    p = ToxicityParams(knots=(uniform,) * 6, weights=(1.0, 0.0, 0.0, 0.0, 0.0, 0.0),
                       combined_knots=tuple(np.linspace(-0.5, 0.5, 101).tolist()))
    x = (np.array([0.0, 0.0, 0.9]),) + (np.zeros(3),) * 5
    u_vpin, *_ = score_arrays(x, p, vpin_ready=np.array([False, True, True]))
    assert u_vpin[0] == 0.5  # unknown, not the lowest
    assert u_vpin[1] == percentile(0.0, uniform) < 0.01 and u_vpin[2] > 0.85


def test_bad_params_raise():
    with pytest.raises(ValueError):
        ToxicityParams(weights=(1.0, 0.0, 0.0, 0.0))
    with pytest.raises(ValueError):
        ToxicityParams(combined_knots=(1.0, 0.0))


@pytest.mark.shared_data
def test_defaults_are_the_documented_calibration(binance_dir):
    from workbench.data.binance.feed import read_raw_feed
    from workbench.estimators import EventArrays
    from workbench.estimators.guard_replay import GuardThresholds
    from workbench.estimators.stack import signals_frame
    from workbench.estimators.toxicity_calibration import (
        FLAG_SHARE,
        calibrate_toxicity,
        choose_cooldown,
        guard_acting,
    )
    from workbench.strategies.toxic_guard import GuardParams

    files = [binance_dir / "usdm/btcusdt_20240718.gz", binance_dir / "usdm/btcusdt_20240719.gz"]
    arrays = EventArrays.from_frame(read_raw_feed(files).to_frame())
    cooldown_ns, got, ratios = choose_cooldown(arrays)
    assert cooldown_ns == 0 and ratios[0] > 2.0  # the cool-down chosen on this day: none
    want = ToxicityParams()
    for g, w in zip(got.knots, want.knots):
        np.testing.assert_allclose(g, w, rtol=1e-12)
    np.testing.assert_allclose(got.weights, want.weights, atol=1e-6)
    np.testing.assert_allclose(got.combined_knots, want.combined_knots, rtol=1e-12)
    assert got.quiet_quantile == pytest.approx(want.quiet_quantile, abs=1e-12)
    # only the touch weighs: VPIN, markout, burst and sweep change direction within
    # the day or are activity-scaled; a thin queue the aggressor would hit is toxic
    assert got.weights[:4] == (0.0,) * 4 and min(got.weights[4:]) > 0
    # the guard's default cool-down is the one chosen here, and on its own day the
    # guard, replayed over the default score, acts on at most the calibrated share
    assert GuardThresholds().cooldown_ns == GuardParams().cooldown_ns == cooldown_ns
    frame = signals_frame(arrays)
    share = np.mean(guard_acting(frame).any(axis=1))
    assert FLAG_SHARE - 0.05 <= share <= FLAG_SHARE
    # held 2 s, as the guard once was, each episode lasts and the guard acts far more
    held = np.mean(guard_acting(frame, GuardThresholds(cooldown_ns=2_000_000_000))
                   .any(axis=1))
    assert held > share + 0.05
    assert calibrate_toxicity(arrays) == got  # the default guard is the chosen one


def test_guard_replay_defaults_are_the_guards():
    import dataclasses

    from workbench.estimators.guard_replay import GuardThresholds
    from workbench.strategies.toxic_guard import GuardParams

    g, want = GuardThresholds(), GuardParams()
    for f in dataclasses.fields(g):
        assert getattr(g, f.name) == getattr(want, f.name), f.name


@pytest.mark.shared_data
def test_guard_replay_is_the_guard_on_recorded_scores(binance_dir):
    """The replayed levels equal ToxicGuard's, event by event, on a recorded day's
    scores pushed up so that every level (widen, pull, join) and the cool-down occur."""
    from workbench.data.binance.feed import read_raw_feed
    from workbench.estimators import EventArrays, Signals
    from workbench.estimators.guard_replay import guard_buy_flow, guard_levels
    from workbench.estimators.stack import signals_frame
    from workbench.strategies.toxic_guard import GuardParams, ToxicGuard

    files = [binance_dir / "usdm/btcusdt_20240718.gz"]
    arrays = EventArrays.from_frame(read_raw_feed(files).to_frame())
    frame = signals_frame(arrays)
    rng = np.random.default_rng(11)
    n = len(frame)
    bump = np.where(rng.random(n) < 0.01, rng.uniform(0.5, 1.0, n), 0.0)  # spikes
    sb = np.clip(frame["toxicity_bid"].to_numpy() + bump, 0, 1)
    sa = np.clip(frame["toxicity_ask"].to_numpy() + np.roll(bump, 7), 0, 1)
    sb[n // 2] = np.nan
    p = GuardParams(flow_weights=(0.0, 0.8, -0.2), join_flow=0.2, cooldown_ns=2_000_000_000)
    ti, ofi = frame["trade_imbalance"].to_numpy(), frame["ofi"].to_numpy()
    got = guard_levels(frame["ts_ns"].to_numpy(), sb, sa,
                       guard_buy_flow(np.zeros(n), ofi, ti, p.flow_weights), p)
    guard = ToxicGuard(p)
    want = np.zeros((n, 2), dtype=np.int8)
    for i, t in enumerate(frame["ts_ns"].to_numpy()):
        d = guard.update(Signals(int(t), 1.0, True, 0.0, True, 0.0, ofi[i], ti[i], sb[i], sa[i]))
        want[i] = (d.bid.action, d.ask.action)
    assert {0, 1, 2, 3} <= set(np.unique(want))
    np.testing.assert_array_equal(got, want)


def _arrays_of(rows):
    """EventArrays of one BTC USD-M stream from (ts_ns, kind, bid, ask, price, side) rows
    (prices in ticks; every size 1000 lots)."""
    from workbench.core.events import EventKind
    from workbench.estimators import EventArrays
    from workbench.estimators.arrays import StreamSet

    s = StreamSet.of([("binance-usdm", "BTCUSDT")])
    ts, kind, b, a, px, side = (np.array(c) for c in zip(*rows))
    bbo, trade = kind == "bbo", kind == "trade"
    z = np.zeros(len(ts), dtype=np.int64)
    return EventArrays(s, ts.astype(np.int64), z,
                       np.where(bbo, EventKind.BBO.value, EventKind.TRADE.value).astype(np.uint8),
                       np.where(bbo, b, 0), np.where(bbo, 1000, 0), np.where(bbo, a, 0),
                       np.where(bbo, 1000, 0), np.where(trade, px, 0), np.where(trade, 1000, 0),
                       np.where(trade, side, 0))


def test_order_markouts_by_hand():
    from workbench.estimators.toxicity_calibration import (
        aggressive_orders,
        order_markouts,
        venue_mid,
    )

    ms = 1_000_000
    rows = [
        (0, "bbo", 600000, 600002, 0, 0),            # mid 60000.1 USD (tick 0.1)
        (10 * ms, "trade", 0, 0, 600002, 1),          # order 1: buy at the ask ...
        (10 * ms + 2, "trade", 0, 0, 600003, 1),      # ... and one tick deeper
        (10 * ms + 4, "trade", 0, 0, 600001, -1),     # order 2: a sell, other side
        (20 * ms, "bbo", 600010, 600012, 0, 0),       # mid 60001.1
        (30 * ms, "trade", 0, 0, 600012, 1),          # order 3: after a quote
        (30 * ms + 5 * ms, "trade", 0, 0, 600012, 1),  # order 4: 5 ms later
        (2_000 * ms, "bbo", 600020, 600022, 0, 0),    # mid 60002.1
    ]
    arrays = _arrays_of(rows)
    first, prints = aggressive_orders(arrays)
    np.testing.assert_array_equal(first, [1, 3, 5, 6])
    np.testing.assert_array_equal(prints, [2, 1, 1, 1])
    mid = venue_mid(arrays, 0)
    np.testing.assert_allclose(mid, [60000.1] * 4 + [60001.1] * 3 + [60002.1])
    m = order_markouts(arrays, mid, 1.0)
    # order 1: the maker sold at 60000.2, the mid 1 s on is 60001.1: -0.9 USD for it
    want = [(60001.1 - 60000.2) / 60000.1, -(60001.1 - 60000.1) / 60000.1,
            (60002.1 - 60001.2) / 60001.1, (60002.1 - 60001.2) / 60001.1]
    # orders 3 and 4 end at 1.03 s and 1.035 s: before the last quote, at 60001.1
    want[2] = want[3] = (60001.1 - 60001.2) / 60001.1
    np.testing.assert_allclose(m["adverse_bps"], np.array(want) * 1e4, rtol=1e-9)
    np.testing.assert_array_equal(m["before"], [0, 2, 4, 5])
