"""The kernel's exchange counts a trade once in the queue, whichever message came first.

Our bid of 1 lot joins behind the 10 lots at 1000; a sell of 6 prints at 1000 and the
depth diff that shows it (1000: 10 -> 4) carries the same exchange time. By hand: ahead
10 - 6 = 4 and no fill; counting the trade twice (clamp to 4, then 6 more) would give
ahead 0 and a fill of 2 lots. A print no diff shows moves the queue by its size.
"""

from __future__ import annotations

import numpy as np
import pytest

from workbench.engine.fast import (
    CLEAR,
    DEPTH,
    END_OF_MESSAGE,
    EVENT_DTYPE,
    EXCH_EVENT,
    SNAPSHOT,
    TRADE,
    FastParams,
    order_rows,
)
from workbench.engine.fast.exchange import exchange_command, exchange_message, next_row
from workbench.engine.fast.tables import (
    CMD_PLACE,
    E_AHEAD,
    N_EXCHANGE_COLUMNS,
    N_STATE,
    ORDER_CAPACITY,
    QUEUE_CAPACITY,
    S_CQ_TAIL,
    S_EX_N,
    S_N_FILLS,
)

BASE, N_TICKS = 990, 20


def _row(kind, exch, local, price=0, size=0, side=0, end=True):
    return (kind | (END_OF_MESSAGE if end else 0), exch, local, price, size, side)


def _run(messages, venue_ts_ns=None):
    """Apply the exchange sequence; our bid is placed right after the snapshot.
    ``venue_ts_ns``: the messages' own venue stamps when the exchange clock is not theirs."""
    snapshot = [_row(CLEAR, 100, 100, end=False), _row(SNAPSHOT, 100, 100, 1000, 10, 1, False),
                _row(SNAPSHOT, 100, 100, 999, 5, 1, False),
                _row(SNAPSHOT, 100, 100, 1001, 10, -1)]
    rows = np.array(snapshot + messages, dtype=EVENT_DTYPE)
    venue = None if venue_ts_ns is None else [100] * len(snapshot) + venue_ts_ns
    events = order_rows(rows, venue)
    ev = events["ev"].view(np.int64)
    books = np.zeros((4, N_TICKS), np.int64)
    bbo = np.zeros(2, np.int64) - 1
    ex = np.zeros((ORDER_CAPACITY, N_EXCHANGE_COLUMNS), np.int64)
    cq = np.zeros((QUEUE_CAPACITY, 6), np.int64)
    rq = np.zeros((QUEUE_CAPACITY, 4), np.int64)
    fills_i, fills_f = np.zeros((16, 8), np.int64), np.zeros((16, 1))
    st = np.zeros(N_STATE, np.int64)
    fp, ip = FastParams(entry_latency_ns=0, response_latency_ns=0).packed()
    args = (events["exch_ts_ns"], events["price_ticks"], events["size_lots"], events["side"],
            *books, bbo, BASE, ex, fp, ip, 0.1, 0.001, fills_i, fills_f, rq, st)
    i = next_row(ev, 0, EXCH_EVENT)
    i = next_row(ev, exchange_message(i, ev, *args), EXCH_EVENT)  # the snapshot
    cq[0] = (100, CMD_PLACE, 1, 1, 1000, 1)
    st[S_CQ_TAIL] = 1
    exchange_command(cq, *books, bbo, BASE, ex, fp, ip, 0.1, 0.001, fills_i, fills_f, rq, st)
    assert st[S_EX_N] == 1 and ex[0, E_AHEAD] == 10
    while i < len(ev):
        i = next_row(ev, exchange_message(i, ev, *args), EXCH_EVENT)
    return int(ex[0, E_AHEAD]), int(st[S_N_FILLS])


@pytest.mark.parametrize("diff_local, trade_local", [(210, 220), (220, 210)],
                         ids=["diff first", "print first"])
def test_a_trade_and_its_diff_advance_the_queue_once(diff_local, trade_local):
    diff = _row(DEPTH, 200, diff_local, 1000, 4, 1)
    trade = _row(TRADE, 200, trade_local, 1000, 6, -1)
    messages = sorted([diff, trade], key=lambda r: r[2])
    assert _run(messages) == (4, 0)


def test_a_print_no_diff_shows_advances_the_queue_by_its_size():
    assert _run([_row(TRADE, 200, 230, 1000, 3, -1)]) == (7, 0)


def test_on_the_local_clock_a_print_after_the_diff_that_shows_it_counts_once():
    # The exchange sees messages when we do: the diff (venue time 200) at 210, its
    # print (venue time 200) at 220. The diff clamps ahead 10 -> 4; the print gives those
    # 6 back and takes them again: ahead 4, no fill.
    diff = _row(DEPTH, 210, 210, 1000, 4, 1)
    trade = _row(TRADE, 220, 220, 1000, 6, -1)
    assert _run([diff, trade], venue_ts_ns=[200, 200]) == (4, 0)


def test_on_the_local_clock_a_print_later_than_the_diff_is_a_new_trade():
    # The same print stamped 201 by the venue happened after the diff: it consumes the
    # 4 left ahead and fills our lot.
    diff = _row(DEPTH, 210, 210, 1000, 4, 1)
    trade = _row(TRADE, 220, 220, 1000, 6, -1)
    assert _run([diff, trade], venue_ts_ns=[200, 201])[1] == 1
