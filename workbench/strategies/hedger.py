"""Perp/spot hedger: keep the net delta inside a band by trading on the cheapest venue.

When the net delta (base asset) leaves ``target ± band``, the hedger trades
``-hedge_ratio · (delta - target)`` on the candidate venue with the lowest estimated cost:
taker fee + half spread, plus the expected funding over the holding period for
perpetuals (a short receives positive funding). Sizes are converted to each venue's
lots (contracts of ``contract_value`` quote currency for inverse perpetuals), rounded
toward zero so the hedge never overshoots, and capped at ``max_order_base``.
"""

from __future__ import annotations

import dataclasses
import math
from typing import NamedTuple

from workbench.core import Instrument, InstrumentKind, Side, ValidationError
from workbench.quoting.params import ParamsIO, check_finite, check_non_negative, check_positive
from workbench.strategies.types import TopOfBook, book_problem


@dataclasses.dataclass(frozen=True)
class HedgeParams(ParamsIO):
    """Delta band and hedge sizing, in base-asset units.

    Parameters
    ----------
    band_base : float
        Half-width of the no-trade band around the target; >= 0.
    target_base : float
        Net delta to hold.
    hedge_ratio : float
        Fraction of the deviation to hedge, in (0, 1].
    max_order_base : float
        Largest hedge order; > 0.
    """

    band_base: float = 0.5
    target_base: float = 0.0
    hedge_ratio: float = 1.0
    max_order_base: float = 10.0

    def __post_init__(self) -> None:
        check_non_negative(self, "band_base")
        check_finite(self, "target_base")
        check_positive(self, "hedge_ratio", "max_order_base")
        if self.hedge_ratio > 1:
            raise ValidationError("HedgeParams.hedge_ratio must be <= 1")


class HedgeVenue(NamedTuple):
    """A place to hedge: the instrument, its top of book, taker fee and expected funding.

    ``funding_bps`` is the funding a long pays over the expected holding period (0 for
    spot); positive means longs pay shorts.
    """

    instrument: Instrument
    top: TopOfBook
    fee_bps: float
    funding_bps: float = 0.0


class HedgeOrder(NamedTuple):
    """The chosen hedge: where, which way, how much, at what marketable price, and why."""

    venue: str
    symbol: str
    side: Side
    price_ticks: int
    size_lots: int
    size_base: float
    cost_bps: float
    reason: str


def venue_cost_bps(v: HedgeVenue, side: Side) -> float:
    """Estimated cost of a taker hedge on ``v`` in bps: fee + half spread + funding by side."""
    tick = v.instrument.tick_size_float
    mid = 0.5 * (v.top.bid_ticks + v.top.ask_ticks) * tick
    half_spread_bps = 0.5 * (v.top.ask_ticks - v.top.bid_ticks) * tick / mid * 1e4
    return v.fee_bps + half_spread_bps + int(side) * v.funding_bps


def base_to_lots(instrument: Instrument, size_base: float, price: float) -> int:
    """Whole lots of ``instrument`` nearest below ``size_base`` of the base asset."""
    if instrument.kind is InstrumentKind.INVERSE_PERP:
        units = size_base * price / float(instrument.contract_value)
    else:
        units = size_base
    return math.floor(units / instrument.lot_size_float + 1e-9)


def lots_to_base(instrument: Instrument, size_lots: int, price: float) -> float:
    """Base-asset size of ``size_lots`` of ``instrument`` at ``price``."""
    units = instrument.lots_to_size(size_lots)
    if instrument.kind is InstrumentKind.INVERSE_PERP:
        return units * float(instrument.contract_value) / price
    return units


def hedge(
    net_delta_base: float, venues: list[HedgeVenue], params: HedgeParams
) -> tuple[HedgeOrder | None, str]:
    """The hedge order to send now, if any, and the reason.

    Parameters
    ----------
    net_delta_base : float
        Current net delta in base asset (inventory plus existing hedges).
    venues : list of HedgeVenue
        Candidates; those with a missing or crossed book are skipped.
    params : HedgeParams
        Band and sizing.

    Returns
    -------
    (order, reason) : tuple
        ``order`` is None inside the band, with no usable venue, or when the hedge rounds
        to zero lots; ``reason`` says which.
    """
    if not math.isfinite(net_delta_base):
        return None, "no-hedge:delta not finite"
    deviation = net_delta_base - params.target_base
    if abs(deviation) <= params.band_base:
        return None, "no-hedge:inside band"
    want_base = min(params.hedge_ratio * abs(deviation), params.max_order_base)
    side = Side.SELL if deviation > 0 else Side.BUY
    usable = [v for v in venues if book_problem(v.top) is None]
    if not usable:
        return None, "no-hedge:no venue with a two-sided book"
    best = min(usable, key=lambda v: venue_cost_bps(v, side))
    inst = best.instrument
    price_ticks = best.top.ask_ticks if side is Side.BUY else best.top.bid_ticks
    price = inst.ticks_to_price(price_ticks)
    lots = base_to_lots(inst, want_base, price)
    if lots <= 0:
        return None, f"no-hedge:{want_base:g} base is below one lot on {inst.venue}"
    cost = venue_cost_bps(best, side)
    reason = f"hedge:{side.name.lower()} {want_base:g} base, delta {net_delta_base:g} outside band"
    order = HedgeOrder(
        inst.venue,
        inst.symbol,
        side,
        price_ticks,
        lots,
        lots_to_base(inst, lots, price),
        cost,
        reason,
    )
    return order, reason
