"""recover(): the state a journal implies, against a plain reference fold and by hand."""

from __future__ import annotations

import pytest

from tests.execution.journal.flow import order_flow
from tests.execution.journal.reference import reference_state, summary
from workbench.core.commands import (
    Accepted,
    Cancel,
    Canceled,
    CommandKind,
    Filled,
    Place,
    Rejected,
    TimeInForce,
)
from workbench.core.errors import DataError
from workbench.core.events import Side
from workbench.core.orders import Liquidity
from workbench.execution.journal import (
    OrderStatus,
    ParamChange,
    PositionCorrected,
    SqliteJournal,
    recover,
)


@pytest.mark.parametrize("seed", [11, 12, 13])
def test_recovered_state_equals_the_reference_fold_at_every_cut(tmp_path, seed):
    records = order_flow(seed, 1_500)
    path = tmp_path / "j.db"
    with SqliteJournal(path, synchronous="OFF") as journal:
        start = 0
        for cut in (1, 17, 400, 1_111, 1_500):
            journal.append_many(records[start:cut])
            start = cut
            assert summary(recover(path)) == reference_state(records[:cut])


def test_empty_journal(tmp_path):
    SqliteJournal(tmp_path / "j.db").close()
    state = recover(tmp_path / "j.db")
    assert (state.orders, state.fills, state.positions_lots, state.params) == ({}, (), {}, {})
    assert (state.next_order_id, state.last_seq, state.last_ts_ns) == (1, 0, 0)
    with pytest.raises(DataError):
        recover(tmp_path / "absent.db")


def place(order_id, side=Side.BUY, price=100, size=10, ts=0):
    return Place(order_id, "bin", "BTC", side, price, size, TimeInForce.GTC, ts)


def fill(order_id, fill_id, side, price, lots, left, fee=0.0, ts=0):
    return Filled(order_id, fill_id, "bin", "BTC", side, price, lots, left,
                  Liquidity.MAKER, fee, ts)


def test_a_small_session_by_hand(tmp_path):
    path = tmp_path / "j.db"
    with SqliteJournal(path) as journal:
        journal.append_many([
            place(1, Side.BUY, 100, 10, ts=1), Accepted(1, 2),
            fill(1, 501, Side.BUY, 100, 4, 6, fee=0.4, ts=3),
            fill(1, 501, Side.BUY, 100, 4, 6, fee=0.4, ts=4),  # the same report twice
            place(2, Side.SELL, 105, 3, ts=5), Cancel(2, "bin", "BTC", 6),
            Rejected(2, CommandKind.CANCEL, "unknown order", 7),  # back to pending new
            place(3, Side.SELL, 104, 5, ts=8), Accepted(3, 9),
            fill(3, 502, Side.SELL, 104, 5, 0, fee=-0.1, ts=10),
            place(4, Side.SELL, 110, 1, ts=11), Rejected(4, CommandKind.PLACE, "post only", 12),
            place(5, Side.BUY, 90, 2, ts=13), Cancel(5, "bin", "BTC", 14),
            Canceled(7, 15, "not ours"),  # a report for an order never placed
            ParamChange.of("gamma", 0.1, 16), ParamChange.of("gamma", 0.2, 17),
        ])
    state = recover(path)
    status = {oid: o.status for oid, o in state.orders.items()}
    assert status == {1: OrderStatus.WORKING, 2: OrderStatus.PENDING_NEW,
                      3: OrderStatus.FILLED, 4: OrderStatus.REJECTED,
                      5: OrderStatus.PENDING_CANCEL}
    assert (state.orders[1].filled_lots, state.orders[1].remaining_lots) == (4, 6)
    assert [f.fill_id for f in state.fills] == [501, 502]
    assert state.positions_lots == {("bin", "BTC"): 4 - 5}
    assert state.cash_flow_tick_lots == {("bin", "BTC"): -4 * 100 + 5 * 104}
    assert state.fees[("bin", "BTC")] == pytest.approx(0.4 - 0.1, abs=1e-12)
    assert state.params == {"gamma": 0.2}
    assert state.next_order_id == 8
    assert [o.order_id for o in state.open_orders()] == [1, 2, 5]
    assert (state.last_seq, state.last_ts_ns) == (17, 17)


def test_a_position_correction_resets_the_position_and_later_fills_count_from_it(tmp_path):
    path = tmp_path / "j.db"
    with SqliteJournal(path) as journal:
        journal.append_many([
            fill(1, 1, Side.BUY, 100, 3, 0), PositionCorrected("bin", "BTC", 10, 3, 5),
            fill(2, 2, Side.SELL, 101, 4, 0)])
    state = recover(path)
    assert state.positions_lots == {("bin", "BTC"): 10 - 4}
    assert state.cash_flow_tick_lots == {("bin", "BTC"): -300 + 404}
