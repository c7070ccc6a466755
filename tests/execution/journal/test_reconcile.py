"""reconcile(): a restart squared with the venue's open orders, positions and fills.

One journal holds every situation; the venue's view after the restart is written by hand,
and so is every expected outcome.
"""

from __future__ import annotations

import pytest

from workbench.core.commands import (
    Accepted,
    Amend,
    Amended,
    Cancel,
    Canceled,
    CommandKind,
    Filled,
    Place,
    Rejected,
    TimeInForce,
)
from workbench.core.events import Side
from workbench.core.orders import Liquidity
from workbench.execution.journal import (
    OrderStatus,
    PositionCorrected,
    SqliteJournal,
    VenueOrder,
    reconcile,
    recover,
)

BUY, SELL = Side.BUY, Side.SELL
NOW = 10_000


def place(order_id, side, price, size):
    return Place(order_id, "bin", "BTC", side, price, size, TimeInForce.GTC, order_id * 10)


def fill(order_id, fill_id, side, price, lots, left, ts):
    return Filled(order_id, fill_id, "bin", "BTC", side, price, lots, left,
                  Liquidity.MAKER, 0.01 * lots, ts)


JOURNAL = [
    place(1, BUY, 100, 10), Accepted(1, 11),  # working, and the venue agrees
    place(2, SELL, 105, 5),  # sent and accepted, but the crash came before the ack
    place(3, BUY, 99, 4),  # journaled, but the crash came before sending
    place(4, SELL, 106, 3), Accepted(4, 41),  # working, yet gone from the venue
    place(5, BUY, 98, 6), Accepted(5, 51), fill(5, 11, BUY, 98, 2, 4, 52),  # fills on
    place(6, BUY, 97, 2), Accepted(6, 61), Cancel(6, "bin", "BTC", 62),  # cancel unanswered
    place(7, SELL, 107, 2), Accepted(7, 71), Cancel(7, "bin", "BTC", 72),  # cancel done
    place(8, BUY, 96, 5), Accepted(8, 81), Amend(8, "bin", "BTC", 95, 5, 82),  # amend done
    place(9, SELL, 104, 1),  # no ack journaled; filled in full while we were down
]
FILLS_WHILE_DOWN = [
    fill(5, 11, BUY, 98, 2, 4, 52),  # already journaled
    fill(5, 12, BUY, 98, 4, 0, 500),
    fill(9, 13, SELL, 104, 1, 0, 600),
    fill(5, 12, BUY, 98, 4, 0, 500),  # reported twice
]
VENUE_ORDERS = [
    VenueOrder(1, "bin", "BTC", BUY, 100, 10),
    VenueOrder(2, "bin", "BTC", SELL, 105, 5),
    VenueOrder(6, "bin", "BTC", BUY, 97, 2),
    VenueOrder(8, "bin", "BTC", BUY, 95, 5),
    VenueOrder(40, "bin", "BTC", SELL, 120, 1),  # not ours (or long forgotten)
]
# bin/BTC: +2 journaled, +4 and -1 while down = 5: agrees. okx/ETH: we hold nothing.
VENUE_POSITIONS = {("bin", "BTC"): 5, ("okx", "ETH"): -3}


@pytest.fixture()
def restart(tmp_path):
    path = tmp_path / "session.db"
    with SqliteJournal(path) as journal:
        journal.append_many(JOURNAL)
    state = recover(path)
    result = reconcile(state, VENUE_ORDERS, VENUE_POSITIONS, now_ns=NOW,
                       venue_fills=FILLS_WHILE_DOWN)
    return path, state, result


def test_fills_while_down_are_booked_exactly_once(restart):
    _, before, result = restart
    assert [f.fill_id for f in result.missed_fills] == [12, 13]
    after = result.state
    assert [f.fill_id for f in after.fills] == [11, 12, 13]
    assert after.positions_lots[("bin", "BTC")] == 2 + 4 - 1
    assert after.cash_flow_tick_lots[("bin", "BTC")] == -6 * 98 + 104
    assert after.fees[("bin", "BTC")] == pytest.approx(0.07, abs=1e-12)
    assert after.orders[5].status is OrderStatus.FILLED
    assert after.orders[9].status is OrderStatus.FILLED
    assert before.positions_lots[("bin", "BTC")] == 2  # the input state is untouched


def test_a_lost_ack_makes_the_order_working(restart):
    _, before, result = restart
    assert before.orders[2].status is OrderStatus.PENDING_NEW
    assert result.acknowledged == (2,)
    assert result.state.orders[2].status is OrderStatus.WORKING
    assert Accepted(2, NOW) in result.records


def test_a_place_never_sent_is_dropped(restart):
    _, _, result = restart
    assert result.never_sent == (3,)
    assert result.state.orders[3].status is OrderStatus.REJECTED
    assert Rejected(3, CommandKind.PLACE, result.state.orders[3].reason, NOW) in result.records
    assert "never sent" in result.state.orders[3].reason


def test_orders_the_venue_no_longer_has_are_lost(restart):
    _, _, result = restart
    assert result.lost == (4, 7)
    for order_id in (4, 7):
        assert result.state.orders[order_id].status is OrderStatus.CANCELLED
        assert result.state.orders[order_id].reason.startswith("lost")
    assert result.state.orders[1].status is OrderStatus.WORKING  # the venue has it


def test_orders_to_cancel_unknown_ones_and_unanswered_cancels(restart):
    _, before, result = restart
    assert [(c.order_id, c.venue, c.symbol) for c in result.cancels] == [
        (6, "bin", "BTC"), (40, "bin", "BTC")]
    assert all(isinstance(c, Cancel) and c.ts_ns == NOW for c in result.cancels)
    assert set(result.cancels) <= set(result.records)  # journaled with the rest
    assert result.unknown == (VENUE_ORDERS[-1],)
    assert before.next_order_id == 10
    assert result.state.next_order_id == 41  # never reuse the venue's id


def test_an_unanswered_amend_takes_the_venue_price(restart):
    _, before, result = restart
    assert before.orders[8].price_ticks == 96
    assert result.repriced == (8,)
    assert (result.state.orders[8].price_ticks, result.state.orders[8].size_lots) == (95, 5)
    assert Amended(8, 95, 5, NOW, kept_priority=False) in result.records


def test_a_position_mismatch_takes_the_venue_figure(restart):
    _, _, result = restart
    assert result.position_mismatches == (
        PositionCorrected("okx", "ETH", -3, 0, NOW, result.position_mismatches[0].reason),)
    assert result.state.positions_lots == {("bin", "BTC"): 5, ("okx", "ETH"): -3}
    assert ("okx", "ETH") not in result.state.cash_flow_tick_lots


def test_journaling_the_records_gives_the_reconciled_state_and_then_nothing_to_do(restart):
    path, _, result = restart
    with SqliteJournal(path) as journal:
        journal.append_many(result.records)
        assert recover(path) == result.state
        # The venue answers the two cancels; a second restart finds the books square.
        journal.append_many([Canceled(6, NOW + 1), Canceled(40, NOW + 2)])
    again = reconcile(recover(path), VENUE_ORDERS[:2] + VENUE_ORDERS[3:4], VENUE_POSITIONS,
                      now_ns=NOW + 3, venue_fills=FILLS_WHILE_DOWN)
    assert again.records == ()
    assert {o.order_id for o in again.state.open_orders()} == {1, 2, 8}


def test_a_venue_order_on_another_symbol_is_not_ours(tmp_path):
    path = tmp_path / "session.db"
    with SqliteJournal(path) as journal:
        journal.append_many([place(1, BUY, 100, 1), Accepted(1, 11)])
    result = reconcile(recover(path), [VenueOrder(1, "bin", "ETH", BUY, 100, 1)], {},
                       now_ns=NOW)
    assert result.lost == (1,)
    assert [(c.order_id, c.symbol) for c in result.cancels] == [(1, "ETH")]
