"""Bad commands come back as rejections that say why; submit never raises."""

from __future__ import annotations

import numpy as np
import pytest

from tests.execution.sim.builders import INVERSE, LINEAR, Feed, amend, cancel, exchange
from workbench.core import (
    Accepted,
    Cancel,
    CommandKind,
    Place,
    Rejected,
    Side,
    TimeInForce,
    ValidationError,
)
from workbench.execution.sim import ConservativeQueue, ConstantLatency, FeeSchedule, SimExchange


@pytest.fixture
def ex():
    ex, feed = exchange(), Feed()
    ex.on_market(feed.snapshot(1, {1000: 5}, {1002: 5}))
    return ex


def _one(ex, command, t=10):
    ex.submit(command, t)
    (report,) = ex.poll(t)
    return report


def _place(**changes):
    fields = dict(order_id=1, venue=LINEAR.venue, symbol=LINEAR.symbol, side=Side.BUY,
                  price_ticks=1000, size_lots=1, tif=TimeInForce.GTC, ts_ns=0)
    return Place(**{**fields, **changes})


@pytest.mark.parametrize(("changes", "words"), [
    ({"price_ticks": 0}, "price_ticks must be positive"),
    ({"price_ticks": -3}, "price_ticks must be positive"),
    ({"price_ticks": 1000.0}, "price_ticks must be an int"),
    ({"price_ticks": True}, "price_ticks must be an int"),
    ({"size_lots": 0}, "size_lots must be positive"),
    ({"size_lots": -1}, "size_lots must be positive"),
    ({"size_lots": "1"}, "size_lots must be an int"),
    ({"symbol": "ETHUSDT"}, "unknown instrument test ETHUSDT"),
    ({"venue": "elsewhere"}, "unknown instrument elsewhere BTCUSDT"),
    ({"side": 0}, "side must be a Side"),
    ({"tif": "fok"}, "tif must be a TimeInForce"),
    ({"order_id": "a"}, "order_id must be an int"),
])
def test_bad_places_are_rejected_with_a_reason(ex, changes, words):
    report = _one(ex, _place(**changes))
    assert isinstance(report, Rejected) and report.command is CommandKind.PLACE
    assert words in report.reason and not report.transient


def test_numpy_integers_are_accepted(ex):
    report = _one(ex, _place(price_ticks=np.int64(1000), size_lots=np.int32(2)))
    assert isinstance(report, Accepted)
    assert type(ex.working_order(1).price_ticks) is int


def test_duplicate_order_id(ex):
    assert isinstance(_one(ex, _place()), Accepted)
    report = _one(ex, _place(price_ticks=999), 11)
    assert isinstance(report, Rejected) and "duplicate order id 1" in report.reason
    assert ex.working_order(1).price_ticks == 1000
    _one(ex, cancel(1), 12)
    assert "duplicate" in _one(ex, _place(), 13).reason  # ids are not reused


def test_a_refused_place_takes_no_id(ex):
    assert isinstance(_one(ex, _place(size_lots=0)), Rejected)
    assert isinstance(_one(ex, _place(), 11), Accepted)


@pytest.mark.parametrize(("command", "words"), [
    (amend(1, 0, 1), "price_ticks must be positive"),
    (amend(1, 1000, -1), "size_lots must be positive"),
    (amend(1, 1000, 1, INVERSE), "unknown instrument"),
    (Cancel(1, LINEAR.venue, "OTHER", 0), "unknown instrument"),
])
def test_bad_amends_and_cancels(ex, command, words):
    _one(ex, _place())
    report = _one(ex, command, 11)
    assert isinstance(report, Rejected) and words in report.reason
    assert ex.working_order(1).price_ticks == 1000


def test_cancel_naming_another_instrument_of_ours():
    ex, feed, other = exchange(instruments=(LINEAR, INVERSE)), Feed(), Feed(INVERSE)
    ex.on_market(feed.snapshot(1, {1000: 5}, {1002: 5}))
    ex.on_market(other.snapshot(1, {1000: 5}, {1002: 5}))
    _one(ex, _place())
    report = _one(ex, cancel(1, INVERSE), 11)
    assert isinstance(report, Rejected) and "is on test BTCUSDT" in report.reason


def test_not_a_command(ex):
    report = _one(ex, object())
    assert isinstance(report, Rejected) and "not a command" in report.reason


def test_no_book_yet_is_a_transient_rejection():
    ex = exchange()
    report = _one(ex, _place())
    assert isinstance(report, Rejected) and report.transient and "synchronised" in report.reason


@pytest.mark.parametrize("problem", ["duplicate", "no fees", "no rule", "empty"])
def test_bad_construction_raises(problem):
    instruments = [LINEAR, LINEAR] if problem == "duplicate" else [LINEAR]
    fees = {} if problem == "no fees" else {LINEAR.key: FeeSchedule()}
    rules = {} if problem == "no rule" else {LINEAR.venue: object()}
    with pytest.raises(ValidationError):
        SimExchange([] if problem == "empty" else instruments, fees, ConstantLatency(0, 0),
                    ConservativeQueue(), rules, seed=1)
