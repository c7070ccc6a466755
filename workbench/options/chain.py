"""Load Deribit option-chain snapshots (``/public/ticker`` per instrument) into a DataFrame.

Input columns as recorded (see ``shared/data/README.md``): prices in coin, IVs in
percent, ``underlying_price`` the forward of the expiry, ``greeks`` a python-dict string,
``bids``/``asks`` python-literal lists of ``[price, amount]``; an IV of 0 or 500 marks an
empty or one-sided book. Output, one row per instrument:

``instrument_name, option_type, is_call, strike, forward, index_price, expiry_ns, ts_ns,
t_years`` (ACT/365 from the snapshot's ``timestamp`` to expiry), ``mark_price_coin,
mark_iv`` (a fraction), ``bid_iv, ask_iv`` (fractions, NaN when 0 or 500),
``best_bid_coin, best_ask_coin`` (NaN when 0), ``bids, asks`` (lists), and Deribit's
greeks ``delta, gamma, vega, theta, rho``.
"""

from __future__ import annotations

import ast
from pathlib import Path

import numpy as np
import pandas as pd

from workbench.core import DataError

NS_PER_MS = 1_000_000
SECONDS_PER_YEAR = 365.0 * 86_400.0
#: IV values Deribit uses for an empty or one-sided book, percent.
EMPTY_BOOK_IVS = (0.0, 500.0)

_REQUIRED = (
    "expiration_timestamp",
    "option_type",
    "instrument_name",
    "strike",
    "underlying_price",
    "timestamp",
    "mark_price",
    "mark_iv",
    "index_price",
    "greeks",
    "bids",
    "asks",
    "bid_iv",
    "ask_iv",
    "best_bid_price",
    "best_ask_price",
)
_GREEKS = ("delta", "gamma", "vega", "theta", "rho")


def _literal(text: str, what: str, path: Path, row: int):
    try:
        return ast.literal_eval(text)
    except (ValueError, SyntaxError):
        raise DataError(f"cannot parse {what} {text[:40]!r}", str(path), row + 2) from None


def _iv_fraction(values: pd.Series) -> pd.Series:
    iv = values.astype(float)
    return (iv / 100.0).where(~iv.isin(EMPTY_BOOK_IVS))


def load_deribit_chain(path: str | Path) -> pd.DataFrame:
    """Read one recorded chain (CSV, gzip allowed) into the normalised frame.

    Raises
    ------
    DataError
        If a required column is missing or a dict/list field cannot be parsed.
    """
    path = Path(path)
    raw = pd.read_csv(path, index_col=0)
    missing = [c for c in _REQUIRED if c not in raw.columns]
    if missing:
        raise DataError(f"missing columns {missing}", str(path))
    greeks = [_literal(g, "greeks", path, i) for i, g in enumerate(raw["greeks"])]
    expiry_ns = raw["expiration_timestamp"].astype(np.int64) * NS_PER_MS
    ts_ns = raw["timestamp"].astype(np.int64) * NS_PER_MS
    out = pd.DataFrame(
        {
            "instrument_name": raw["instrument_name"].astype(str),
            "option_type": raw["option_type"].astype(str),
            "is_call": raw["option_type"].eq("call"),
            "strike": raw["strike"].astype(float),
            "forward": raw["underlying_price"].astype(float),
            "index_price": raw["index_price"].astype(float),
            "expiry_ns": expiry_ns,
            "ts_ns": ts_ns,
            "t_years": (expiry_ns - ts_ns) / 1e9 / SECONDS_PER_YEAR,
            "mark_price_coin": raw["mark_price"].astype(float),
            "mark_iv": raw["mark_iv"].astype(float) / 100.0,
            "bid_iv": _iv_fraction(raw["bid_iv"]),
            "ask_iv": _iv_fraction(raw["ask_iv"]),
            "best_bid_coin": raw["best_bid_price"].astype(float).replace(0.0, np.nan),
            "best_ask_coin": raw["best_ask_price"].astype(float).replace(0.0, np.nan),
            "bids": [_literal(b, "bids", path, i) for i, b in enumerate(raw["bids"])],
            "asks": [_literal(a, "asks", path, i) for i, a in enumerate(raw["asks"])],
        }
    )
    for name in _GREEKS:
        out[name] = [float(g[name]) for g in greeks]
    return out.reset_index(drop=True)
