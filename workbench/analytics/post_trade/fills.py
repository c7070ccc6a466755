"""The fills and orders frames every post-trade figure starts from, checked and priced.

A journal (backtest, paper or live: one format) is read into two frames by
:func:`workbench.engine.post_trade.journal_frames`:

* **fills**: ``ts_ns, order_id, fill_id, venue, symbol, side`` (+1 buy, -1 sell),
  ``price_ticks, size_lots, liquidity, fee`` (settlement currency, negative for a
  rebate), ``origin`` (``maker``, ``join``, ``taker`` or ``hedge``: who placed the order);
* **orders**: ``order_id, venue, symbol, side, price_ticks, size_lots, origin,
  placed_ns, accepted_ns`` (-1 if never acknowledged), ``rejected, canceled`` (bools),
  ``cancels_sent, amends`` (commands sent), ``fills, filled_lots, first_fill_ns`` (-1 if
  none).

:func:`priced_fills` adds prices and notionals from each fill's instrument.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from workbench.core.errors import ValidationError
from workbench.core.instruments import Instrument, InstrumentKind

Key = tuple[str, str]

FILL_COLUMNS = ("ts_ns", "order_id", "fill_id", "venue", "symbol", "side", "price_ticks",
                "size_lots", "liquidity", "fee", "origin")
ORDER_COLUMNS = ("order_id", "venue", "symbol", "side", "price_ticks", "size_lots", "origin",
                 "placed_ns", "accepted_ns", "rejected", "canceled", "cancels_sent", "amends",
                 "fills", "filled_lots", "first_fill_ns")
ORIGINS = ("maker", "join", "taker", "hedge")


def check_fills(fills: pd.DataFrame) -> None:
    """Refuse a fills frame that cannot be analysed, saying why.

    Raises
    ------
    ValidationError
        On missing columns, no fills, non-positive prices or sizes, sides other than
        +1/-1, non-finite fees, unknown origins or fill times out of order.
    """
    missing = [c for c in FILL_COLUMNS if c not in fills.columns]
    if missing:
        raise ValidationError(f"fills frame lacks columns {missing}")
    if fills.empty:
        raise ValidationError("no fills: there is nothing to analyse")
    if (fills["price_ticks"] <= 0).any() or (fills["size_lots"] <= 0).any():
        raise ValidationError("fills with non-positive price or size")
    if not fills["side"].isin((1, -1)).all():
        raise ValidationError("fill side must be +1 or -1")
    if not np.isfinite(fills["fee"].to_numpy(dtype=np.float64)).all():
        raise ValidationError("fills with a NaN or infinite fee")
    bad = set(fills["origin"]) - set(ORIGINS)
    if bad:
        raise ValidationError(f"unknown fill origins {sorted(bad)}")
    if (np.diff(fills["ts_ns"].to_numpy()) < 0).any():
        raise ValidationError("fills are not in time order")


def instrument_for(instruments: Mapping[Key, Instrument], key: Key) -> Instrument:
    """The instrument of ``key``, or a clear error."""
    inst = instruments.get(key)
    if inst is None:
        raise ValidationError(f"fills on {key}, an instrument not given "
                              f"(known: {sorted(instruments)})")
    return inst


def priced_fills(fills: pd.DataFrame, instruments: Mapping[Key, Instrument],
                 quote: Key) -> pd.DataFrame:
    """``fills`` with ``price`` (quote currency), ``size`` (base units, contracts for an
    inverse contract), ``notional_base`` (coin for an inverse contract), ``notional_quote``
    (face value for an inverse contract), ``inverse`` and ``role`` (``quoted`` or
    ``hedge``: a hedger's order or any fill off the quoted instrument)."""
    check_fills(fills)
    out = fills.reset_index(drop=True).copy()
    price = np.empty(len(out))
    size = np.empty(len(out))
    face = np.empty(len(out))
    inverse = np.zeros(len(out), dtype=bool)
    for key, idx in out.groupby(["venue", "symbol"], sort=False).indices.items():
        inst = instrument_for(instruments, key)
        price[idx] = out["price_ticks"].to_numpy()[idx] * inst.tick_size_float
        size[idx] = out["size_lots"].to_numpy()[idx] * inst.lot_size_float
        inverse[idx] = inst.kind is InstrumentKind.INVERSE_PERP
        face[idx] = size[idx] * float(inst.contract_value)  # face value of contracts
    out["price"] = price
    out["inverse"] = inverse
    out["size"] = size
    out["notional_base"] = np.where(inverse, face / price, size)
    out["notional_quote"] = np.where(inverse, face, size * price)
    on_quote = (out["venue"] == quote[0]) & (out["symbol"] == quote[1])
    out["role"] = np.where(on_quote & (out["origin"] != "hedge"), "quoted", "hedge")
    return out
