"""Instruments: tick and lot grids, and exact conversion to and from integer ticks/lots.

Prices and sizes live in the core as integers: ``price_ticks * tick_size`` is the price
and ``size_lots * lot_size`` the size, in the venue's own units (base asset for spot and
linear contracts, contracts for inverse ones). Decimal strings exist at the edges only.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from enum import StrEnum

import numpy as np

from workbench.core.errors import ValidationError

# A float ``x`` (a price or size divided by its step) sits on the grid when it is within
# ``_GRID_ABS + _GRID_REL * |x|`` of an integer. A decimal string with at most 15
# significant digits parses to the nearest double and one division adds one rounding, so
# its error is a few ulps of ``x``, far inside this band; a real off-grid value is not.
_GRID_ABS = 1e-9
_GRID_REL = 1e-14


class InstrumentKind(StrEnum):
    """What an instrument is; decides how notional and PnL are computed."""

    SPOT = "spot"
    LINEAR_PERP = "linear_perp"
    INVERSE_PERP = "inverse_perp"
    OPTION = "option"


def _to_decimal(value: str | float | int | Decimal, what: str) -> Decimal:
    if isinstance(value, Decimal):
        dec = value
    elif isinstance(value, float):
        if not math.isfinite(value):
            raise ValidationError(f"{what} is not finite: {value!r}")
        dec = Decimal(repr(value))
    else:
        try:
            dec = Decimal(str(value).strip())
        except InvalidOperation:
            raise ValidationError(f"{what} is not a number: {value!r}") from None
    if not dec.is_finite():
        raise ValidationError(f"{what} is not finite: {value!r}")
    return dec


@dataclass(frozen=True, slots=True)
class Instrument:
    """A tradable instrument on one venue.

    Parameters
    ----------
    venue : str
        Venue identifier, e.g. ``"binance-usdm"``.
    symbol : str
        The venue's symbol, e.g. ``"BTCUSDT"``.
    kind : InstrumentKind
        Spot, linear perpetual, inverse perpetual or option.
    base, quote : str
        Base and quote assets.
    tick_size : Decimal
        Price increment, in quote currency.
    lot_size : Decimal
        Size increment, in base asset (spot, linear) or contracts (inverse).
    contract_value : Decimal
        For inverse contracts, the value of one contract in quote currency (100 USD for
        Binance COIN-M BTC); 1 otherwise.
    """

    venue: str
    symbol: str
    kind: InstrumentKind
    base: str
    quote: str
    tick_size: Decimal
    lot_size: Decimal
    contract_value: Decimal = Decimal(1)
    tick_size_float: float = field(init=False, repr=False, compare=False)
    lot_size_float: float = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        for name in ("tick_size", "lot_size", "contract_value"):
            value = getattr(self, name)
            if not isinstance(value, Decimal):
                object.__setattr__(self, name, _to_decimal(value, name))
            if getattr(self, name) <= 0:
                raise ValidationError(f"{self.symbol}: {name} must be positive")
        # Float twins of the grid, for estimators, plots and hot paths.
        object.__setattr__(self, "tick_size_float", float(self.tick_size))
        object.__setattr__(self, "lot_size_float", float(self.lot_size))

    @property
    def key(self) -> tuple[str, str]:
        """``(venue, symbol)``, the instrument's identity."""
        return (self.venue, self.symbol)

    # -- scalar, exact -------------------------------------------------------------------
    def price_to_ticks(self, price: str | float | int | Decimal) -> int:
        """Convert a price to integer ticks, exactly.

        Raises
        ------
        ValidationError
            If the price is not a finite positive number or is not on the tick grid.
        """
        dec = _to_decimal(price, f"{self.symbol} price")
        if dec <= 0:
            raise ValidationError(f"{self.symbol} price must be positive: {price!r}")
        ticks = dec / self.tick_size
        if ticks != ticks.to_integral_value():
            raise ValidationError(
                f"{self.symbol} price {price!r} is not a multiple of tick {self.tick_size}"
            )
        return int(ticks)

    def size_to_lots(self, size: str | float | int | Decimal) -> int:
        """Convert a size to integer lots, exactly; zero is allowed (a level delete).

        Raises
        ------
        ValidationError
            If the size is negative, not finite, or not on the lot grid.
        """
        dec = _to_decimal(size, f"{self.symbol} size")
        if dec < 0:
            raise ValidationError(f"{self.symbol} size must not be negative: {size!r}")
        lots = dec / self.lot_size
        if lots != lots.to_integral_value():
            raise ValidationError(
                f"{self.symbol} size {size!r} is not a multiple of lot {self.lot_size}"
            )
        return int(lots)

    def ticks_to_decimal(self, price_ticks: int) -> Decimal:
        """The exact price of ``price_ticks``."""
        return self.tick_size * int(price_ticks)

    def lots_to_decimal(self, size_lots: int) -> Decimal:
        """The exact size of ``size_lots``."""
        return self.lot_size * int(size_lots)

    def format_price(self, price_ticks: int) -> str:
        """The price of ``price_ticks`` as a plain decimal string (for the venue edge)."""
        return _plain(self.ticks_to_decimal(price_ticks), self.tick_size)

    def format_size(self, size_lots: int) -> str:
        """The size of ``size_lots`` as a plain decimal string (for the venue edge)."""
        return _plain(self.lots_to_decimal(size_lots), self.lot_size)

    def ticks_to_price(self, price_ticks: int) -> float:
        """The price of ``price_ticks`` as a float (estimators, plots)."""
        return float(self.ticks_to_decimal(price_ticks))

    def lots_to_size(self, size_lots: int) -> float:
        """The size of ``size_lots`` as a float (estimators, plots)."""
        return float(self.lots_to_decimal(size_lots))

    def round_price(self, price: float, mode: str = "nearest") -> int:
        """Round a float price to ticks: ``"down"`` (bids), ``"up"`` (asks) or ``"nearest"``.

        Raises
        ------
        ValidationError
            If the price is not finite or the mode is unknown.
        """
        if not math.isfinite(price):
            raise ValidationError(f"{self.symbol} price is not finite: {price!r}")
        x = price / self.tick_size_float
        nearest = round(x)
        if abs(x - nearest) <= _GRID_ABS + _GRID_REL * abs(x):
            return int(nearest)
        if mode == "down":
            return math.floor(x)
        if mode == "up":
            return math.ceil(x)
        if mode == "nearest":
            return int(nearest)
        raise ValidationError(f"unknown rounding mode {mode!r}")

    def round_quotes(self, bid_price: float, ask_price: float) -> tuple[int, int]:
        """Both sides of a quote on the grid at once: the bid down, the ask up.

        The same rule as :meth:`round_price` (a price within float noise of a tick is
        that tick), in one call for the quoting hot path.

        Raises
        ------
        ValidationError
            If either price is not finite.
        """
        tick = self.tick_size_float
        x, y = bid_price / tick, ask_price / tick
        if not (math.isfinite(x) and math.isfinite(y)):
            raise ValidationError(f"{self.symbol} quote not finite: {bid_price!r}/{ask_price!r}")
        bx, by = round(x), round(y)
        bid = bx if abs(x - bx) <= _GRID_ABS + _GRID_REL * abs(x) else math.floor(x)
        ask = by if abs(y - by) <= _GRID_ABS + _GRID_REL * abs(y) else math.ceil(y)
        return bid, ask

    # -- vectorised ----------------------------------------------------------------------
    def prices_to_ticks(self, prices: np.ndarray) -> np.ndarray:
        """Vectorised :meth:`price_to_ticks` for float arrays parsed from decimal strings.

        Returns ``int64`` ticks. Raises :class:`ValidationError` naming the first offending
        index when a price is not finite, not positive or off the grid.
        """
        return _to_grid(prices, self.tick_size_float, f"{self.symbol} price", positive=True)

    def sizes_to_lots(self, sizes: np.ndarray) -> np.ndarray:
        """Vectorised :meth:`size_to_lots`; zero sizes are allowed."""
        return _to_grid(sizes, self.lot_size_float, f"{self.symbol} size", positive=False)

    # -- economics -----------------------------------------------------------------------
    def notional(self, price_ticks: int, size_lots: int) -> float:
        """Notional of a position or trade, in quote currency.

        For inverse contracts the notional is the contracts' face value, which does not
        depend on the price.
        """
        if self.kind is InstrumentKind.INVERSE_PERP:
            return float(self.lots_to_decimal(size_lots) * self.contract_value)
        return float(self.ticks_to_decimal(price_ticks) * self.lots_to_decimal(size_lots))


def _plain(value: Decimal, step: Decimal) -> str:
    exponent = min(step.normalize().as_tuple().exponent, 0)
    return f"{value.quantize(Decimal(1).scaleb(exponent)):f}"


def _to_grid(values: np.ndarray, step: float, what: str, positive: bool) -> np.ndarray:
    x = np.asarray(values, dtype=np.float64) / step
    units = np.rint(x)
    bad = ~np.isfinite(x) | (np.abs(x - units) > _GRID_ABS + _GRID_REL * np.abs(x))
    bad |= (units <= 0) if positive else (units < 0)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise ValidationError(f"{what} {values[i]!r} at index {i} is not valid on grid {step}")
    return units.astype(np.int64)
