"""Invariants over random event and command sequences."""

from __future__ import annotations

from collections import defaultdict

from hypothesis import given, settings
from hypothesis import strategies as st

from tests.execution.sim.builders import Feed, amend, cancel, exchange, place
from workbench.core import Accepted, Canceled, Filled, Liquidity, Rejected, Side, TimeInForce
from workbench.execution.sim import ConstantLatency, ProbabilisticQueue

_price = st.integers(995, 1005)
_lots = st.integers(0, 6)
_place = st.tuples(st.just("place"), st.sampled_from(list(Side)), _price, st.integers(1, 5),
                  st.sampled_from(list(TimeInForce)))
_op = st.one_of(
    _place,
    _place,
    st.tuples(st.just("bids"), st.dictionaries(st.integers(990, 1000), _lots, max_size=4)),
    st.tuples(st.just("asks"), st.dictionaries(st.integers(1001, 1010), _lots, max_size=4)),
    st.tuples(st.just("trade"), _price, st.integers(1, 8), st.sampled_from(list(Side))),
    st.tuples(st.just("trade"), _price, st.integers(1, 8), st.sampled_from(list(Side))),
    st.tuples(st.just("cancel"), st.integers(0, 6)),
    st.tuples(st.just("amend"), st.integers(0, 6), _price, st.integers(1, 6)),
)


def _run(ops, entry_ns, response_ns, seed):
    ex = exchange(latency=ConstantLatency(entry_ns, response_ns),
                  queue=ProbabilisticQueue(2.0), seed=seed)
    feed = Feed()
    ex.on_market(feed.snapshot(1, {1000: 5, 999: 5}, {1001: 5, 1002: 5}))
    trades, reports, next_id = {}, [], 0
    for i, op in enumerate(ops):
        t = 10 * (i + 1)
        kind = op[0]
        if kind in ("bids", "asks"):
            ex.on_market(feed.delta(t, **{kind: op[1]}))
        elif kind == "trade":
            trades[t] = op[2]
            ex.on_market(feed.trade(t, op[1], op[2], op[3]))
        elif kind == "place":
            ex.submit(place(next_id, op[1], op[2], op[3], op[4]), t)
            next_id += 1
        elif kind == "cancel":
            ex.submit(cancel(op[1]), t)
        else:
            ex.submit(amend(op[1], op[2], op[3]), t)
        reports += ex.poll(t)
        for order in list(_working(ex, next_id)):
            assert order.ahead_lots >= 0 and order.remaining_lots > 0
    reports += ex.poll(10**9)
    return reports, trades


def _working(ex, n):
    return filter(None, (ex.working_order(i) for i in range(n)))


@settings(max_examples=120, deadline=None)
@given(ops=st.lists(_op, min_size=15, max_size=40), entry=st.integers(0, 25),
       response=st.integers(0, 25), seed=st.integers(0, 3))
def test_reports_are_consistent(ops, entry, response, seed):
    reports, trades = _run(ops, entry, response, seed)
    accepted, ended = set(), set()
    filled = defaultdict(int)
    maker_by_ts = defaultdict(int)
    for r in reports:
        if isinstance(r, Rejected):
            continue
        assert r.order_id not in ended, f"report after the end of order {r.order_id}: {r}"
        if isinstance(r, Accepted):
            accepted.add(r.order_id)
            continue
        assert r.order_id in accepted
        if isinstance(r, Canceled):
            ended.add(r.order_id)
        elif isinstance(r, Filled):
            filled[r.order_id] += r.size_lots
            assert r.size_lots > 0 and r.remaining_lots >= 0
            if r.remaining_lots == 0:
                ended.add(r.order_id)
            if r.liquidity is Liquidity.MAKER and r.ts_ns in trades:
                maker_by_ts[r.ts_ns] += r.size_lots
    for ts, lots in maker_by_ts.items():  # a trade's volume fills our orders at most once
        assert lots <= trades[ts]
    assert reports == _run(ops, entry, response, seed)[0]  # deterministic
