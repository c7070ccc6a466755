"""The option hedger sizes with the price it pays (the best ask), worked by hand."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from workbench.options import OptionHedgeParams, choose_option_hedge

NS_PER_DAY = 86_400 * 10**9


def _put_chain(ask_coin: float) -> pd.DataFrame:
    """One 30-day put, forward 60,000, strike 55,000, IV 60%, mark 0.0165 BTC."""
    return pd.DataFrame({
        "instrument_name": ["BTC-TEST-55000-P"], "is_call": [False], "strike": [55_000.0],
        "forward": [60_000.0], "expiry_ns": [30 * NS_PER_DAY], "ts_ns": [0],
        "t_years": [30 / 365], "mark_iv": [0.60], "mark_price_coin": [0.0165],
        "best_ask_coin": [ask_coin],
    })


def _hand_put_delta() -> float:
    """Black-76 put delta N(d1) - 1 with the standard normal CDF from math.erf."""
    f, k, t, s = 60_000.0, 55_000.0, 30 / 365, 0.60
    d1 = (math.log(f / k) + 0.5 * s * s * t) / (s * math.sqrt(t))
    return 0.5 * (1.0 + math.erf(d1 / math.sqrt(2.0))) - 1.0


@pytest.mark.parametrize("ask_coin", [0.0200, 0.0400])
def test_contracts_offset_the_inventory_at_the_price_paid(ask_coin):
    params = OptionHedgeParams(threshold_base=1.0, target_delta=0.25, min_days=2, max_days=45,
                               premium_budget_coin=100.0, contract_step=0.1)
    hedge, reason = choose_option_hedge(4.0, _put_chain(ask_coin), params)
    delta = _hand_put_delta()  # about -0.277
    per_contract = delta - ask_coin  # the coin paid leaves the inventory too
    contracts = math.floor(4.0 / abs(per_contract) / 0.1 + 1e-9) * 0.1
    assert hedge is not None and "limited by delta" in reason
    assert hedge.option_delta == pytest.approx(per_contract, rel=1e-12)
    assert hedge.contracts == pytest.approx(contracts, abs=1e-9)
    assert hedge.premium_coin == pytest.approx(contracts * ask_coin, rel=1e-12)
    assert hedge.portfolio_delta_base == pytest.approx(4.0 + contracts * per_contract,
                                                       rel=1e-12)
    # at the mark the size would differ by at least one contract step here
    at_mark = math.floor(4.0 / abs(delta - 0.0165) / 0.1 + 1e-9) * 0.1
    assert abs(at_mark - contracts) >= 0.1 - 1e-9


def test_budget_binds_at_the_ask():
    params = OptionHedgeParams(premium_budget_coin=0.2, contract_step=0.1)
    hedge, reason = choose_option_hedge(4.0, _put_chain(0.03), params)
    assert "limited by budget" in reason
    assert hedge.contracts == pytest.approx(6.6, abs=1e-9)  # floor(0.2 / 0.03 / 0.1) steps
    assert hedge.premium_coin == pytest.approx(6.6 * 0.03)
