"""Diff one side's target ladder against the orders resting on that side.

A target level keeps the order nearest to it in price among those whose remaining size
equals the level's size (or, with ``keep_partial``, is a partly filled order's remainder
below it) and whose price is within tolerance. Levels and orders left over
are paired best first (each pair is a requote: amend, or cancel and replace); levels
beyond the orders are new places and orders beyond the levels are cancelled.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

from workbench.core.errors import ValidationError
from workbench.execution.orders.state import ManagedOrder


class SidePlan(NamedTuple):
    """What to do on one side: requote pairs, new levels, orders no longer wanted."""

    changes: list[tuple[ManagedOrder, tuple[int, int]]]
    new: list[tuple[int, int]]
    excess: list[ManagedOrder]


def quoted(order: ManagedOrder) -> tuple[int, int]:
    """``(price_ticks, remaining_lots)`` the order is heading for (an unanswered amend's)."""
    if order.amend_size_lots:
        return order.amend_price_ticks, order.amend_size_lots - order.filled_lots
    return order.price_ticks, order.size_lots - order.filled_lots


def tolerance_for(price_ticks: int, tolerance_ticks: int, tolerance_bps: float) -> int:
    """Requote tolerance at ``price_ticks``: the larger of the tick and bps tolerances."""
    if tolerance_bps:
        return max(tolerance_ticks, int(price_ticks * tolerance_bps * 1e-4))
    return tolerance_ticks


def plan_side(orders: Sequence[ManagedOrder], levels: Sequence[tuple[int, int]], buy: bool,
              tolerance_ticks: int, tolerance_bps: float,
              keep_partial: bool = False) -> SidePlan:
    """Match ``levels`` (best first) against ``orders`` resting on the same side.

    With ``keep_partial`` a partly filled order matches a level whose size is above its
    remainder: it keeps its queue place rather than being replaced to refill the level.

    Raises
    ------
    ValidationError
        If a level's price or size is not positive.
    """
    # Each order's heading once: the matching below looks at it for every level.
    pool = [(quoted(o), o) for o in orders]
    if len(pool) > 1:
        pool.sort(key=(lambda e: (-e[0][0], e[1].order_id)) if buy
                  else (lambda e: (e[0][0], e[1].order_id)))
    unmatched: list[tuple[int, int]] = []
    for level in levels:
        price, size = level
        if price <= 0 or size <= 0:
            raise ValidationError(f"target level must have positive price and size: {level}")
        best_i, best_d = -1, tolerance_for(price, tolerance_ticks, tolerance_bps) + 1
        for i, ((p, rem), order) in enumerate(pool):
            if rem == size or (keep_partial and rem < size and order.filled_lots):
                d = p - price if p >= price else price - p
                if d < best_d:
                    best_i, best_d = i, d
        if best_i >= 0:
            del pool[best_i]
        else:
            unmatched.append(level)
    n = min(len(unmatched), len(pool))
    return SidePlan([(e[1], lvl) for e, lvl in zip(pool[:n], unmatched[:n])], unmatched[n:],
                    [e[1] for e in pool[n:]])
