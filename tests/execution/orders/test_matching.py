"""Ladder diffing: which orders stay, which are requoted, which go."""

from __future__ import annotations

from workbench.core import Side, TimeInForce
from workbench.execution.orders import ManagedOrder, plan_side

from .model_venue import INST


def order(oid: int, price: int, size: int, side: Side = Side.BUY, filled: int = 0):
    o = ManagedOrder(oid, INST.venue, INST.symbol, INST.key, side, price, size,
                     TimeInForce.POST_ONLY, 0)
    o.filled_lots = filled
    return o


def test_exact_matches_are_kept_and_the_rest_paired_best_first():
    orders = [order(1, 995, 1), order(2, 999, 1), order(3, 990, 2)]
    plan = plan_side(orders, [(1000, 1), (998, 2), (997, 2)], True, 1, 0.0)
    # 999 keeps 1000 (one tick off, same size); 998 and 997 pair with 995 and 990 in
    # price order; nothing new, nothing excess.
    assert [(o.order_id, lvl) for o, lvl in plan.changes] == [(1, (998, 2)), (3, (997, 2))]
    assert plan.new == [] and plan.excess == []


def test_nearest_order_wins_and_leftovers_are_new_or_excess():
    orders = [order(1, 1003, 1, Side.SELL), order(2, 1001, 1, Side.SELL)]
    plan = plan_side(orders, [(1002, 1)], False, 1, 0.0)
    assert plan.changes == [] and [o.order_id for o in plan.excess] == [1]
    plan = plan_side(orders[:1], [(1001, 1), (1004, 2)], False, 0, 0.0)
    assert [(o.order_id, lvl) for o, lvl in plan.changes] == [(1, (1001, 1))]
    assert plan.new == [(1004, 2)]


def test_remaining_size_and_pending_amend_are_what_is_compared():
    partly = order(1, 999, 5, filled=2)  # 3 remaining
    assert plan_side([partly], [(999, 3)], True, 0, 0.0) == ([], [], [])
    moving = order(2, 999, 2)
    moving.amend_price_ticks, moving.amend_size_lots = 996, 2  # amend in flight to 996
    assert plan_side([moving], [(996, 2)], True, 0, 0.0) == ([], [], [])
    assert len(plan_side([moving], [(999, 2)], True, 0, 0.0).changes) == 1
