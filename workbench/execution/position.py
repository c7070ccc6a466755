"""Positions and PnL by average cost: linear and inverse instruments, and a portfolio.

Linear instruments (spot, USD-margined, options) keep PnL in the quote currency. Inverse
contracts (Binance COIN-M) are sized in contracts of ``contract_value`` USD and settle in
the coin: closing ``n`` contracts bought at ``entry`` and sold at ``exit`` makes
``n * contract_value * (1/entry - 1/exit)`` coin, and the average entry price of several
buys is the contract-weighted harmonic mean of their prices. :class:`Portfolio` adds the
instruments up in the quote currency (USD and USD stablecoins counted as equal), marks
them, and keeps the equity high-water mark and drawdown the risk gate watches.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import NamedTuple

from workbench.core.commands import Filled
from workbench.core.errors import ValidationError
from workbench.core.events import Side
from workbench.core.instruments import Instrument, InstrumentKind


@dataclass
class _Holding:
    """What both accountings keep: inventory, average entry price, realised PnL, fees
    (in the settlement currency) and the traded volume."""

    instrument: Instrument
    size_lots: int = 0
    avg_price: float = 0.0
    realised_pnl: float = 0.0
    fees: float = 0.0
    volume_lots: int = 0
    volume_quote: float = 0.0
    fills: int = 0

    @property
    def size(self) -> float:
        """Inventory in base units, or contracts for an inverse contract (negative when
        short)."""
        return self.size_lots * self.instrument.lot_size_float

    def unrealised_pnl(self, mark_price: float) -> float:
        """PnL of the open inventory at ``mark_price``, settlement currency."""
        raise NotImplementedError

    def marked_pnl(self, mark_price: float) -> float:
        """Realised plus unrealised PnL, net of fees, settlement currency."""
        return self.realised_pnl + self.unrealised_pnl(mark_price) - self.fees

    def _count(self, size_lots: int, volume_quote: float, fee: float) -> None:
        """Count one fill in the volume and fee totals."""
        self.fills += 1
        self.fees += fee
        self.volume_lots += size_lots
        self.volume_quote += volume_quote


@dataclass
class Position(_Holding):
    """Inventory, average entry price, realised PnL and fees, in quote currency.

    Parameters
    ----------
    instrument : Instrument
        A spot, linear or option instrument (inverse contracts settle in the coin: use
        :class:`InversePosition`).
    """

    def __post_init__(self) -> None:
        if self.instrument.kind is InstrumentKind.INVERSE_PERP:
            raise ValidationError("Position accounts linear instruments only; "
                                  "use InversePosition for inverse contracts")

    def on_fill(self, side: Side, price_ticks: int, size_lots: int, fee: float) -> None:
        """Book a fill; ``fee`` in quote currency (negative for a rebate)."""
        inst = self.instrument
        price = price_ticks * inst.tick_size_float
        qty = size_lots * inst.lot_size_float
        signed = int(side) * size_lots
        self._count(size_lots, price * qty, fee)
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

    def notional(self, mark_price: float) -> float:
        """Absolute value of the inventory at ``mark_price``, quote currency."""
        return abs(self.size) * mark_price

    def to_quote(self, amount: float, mark_price: float) -> float:
        """An amount in the settlement currency (here the quote itself) in quote currency."""
        return amount


@dataclass
class InversePosition(_Holding):
    """Inventory and PnL of an inverse contract, settled in the coin (Binance COIN-M).

    Sizes are in lots of contracts, each worth ``instrument.contract_value`` USD. PnL and
    fees are in the coin; ``avg_price`` is the contract-weighted harmonic mean of the
    entry prices.

    Parameters
    ----------
    instrument : Instrument
        An :attr:`InstrumentKind.INVERSE_PERP` instrument.
    """

    #: Coin paid (long) or received (short) for the open contracts at their entry prices.
    cost_coin: float = field(default=0.0, repr=False)

    def __post_init__(self) -> None:
        if self.instrument.kind is not InstrumentKind.INVERSE_PERP:
            raise ValidationError("InversePosition accounts inverse contracts only")
        self._usd_per_lot = self.instrument.lot_size_float * float(self.instrument.contract_value)

    def on_fill(self, side: Side, price_ticks: int, size_lots: int, fee: float) -> None:
        """Book a fill; ``fee`` in the coin (negative for a rebate)."""
        price = price_ticks * self.instrument.tick_size_float
        usd = size_lots * self._usd_per_lot
        signed = int(side) * size_lots
        self._count(size_lots, usd, fee)
        old = self.size_lots
        new = old + signed
        if old == 0 or (old > 0) == (signed > 0):
            self.cost_coin += usd / price
        else:
            closed = min(abs(signed), abs(old))
            direction = 1 if old > 0 else -1
            closed_cost = self.cost_coin * closed / abs(old)
            # closed * value * direction * (1/entry - 1/exit), entry the harmonic mean.
            self.realised_pnl += direction * (closed_cost - closed * self._usd_per_lot / price)
            self.cost_coin -= closed_cost
            if (new > 0) != (old > 0) and new != 0:
                self.cost_coin = abs(new) * self._usd_per_lot / price  # flipped
        if new == 0:
            self.cost_coin = 0.0
        self.size_lots = new
        self.avg_price = abs(new) * self._usd_per_lot / self.cost_coin if new else 0.0

    def unrealised_pnl(self, mark_price: float) -> float:
        """PnL of the open contracts at ``mark_price``, in the coin."""
        if not self.size_lots:
            return 0.0
        direction = 1 if self.size_lots > 0 else -1
        return direction * (self.cost_coin - abs(self.size_lots) * self._usd_per_lot / mark_price)

    def notional(self, mark_price: float) -> float:
        """Face value of the open contracts in USD (independent of the price)."""
        return abs(self.size_lots) * self._usd_per_lot

    def to_quote(self, amount: float, mark_price: float) -> float:
        """An amount in the coin, in USD at ``mark_price``."""
        return amount * mark_price


AnyPosition = Position | InversePosition


def position_for(instrument: Instrument) -> AnyPosition:
    """A fresh position of the right accounting for ``instrument``."""
    if instrument.kind is InstrumentKind.INVERSE_PERP:
        return InversePosition(instrument)
    return Position(instrument)


class PositionRow(NamedTuple):
    """One instrument's figures in a :meth:`Portfolio.snapshot` (plain data).

    ``realised``, ``unrealised`` and ``fees`` are in the settlement currency (the coin for
    inverse contracts); ``notional_quote`` and ``pnl_quote`` in quote currency.
    """

    venue: str
    symbol: str
    size_lots: int
    avg_price: float
    mark_price: float
    notional_quote: float
    realised: float
    unrealised: float
    fees: float
    pnl_quote: float


class Portfolio:
    """Positions over several instruments, marked, summed in quote currency.

    Equity is the total marked PnL net of fees since the start (coin PnL converted at the
    instrument's mark); the high-water mark starts at zero and drawdown is the distance
    below it. Both are worked out on every fill and every change of a mark, so reading
    them costs nothing; marks change only through :meth:`mark` and :meth:`on_fill`.

    Parameters
    ----------
    instruments : iterable of Instrument
        Every instrument that may be traded.
    """

    def __init__(self, instruments: Iterable[Instrument]) -> None:
        self.positions: dict[tuple[str, str], AnyPosition] = {
            inst.key: position_for(inst) for inst in instruments}
        self._marks: dict[tuple[str, str], float] = {}
        self.high_water_quote = 0.0
        self._equity = 0.0

    @property
    def marks(self) -> Mapping[tuple[str, str], float]:
        """Last mark of each instrument marked or traded (read only)."""
        return MappingProxyType(self._marks)

    def position(self, key: tuple[str, str]) -> AnyPosition:
        """The position of instrument ``(venue, symbol)``.

        Raises
        ------
        ValidationError
            If the instrument is not in the portfolio.
        """
        try:
            return self.positions[key]
        except KeyError:
            raise ValidationError(f"{key[0]} {key[1]} is not in the portfolio") from None

    def size_lots(self, key: tuple[str, str]) -> int:
        """Signed inventory of ``key`` in lots (0 for an instrument not held)."""
        pos = self.positions.get(key)
        return pos.size_lots if pos is not None else 0

    def on_fill(self, fill: Filled) -> None:
        """Book a venue's fill report into its instrument's position."""
        key = (fill.venue, fill.symbol)
        self.position(key).on_fill(fill.side, fill.price_ticks, fill.size_lots, fill.fee)
        if key not in self._marks:
            self._marks[key] = fill.price_ticks * self.positions[key].instrument.tick_size_float
        self._update_equity()

    def mark(self, key: tuple[str, str], mark_price: float) -> None:
        """Mark instrument ``key`` at ``mark_price`` (quote currency per base unit)."""
        if self._marks.get(key) == mark_price:
            return
        self.position(key)
        if not mark_price > 0:
            raise ValidationError(f"mark price must be positive: {mark_price!r}")
        self._marks[key] = mark_price
        self._update_equity()

    def mark_price(self, key: tuple[str, str]) -> float:
        """Last mark of ``key`` (its first fill price until marked; NaN if neither)."""
        return self._marks.get(key, float("nan"))

    def notional_quote(self, key: tuple[str, str]) -> float:
        """Absolute value of the position in ``key`` at its mark, quote currency."""
        pos = self.position(key)
        return pos.notional(self._marks[key]) if pos.size_lots else 0.0

    @property
    def total_notional_quote(self) -> float:
        """Sum of the absolute notionals of every position, quote currency."""
        return sum(self.notional_quote(key) for key in self.positions)

    def _in_quote(self, attr: str) -> float:
        total = 0.0
        for key, pos in self.positions.items():
            if pos.fills:
                total += pos.to_quote(getattr(pos, attr), self._marks[key])
        return total

    @property
    def realised_pnl_quote(self) -> float:
        """Realised PnL of every position, quote currency."""
        return self._in_quote("realised_pnl")

    @property
    def fees_quote(self) -> float:
        """Fees paid on every position (negative for net rebates), quote currency."""
        return self._in_quote("fees")

    @property
    def unrealised_pnl_quote(self) -> float:
        """PnL of the open positions at their marks, quote currency."""
        total = 0.0
        for key, pos in self.positions.items():
            if pos.size_lots:
                mark = self._marks[key]
                total += pos.to_quote(pos.unrealised_pnl(mark), mark)
        return total

    @property
    def equity_quote(self) -> float:
        """Marked PnL net of fees since the start, quote currency."""
        return self._equity

    @property
    def drawdown_quote(self) -> float:
        """How far equity is below its high-water mark, quote currency (>= 0)."""
        return self.high_water_quote - self._equity

    def _update_equity(self) -> None:
        equity = 0.0
        for key, pos in self.positions.items():
            if pos.fills:
                mark = self._marks[key]
                equity += pos.to_quote(pos.marked_pnl(mark), mark)
        self._equity = equity
        if equity > self.high_water_quote:
            self.high_water_quote = equity

    def snapshot(self) -> list[PositionRow]:
        """Every position's figures as plain rows (for UIs and reports)."""
        rows = []
        for key, pos in self.positions.items():
            mark = self._marks.get(key, float("nan"))
            held = bool(pos.fills)
            rows.append(PositionRow(
                key[0], key[1], pos.size_lots, pos.avg_price, mark,
                pos.notional(mark) if pos.size_lots else 0.0, pos.realised_pnl,
                pos.unrealised_pnl(mark) if pos.size_lots else 0.0, pos.fees,
                pos.to_quote(pos.marked_pnl(mark), mark) if held else 0.0))
        return rows
