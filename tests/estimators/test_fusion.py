"""Cross-venue fair mid on the recorded spot + USD-M + COIN-M BTC data."""

from __future__ import annotations

import numpy as np
import pytest

from workbench.core.events import EventKind
from workbench.estimators import (
    FairMidFusion,
    FairMidParams,
    KalmanFairMid,
    fair_mid_frame,
    kalman_fair_mid_series,
)

NS = 1_000_000_000


def _run(events, streams, params=None, drop=None):
    """Streaming fair mid after each event; ``drop(event)`` removes events."""
    fusion = FairMidFusion(streams, params)
    out, masks, ts = [], [], []
    for e in events:
        if drop is not None and drop(e):
            continue
        fusion.update(e)
        out.append(fusion.value)
        masks.append(fusion.mask)
        ts.append(e.local_ts_ns)
    return np.array(out), np.array(masks), np.array(ts)


def test_streaming_equals_vectorised(btc_events, btc_arrays):
    lead = (("binance-usdm", 0.2), ("binance-coinm", -0.05))
    for params in (FairMidParams(), FairMidParams(price_kind="mid", reference="binance-spot"),
                   FairMidParams(reference="binance-coinm", lead_weights=lead,
                                 imbalance_bps=0.1),
                   FairMidParams(reference_led=False)):
        fair, mask, _ = _run(btc_events, btc_arrays.streams, params)
        frame = fair_mid_frame(btc_arrays, params)
        np.testing.assert_allclose(fair, frame["fair_mid"], rtol=1e-9)
        assert (mask == frame["mask"].to_numpy()).all()


def test_fused_mid_within_basis_corrected_spreads(btc_arrays):
    frame = fair_mid_frame(btc_arrays, FairMidParams(reference_led=False))
    a = btc_arrays
    names = a.streams.names
    n = len(a)
    lo = np.full(n, np.inf)
    hi = np.full(n, -np.inf)
    mask = frame["mask"].to_numpy()
    for i, (name, tick) in enumerate(zip(names, a.streams.tick_sizes)):
        k = np.flatnonzero((a.kind == EventKind.BBO) & (a.stream == i))
        last = np.searchsorted(k, np.arange(n), side="right") - 1
        j = k[np.maximum(last, 0)]
        adj = np.exp(-frame[f"basis_{name}"].to_numpy())
        use = (mask >> i & 1).astype(bool)
        lo = np.where(use, np.minimum(lo, a.bid_ticks[j] * tick * adj), lo)
        hi = np.where(use, np.maximum(hi, a.ask_ticks[j] * tick * adj), hi)
    ok = frame["ok"].to_numpy()
    fair = frame["fair_mid"].to_numpy()
    assert ok.mean() > 0.99
    assert np.all((fair[ok] >= lo[ok] - 1e-9) & (fair[ok] <= hi[ok] + 1e-9))
    # bases are real but small: perp and COIN-M within 10 bps of spot
    for name in names:
        assert np.abs(frame[f"basis_{name}"]).max() < 1e-3


def test_switching_a_venue_off_is_smooth_and_stale_venue_stops_within_limit(btc_events,
                                                                            btc_arrays):
    params = FairMidParams(reference_led=False)
    stale_ns = int(params.stale_s * NS)
    t_off = btc_events[0].local_ts_ns + 150 * NS
    full, _, ts_full = _run(btc_events, btc_arrays.streams, params)
    cut, masks, ts = _run(btc_events, btc_arrays.streams, params,
                          drop=lambda e: e.venue == "binance-usdm" and e.local_ts_ns >= t_off)
    usdm = 1 << btc_arrays.streams.names.index("binance-usdm")
    last_quote = max(e.local_ts_ns for e in btc_events
                     if e.venue == "binance-usdm" and e.local_ts_ns < t_off)
    assert not (masks[ts >= last_quote + stale_ns] & usdm).any()
    assert (masks[(ts > t_off) & (ts < last_quote + stale_ns // 2)] & usdm).all()
    # smooth: the largest event-to-event move after the switch-off is no larger than the
    # largest one in a quiet minute before it, and the gap to the full run grows gradually
    win = (ts >= t_off) & (ts < t_off + 2 * stale_ns)
    before = (ts >= t_off - 60 * NS) & (ts < t_off)
    steps = np.abs(np.diff(cut))
    assert steps[win[1:]].max() <= 1.5 * steps[before[1:]].max()
    assert steps[win[1:]].max() / cut[win].mean() < 2e-4  # under 2 bps in one event
    full_at = np.interp(ts[win], ts_full, full)
    assert np.abs(cut[win] - full_at).max() / cut[win].mean() < 5e-4


def test_kalman_tracks_the_fused_mid_and_estimates_noise(btc_arrays):
    n = 120_000
    arrays = btc_arrays.take(np.arange(len(btc_arrays)) < n)
    fair, ok = kalman_fair_mid_series(arrays)
    fused = fair_mid_frame(arrays)["fair_mid"].to_numpy()
    both = ok & (fused > 0)
    assert both.mean() > 0.95
    rel = np.abs(fair[both] / fused[both] - 1.0)
    assert np.median(rel) < 1e-4 and rel.max() < 1e-3
    kf = KalmanFairMid(arrays.streams)
    index = arrays.streams.index()
    for j in range(n):
        if arrays.kind[j] == EventKind.BBO:
            kf.on_quote(int(arrays.stream[j]), int(arrays.ts_ns[j]), int(arrays.bid_ticks[j]),
                        int(arrays.bid_lots[j]), int(arrays.ask_ticks[j]),
                        int(arrays.ask_lots[j]))
        else:
            kf.on_time(int(arrays.ts_ns[j]))
    assert kf.value == pytest.approx(fair[-1], rel=1e-12)
    assert all(0.0 < r < 50.0 for r in kf.noise_bps)
    assert len(index) == 3
