"""Deribit's recorded marks and greeks reproduced from mark_iv and underlying_price.

Conventions worked out from the data (documented in workbench.options.black76): option
prices in BTC are Black-76 USD prices divided by the forward (``underlying_price``), no
discounting, time ACT/365 from ``timestamp`` to ``expiration_timestamp``; delta is the
Black-76 forward delta, gamma per USD, vega USD per vol point, theta USD per calendar day.

Tolerances: ``mark_iv`` is rounded to 0.01 (percent), marks to 1e-8 BTC and greeks to 1e-5.
The forward in a ticker is not taken at exactly the instant of the mark, so each recorded
value must lie within the range of our value over IV ± 0.005 points and forward ± 0.05%,
widened by its rounding. Deribit's theta inside the last ~day to expiry follows another
rule and is checked only for expiries beyond 1.5 days, and not for options marked at
Deribit's price floor (mark <= 1e-5 BTC, a few cents), whose greeks do not follow the
rounded IV (BTC-29MAY20-3500-P has theta 8% off); they are under 10% of each chain.
"""

from __future__ import annotations

import itertools
from pathlib import Path

import numpy as np
import pytest

from workbench.options import OptionHedgeParams, black76, choose_option_hedge, load_deribit_chain

DATA = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "deribit-options"
FILES = ["deribit_btc_options_2020-05-14.csv.gz", "deribit_btc_options_2020-05-21.csv.gz"]
pytestmark = pytest.mark.shared_data


def _chain(name):
    path = DATA / name
    if not path.exists():
        pytest.skip(f"recorded Deribit chain not found at {path} (../shared/data is absent)")
    return load_deribit_chain(path)


def _ranges(df):
    vals = {k: [] for k in ("price", "delta", "gamma", "vega", "theta")}
    for d_iv, d_f in itertools.product((-0.5e-4, 0.5e-4), (-5e-4, 5e-4)):
        args = (df.forward * (1 + d_f), df.strike, df.t_years, df.mark_iv + d_iv, df.is_call)
        vals["price"].append(black76.coin_price(*args))
        g = black76.deribit_greeks(*args)
        for k in ("delta", "gamma", "vega", "theta"):
            vals[k].append(getattr(g, k))
    return {k: (np.min(v, axis=0), np.max(v, axis=0)) for k, v in vals.items()}


@pytest.mark.parametrize("name", FILES)
def test_chain_loads(name):
    df = _chain(name)
    assert len(df) in (310, 326) and df["is_call"].sum() == len(df) // 2
    assert (df["t_years"] > 0).all() and df["mark_iv"].between(0.1, 5).all()
    assert isinstance(df["bids"].iloc[0], list)


@pytest.mark.parametrize("name", FILES)
def test_mark_prices_reproduced(name):
    df = _chain(name)
    lo, hi = _ranges(df)["price"]
    rec = df["mark_price_coin"].to_numpy()
    bad = (rec < lo - 0.5e-8) | (rec > hi + 0.5e-8)
    assert not bad.any(), df.loc[bad, "instrument_name"].tolist()
    # and most marks need no forward slack at all: IV rounding alone explains them
    exact = black76.coin_price(df.forward, df.strike, df.t_years, df.mark_iv, df.is_call)
    assert np.median(np.abs(exact - rec)) < 1e-5


@pytest.mark.parametrize("name", FILES)
@pytest.mark.parametrize("greek", ["delta", "gamma", "vega", "theta"])
def test_greeks_reproduced(name, greek):
    df = _chain(name)
    lo, hi = _ranges(df)[greek]
    rec = df[greek].to_numpy()
    bad = (rec < lo - 0.5e-5 - 1e-12) | (rec > hi + 0.5e-5 + 1e-12)
    if greek == "theta":
        floor = df["mark_price_coin"].to_numpy() <= 1e-5
        assert floor.sum() < 0.1 * len(df)
        bad &= (df["t_years"].to_numpy() > 1.5 / 365) & ~floor
    assert not bad.any(), df.loc[bad, ["instrument_name", greek]].to_dict("records")


@pytest.mark.parametrize("name", FILES)
def test_implied_vol_recovers_mark_iv(name):
    df = _chain(name)
    from workbench.options import implied_vol_coin

    sample = df[(df.t_years > 0.01) & (df.mark_price_coin > 0.005)].head(40)
    for row in sample.itertuples():
        price = float(
            black76.coin_price(row.forward, row.strike, row.t_years, row.mark_iv, row.is_call)
        )
        iv = implied_vol_coin(price, row.forward, row.strike, row.t_years, row.is_call)
        assert iv == pytest.approx(row.mark_iv, abs=1e-8)


def test_options_hedger_on_recorded_chain():
    df = _chain(FILES[0])
    params = OptionHedgeParams(
        threshold_base=1.0, target_delta=0.25, min_days=2, max_days=45, premium_budget_coin=1.0
    )
    assert choose_option_hedge(0.5, df, params)[0] is None
    h, reason = choose_option_hedge(5.0, df, params)
    assert h is not None and h.instrument_name.endswith("-P") and "delta" in reason
    row = df[df.instrument_name == h.instrument_name].iloc[0]
    assert 2 <= (row.expiry_ns - row.ts_ns) / 86_400e9 <= 45
    # the chosen put's delta is the closest to -0.25 among eligible puts
    assert abs(abs(row.delta) - 0.25) < 0.05
    assert abs(h.portfolio_delta_base) < abs(h.option_delta) * 0.1 + 1e-9
    assert h.premium_coin <= 1.0 and h.portfolio_vega_usd > 0 and h.portfolio_gamma_per_usd > 0
    h, reason = choose_option_hedge(-5.0, df, OptionHedgeParams(premium_budget_coin=0.05))
    assert h.instrument_name.endswith("-C") and "budget" in reason and h.premium_coin <= 0.05
    assert h.portfolio_delta_base > -5.0
    # zero-IV rows (empty books) are never chosen
    broken = df.assign(mark_iv=0.0)
    assert choose_option_hedge(5.0, broken, params) == (
        None,
        "no-hedge:no option in the expiry window with a valid IV and an ask",
    )
