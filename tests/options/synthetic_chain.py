"""A chain whose marks come from known SVI smiles (Black-76, coin-margined), for tests."""

from __future__ import annotations

import numpy as np
import pandas as pd

from workbench.options import black76
from workbench.options.surface import svi_total_variance

NS_PER_DAY = 86_400 * 10**9
T0_NS = 1_589_434_896_000_000_000
#: (days to expiry, forward, raw SVI (a, b, rho, m, s))
SMILES = ((14.0, 9350.0, (0.02, 0.08, -0.3, 0.02, 0.1)),
          (42.0, 9360.0, (0.06, 0.10, -0.25, 0.03, 0.15)))


def synthetic_chain(index_price: float = 9348.0, ask_markup: float = 1.02) -> pd.DataFrame:
    rows = []
    for days, fwd, svi in SMILES:
        t = days / 365.0
        for strike in np.arange(6000.0, 14001.0, 500.0):
            iv = float(np.sqrt(svi_total_variance(svi, np.log(strike / fwd)) / t))
            for call in (True, False):
                mark = float(black76.coin_price(fwd, strike, t, iv, call))
                rows.append({
                    "instrument_name": f"BTC-{days:g}D-{strike:g}-{'C' if call else 'P'}",
                    "option_type": "call" if call else "put", "is_call": call,
                    "strike": strike, "forward": fwd, "index_price": index_price,
                    "expiry_ns": T0_NS + int(days * NS_PER_DAY), "ts_ns": T0_NS,
                    "t_years": t, "mark_price_coin": mark, "mark_iv": iv,
                    "best_bid_coin": mark / ask_markup, "best_ask_coin": mark * ask_markup})
    return pd.DataFrame(rows)
