"""The toxic-flow guard: thresholds, hysteresis, cool-down, join rate, stability."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from workbench.estimators.signals import Signals
from workbench.strategies import GuardAction, GuardParams, ToxicGuard, stateless_decisions

P = GuardParams(cooldown_ns=100, join_cooldown_ns=1_000)


def s(ts, tox_b=0.0, tox_a=0.0, flow=0.0):
    return Signals(
        ts_ns=ts,
        fair_mid=100.0,
        fair_mid_ok=True,
        toxicity_bid=tox_b,
        toxicity_ask=tox_a,
        ofi=0.0,
        trade_imbalance=-flow,  # the default flow weights: (0.5, 0, -0.5)
        book_imbalance=flow,
    )


def test_levels_and_reasons():
    d = stateless_decisions(s(0, tox_b=0.55, tox_a=0.1), P)
    assert d.bid.action is GuardAction.WIDEN and d.bid.reason == "bid:widen:toxicity"
    assert d.ask.action is GuardAction.KEEP
    d = stateless_decisions(s(0, tox_b=0.95, tox_a=0.95, flow=0.9), P)
    assert d.ask.action is GuardAction.JOIN and d.bid.action is GuardAction.PULL
    d = stateless_decisions(s(0, tox_b=math.nan), P)
    assert d.bid.action is GuardAction.PULL and d.bid.reason == "bid:pull:nan" and not d.bid.take


def test_hysteresis_and_cooldown():
    g = ToxicGuard(P)
    assert g.update(s(0, tox_b=0.8)).bid.action is GuardAction.PULL
    # below pull_on but above pull_off: held
    d = g.update(s(500, tox_b=0.65)).bid
    assert d.action is GuardAction.PULL and d.reason == "bid:pull:held"
    # below pull_off, but inside the cool-down since the last change at ts=0? no: 600 > 100
    d = g.update(s(600, tox_b=0.55)).bid
    assert d.action is GuardAction.WIDEN and d.reason == "bid:widen:held"
    # calm right after a change: cool-down keeps WIDEN
    d = g.update(s(650, tox_b=0.0)).bid
    assert d.action is GuardAction.WIDEN and d.reason == "bid:widen:cooldown"
    assert g.update(s(700, tox_b=0.0)).bid.action is GuardAction.KEEP
    # escalation is immediate, even inside a cool-down
    assert g.update(s(701, tox_b=0.9)).bid.action is GuardAction.PULL


def test_join_fires_once_per_cooldown():
    g = ToxicGuard(P)
    takes = [g.update(s(t, tox_a=0.95, flow=0.8)).ask.take for t in (0, 10, 500, 1_000, 1_500)]
    assert takes == [True, False, False, True, False]
    assert g.actions == (GuardAction.KEEP, GuardAction.JOIN)


@given(
    seq=st.lists(st.tuples(st.floats(0, 1), st.floats(0, 1), st.floats(-1, 1)), max_size=20),
    last=st.tuples(st.floats(0, 1), st.floats(0, 1), st.floats(-1, 1)),
    repeats=st.integers(2, 5),
)
def test_decisions_stable_under_repeated_identical_inputs(seq, last, repeats):
    g = ToxicGuard(P)
    for i, (b, a, f) in enumerate(seq):
        g.update(s(i * 37, b, a, f))
    snap = s(len(seq) * 37, *last)
    first = g.update(snap)
    for _ in range(repeats):
        again = g.update(snap)
        assert (again.bid.action, again.ask.action) == (first.bid.action, first.ask.action)
        assert not again.ask.take or first.ask.take


@given(st.lists(st.tuples(st.floats(0, 1), st.floats(0, 1), st.floats(-1, 1),
                          st.floats(-1, 1)), min_size=1, max_size=40))
def test_quiet_market_shortcut_decides_as_the_full_state_machine(steps):
    """The guard's shortcut for a quiet market gives the decisions of the full rule."""
    from workbench.strategies.toxic_guard import ToxicGuard, classify

    params = GuardParams()
    guard = ToxicGuard(params)
    for n, (tb, ta, imb, flow) in enumerate(steps):
        sig = Signals(ts_ns=n * 10**9, fair_mid=100.0, fair_mid_ok=True, vol_per_sqrt_s=1e-4,
                      vol_ok=True, book_imbalance=imb, trade_imbalance=flow,
                      toxicity_bid=tb, toxicity_ask=ta)
        before = guard.actions
        decisions = guard.update(sig)
        if before == (GuardAction.KEEP, GuardAction.KEEP) and tb < params.widen_on \
                and ta < params.widen_on:
            assert decisions.bid.action is decisions.ask.action is GuardAction.KEEP
            assert decisions.bid.reason == "bid:keep:held" and not decisions.bid.take
            assert classify(tb, -(imb - flow) / 2, GuardAction.KEEP, params)[0] \
                is GuardAction.KEEP


def test_flow_follows_the_measured_signs():
    """Heavy bids and recent selling (which reverts) are buying pressure: a toxic ask
    joins; recent buying alone with a flat book is selling pressure and does not."""
    from workbench.strategies.toxic_guard import side_inputs

    sig = Signals(ts_ns=0, fair_mid=100.0, fair_mid_ok=True, book_imbalance=0.6,
                  ofi=-1.0, trade_imbalance=-0.6, toxicity_ask=0.95)
    assert side_inputs(sig, GuardParams().flow_weights)[3] == pytest.approx(0.6)
    assert stateless_decisions(sig, P).ask.action is GuardAction.JOIN
    chase = sig._replace(book_imbalance=0.0, ofi=1.0, trade_imbalance=1.0)
    assert side_inputs(chase, GuardParams().flow_weights)[3] == pytest.approx(-0.5)
    assert stateless_decisions(chase, P).ask.action is GuardAction.PULL
    with pytest.raises(Exception, match="flow_weights"):
        GuardParams(flow_weights=(1.0, 1.0, -1.0))
