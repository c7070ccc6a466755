"""The simplest quoter: a fixed half-spread around the mid, with a position limit."""

from __future__ import annotations

import math
from dataclasses import dataclass

from workbench.core.errors import ValidationError


@dataclass(frozen=True, slots=True)
class SymmetricParams:
    """Parameters of :func:`symmetric_quotes`.

    Parameters
    ----------
    half_spread_ticks : int
        Distance of each quote from the mid, ticks (>= 1).
    size_lots : int
        Size of each quote, lots (>= 1).
    max_position_lots : int
        Inventory at which the side that would add to it is no longer quoted (>= 1).
    """

    half_spread_ticks: int = 5
    size_lots: int = 10
    max_position_lots: int = 100

    def __post_init__(self) -> None:
        for name in ("half_spread_ticks", "size_lots", "max_position_lots"):
            value = getattr(self, name)
            if not isinstance(value, int) or value < 1:
                raise ValidationError(f"{name} must be an integer >= 1, got {value!r}")


@dataclass(frozen=True, slots=True)
class SideQuote:
    """One side's target: a price and a size."""

    price_ticks: int
    size_lots: int


def symmetric_quotes(
    mid_ticks: float,
    best_bid_ticks: int,
    best_ask_ticks: int,
    position_lots: int,
    params: SymmetricParams,
) -> tuple[SideQuote | None, SideQuote | None]:
    """Target bid and ask around ``mid_ticks``; None for a side not to quote.

    Quotes never cross the book: the bid stays below the best ask and the ask above the
    best bid. A side is dropped when its size would take the inventory past the limit,
    and both are dropped when the mid is not a finite positive number.
    """
    if not (math.isfinite(mid_ticks) and mid_ticks > 0):
        return None, None
    bid_px = math.floor(mid_ticks - params.half_spread_ticks)
    ask_px = math.ceil(mid_ticks + params.half_spread_ticks)
    if best_ask_ticks > 0:
        bid_px = min(bid_px, best_ask_ticks - 1)
    if best_bid_ticks > 0:
        ask_px = max(ask_px, best_bid_ticks + 1)
    room_buy = params.max_position_lots - position_lots
    room_sell = params.max_position_lots + position_lots
    bid = (
        SideQuote(bid_px, min(params.size_lots, room_buy)) if room_buy > 0 and bid_px > 0 else None
    )
    ask = SideQuote(ask_px, min(params.size_lots, room_sell)) if room_sell > 0 else None
    return bid, ask
