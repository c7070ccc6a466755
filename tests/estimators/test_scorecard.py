"""The scorecard's claims, as tests on the recorded data (out of sample throughout)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from workbench.analytics.scorecard import COLUMNS, Scorecard

pytestmark = pytest.mark.shared_data


@pytest.fixture(scope="module")
def card(binance_dir):
    from workbench.analytics.scorecard import run_scorecard

    return run_scorecard(binance_dir)


@pytest.mark.parametrize("asset", ["btc", "eth"])
def test_fair_mid_beats_every_single_source_baseline_at_every_horizon(card, asset):
    rows = card.rows("fair_mid", asset=asset)
    pooled = rows[rows["split"].str.contains(" both ")]
    assert set(pooled["baseline"]) == {"own_mid", "size_weighted", "micro_price",
                                       "equal_weight"}
    assert set(pooled["horizon_s"]) == {0.1, 1.0, 5.0}
    assert (pooled["diff"] > 0).all(), pooled[["baseline", "horizon_s", "diff"]]
    # at 1 s the gain over the quoted venue's own quote is outside its HAC interval
    own = pooled[pooled["baseline"].isin(["own_mid", "size_weighted", "micro_price"])
                 & (pooled["horizon_s"] == 1.0)]
    assert (own["diff_low"] > 0).all()
    # and each half, fitted on the other, beats the own mid at 1 s
    halves = rows[~rows["split"].str.contains(" both ") & (rows["baseline"] == "own_mid")
                  & (rows["horizon_s"] == 1.0)]
    assert len(halves) == 2 and (halves["diff"] > 0).all()


def test_default_fair_mid_weights_are_the_mean_of_the_fits(card):
    from workbench.estimators import FairMidParams

    fits = card.calibration["lead_weights"]
    assert len(fits) == 4
    p = FairMidParams()
    imb = np.mean([f["imbalance"] for f in fits.values()])
    spot = np.mean([f["gap_binance-spot"] for f in fits.values()])
    assert p.imbalance_bps == pytest.approx(imb, abs=0.01)
    assert dict(p.lead_weights)["binance-spot"] == pytest.approx(spot, abs=0.01)


def test_fused_volatility_beats_single_venue_ewma_on_qlike(card):
    rows = card.rows("volatility", baseline="ewma_single", metric="qlike")
    assert len(rows) == 4  # two assets, calibrated on each day and scored on the other
    assert (rows["diff"] > 0).all(), rows[["asset", "split", "diff"]]
    assert set(card.calibration["vol_half_life_s"].values()) == {120.0}  # the default


def test_guard_flow_weights_follow_the_measured_ic_signs(card):
    from workbench.strategies.toxic_guard import GuardParams

    rows = card.rows("flow")
    book, ofi, trade = GuardParams().flow_weights
    mean_ic = rows.groupby("estimator")["value"].mean()
    assert np.sign(mean_ic["book_imbalance:multi"]) == np.sign(book) == 1
    assert np.sign(mean_ic["trade_imbalance:multi"]) == np.sign(trade) == -1
    assert abs(mean_ic["ofi:multi"]) < 0.05 and ofi == 0.0
    # the IC intervals are HAC: at 5 s (10 overlapping samples) they are wider than at 1 s
    width = (rows["value_high"] - rows["value_low"]).groupby(rows["horizon_s"]).mean()
    assert width[5.0] > 1.3 * width[1.0]


def test_toxicity_rows_report_share_and_markouts(card):
    rows = card.rows("toxicity")
    share = rows[rows["metric"] == "share_flagged"]
    assert len(share) == 4 and share["value"].between(0, 1).all()
    marks = rows[rows["metric"] == "markout_bps"]
    assert set(marks["horizon_s"]) == {1.0, 5.0}
    assert (marks["baseline_value"] > 0).all()  # a trade's own direction persists


# Out of sample (calibrated on one day, scored on the other), the share of events on
# which the guard, replayed with its hysteresis and the cool-down chosen on the
# calibration day (none, on every day), widens or pulls a side; the threshold puts it
# at most at 10% of the calibration day's events. The weighted components (queue
# imbalance and thinness of the touch; on ETH 08-08 also the markout) are scale-free, so
# the share does not drift with activity: 7.1%, 9.7%, 9.9% and 7.5%.
SPLITS = [("btc", "0718->0808"), ("btc", "0808->0718"), ("eth", "0718->0808"),
          ("eth", "0808->0718")]


@pytest.mark.parametrize(("asset", "split"), SPLITS)
def test_guard_flags_at_most_15_percent_of_events_out_of_sample(card, asset, split):
    rows = card.rows("toxicity", asset=asset, metric="share_flagged")
    share = rows[rows["split"].str.startswith(split)]["value"]
    assert len(share) == 1 and share.iloc[0] <= 0.15


@pytest.mark.xfail(strict=True, reason="reached on three splits of four: ETH "
                   "07-18->08-08 guards fills 1.80 (1 s) and 1.40 (5 s) times as adverse "
                   "as the others; BTC 2.70/4.49 and 5.29/4.49, ETH 08-08->07-18 6.07/7.17")
def test_flagged_flow_is_twice_as_adverse_out_of_sample(card):
    rows = card.rows("toxicity", metric="markout_ratio")
    assert len(rows) == 8 and (rows["value"] >= 2.0).all(), rows[["split", "horizon_s",
                                                                     "value"]]


def test_toxicity_threshold_is_calibrated_on_each_day(card):
    fits = card.calibration["toxicity"]
    assert len(fits) == 4
    # each calibration day got its own weights, only on components whose direction
    # held on every quarter of it: never burst or sweep (on an activity scale), always
    # the queue imbalance at the touch, with the sign that calls a thin queue toxic
    weights = [f.toxicity.weights for f in fits.values()]
    assert len(set(weights)) == 4
    assert all(w[2] == w[3] == 0.0 and w[4] > 0.0 for w in weights)
    assert all(abs(sum(abs(x) for x in w) - 1.0) < 1e-12 for w in weights)
    # the cool-down chosen on each calibration day, none of the candidates above it
    assert set(card.calibration["guard_cooldown_ns"].values()) == {0}


def test_summary_and_plot(card):
    pytest.importorskip("bokeh")
    s = card.summary()
    assert not s["split"][s["family"] == "fair_mid"].str.contains("A->B").any()
    assert card.plot().title.text.startswith("Scorecard")
    assert "fair_mid" in repr(card)


def test_scorecard_without_data_renders_its_rows():
    rows = [dict(zip(COLUMNS, ("fair_mid", "btc", "0808 both q", "fair_mid", "own_mid",
                               "mse_bps2", 1.0, 10, 0.9, np.nan, np.nan, 1.0, np.nan,
                               np.nan, 0.1, 0.05, 0.15, True)))]
    card = Scorecard(pd.DataFrame(rows, columns=list(COLUMNS)))
    s = card.summary()
    assert s["skill"].iloc[0] == pytest.approx(0.1) and s["skill_low"].iloc[0] == 0.05


def test_flagged_rows_count_orders_that_met_the_replayed_guard(card):
    rows = card.rows("toxicity", metric="markout_ratio")
    marks = card.rows("toxicity", metric="markout_bps")
    # one fill per aggressive order: fewer rows than prints (21,313 on BTC 08-08)
    btc = marks[(marks["asset"] == "btc") & marks["split"].str.startswith("0718->0808")]
    assert (btc["n"] < 6000).all() and (btc["n"] > 5000).all()
    assert (rows["n"] > 0).all()
