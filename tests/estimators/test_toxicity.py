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


def test_bad_params_raise():
    with pytest.raises(ValueError):
        ToxicityParams(weights=(1.0, 0.0, 0.0))
    with pytest.raises(ValueError):
        ToxicityParams(combined_knots=(1.0, 0.0))


@pytest.mark.shared_data
def test_defaults_are_the_documented_calibration(binance_dir):
    from workbench.data.binance.feed import read_raw_feed
    from workbench.estimators import EventArrays
    from workbench.estimators.toxicity_calibration import calibrate_toxicity

    files = [binance_dir / "usdm/btcusdt_20240718.gz", binance_dir / "usdm/btcusdt_20240719.gz"]
    got = calibrate_toxicity(EventArrays.from_frame(read_raw_feed(files).to_frame()))
    want = ToxicityParams()
    for g, w in zip(got.knots, want.knots):
        np.testing.assert_allclose(g, w, rtol=1e-12)
    np.testing.assert_allclose(got.weights, want.weights, atol=1e-6)
    np.testing.assert_allclose(got.combined_knots, want.combined_knots, rtol=1e-12)
