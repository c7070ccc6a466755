"""The research notebook runs headless under papermill with a small grid and few paths,
and records what the Python API gives: the predictive-power table, the sweep, the engine
check of the chosen point and (with ../shared) the hedging study."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from tests.notebooks.run import execute, has_parameters_cell, printed_json

NOTEBOOK = Path(__file__).resolve().parents[2] / "notebooks" / "research.ipynb"
CHAINS = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "deribit-options"
# Run from the notebook's folder, as Jupyter does: the chains are found all the same.
PARAMS = {"gammas": [1e-6, 1e-2], "ks": [0.3, 2.0], "horizons_s": [1.0, 5.0],
          "n_paths": 200, "seed": 5}


@pytest.fixture(scope="module")
def executed(tmp_path_factory):
    return execute(NOTEBOOK, tmp_path_factory.mktemp("nb") / "out.ipynb", PARAMS,
                   cwd=NOTEBOOK.parent)


def test_notebook_has_a_tagged_parameters_cell():
    assert has_parameters_cell(NOTEBOOK)


def test_the_sweep_and_the_engine_check_are_the_apis(executed):
    from workbench.data.binance.feed import read_raw_feed
    from workbench.data.binance.instruments import binance_instrument
    from workbench.data.sample import sample_paths
    from workbench.engine.fast import FastParams, engine_check, event_array, sweep

    key = ("binance-usdm", "BTCUSDT")
    table = read_raw_feed(sample_paths()).streams[key]
    base = FastParams(sigma_per_sqrt_s=1.25e-4, vol_mode="constant", skew_mode="capped",
                      max_long_lots=5, max_short_lots=5, entry_latency_ns=5_000_000,
                      response_latency_ns=5_000_000, maker_fee_bps=2.0, taker_fee_bps=5.0)
    direct = sweep(event_array(table, local_offset_ns=0, exchange_clock="local"),
                   binance_instrument(*key), base, {"gamma": PARAMS["gammas"],
                                                    "k_per_price": PARAMS["ks"]})
    recorded = printed_json(executed, "sweep")
    assert len(recorded) == 4
    for row, (_, d) in zip(recorded, direct.iterrows()):
        assert (row["gamma"], row["k_per_price"], row["n_fills"]) == (
            d["gamma"], d["k_per_price"], d["n_fills"])
        assert row["pnl"] == pytest.approx(d["pnl"], rel=1e-12)
    best = direct.loc[direct["pnl"].idxmax()]
    check = engine_check(table, dataclasses.replace(base, gamma=best["gamma"],
                                                    k_per_price=best["k_per_price"]))
    rec = printed_json(executed, "check")
    assert rec["fills_equal"] is True and check.fills_equal
    assert rec["engine_pnl"] == pytest.approx(float(check.figures.loc["pnl", "engine"]),
                                              rel=1e-12)


def test_the_predictive_table_is_the_apis(executed):
    import dataclasses as dc

    from workbench.analytics import predictive_power
    from workbench.data.binance.feed import read_raw_feed, replay_streams
    from workbench.data.sample import sample_paths
    from workbench.estimators import EventArrays, StackParams, depth_records, signals_frame

    files = sample_paths()
    arrays = EventArrays.from_frame(read_raw_feed(files).to_frame())
    stack = StackParams()
    stack = dc.replace(stack, fair=dc.replace(stack.fair, reference="binance-usdm"))
    frame = signals_frame(arrays, stack, depth_records(replay_streams(files), arrays.streams))
    direct = predictive_power(frame[frame["fair_mid_ok"]], ["book_imbalance", "ofi"],
                              PARAMS["horizons_s"], 1.0)
    recorded = {(r["signal"], r["horizon_s"]): r for r in printed_json(executed, "predictive")}
    for _, d in direct.iterrows():
        assert recorded[(d["signal"], d["horizon_s"])]["ic_spearman"] == pytest.approx(
            d["ic_spearman"], rel=1e-12)


def test_the_hedging_study_is_recorded_where_the_chains_are(executed):
    if not (CHAINS / "deribit_btc_options_2020-05-14.csv.gz").exists():
        pytest.skip("recorded Deribit chains not found (../shared/data is absent)")
    from workbench.engine.hedge_study import HedgeStudyParams, hedge_study
    from workbench.options import load_deribit_chain

    chain = load_deribit_chain(CHAINS / "deribit_btc_options_2020-05-14.csv.gz")
    study = hedge_study(chain, HedgeStudyParams(n_paths=200, seed=5))
    recorded = printed_json(executed, "hedging")
    for name, sd in study.summary()["sd_usd"].items():
        assert recorded[name] == pytest.approx(sd, rel=1e-12)
    assert recorded["perp"] < 0.01 * recorded["unhedged"]
