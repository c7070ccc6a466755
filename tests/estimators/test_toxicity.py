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
    p = ToxicityParams(knots=(uniform,) * 4, weights=(0.5, -0.5, 0.0, 0.0),
                       combined_knots=tuple(np.linspace(-0.5, 0.5, 101).tolist()),
                       quiet_quantile=0.8)
    hi, lo = np.array([0.99]), np.array([0.01])
    # the positive component high and the negative one low
    u_hi, u_lo = percentile(0.99, uniform), percentile(0.01, uniform)
    z = 0.5 * (u_hi - 0.5) - 0.5 * (u_lo - 0.5)
    *_, score = score_arrays((hi, lo, lo, lo), p)
    assert score[0] == pytest.approx(tail_score(percentile(z, p.combined_knots), 0.8))
    assert score[0] > 0.9
    # the component with the negative weight high: it argues against toxicity
    *_, calm = score_arrays((hi, hi, lo, lo), p)
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
    p = ToxicityParams(knots=(uniform,) * 4, weights=(1.0, 0.0, 0.0, 0.0),
                       combined_knots=tuple(np.linspace(-0.5, 0.5, 101).tolist()))
    x = (np.array([0.0, 0.0, 0.9]),) + (np.zeros(3),) * 3
    u_vpin, *_ = score_arrays(x, p, vpin_ready=np.array([False, True, True]))
    assert u_vpin[0] == 0.5  # unknown, not the lowest
    assert u_vpin[1] == percentile(0.0, uniform) < 0.01 and u_vpin[2] > 0.85


def test_bad_params_raise():
    with pytest.raises(ValueError):
        ToxicityParams(weights=(1.0, 0.0, 0.0))
    with pytest.raises(ValueError):
        ToxicityParams(combined_knots=(1.0, 0.0))


@pytest.mark.shared_data
def test_defaults_are_the_documented_calibration(binance_dir):
    from workbench.data.binance.feed import read_raw_feed
    from workbench.estimators import EventArrays
    from workbench.estimators.stack import signals_frame
    from workbench.estimators.toxicity_calibration import FLAG_SHARE, calibrate_toxicity

    files = [binance_dir / "usdm/btcusdt_20240718.gz", binance_dir / "usdm/btcusdt_20240719.gz"]
    arrays = EventArrays.from_frame(read_raw_feed(files).to_frame())
    got = calibrate_toxicity(arrays)
    want = ToxicityParams()
    for g, w in zip(got.knots, want.knots):
        np.testing.assert_allclose(g, w, rtol=1e-12)
    np.testing.assert_allclose(got.weights, want.weights, atol=1e-6)
    np.testing.assert_allclose(got.combined_knots, want.combined_knots, rtol=1e-12)
    assert got.quiet_quantile == pytest.approx(want.quiet_quantile, abs=1e-12)
    # on its own day the default score flags either side on the calibrated share
    frame = signals_frame(arrays)
    share = np.mean((frame["toxicity_bid"] >= 0.5) | (frame["toxicity_ask"] >= 0.5))
    assert FLAG_SHARE - 0.02 <= share <= FLAG_SHARE
