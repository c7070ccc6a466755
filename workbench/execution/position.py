"""Position and PnL of one linear instrument (spot or USD-margined), by average cost."""

from __future__ import annotations

from dataclasses import dataclass

from workbench.core.errors import ValidationError
from workbench.core.events import Side
from workbench.core.instruments import Instrument, InstrumentKind


@dataclass
class Position:
    """Inventory, average entry price, realised PnL and fees, in quote currency.

    Parameters
    ----------
    instrument : Instrument
        A spot or linear instrument (inverse contracts settle in the coin and need
        their own accounting).
    """

    instrument: Instrument
    size_lots: int = 0
    avg_price: float = 0.0
    realised_pnl: float = 0.0
    fees: float = 0.0
    volume_lots: int = 0
    volume_quote: float = 0.0
    fills: int = 0

    def __post_init__(self) -> None:
        if self.instrument.kind is InstrumentKind.INVERSE_PERP:
            raise ValidationError("Position accounts linear instruments only")

    @property
    def size(self) -> float:
        """Inventory in base units (negative when short)."""
        return self.size_lots * self.instrument.lot_size_float

    def on_fill(self, side: Side, price_ticks: int, size_lots: int, fee: float) -> None:
        """Book a fill; ``fee`` in quote currency (negative for a rebate)."""
        inst = self.instrument
        price = price_ticks * inst.tick_size_float
        qty = size_lots * inst.lot_size_float
        signed = int(side) * size_lots
        self.fills += 1
        self.fees += fee
        self.volume_lots += size_lots
        self.volume_quote += price * qty
        old = self.size_lots
        new = old + signed
        if old == 0 or (old > 0) == (signed > 0):
            # Opening or adding: the average cost moves towards the fill price.
            self.avg_price = (self.avg_price * abs(old) + price * size_lots) / abs(new)
        else:
            closed = min(abs(signed), abs(old))
            direction = 1 if old > 0 else -1
            self.realised_pnl += (price - self.avg_price) * closed * inst.lot_size_float * direction
            if new == 0:
                self.avg_price = 0.0
            elif (new > 0) != (old > 0):
                self.avg_price = price  # flipped: the remainder opens at the fill price
        self.size_lots = new

    def unrealised_pnl(self, mark_price: float) -> float:
        """PnL of the open inventory at ``mark_price``, quote currency."""
        return (mark_price - self.avg_price) * self.size if self.size_lots else 0.0

    def marked_pnl(self, mark_price: float) -> float:
        """Realised plus unrealised PnL, net of fees, quote currency."""
        return self.realised_pnl + self.unrealised_pnl(mark_price) - self.fees
