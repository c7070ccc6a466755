"""Risk limits, typed and validated, and the loss checks shared by the gate and kill switch."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

from workbench.core.errors import ValidationError
from workbench.execution.position import Portfolio


def _positive(name: str, value: float) -> None:
    if not (isinstance(value, int | float) and math.isfinite(value) and value > 0):
        raise ValidationError(f"{name} must be a finite number > 0: {value!r}")


def _positive_int(name: str, value: int) -> None:
    if not (isinstance(value, int) and value > 0):
        raise ValidationError(f"{name} must be an integer > 0: {value!r}")


@dataclass(frozen=True, slots=True)
class InstrumentLimits:
    """Limits of one instrument.

    Parameters
    ----------
    max_position_lots : int
        Largest position either way, counting every working order that adds to it.
    max_notional_quote : float
        Largest notional of that worst case, quote currency (face value for inverse).
    max_order_lots : int
        Largest single order.
    price_band_bps : float
        Orders must be priced within this many bps of the fair mid.
    max_open_orders : int
        Most orders live at once on the instrument.

    Raises
    ------
    ValidationError
        If any limit is not positive (and finite).
    """

    max_position_lots: int
    max_notional_quote: float
    max_order_lots: int
    price_band_bps: float
    max_open_orders: int

    def __post_init__(self) -> None:
        _positive_int("max_position_lots", self.max_position_lots)
        _positive("max_notional_quote", self.max_notional_quote)
        _positive_int("max_order_lots", self.max_order_lots)
        _positive("price_band_bps", self.price_band_bps)
        _positive_int("max_open_orders", self.max_open_orders)


@dataclass(frozen=True, slots=True)
class RiskLimits:
    """Every limit the risk gate and kill switch enforce.

    Parameters
    ----------
    instruments : mapping of (venue, symbol) to InstrumentLimits
        Per-instrument limits; orders on an instrument not listed are rejected.
    max_total_notional_quote : float
        Largest sum over instruments of each one's worst-case notional, quote currency.
    max_loss_quote : float
        Largest loss (negative equity of the portfolio), quote currency.
    max_drawdown_quote : float
        Largest fall of equity below its high-water mark, quote currency.
    orders_per_s : float
        Sustained rate of places and amends per venue (token bucket refill).
    order_burst : int
        Token bucket capacity per venue.
    stale_after_ns : int
        Quotes are pulled when an instrument's book has not updated for this long.
    flatten_interval_ns : int
        Shortest time between two flatten orders of the kill switch on one instrument.

    Raises
    ------
    ValidationError
        If any limit is not positive, or an instrument key is not ``(venue, symbol)``.
    """

    instruments: Mapping[tuple[str, str], InstrumentLimits]
    max_total_notional_quote: float
    max_loss_quote: float
    max_drawdown_quote: float
    orders_per_s: float = 10.0
    order_burst: int = 10
    stale_after_ns: int = 5_000_000_000
    flatten_interval_ns: int = 1_000_000_000

    def __post_init__(self) -> None:
        for key, lim in self.instruments.items():
            if not (isinstance(key, tuple) and len(key) == 2):
                raise ValidationError(f"instrument key must be (venue, symbol): {key!r}")
            if not isinstance(lim, InstrumentLimits):
                raise ValidationError(f"limits of {key} must be InstrumentLimits")
        object.__setattr__(self, "instruments", MappingProxyType(dict(self.instruments)))
        _positive("max_total_notional_quote", self.max_total_notional_quote)
        _positive("max_loss_quote", self.max_loss_quote)
        _positive("max_drawdown_quote", self.max_drawdown_quote)
        _positive("orders_per_s", self.orders_per_s)
        _positive_int("order_burst", self.order_burst)
        _positive_int("stale_after_ns", self.stale_after_ns)
        _positive_int("flatten_interval_ns", self.flatten_interval_ns)
        if 1e9 / self.orders_per_s < 1:
            raise ValidationError(f"orders_per_s above 1e9 cannot be timed in ns: "
                                  f"{self.orders_per_s}")


def loss_breach(limits: RiskLimits, portfolio: Portfolio) -> str | None:
    """Why the portfolio is beyond its loss or drawdown limit, or None if it is not."""
    equity = portfolio.equity_quote
    if -equity > limits.max_loss_quote:
        return f"max_loss: loss {-equity:.2f} exceeds {limits.max_loss_quote:.2f} quote"
    drawdown = portfolio.high_water_quote - equity
    if drawdown > limits.max_drawdown_quote:
        return (f"max_drawdown: drawdown {drawdown:.2f} exceeds "
                f"{limits.max_drawdown_quote:.2f} quote")
    return None
