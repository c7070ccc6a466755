"""The Signals snapshot: everything the strategies read about the market, in one object."""

from __future__ import annotations

import math
from typing import NamedTuple


class Signals(NamedTuple):
    """An immutable snapshot of the current estimates, built on every event (a named
    tuple: cheap to build, compared field by field).

    Prices are floats in quote currency; every field is finite (the estimators never
    put NaN in a snapshot: an estimate that cannot be trusted is flagged by its ``*_ok``
    field and keeps its last sane value).

    Parameters
    ----------
    ts_ns : int
        Time of the event that produced the snapshot.
    fair_mid : float
        Fused fair mid price, quote currency.
    fair_mid_ok : bool
        False while the fair mid is warming up or every source is stale or crossed.
    vol_per_sqrt_s : float
        Volatility of log returns per square root of a second.
    vol_ok : bool
        False while the volatility is warming up.
    book_imbalance : float
        Book imbalance in [-1, 1]; positive means more resting bid size.
    ofi : float
        Order-flow imbalance, normalised to [-1, 1]; positive means buying pressure.
    trade_imbalance : float
        Signed aggressor-volume imbalance in [-1, 1]; positive means buyers lift.
    toxicity_bid : float
        Toxicity in [0, 1] of the flow that would hit our bid (informed selling).
    toxicity_ask : float
        Toxicity in [0, 1] of the flow that would lift our ask (informed buying).
    reasons : tuple of str
        What drove the toxicity scores, e.g. ``("sweep:binance-usdm:sell",)``.
    sources : tuple of str
        Venues that contributed to the fair mid.
    """

    ts_ns: int
    fair_mid: float
    fair_mid_ok: bool
    vol_per_sqrt_s: float = 0.0
    vol_ok: bool = False
    book_imbalance: float = 0.0
    ofi: float = 0.0
    trade_imbalance: float = 0.0
    toxicity_bid: float = 0.0
    toxicity_ask: float = 0.0
    reasons: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()

    @property
    def sigma_price_per_sqrt_s(self) -> float:
        """Volatility in price units per square root of a second (``fair_mid * vol``)."""
        return self.fair_mid * self.vol_per_sqrt_s

    @property
    def ok(self) -> bool:
        """True when both the fair mid and the volatility can be traded on."""
        return self.fair_mid_ok and self.vol_ok and math.isfinite(self.fair_mid)
