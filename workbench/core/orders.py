"""Orders and fills, in integer ticks and lots."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from workbench.core.events import Side


class Liquidity(StrEnum):
    """Whether a fill added (maker) or removed (taker) liquidity."""

    MAKER = "maker"
    TAKER = "taker"


@dataclass(slots=True)
class Order:
    """A limit order as the workbench tracks it.

    Parameters
    ----------
    order_id : int
        Our id, unique within a session.
    venue, symbol : str
        Where it rests.
    side : Side
        Buy or sell.
    price_ticks : int
        Limit price in ticks.
    size_lots : int
        Original size in lots.
    created_ts_ns : int
        When it was placed (clock time).
    filled_lots : int
        Size filled so far.
    """

    order_id: int
    venue: str
    symbol: str
    side: Side
    price_ticks: int
    size_lots: int
    created_ts_ns: int
    filled_lots: int = 0

    @property
    def remaining_lots(self) -> int:
        """Size still working."""
        return self.size_lots - self.filled_lots


@dataclass(frozen=True, slots=True)
class Fill:
    """An execution of one of our orders.

    ``fee`` is in quote currency (coin for inverse contracts); negative is a rebate.
    """

    order_id: int
    venue: str
    symbol: str
    side: Side
    price_ticks: int
    size_lots: int
    fee: float
    liquidity: Liquidity
    ts_ns: int
