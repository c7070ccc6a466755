"""The price band around the fair mid, shared by the gate and the kill switch's flattening."""

from __future__ import annotations

import math

from workbench.core.events import Side


def band_distance_bps(price_ticks: int, fair_mid_ticks: float) -> float:
    """Distance of ``price_ticks`` from the fair mid, in bps of the mid."""
    return abs(price_ticks - fair_mid_ticks) * 1e4 / fair_mid_ticks


def within_band(price_ticks: int, fair_mid_ticks: float, band_bps: float) -> bool:
    """True if ``price_ticks`` is at most ``band_bps`` from the fair mid (edges included)."""
    return abs(price_ticks - fair_mid_ticks) * 1e4 <= band_bps * fair_mid_ticks


def band_edge_ticks(side: Side, fair_mid_ticks: float, band_bps: float) -> int:
    """The most aggressive price inside the band: highest buy, lowest sell, in ticks."""
    if side is Side.BUY:
        price = math.floor(fair_mid_ticks * (1 + band_bps * 1e-4))
        while not within_band(price, fair_mid_ticks, band_bps):
            price -= 1
    else:
        price = math.ceil(fair_mid_ticks * (1 - band_bps * 1e-4))
        while not within_band(price, fair_mid_ticks, band_bps):
            price += 1
    return price
