"""Maker and taker fees in basis points of notional, in the instrument's settlement currency."""

from __future__ import annotations

import math
from dataclasses import dataclass

from workbench.core.errors import ValidationError
from workbench.core.instruments import Instrument, InstrumentKind
from workbench.core.orders import Liquidity


@dataclass(frozen=True, slots=True)
class FeeSchedule:
    """Fees of one instrument, in basis points of notional; negative means a rebate.

    Parameters
    ----------
    maker_bps : float
        Charged on fills of resting orders (liquidity added).
    taker_bps : float
        Charged on fills that take liquidity on entry.

    Raises
    ------
    ValidationError
        If a rate is not finite.
    """

    maker_bps: float = 0.0
    taker_bps: float = 0.0

    def __post_init__(self) -> None:
        for name in ("maker_bps", "taker_bps"):
            if not math.isfinite(getattr(self, name)):
                raise ValidationError(f"{name} must be finite, got {getattr(self, name)!r}")

    def fee(self, instrument: Instrument, price_ticks: int, size_lots: int,
            liquidity: Liquidity) -> float:
        """Fee of one fill, in the instrument's settlement currency (negative: a rebate).

        The settlement currency is the quote currency (USDT for spot and linear
        contracts), and the coin for inverse contracts: there the fee is the notional in
        USD (the contracts' face value, :meth:`Instrument.notional`) divided by the fill
        price, times the rate.
        """
        bps = self.maker_bps if liquidity is Liquidity.MAKER else self.taker_bps
        notional = instrument.notional(price_ticks, size_lots)
        if instrument.kind is InstrumentKind.INVERSE_PERP:
            notional /= instrument.ticks_to_price(price_ticks)
        return notional * bps * 1e-4
