"""The full stack: streaming equals vectorised on the recorded data; snapshot contract."""

from __future__ import annotations

import dataclasses

import numpy as np

from workbench.estimators import (
    Signals,
    SignalStack,
    StackParams,
    ToxicityParams,
    VpinParams,
    depth_imbalance_frame,
    depth_records,
    signals_frame,
)

FIELDS = ("fair_mid", "vol_per_sqrt_s", "book_imbalance", "ofi", "trade_imbalance",
          "toxicity_bid", "toxicity_ask")


def test_streaming_stack_equals_vectorised_twin(btc_events, btc_arrays):
    n = 70_000  # about two and a half minutes of all three venues
    events = btc_events[:n]
    arrays = btc_arrays.take(np.arange(len(btc_arrays)) < n)
    # VPIN warms in time; a lower quiet quantile than the default's, so that the scores
    # are exercised on these minutes whatever the default threshold
    tox = dataclasses.replace(ToxicityParams(), quiet_quantile=0.8)
    params = StackParams(vpin=VpinParams(bucket_notional=250_000.0), toxicity=tox)
    stack = SignalStack(arrays.streams, params)
    got = np.zeros((n, len(FIELDS)))
    oks = np.zeros((n, 2), dtype=bool)
    for j, e in enumerate(events):
        stack.update(e)
        s = stack.signals()
        got[j] = [getattr(s, f) for f in FIELDS]
        oks[j] = s.fair_mid_ok, s.vol_ok
    records = depth_records(events, arrays.streams)
    want = signals_frame(arrays, params, depth=records)
    for c, f in enumerate(FIELDS):
        scale = np.abs(want[f]).max()
        np.testing.assert_allclose(got[:, c], want[f], rtol=1e-9, atol=1e-9 * scale,
                                   err_msg=f)
    assert (oks[:, 0] == want["fair_mid_ok"]).all() and (oks[:, 1] == want["vol_ok"]).all()
    assert oks[-1].all() and stack.vpin.buckets >= 60 and stack.vpin.value > 0
    assert (want["toxicity_bid"] > 0).mean() > 0.01  # the scores were exercised
    # the depth cache agrees with full top-N reads of the books
    depth = depth_imbalance_frame(records, n)
    assert np.abs(depth["top"].to_numpy()[-1] - stack.depth.value()[0]) < 1e-12
    assert stack.depth.rebuilds < len(records.event) / 5


def test_snapshot_is_immutable_and_does_not_hold_books(btc_events, btc_arrays):
    stack = SignalStack(btc_arrays.streams)
    for e in btc_events[:5_000]:
        stack.update(e)
    s = stack.signals()
    assert isinstance(s, Signals)
    assert all(isinstance(getattr(s, f), float) for f in FIELDS)
    assert set(s.sources) <= set(btc_arrays.streams.names) and s.fair_mid_ok
    try:
        s.fair_mid = 0.0
    except AttributeError:
        pass
    else:
        raise AssertionError("Signals must be frozen")


def test_caller_books_mode_gives_the_same_signals(btc_events, btc_arrays):
    from workbench.book.sync import BookSync
    from workbench.core.events import BookDelta, BookSnapshot
    from workbench.data.binance.instruments import SYNC_RULES

    keys = btc_arrays.streams.keys
    syncs = {k: BookSync(SYNC_RULES[k[0]], *k) for k in keys}
    own = SignalStack(btc_arrays.streams)
    caller = SignalStack(btc_arrays.streams, books={k: s.book for k, s in syncs.items()})
    for e in btc_events[:20_000]:
        if type(e) is BookDelta:
            syncs[(e.venue, e.symbol)].on_delta(e)
        elif type(e) is BookSnapshot:
            syncs[(e.venue, e.symbol)].on_snapshot(e)
        own.update(e)
        caller.update(e)
    assert own.signals() == caller.signals()
