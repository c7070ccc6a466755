"""Inventory policies: how far quotes lean with inventory, where they stop, how they ladder.

* :func:`dead_band_units` ignores inventory within a band around a target;
* :func:`saturating_skew_price` keeps the model's skew near zero inventory but saturates it
  at a fraction of the half-spread (``tanh``), so a large position never pushes a quote
  through the mid;
* :func:`side_permissions` applies hard position limits (one-sided quoting at a limit);
* :func:`ladder` builds levels a side, capped in total size by the room to the limit.

All are pure functions on plain numbers, monotone in inventory where that makes sense.
"""

from __future__ import annotations

import dataclasses
import math
from functools import lru_cache

from workbench.core import ValidationError
from workbench.quoting.params import ParamsIO, check_choice, check_non_negative, check_positive

SKEW_MODES = ("model", "capped")


@dataclasses.dataclass(frozen=True)
class InventoryParams(ParamsIO):
    """Inventory policy.

    Parameters
    ----------
    skew_mode : {"model", "capped"}
        The model's own skew, or the saturating skew of :func:`saturating_skew_price`.
    cap_fraction : float
        Cap of the saturating skew as a fraction of the half-spread, in (0, 1].
    target_lots : int
        Inventory the policy steers towards.
    dead_band_lots : int
        Deviations from the target up to this size are ignored; >= 0.
    max_long_lots, max_short_lots : int
        Position limits (both > 0): at ``+max_long_lots`` no bid is quoted, at
        ``-max_short_lots`` no ask.
    hard_limit_lots : int
        The risk gate's position limit (a breach beyond it); must be at least both
        position limits. Beyond it the maker quotes only the side that works the position
        down, as it does beyond ``max_long_lots`` / ``max_short_lots``, so that a position
        pushed past it (a restart, a hedge fill, a lowered limit) can be worked off.
    """

    skew_mode: str = "model"
    cap_fraction: float = 0.8
    target_lots: int = 0
    dead_band_lots: int = 0
    max_long_lots: int = 100
    max_short_lots: int = 100
    hard_limit_lots: int = 200

    def __post_init__(self) -> None:
        check_choice(self, "skew_mode", SKEW_MODES)
        check_positive(self, "cap_fraction", "max_long_lots", "max_short_lots", "hard_limit_lots")
        check_non_negative(self, "dead_band_lots")
        if self.cap_fraction > 1:
            raise ValidationError(f"cap_fraction must be <= 1: {self.cap_fraction!r}")
        if self.hard_limit_lots < max(self.max_long_lots, self.max_short_lots):
            raise ValidationError("hard_limit_lots must be >= max_long_lots and max_short_lots")
        if not -self.max_short_lots <= self.target_lots <= self.max_long_lots:
            raise ValidationError(f"target_lots {self.target_lots} is outside the limits")


@dataclasses.dataclass(frozen=True)
class LadderParams(ParamsIO):
    """Multi-level quoting.

    Parameters
    ----------
    levels : int
        Levels a side, >= 1.
    spacing_ticks : int
        Distance between levels in ticks, >= 1; used when ``spacing_bps`` is 0.
    spacing_bps : float
        Distance between levels in basis points of the mid (0 to use ``spacing_ticks``);
        never less than one tick.
    size_lots : int
        Size of each level, lots, >= 1.
    """

    levels: int = 5
    spacing_ticks: int = 1
    spacing_bps: float = 0.0
    size_lots: int = 1

    def __post_init__(self) -> None:
        check_positive(self, "levels", "spacing_ticks", "size_lots")
        check_non_negative(self, "spacing_bps")


def dead_band_units(q: float, target: float, band: float) -> float:
    """Deviation from ``target`` with the band ``[-band, band]`` taken out (0 inside it).

    Non-decreasing and continuous in ``q``; units are those of the arguments.
    """
    d = q - target
    if d > band:
        return d - band
    if d < -band:
        return d + band
    return 0.0


def saturating_skew_price(model_skew_price: float, half_spread_price: float, cap: float) -> float:
    """``c·h·tanh(s / (c·h))``: the model skew ``s`` capped at ``cap`` times half-spread ``h``.

    Equal to the model skew to first order near zero and strictly increasing in it, with
    ``|result| < cap·h``; a non-positive half-spread gives 0.
    """
    limit = cap * half_spread_price
    if limit <= 0:
        return 0.0
    return limit * math.tanh(model_skew_price / limit)


def side_permissions(
    position_lots: int, max_long_lots: int, max_short_lots: int
) -> tuple[bool, bool]:
    """``(bid_allowed, ask_allowed)``: no bid at or above the long limit, no ask at the short."""
    return position_lots < max_long_lots, position_lots > -max_short_lots


def spacing_ticks_from_bps(spacing_bps: float, mid_price: float, tick_size: float) -> int:
    """Level spacing in whole ticks for ``spacing_bps`` of ``mid_price``; at least 1."""
    return max(1, round(spacing_bps * 1e-4 * mid_price / tick_size))


def ladder(
    top_ticks: int, direction: int, levels: int, spacing_ticks: int, size_lots: int, room_lots: int
) -> tuple[tuple[int, int], ...]:
    """Levels ``(price_ticks, size_lots)`` away from ``top_ticks``, best first.

    Parameters
    ----------
    top_ticks : int
        Price of the best level.
    direction : int
        -1 for bids (prices step down), +1 for asks (prices step up).
    levels, spacing_ticks, size_lots : int
        Shape of the ladder.
    room_lots : int
        Most the whole ladder may fill before the position limit; levels are cut so the
        sizes add up to at most this, and levels with no size or no positive price are
        dropped.
    """
    if room_lots <= 0:
        return ()
    step = direction * spacing_ticks
    full = room_lots // size_lots
    if full >= levels:
        if top_ticks > 0 and top_ticks + step * (levels - 1) > 0:
            return _full_ladder(top_ticks, step, levels, size_lots)
        out = [(top_ticks + step * i, size_lots) for i in range(levels)]
    else:
        out = [(top_ticks + step * i, size_lots) for i in range(full)]
        if room_lots > full * size_lots:
            out.append((top_ticks + step * full, room_lots - full * size_lots))
    if out[0][0] <= 0 or out[-1][0] <= 0:
        out = [level for level in out if level[0] > 0]
    return tuple(out)


@lru_cache(maxsize=4096)
def _full_ladder(
    top_ticks: int, step_ticks: int, levels: int, size_lots: int
) -> tuple[tuple[int, int], ...]:
    """A whole ladder with positive prices; remembered, since quotes come back to the
    same prices again and again."""
    return tuple((top_ticks + step_ticks * i, size_lots) for i in range(levels))
