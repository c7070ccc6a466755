"""The risk view: exposures worked out by hand for linear, inverse and option positions."""

from __future__ import annotations

import numpy as np
import pytest

from tests.options.synthetic_chain import synthetic_chain
from workbench.analytics.post_trade import risk_report
from workbench.core.errors import ValidationError
from workbench.data.binance.instruments import binance_instrument
from workbench.options import black76

LIN = ("binance-usdm", "BTCUSDT")
INV = ("binance-coinm", "BTCUSD_PERP")
INSTRUMENTS = {k: binance_instrument(*k) for k in (LIN, INV)}


def test_exposures_by_hand():
    chain = synthetic_chain()
    put = chain[(~chain["is_call"]) & (chain["strike"] == 8500.0)].iloc[[0]].assign(
        contracts=2.0)
    r = risk_report({LIN: 20, INV: -30}, INSTRUMENTS, {LIN: 60_000.0, INV: 59_000.0},
                    options=put, margin={LIN: 120.0}).set_index("symbol")
    assert r.loc["BTCUSDT", "delta_base"] == pytest.approx(0.02)
    assert r.loc["BTCUSDT", "delta_quote"] == pytest.approx(1_200.0)
    # 30 contracts of 100 USD short: 3,000 USD, 3000 / 59,000 BTC.
    assert r.loc["BTCUSD_PERP", "delta_base"] == pytest.approx(-3_000 / 59_000)
    assert r.loc["BTCUSD_PERP", "notional_quote"] == pytest.approx(3_000.0)
    row = put.iloc[0]
    f, k, t, s = row["forward"], row["strike"], row["t_years"], row["mark_iv"]
    h = 1e-4 * f
    fd = (black76.price(f + h, k, t, s, False) - black76.price(f - h, k, t, s, False)) / (2 * h)
    opt = r.loc[row["instrument_name"]]
    assert opt["delta_base"] == pytest.approx(2 * fd, rel=1e-6)
    vega_fd = (black76.price(f, k, t, s + 1e-5, False) - black76.price(f, k, t, s - 1e-5,
                                                                     False)) / 2e-5 / 100
    assert opt["vega_usd"] == pytest.approx(2 * vega_fd, rel=1e-6)
    total = r.loc[""]
    assert total["delta_base"] == pytest.approx(0.02 - 3_000 / 59_000 + opt["delta_base"],
                                                rel=1e-12)
    assert total["margin_quote"] == 120.0
    assert np.isnan(r.loc["BTCUSD_PERP", "margin_quote"])


def test_a_position_without_a_mark_is_refused():
    with pytest.raises(ValidationError, match="positive mark"):
        risk_report({LIN: 5}, INSTRUMENTS, {LIN: float("nan")})
    assert len(risk_report({LIN: 0}, INSTRUMENTS, {})) == 1  # flat: the total row only
