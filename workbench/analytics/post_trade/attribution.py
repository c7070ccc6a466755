"""PnL attribution that sums exactly to the total: spread capture, inventory, hedge, fees,
funding.

Each fill ``i`` (signed size ``s_i`` in lots, price ``p_i``, fee ``f_i``) is split at a
reference mid ``m_i`` (the fair mid just before the fill on the quoted instrument, the
venue's mid elsewhere) and marked at the run's last mark ``M``:

* linear: ``s·q·(M - p) = s·q·(m - p)`` (spread capture) ``+ s·q·(M - m)`` (inventory),
  quote currency;
* inverse (COIN-M, contracts of value ``V``): ``s·n·V·(1/p - 1/M)`` coin ``=
  s·n·V·(1/p - 1/m) + s·n·V·(1/m - 1/M)``, converted to quote at ``M``, as the engine's
  portfolio converts it.

Fees are subtracted as charged (a rebate adds), funding payments (where given) added.
Fills of the hedger, and any fill off the quoted instrument, make the ``hedge`` term
(their spread and inventory together). Every term is an exact rational number: prices
are integer ticks times the exact tick, floats (marks, mids, fees) are taken at their
exact binary value, and nothing is rounded, so the terms add up to the total to the last
unit of the quote currency. The total is the engine's own equity figure (which adds the
same quantities in floating point) plus funding.
"""

from __future__ import annotations

from collections.abc import Mapping
from fractions import Fraction

import numpy as np
import pandas as pd

from workbench.analytics.post_trade.exact import (
    exact_dot,
    exact_ratio_sum,
    exact_sum,
    float_ratios,
)
from workbench.analytics.post_trade.fills import instrument_for
from workbench.core.errors import ValidationError
from workbench.core.instruments import Instrument, InstrumentKind

Key = tuple[str, str]
#: Terms of the attribution, in report order; they add up to ``total``.
TERMS = ("spread_capture", "inventory", "hedge", "fees", "funding")


def _terms_linear(inst: Instrument, s: np.ndarray, ticks: np.ndarray, ref: np.ndarray,
                  mark: Fraction) -> tuple[Fraction, Fraction]:
    tick, lot = Fraction(inst.tick_size), Fraction(inst.lot_size)
    cost = tick * lot * sum((s * ticks).tolist())  # Σ s·q·p, exact integers
    at_ref = lot * exact_dot(s, ref, "reference mids")  # Σ s·q·m
    held = lot * int(s.sum())  # Σ s·q
    return at_ref - cost, held * mark - at_ref


def _terms_inverse(inst: Instrument, s: np.ndarray, ticks: np.ndarray, ref: np.ndarray,
                   mark: Fraction) -> tuple[Fraction, Fraction]:
    tick = Fraction(inst.tick_size)
    coin = Fraction(inst.lot_size) * Fraction(inst.contract_value)  # per lot, times 1/price
    per_price = exact_ratio_sum(s.tolist(), ticks.tolist()) / tick  # Σ s·n / p
    nums, dens = float_ratios(ref, "reference mids")
    per_ref = exact_ratio_sum([a * b for a, b in zip(s.tolist(), nums)], dens)  # Σ s·n / m
    held = int(s.sum())
    return coin * (per_price - per_ref) * mark, coin * (per_ref - held / mark) * mark


def attribution(fills: pd.DataFrame, instruments: Mapping[Key, Instrument],
                marks: Mapping[Key, float], ref_mid: np.ndarray,
                funding: pd.DataFrame | None = None) -> pd.DataFrame:
    """PnL terms of every (instrument, origin), exact, in quote currency.

    Parameters
    ----------
    fills : DataFrame
        Priced fills (:func:`~workbench.analytics.post_trade.fills.priced_fills`).
    instruments : mapping of (venue, symbol) to Instrument
    marks : mapping of (venue, symbol) to float
        The last mark of every traded instrument (the engine's portfolio marks).
    ref_mid : array of float
        Reference mid of each fill, quote currency (where NaN, the fill price: no spread
        capture is claimed).
    funding : DataFrame, optional
        Funding payments received (negative: paid): ``venue, symbol, amount`` in the
        instrument's settlement currency.

    Returns
    -------
    pandas.DataFrame
        One row per (venue, symbol, origin) with ``role``, ``fills`` and the columns of
        :data:`TERMS` and ``total`` as :class:`fractions.Fraction` (exact; ``astype(float)``
        to display).

    Raises
    ------
    ValidationError
        If a traded instrument has no positive finite mark, a fill's instrument is
        unknown, or a funding row names an instrument without a mark.
    """
    ref = np.where(np.isfinite(ref_mid) & (ref_mid > 0), ref_mid, fills["price"].to_numpy())
    rows = []
    for (venue, symbol, origin), idx in fills.groupby(["venue", "symbol", "origin"],
                                                      sort=False).indices.items():
        key = (venue, symbol)
        inst = instrument_for(instruments, key)
        mark = _mark(marks, key)
        f = fills.iloc[idx]
        s = (f["side"].to_numpy(np.int64) * f["size_lots"].to_numpy(np.int64))
        ticks = f["price_ticks"].to_numpy(np.int64)
        terms = (_terms_inverse if inst.kind is InstrumentKind.INVERSE_PERP
                 else _terms_linear)(inst, s, ticks, ref[idx], mark)
        fee = -exact_sum(f["fee"].to_numpy(np.float64), "fees")
        if inst.kind is InstrumentKind.INVERSE_PERP:
            fee *= mark
        hedge = f["role"].iloc[0] == "hedge"
        spread, inventory = terms
        row = {"venue": venue, "symbol": symbol, "origin": origin,
               "role": "hedge" if hedge else "quoted", "fills": len(f),
               "spread_capture": Fraction(0) if hedge else spread,
               "inventory": Fraction(0) if hedge else inventory,
               "hedge": spread + inventory if hedge else Fraction(0),
               "fees": fee, "funding": Fraction(0)}
        rows.append(row)
    out = pd.DataFrame(rows)
    if funding is not None and len(funding):
        out = _add_funding(out, funding, instruments, marks)
    out["total"] = [sum((r[t] for t in TERMS), Fraction(0)) for _, r in out.iterrows()]
    return out


def _mark(marks: Mapping[Key, float], key: Key) -> Fraction:
    m = marks.get(key)
    if m is None or not np.isfinite(m) or m <= 0:
        raise ValidationError(f"no positive mark for {key}: {m!r}")
    return Fraction(float(m))


def _add_funding(out: pd.DataFrame, funding: pd.DataFrame,
                 instruments: Mapping[Key, Instrument], marks: Mapping[Key, float]
                 ) -> pd.DataFrame:
    missing = {"venue", "symbol", "amount"} - set(funding.columns)
    if missing:
        raise ValidationError(f"funding frame lacks columns {sorted(missing)}")
    rows = []
    for key, group in funding.groupby(["venue", "symbol"], sort=False):
        inst = instrument_for(instruments, key)
        amount = exact_sum(group["amount"].to_numpy(np.float64), "funding amounts")
        if inst.kind is InstrumentKind.INVERSE_PERP:
            amount *= _mark(marks, key)
        rows.append({"venue": key[0], "symbol": key[1], "origin": "funding",
                     "role": "funding", "fills": 0,
                     **{t: Fraction(0) for t in TERMS[:-1]}, "funding": amount})
    return pd.concat([out, pd.DataFrame(rows)], ignore_index=True)


def attribution_totals(table: pd.DataFrame) -> pd.Series:
    """The terms of :data:`TERMS` and ``total`` summed over every row, exact."""
    return pd.Series({t: sum(table[t], Fraction(0)) for t in (*TERMS, "total")})
