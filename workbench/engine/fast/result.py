"""What a fast backtest returns: its fills, its recorded states, and a summary."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

#: One row per execution of one of our orders.
FILL_DTYPE = np.dtype([
    ("exch_ts_ns", np.int64),    # when it happened at the exchange
    ("local_ts_ns", np.int64),   # when its report reaches us (exch + response latency)
    ("order_id", np.int64),
    ("side", np.int8),           # +1 we bought, -1 we sold
    ("price_ticks", np.int64),
    ("size_lots", np.int64),
    ("fee", np.float64),         # quote currency, negative for a rebate
    ("maker", np.bool_),
    ("ioc", np.bool_),           # the taker's IOC order (else the maker's quote)
])

#: One row per recorded local state (after a local message, see ``record_every_ns``).
RECORD_DTYPE = np.dtype([
    ("ts_ns", np.int64),             # local time
    ("best_bid_ticks", np.int64),    # local book, -1 when the side is empty
    ("best_ask_ticks", np.int64),
    ("sigma_per_sqrt_s", np.float64),  # volatility the quotes used (NaN: no quote)
    ("bid_ticks", np.int64),         # our best target bid, -1 when none
    ("ask_ticks", np.int64),         # our best target ask, -1 when none
    ("position_lots", np.int64),     # as reported to us so far
    ("cash", np.float64),            # quote currency, fees included, as reported so far
    ("equity", np.float64),          # cash + position marked at the local mid (NaN: no mid)
])


@dataclass(frozen=True)
class FastResult:
    """Fills and recorded states of one run.

    Attributes
    ----------
    fills : numpy.ndarray of FILL_DTYPE
        Every execution, in exchange-time order (including ones whose reports were still
        in flight when the data ended).
    records : numpy.ndarray of RECORD_DTYPE
        The local view of the run.
    n_events : int
        Rows of the event array processed.
    n_orders : int
        Orders sent.
    lot_size : float
        The instrument's lot size (to express sizes in base units).
    tick_size : float
        The instrument's tick size.
    """

    fills: np.ndarray
    records: np.ndarray
    n_events: int
    n_orders: int
    lot_size: float
    tick_size: float

    def fills_frame(self) -> pd.DataFrame:
        """The fills as a DataFrame."""
        return pd.DataFrame(self.fills)

    def records_frame(self) -> pd.DataFrame:
        """The recorded states as a DataFrame."""
        return pd.DataFrame(self.records)

    def summary(self) -> dict[str, float]:
        """Counts, volume, fees, final position and PnL marked at the last local mid, in
        all and split between the maker's quotes and the taker's IOC orders.

        The PnL is computed from all fills (the exchange's truth), not from the lagging
        local view: ``cash flows - fees + position x last mid``.
        """
        f = self.fills
        sign = f["side"].astype(np.int64)
        notional = f["price_ticks"] * self.tick_size * (f["size_lots"] * self.lot_size)
        mids = (self.records["best_bid_ticks"] + self.records["best_ask_ticks"]) * 0.5
        valid = (self.records["best_bid_ticks"] >= 0) & (self.records["best_ask_ticks"] >= 0)
        last_mid = float(mids[valid][-1]) * self.tick_size if valid.any() else float("nan")

        def pnl(rows: np.ndarray) -> float:
            held = int((sign[rows] * f["size_lots"][rows]).sum())
            cash = float(-(sign[rows] * notional[rows]).sum() - f["fee"][rows].sum())
            return cash + held * self.lot_size * last_mid

        every = np.ones(len(f), dtype=bool)
        position = int((sign * f["size_lots"]).sum())
        path = np.cumsum(sign * f["size_lots"])
        return {
            "n_events": self.n_events,
            "n_orders": self.n_orders,
            "n_fills": len(f),
            "volume_lots": int(f["size_lots"].sum()),
            "fees": float(f["fee"].sum()),
            "position_lots": position,
            "max_abs_position_lots": int(np.abs(path).max()) if len(path) else 0,
            "pnl": pnl(every),
            "maker_pnl": pnl(~f["ioc"]),
            "taker_fills": int(np.count_nonzero(f["ioc"])),
            "taker_fees": float(f["fee"][f["ioc"]].sum()),
            "taker_pnl": pnl(f["ioc"]),
        }
