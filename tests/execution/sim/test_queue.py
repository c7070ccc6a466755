"""Queue position, worked by hand on constructed books and trades."""

from __future__ import annotations

import pytest

from tests.execution.sim.builders import Feed, exchange, place
from workbench.core import Filled, Liquidity, Side
from workbench.execution.sim import ConservativeQueue, ProbabilisticQueue


def _fills(reports):
    return [(r.order_id, r.price_ticks, r.size_lots, r.remaining_lots, r.liquidity)
            for r in reports if isinstance(r, Filled)]


@pytest.fixture
def resting():
    """Book bid 1000 x 5, ask 1001 x 2; our buy 1000 x 2 joins behind the 5 lots."""
    ex, feed = exchange(), Feed()
    ex.on_market(feed.snapshot(1, {1000: 5, 999: 4}, {1001: 2, 1002: 3}))
    ex.submit(place(1, Side.BUY, 1000, 2), 10)
    assert [type(r).__name__ for r in ex.poll(10)] == ["Accepted"]
    return ex, feed


def test_joins_behind_visible_size_and_fills_only_beyond_it(resting):
    ex, feed = resting
    assert ex.working_order(1).ahead_lots == 5
    ex.on_market(feed.trade(20, 1000, 3, Side.SELL))  # 3 of the 5 ahead traded
    assert ex.poll(20) == []
    assert ex.working_order(1).ahead_lots == 2
    ex.on_market(feed.trade(21, 1000, 3, Side.SELL))  # 2 more ahead, 1 beyond: ours
    assert _fills(ex.poll(21)) == [(1, 1000, 1, 1, Liquidity.MAKER)]
    ex.on_market(feed.trade(22, 1000, 5, Side.SELL))  # only 1 lot left to fill
    assert _fills(ex.poll(22)) == [(1, 1000, 1, 0, Liquidity.MAKER)]
    assert ex.working_order(1) is None


def test_trades_on_our_side_do_not_move_us(resting):
    ex, feed = resting
    ex.on_market(feed.trade(20, 1000, 9, Side.BUY))  # a buyer lifted at 1000: not our queue
    ex.on_market(feed.trade(21, 1001, 9, Side.BUY))
    assert ex.poll(21) == []
    assert ex.working_order(1).ahead_lots == 5


def test_conservative_ignores_cancels_but_clamps_to_the_visible_size(resting):
    ex, feed = resting
    ex.on_market(feed.delta(20, bids={1000: 9}))  # 4 lots join behind us
    ex.on_market(feed.delta(21, bids={1000: 7}))  # 2 lots cancelled, somewhere
    assert ex.working_order(1).ahead_lots == 5
    ex.on_market(feed.delta(22, bids={1000: 3}))  # the level is now smaller than our ahead
    assert ex.working_order(1).ahead_lots == 3
    ex.on_market(feed.delta(23, bids={1000: 0}))  # the level is gone: we are first
    assert ex.working_order(1).ahead_lots == 0
    ex.on_market(feed.trade(24, 1000, 1, Side.SELL))
    assert _fills(ex.poll(24)) == [(1, 1000, 1, 1, Liquidity.MAKER)]


def test_trade_through_our_price_fills_regardless_of_the_queue(resting):
    ex, feed = resting
    ex.on_market(feed.trade(20, 999, 4, Side.SELL))  # sold through 1000 down to 999
    assert _fills(ex.poll(20)) == [(1, 1000, 2, 0, Liquidity.MAKER)]


def test_opposite_best_moving_through_fills_up_to_its_size(resting):
    ex, feed = resting
    ex.submit(place(2, Side.SELL, 1003, 1), 15)
    ex.on_market(feed.delta(20, bids={1000: 0}, asks={999: 1}))  # a seller rests at 999
    assert _fills(ex.poll(20)) == [(1, 1000, 1, 1, Liquidity.MAKER)]
    ex.on_market(feed.delta(21, bids={999: 0}))  # unrelated level: the 999 ask stays used
    assert _fills(ex.poll(21)) == []
    ex.on_market(feed.delta(22, asks={999: 4}))  # the venue updates 999: its figure rules
    assert _fills(ex.poll(22)) == [(1, 1000, 1, 0, Liquidity.MAKER)]
    assert ex.working_order(2).ahead_lots == 0  # the ask at 1003 was empty


def test_our_orders_at_one_level_keep_time_priority(resting):
    ex, feed = resting
    ex.on_market(feed.delta(20, bids={1000: 8}))  # 3 lots join behind order 1
    ex.submit(place(2, Side.BUY, 1000, 4), 30)  # behind all 8 lots and behind order 1
    ex.poll(30)
    assert ex.working_order(2).ahead_lots == 8
    # 10 lots: 5 ahead of order 1, 2 to order 1, then 3 of the 3 between 1 and 2.
    ex.on_market(feed.trade(40, 1000, 10, Side.SELL))
    assert _fills(ex.poll(40)) == [(1, 1000, 2, 0, Liquidity.MAKER)]
    assert ex.working_order(2).ahead_lots == 0
    ex.on_market(feed.trade(41, 1000, 1, Side.SELL))
    assert _fills(ex.poll(41)) == [(2, 1000, 1, 3, Liquidity.MAKER)]


def test_a_trade_at_a_better_level_does_not_advance_a_worse_one():
    ex, feed = exchange(), Feed()
    ex.on_market(feed.snapshot(1, {1000: 5, 999: 4}, {1001: 2}))
    ex.submit(place(1, Side.BUY, 999, 3), 10)
    ex.poll(10)
    ex.on_market(feed.trade(20, 1000, 5, Side.SELL))
    assert ex.poll(20) == []
    assert ex.working_order(1).ahead_lots == 4


def test_sell_side_mirrors_buy_side():
    ex, feed = exchange(), Feed()
    ex.on_market(feed.snapshot(1, {1000: 5}, {1001: 2, 1002: 3}))
    ex.submit(place(1, Side.SELL, 1001, 2), 10)
    ex.poll(10)
    assert ex.working_order(1).ahead_lots == 2
    ex.on_market(feed.trade(20, 1001, 3, Side.BUY))
    assert _fills(ex.poll(20)) == [(1, 1001, 1, 1, Liquidity.MAKER)]
    ex.on_market(feed.trade(21, 1002, 7, Side.BUY))  # bought through 1001
    assert _fills(ex.poll(21)) == [(1, 1001, 1, 0, Liquidity.MAKER)]


# -- probabilistic queue ------------------------------------------------------------------
@pytest.mark.parametrize(("power", "ahead", "behind", "expected"), [
    (2.0, 3, 1, 9 / 10),
    (1.0, 1, 3, 1 / 4),
    (3.0, 2, 2, 1 / 2),
    (2.0, 4, 0, 1.0),
    (2.0, 10**12, 10**12, 1 / 2),
])
def test_probability_ahead_is_the_power_ratio(power, ahead, behind, expected):
    assert ProbabilisticQueue(power).probability_ahead(ahead, behind) == pytest.approx(expected)


def test_attribution_of_one_cancellation():
    model = ProbabilisticQueue(2.0)  # ahead 3, behind 1: p = 0.9
    assert model.cancelled_ahead_lots(3, 1, 2, 0.89) == 2  # ahead of us
    assert model.cancelled_ahead_lots(3, 1, 2, 0.91) == 1  # behind, but only 1 lot fits there
    assert model.cancelled_ahead_lots(3, 1, 5, 0.10) == 3  # never more than is ahead
    assert ConservativeQueue().cancelled_ahead_lots(3, 1, 2, 0.0) == 0


def _cancel_went_ahead(seed: int, power: float) -> bool:
    """Book 1000 x 3; we join (ahead 3); 1 lot joins behind; 1 lot is cancelled."""
    ex, feed = exchange(queue=ProbabilisticQueue(power), seed=seed), Feed()
    ex.on_market(feed.snapshot(1, {1000: 3}, {1001: 2}))
    ex.submit(place(1, Side.BUY, 1000, 1), 10)
    ex.on_market(feed.delta(20, bids={1000: 4}))
    ex.on_market(feed.delta(30, bids={1000: 3}))
    ahead = ex.working_order(1).ahead_lots
    assert ahead in (2, 3)
    return ahead == 2


@pytest.mark.parametrize(("power", "p"), [(2.0, 9 / 10), (1.0, 3 / 4)])
def test_probabilistic_cancels_go_ahead_with_the_model_probability(power, p):
    n = 400
    share = sum(_cancel_went_ahead(seed, power) for seed in range(n)) / n
    assert abs(share - p) < 4 * (p * (1 - p) / n) ** 0.5


def test_traded_volume_explains_a_decrease_before_cancels_do():
    """Ahead 3, behind 2 (5 visible). A 2-lot trade takes 2 ahead; the level then shows 2:
    of the 3-lot decrease, 2 were the trade and 1 a cancellation, attributed by the model."""
    seen = set()
    for seed in range(40):
        ex, feed = exchange(queue=ProbabilisticQueue(2.0), seed=seed), Feed()
        ex.on_market(feed.snapshot(1, {1000: 3}, {1001: 2}))
        ex.submit(place(1, Side.BUY, 1000, 1), 10)
        ex.on_market(feed.delta(20, bids={1000: 5}))
        ex.on_market(feed.trade(30, 1000, 2, Side.SELL))
        ex.on_market(feed.delta(31, bids={1000: 2}))
        seen.add(ex.working_order(1).ahead_lots)
    # After the trade: ahead 1, behind 2, p = 1/5; the cancel takes 1 ahead or 0.
    assert seen == {0, 1}
