"""Parquet store round trip and queries; multi-source replay order and laziness."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from workbench.data.binance import feed as feed_module
from workbench.data.binance.feed import read_raw_feed, replay_streams
from workbench.data.replay import merge_events
from workbench.data.store import import_files, query, read_tables


@pytest.fixture(scope="module")
def store(tmp_path_factory, sample_files):
    root = tmp_path_factory.mktemp("store")
    import_files(sample_files, root, progress=False)
    return root


@pytest.fixture(scope="module")
def sample_feed(sample_files):
    return read_raw_feed(sample_files, workers=1)


def test_store_round_trip_is_exact(store, sample_feed):
    tables = read_tables(store)
    assert set(tables) == set(sample_feed.streams)
    for key, original in sample_feed.streams.items():
        back = tables[key]
        for col, values in original.messages.items():
            assert np.array_equal(back.messages[col], values), (key, col)
        for col, values in original.rows.items():
            assert np.array_equal(back.rows[col], values), (key, col)


def test_store_layout_is_partitioned_by_venue_symbol_date(store):
    parts = sorted(p.relative_to(store).parts[:3] for p in store.rglob("*.parquet"))
    assert ("venue=binance-usdm", "symbol=BTCUSDT", "date=2024-08-08") in parts
    assert len(parts) == 3


def test_query_filters_match_pandas_on_the_frame(store, sample_feed):
    frame = sample_feed.to_frame()
    start = int(frame["local_ts_ns"].quantile(0.25))
    end = int(frame["local_ts_ns"].quantile(0.5))
    got = query(store, start_ns=start, end_ns=end, venues=["binance-spot", "binance-coinm"],
                kinds=["trade", "bbo"])
    want = frame[(frame["local_ts_ns"] >= start) & (frame["local_ts_ns"] < end)
                 & frame["venue"].isin(["binance-spot", "binance-coinm"])
                 & frame["kind"].isin(["trade", "bbo"])]
    assert len(got) == len(want) > 1000
    assert sorted(got["price_ticks"].tolist()) == sorted(want["price_ticks"].tolist())
    assert set(got["venue"]) == {"binance-spot", "binance-coinm"}
    # Floats for analysts: price = ticks * tick size.
    usd = query(store, venues=["binance-usdm"], kinds=["trade"])
    np.testing.assert_allclose(usd["price"], usd["price_ticks"] * 0.1, rtol=0, atol=1e-9)


def test_reimport_replaces_rather_than_duplicates(store, sample_files):
    before = len(query(store, kinds=["trade"]))
    import_files(sample_files[:1], store, progress=False)
    assert len(query(store, kinds=["trade"])) == before


def test_merged_replay_is_in_local_time_order_and_complete(sample_files, sample_feed):
    events = list(replay_streams(sample_files))
    ts = np.array([e.local_ts_ns for e in events])
    assert np.all(np.diff(ts) >= 0)
    assert len(events) == sample_feed.message_count
    assert {(e.venue, e.symbol) for e in events} == set(sample_feed.streams)


def test_merge_is_stable_on_equal_timestamps():
    a = [pd.Series({"local_ts_ns": t, "src": "a"}) for t in (1, 2, 2, 5)]
    b = [pd.Series({"local_ts_ns": t, "src": "b"}) for t in (2, 3)]

    class E:
        def __init__(self, s):
            self.local_ts_ns, self.src = s["local_ts_ns"], s["src"]

    merged = [(e.local_ts_ns, e.src) for e in merge_events([map(E, a), map(E, b)])]
    assert merged == [(1, "a"), (2, "a"), (2, "a"), (2, "b"), (3, "b"), (5, "a")]


def test_replay_reads_one_file_per_stream_at_a_time(binance_dir, monkeypatch):
    calls = []
    real = feed_module.parse_file
    monkeypatch.setattr(feed_module, "parse_file",
                        lambda path, *a, **k: calls.append(path) or real(path, *a, **k))
    files = [binance_dir / "cm/btcusd_perp_20240808.gz", binance_dir / "cm/btcusd_perp_20240809.gz",
             binance_dir / "spot/btcusdt_20240808.gz", binance_dir / "spot/btcusdt_20240809.gz"]
    events = replay_streams(files)
    next(events)
    assert len(calls) == 2  # the first file of each stream, nothing more
    assert all("0808" in c for c in calls)
