"""calibrate(): agrees with the documented calibration, round-trips into a backtest, and
refuses bad input without writing parameters."""

from __future__ import annotations

import dataclasses
import itertools
import math

import numpy as np
import pytest

from tests.calibration.synthetic import gbm_quotes, table
from tests.conftest import BINANCE
from workbench import CalibrationError, calibrate, read_params_file
from workbench.calibration import diagnostic_path, fit_volatility, gamma_for_half_life
from workbench.calibration.gamma import inventory_half_life_s, skew_and_half_spread
from workbench.core import DataError, ValidationError
from workbench.data.binance.instruments import binance_instrument
from workbench.quoting import calibration as documented

KEY = ("binance-usdm", "BTCUSDT")


@pytest.fixture(scope="module")
def sample_result():
    return calibrate(*KEY, "2024-08-08")


def test_agrees_with_the_documented_calibration_on_the_same_data(sample_result, sample_files):
    from workbench.data.binance.feed import read_raw_feed

    usdm = [p for p in sample_files if "usdm" in str(p)]
    ref = documented.calibrate([read_raw_feed(usdm, workers=1).streams[KEY]],
                               binance_instrument(*KEY))
    p = sample_result.params
    assert p["glft_params.a_per_s"] == pytest.approx(ref.fill.a_per_s, rel=1e-9)
    assert p["glft_params.k_per_price"] == pytest.approx(ref.fill.k_per_price, rel=1e-9)
    se = sample_result.standard_errors
    assert se["glft_params.a_per_s"] == pytest.approx(ref.fill.a_se, rel=1e-6)
    assert se["glft_params.k_per_price"] == pytest.approx(ref.fill.k_se, rel=1e-6)
    assert p["glft_params.sigma_price_per_sqrt_s"] == pytest.approx(
        ref.sigma_price_per_sqrt_s, rel=1e-9)
    assert p["glft_params.gamma"] == pytest.approx(ref.gamma_glft, rel=1e-9)
    assert p["as_params.gamma"] == pytest.approx(ref.gamma_as, rel=1e-9)
    vol = sample_result.volatility
    assert vol.source == "binance-usdm" and "binance-coinm" in vol.per_venue


def test_parameter_file_round_trips_into_a_backtest(sample_result, sample_files, tmp_path):
    from workbench import backtest
    from workbench.data.binance.feed import group_streams, replay_streams
    from workbench.strategies import MakerParams

    path = sample_result.write(tmp_path / "btc.yaml")
    loaded = read_params_file(path)
    assert loaded.params == pytest.approx(sample_result.params, rel=1e-15)
    assert loaded.strategy == "glft"
    assert loaded.meta["window"]["date"] == "2024-08-08"
    assert loaded.meta["standard_errors"]["glft_params.k_per_price"] > 0
    assert loaded.units["glft_params.k_per_price"] == "1/USDT"
    maker = loaded.apply()
    p = sample_result.params
    direct = MakerParams(model="glft", glft_params=dataclasses.replace(
        MakerParams().glft_params, gamma=p["glft_params.gamma"],
        k_per_price=p["glft_params.k_per_price"], a_per_s=p["glft_params.a_per_s"],
        sigma_price_per_sqrt_s=p["glft_params.sigma_price_per_sqrt_s"],
        max_inventory_units=p["glft_params.max_inventory_units"]),
        as_params=dataclasses.replace(MakerParams().as_params, gamma=p["as_params.gamma"],
                                      k_per_price=p["as_params.k_per_price"],
                                      a_per_s=p["as_params.a_per_s"]))
    assert maker == direct
    insts = [binance_instrument(*k) for k in group_streams(sample_files)]

    def run(m):
        events = itertools.islice(replay_streams(sample_files), 20_000)
        out = backtest(events, KEY, m, instruments=insts, seed=3).summary()
        return {k: v for k, v in out.items() if not k.startswith("engine_compute")}

    a, b = run(maker), run(direct)
    assert a["orders_placed"] > 0
    assert a == b
    assert run(MakerParams(model="glft")) != a  # the file's values reach the quotes


def test_volatility_recovered_from_a_simulated_path():
    rng = np.random.default_rng(11)
    sigma = 1.2e-4
    quotes = gbm_quotes(rng, sigma, 3600.0, 5.0, 60_000.0, 0.1)
    other = gbm_quotes(rng, 2 * sigma, 3600.0, 5.0, 60_000.0, 0.1)
    tables = {KEY: table(*KEY, quotes, []),
              ("binance-spot", "BTCUSDT"): table("binance-spot", "BTCUSDT", other, [])}
    insts = {k: binance_instrument(*k) for k in tables}
    vol = fit_volatility(tables, insts, KEY)
    se = sigma / math.sqrt(2 * 3600)
    assert abs(vol.sigma_per_sqrt_s - sigma) < 4 * se
    assert vol.per_venue["binance-spot"] == pytest.approx(2 * sigma, rel=0.05)
    assert vol.source == "binance-usdm"          # the quoted venue leads the fusion
    assert vol.sigma_price_per_sqrt_s == pytest.approx(vol.sigma_per_sqrt_s * vol.mid_price)
    term = vol.term.set_index("step_s")["sigma_per_sqrt_s"]
    assert term.loc[10.0] == pytest.approx(sigma, rel=0.1)


def test_half_life_gamma_matches_a_simulated_inventory():
    a, k, sigma_price = 0.8, 0.6, 5.0
    gamma = gamma_for_half_life("glft", 60.0, k, a, sigma_price)
    assert inventory_half_life_s("glft", gamma, k, a, sigma_price) == pytest.approx(60.0)
    s, h = skew_and_half_spread("glft", gamma, k, a, sigma_price)
    # Inventory as a birth-death process under the quotes, from q = 2 units.
    rng = np.random.default_rng(12)
    q = np.full(20_000, 2.0)
    dt, steps = 0.05, 1200
    for _ in range(steps):
        bid = a * np.exp(-k * (h + s * q)) * dt
        ask = a * np.exp(-k * (h - s * q)) * dt
        u = rng.random(q.size)
        q += (u < bid).astype(float) - ((u >= bid) & (u < bid + ask))
    # E[q(t)] = 2·exp(-κ t) to first order: at 60 s half of 2 is left
    assert q.mean() == pytest.approx(1.0, abs=0.12)


def test_date_with_no_data_is_a_clear_error(tmp_path):
    with pytest.raises(DataError, match=r"no data for binance-usdm BTCUSDT on 2024-08-09"):
        calibrate(*KEY, "2024-08-09")
    with pytest.raises(ValidationError, match="date must be"):
        calibrate(*KEY, "08/08/2024")
    with pytest.raises(ValidationError, match="unknown venue"):
        calibrate("binance-usdx", "BTCUSDT", "2024-08-08")
    assert not list(tmp_path.iterdir())


def test_window_too_short_writes_a_diagnostic_and_no_parameters(sample_result, tmp_path):
    start = sample_result.meta["window"]["start_ns"]
    short = calibrate(*KEY, "2024-08-08", start_ns=start, end_ns=start + 30 * 10**9)
    assert not short.ok and "window too short" in short.reasons[0]
    out = tmp_path / "btc.yaml"
    with pytest.raises(CalibrationError, match="window too short"):
        short.write(out)
    assert not out.exists()
    assert "window too short" in diagnostic_path(out).read_text()


def test_too_few_orders_writes_no_parameters(tmp_path):
    few = calibrate(*KEY, "2024-08-08", min_orders=10_000, signals=False)
    assert not few.ok and "too few orders" in few.reasons[0]
    with pytest.raises(CalibrationError):
        few.write(tmp_path / "p.yaml")
    assert [p.name for p in tmp_path.iterdir()] == ["p.diagnostic.json"]


def test_sweep_keeps_its_table_and_picks_its_best(tmp_path):
    r = calibrate(*KEY, "2024-08-08", gamma_method="sweep", signals=False,
                  sweep_gammas=[1e-7, 1e-6, 1e-5])
    table = r.gamma_sweep.table
    assert list(table["gamma"]) == [1e-7, 1e-6, 1e-5]
    assert r.params["glft_params.gamma"] == table["gamma"][table["sharpe"].idxmax()]
    written = read_params_file(r.write(tmp_path / "s.json"))
    assert len(written.meta["diagnostics"]["gamma_sweep"]) == 3


@pytest.mark.shared_data
def test_stable_across_the_two_recorded_days():
    if not BINANCE.is_dir():
        pytest.skip("../shared/data is absent")
    days = [calibrate(*KEY, "2024-07-18", data_dir=BINANCE, signals=False,
                      files=[BINANCE / f for f in documented.DEFAULT_FILES[0]]),
            calibrate(*KEY, "2024-08-08", data_dir=BINANCE, signals=False)]
    assert all(d.ok for d in days)
    k = [d.intensity.k_per_price for d in days]
    k_se = [d.intensity.k_se_quasi for d in days]
    # The two days' decays differ by less than three of their joint (quasi-Poisson) errors.
    assert abs(k[0] - k[1]) < 3 * math.hypot(*k_se)
    # A follows the day's activity (2.5 times the orders a second on 08-08, with 2.6 times
    # the volatility), so it is held to the documented fit of each day instead.
    from workbench.data.binance.feed import read_raw_feed

    for d, files in zip(days, documented.DEFAULT_FILES):
        t = read_raw_feed([BINANCE / f for f in files], workers=1).streams[KEY]
        ref = documented.calibrate([t], binance_instrument(*KEY))
        assert d.intensity.a_per_s == pytest.approx(ref.fill.a_per_s, rel=1e-9)
        assert d.params["glft_params.gamma"] == pytest.approx(ref.gamma_glft, rel=1e-9)


def test_the_sweep_on_a_dask_cluster_gives_the_local_table():
    distributed = pytest.importorskip("distributed")
    kw = dict(gamma_method="sweep", signals=False, sweep_gammas=[1e-7, 1e-6, 1e-5])
    local = calibrate(*KEY, "2024-08-08", **kw)
    cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=False,
                                       dashboard_address=None)
    try:
        with distributed.Client(cluster) as client:
            spread = calibrate(*KEY, "2024-08-08", client=client, **kw)
    finally:
        cluster.close()
    import pandas as pd

    pd.testing.assert_frame_equal(local.gamma_sweep.table, spread.gamma_sweep.table)
    assert spread.params == local.params
