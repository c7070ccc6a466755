"""The book's exposures in one view: delta in coin and quote, option greeks, notional and
margin, per instrument and in total.

:func:`risk_report` takes positions as the engine keeps them (signed lots per
instrument) with their marks, and option positions as rows of a loaded chain with a
number of contracts; it is what the post-trade report shows for the end of a session and
what a live panel can show for now. Per kind:

* spot and linear perps: ``delta_base = size``, ``delta_quote = size · mark``;
* inverse (COIN-M) perps: ``n`` contracts of ``V`` USD are ``n·V / mark`` coin,
  ``n·V`` USD;
* coin-margined options: Deribit-convention Black-76 greeks at the mark IV
  (:func:`workbench.options.black76.deribit_greeks`) times the contracts: delta in coin
  per contract of one coin, gamma per USD, vega in USD per vol point, theta in USD a
  day; the notional is the contracts at the index price.

``margin_quote`` is the venue's margin figure where one is given, NaN where not known.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from workbench.core.errors import ValidationError
from workbench.core.instruments import Instrument, InstrumentKind
from workbench.options.black76 import deribit_greeks

Key = tuple[str, str]
#: Columns of :func:`risk_report`.
RISK_COLUMNS = ("venue", "symbol", "kind", "size", "mark", "delta_base", "delta_quote",
                "notional_quote", "gamma_per_usd", "vega_usd", "theta_usd_per_day",
                "margin_quote")


def risk_report(positions: Mapping[Key, int], instruments: Mapping[Key, Instrument],
                marks: Mapping[Key, float], options: pd.DataFrame | None = None,
                margin: Mapping[Key, float] | None = None) -> pd.DataFrame:
    """Exposures of every position and their total.

    Parameters
    ----------
    positions : mapping of (venue, symbol) to int
        Signed position in lots.
    instruments : mapping of (venue, symbol) to Instrument
    marks : mapping of (venue, symbol) to float
        Mark price of every non-zero position, quote currency.
    options : DataFrame, optional
        Option positions: rows of :func:`~workbench.options.chain.load_deribit_chain`
        with a ``contracts`` column (signed, coin per contract) and a ``venue`` column
        (default ``"deribit"``).
    margin : mapping of (venue, symbol) to float, optional
        Margin used per position, quote currency, where the venue reports it.

    Returns
    -------
    pandas.DataFrame
        :data:`RISK_COLUMNS`, one row per position and a last ``total`` row (sums; the
        option greeks summed over the options).

    Raises
    ------
    ValidationError
        If a non-zero position has no instrument or no positive mark.
    """
    margin = margin or {}
    rows = []
    for key, lots in sorted(positions.items()):
        if not lots:
            continue
        inst = instruments.get(key)
        mark = marks.get(key)
        if inst is None or mark is None or not np.isfinite(mark) or mark <= 0:
            raise ValidationError(f"position in {key} needs its instrument and a positive "
                                  f"mark (got {mark!r})")
        size = lots * inst.lot_size_float
        if inst.kind is InstrumentKind.INVERSE_PERP:
            face = size * float(inst.contract_value)
            delta, delta_q, notional = face / mark, face, abs(face)
        else:
            delta, delta_q, notional = size, size * mark, abs(size * mark)
        rows.append((*key, inst.kind.value, size, mark, delta, delta_q, notional, 0.0, 0.0,
                     0.0, float(margin.get(key, np.nan))))
    if options is not None and len(options):
        rows += _option_rows(options, margin)
    out = pd.DataFrame(rows, columns=list(RISK_COLUMNS))
    total = {c: out[c].sum() for c in ("delta_base", "delta_quote", "notional_quote",
                                       "gamma_per_usd", "vega_usd", "theta_usd_per_day")}
    total["margin_quote"] = out["margin_quote"].sum(min_count=1)
    return pd.concat([out, pd.DataFrame([{"venue": "total", "symbol": "", "kind": "",
                                          **total}])], ignore_index=True)


def _option_rows(options: pd.DataFrame, margin: Mapping[Key, float]) -> list[tuple]:
    o = options
    if "contracts" not in o.columns:
        raise ValidationError("option positions need a 'contracts' column")
    g = deribit_greeks(o["forward"].to_numpy(), o["strike"].to_numpy(),
                       o["t_years"].to_numpy(), o["mark_iv"].to_numpy(),
                       o["is_call"].to_numpy())
    n = o["contracts"].to_numpy(np.float64)
    index = o["index_price"].to_numpy(np.float64)
    venue = o["venue"] if "venue" in o.columns else pd.Series(["deribit"] * len(o))
    rows = []
    for i, (v, name) in enumerate(zip(venue, o["instrument_name"])):
        delta = n[i] * float(g.delta[i])
        rows.append((v, name, "option", n[i], float(o["mark_price_coin"].iloc[i]) * index[i],
                     delta, delta * index[i], abs(n[i]) * index[i], n[i] * float(g.gamma[i]),
                     n[i] * float(g.vega[i]), n[i] * float(g.theta[i]),
                     float(margin.get((v, name), np.nan))))
    return rows
