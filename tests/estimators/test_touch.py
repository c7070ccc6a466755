"""The touch components against a hand computation; streaming equals vectorised."""

from __future__ import annotations

import math

import numpy as np
import pytest

from workbench.core.events import EventKind
from workbench.estimators.touch import TouchParams, TouchQueue, touch_frame


def test_touch_queue_by_hand():
    q = TouchQueue(TouchParams(half_life_s=1.0))
    assert q.values() == (0.0, 0.0, 0.0, 0.0)
    q.on_quote(0, 30, 10)
    # one quote: the decayed mean is that quote, the thinness 0
    assert q.values() == pytest.approx((-0.5, 0.5, 0.0, 0.0))
    q.on_quote(1_000_000_000, 10, 30)  # one half-life later
    mean_b = (30 * 0.5 + 10) / 1.5
    mean_a = (10 * 0.5 + 30) / 1.5
    want = (0.5, -0.5, math.log(mean_b / 10), math.log(mean_a / 30))
    assert q.values() == pytest.approx(want, rel=1e-12)
    assert q.quotes == 2


def test_touch_frame_is_the_streaming_estimator(btc_arrays):
    a = btc_arrays.take(np.arange(len(btc_arrays)) < 20_000)
    ref = 0
    frame = touch_frame(a, ref)
    est = TouchQueue()
    got = np.zeros((len(a), 4))
    ts = np.maximum.accumulate(a.ts_ns)
    for j in range(len(a)):
        if (a.kind[j] == EventKind.BBO and a.stream[j] == ref
                and 0 < a.bid_ticks[j] < a.ask_ticks[j] and a.bid_lots[j] > 0
                and a.ask_lots[j] > 0):
            est.on_quote(int(ts[j]), int(a.bid_lots[j]), int(a.ask_lots[j]))
        got[j] = est.values()
    want = frame[["queue_sell", "queue_buy", "touch_sell", "touch_buy"]].to_numpy()
    np.testing.assert_array_equal(got, want)
    assert est.quotes > 100 and np.abs(want[:, 1]).max() > 0.5
