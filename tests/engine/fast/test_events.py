"""Event arrays: the book they carry, their two time orders, clocks, hftbacktest's format."""

from __future__ import annotations

from collections import Counter

import numpy as np
import pytest

from workbench.book.l2 import L2Book
from workbench.book.sync import BINANCE_FUTURES, BookSync
from workbench.core import ValidationError
from workbench.core.events import BookDelta, BookSnapshot
from workbench.data.table import EventTable
from workbench.engine.fast import (
    CLEAR,
    DEPTH,
    END_OF_MESSAGE,
    EXCH_EVENT,
    HFTBACKTEST_EVENT_DTYPE,
    LOCAL_EVENT,
    SNAPSHOT,
    TRADE,
    event_array,
    event_arrays,
    save_hftbacktest_npz,
    to_hftbacktest,
)
from workbench.engine.fast.events import KIND_MASK
from workbench.execution.sim import FeedLatency

from .conftest import USDM_BTC

BOTH = EXCH_EVENT | LOCAL_EVENT


def _flags(events: np.ndarray) -> np.ndarray:
    return (events["ev"] & np.uint64(BOTH)).astype(np.int64)


def _kind(events: np.ndarray) -> np.ndarray:
    return (events["ev"] & np.uint64(KIND_MASK)).astype(np.int64)


def test_local_rows_rebuild_the_book_that_book_sync_keeps(usdm_table):
    """At every receive time, the local rows' book equals BookSync's on the raw messages."""
    sync = BookSync(BINANCE_FUTURES)
    expected = {}
    for event in usdm_table.events():
        if isinstance(event, BookSnapshot):
            sync.on_snapshot(event)
        elif isinstance(event, BookDelta):
            sync.on_delta(event)
        else:
            continue
        if sync.synced:
            expected[event.local_ts_ns] = [a.tolist() for a in sync.book.top(5)]
    events = event_array(usdm_table, local_offset_ns=0)
    local = events[(events["ev"] & np.uint64(LOCAL_EVENT)) > 0]
    book = L2Book()
    got = {}
    for row in local:
        kind = int(row["ev"]) & KIND_MASK
        if kind == CLEAR:
            book.clear()
        elif kind != TRADE:
            book.set_level(row["side"] > 0, int(row["price_ticks"]), int(row["size_lots"]))
            if int(row["ev"]) & END_OF_MESSAGE:
                got[int(row["local_ts_ns"])] = [a.tolist() for a in book.top(5)]
    assert len(got) > 2500
    assert got == {t: expected[t] for t in got}


def test_each_row_once_per_processor_in_its_time_order(usdm_events):
    ex = usdm_events[(_flags(usdm_events) & EXCH_EVENT) > 0]
    lo = usdm_events[(_flags(usdm_events) & LOCAL_EVENT) > 0]
    assert np.all(np.diff(ex["exch_ts_ns"]) >= 0)
    assert np.all(np.diff(lo["local_ts_ns"]) >= 0)
    key = ("exch_ts_ns", "local_ts_ns", "price_ticks", "size_lots", "side")
    rows = lambda a: Counter(zip(*(a[k].tolist() for k in key), _kind(a).tolist()))  # noqa: E731
    assert rows(ex) == rows(lo)
    split = np.count_nonzero(_flags(usdm_events) != BOTH)
    assert split > 100  # Binance stamps trades and diffs from different clocks
    # messages stay whole in both orders: one END per message in each sequence
    for seq in (ex, lo):
        ends = np.flatnonzero(seq["ev"] & np.uint64(END_OF_MESSAGE))
        stamps = np.stack([seq["exch_ts_ns"], seq["local_ts_ns"]])
        starts = np.concatenate(([0], ends[:-1] + 1))
        assert all((stamps[:, s:e + 1] == stamps[:, s:s + 1]).all()
                   for s, e in zip(starts.tolist(), ends.tolist()))


def test_local_clock_is_shifted_so_the_fastest_message_has_no_latency(usdm_table,
                                                                     usdm_events):
    lat = usdm_events["local_ts_ns"] - usdm_events["exch_ts_ns"]
    assert lat.min() == 0
    assert lat.max() <= FeedLatency().max_latency_ns
    # offsets past the recorder's lag (feed latencies all in [0, 1 s]) move local times only
    base = event_array(usdm_table, local_offset_ns=1_500_000_000)
    later = event_array(usdm_table, local_offset_ns=1_500_000_007)
    assert np.array_equal(later["local_ts_ns"] - base["local_ts_ns"],
                          np.full(len(base), 7))
    assert np.array_equal(later["exch_ts_ns"], base["exch_ts_ns"])
    # the recorder ran about 1.27 s behind Binance (README of the data); the default
    # offset makes the fastest message of the first 10 s (BBO and empty diffs left out)
    # arrive with no delay
    m = usdm_table.messages
    raw = m["local_ts_ns"] - m["exch_ts_ns"]
    shown = (m["kind"] != 4) & ((m["kind"] != 2) | (m["n_rows"] > 0))
    first = shown & (m["local_ts_ns"] < m["local_ts_ns"][shown][0] + 10_000_000_000)
    shift = usdm_events["local_ts_ns"][0] - base["local_ts_ns"][0] + 1_500_000_000
    assert shift == -raw[first].min()
    assert 1.15e9 < shift < 1.3e9


def test_local_exchange_clock_puts_every_row_in_both_sequences(usdm_table):
    events = event_array(usdm_table, exchange_clock="local")
    assert np.array_equal(events["exch_ts_ns"], events["local_ts_ns"])
    assert np.all(_flags(events) == BOTH)
    with pytest.raises(ValidationError):
        event_array(usdm_table, exchange_clock="exchange")


def test_event_arrays_makes_one_array_per_stream():
    from workbench.data.binance.feed import read_raw_feed
    from workbench.data.sample import sample_paths

    feed = read_raw_feed(sample_paths())
    arrays = event_arrays(feed.streams)
    assert set(arrays) == set(feed.streams)
    for key, events in arrays.items():
        n_trades = feed.streams[key].kind_counts()["trade"]
        assert np.count_nonzero((_kind(events) == TRADE) & (_flags(events) & LOCAL_EVENT > 0)) \
            == n_trades


def _table(messages, rows) -> EventTable:
    m = np.array(messages, dtype=np.int64)
    n_rows = m[:, 6]
    msgs = {"kind": m[:, 0].astype(np.uint8), "local_ts_ns": m[:, 1], "exch_ts_ns": m[:, 2],
            "seq_first": m[:, 3], "seq_last": m[:, 4], "seq_prev": m[:, 5],
            "row_start": np.cumsum(n_rows) - n_rows, "n_rows": n_rows}
    r = np.array(rows, dtype=np.int64)
    return EventTable("binance-usdm", "BTCUSDT", msgs,
                      {"side": r[:, 0].astype(np.int8), "price_ticks": r[:, 1],
                       "size_lots": r[:, 2]})


def test_a_sequence_gap_becomes_a_clear_and_the_next_snapshot_resyncs():
    # kind, local, exch, first, last, prev, n_rows; futures rule: first diff has U <= L <= u
    table = _table(
        [(1, 100, 90, 10, 10, -1, 2),   # snapshot L=10
         (2, 110, 100, 9, 12, 8, 1),    # first diff
         (2, 120, 110, 13, 14, 12, 1),  # follows
         (2, 130, 120, 16, 17, 15, 1),  # pu 15 != 14: gap
         (3, 140, 130, 5, 5, -1, 1),    # a trade
         (2, 150, 140, 18, 19, 17, 1),  # buffered while unsynced
         (1, 160, 150, 18, 18, -1, 2),  # snapshot L=18: replays 17 (stale) and 18-19
         (2, 170, 160, 20, 21, 19, 1)],
        [(1, 100, 5), (-1, 101, 5), (1, 100, 6), (1, 99, 1), (1, 98, 7), (1, 100, 2),
         (-1, 102, 3), (1, 97, 4), (-1, 103, 5), (1, 96, 1)])
    events = event_array(table, local_offset_ns=0)
    got = [(int(k), int(s), int(p), int(q), int(t)) for k, s, p, q, t in zip(
        _kind(events), events["side"], events["price_ticks"], events["size_lots"],
        events["local_ts_ns"])]
    assert got == [
        (CLEAR, 0, 0, 0, 100), (SNAPSHOT, 1, 100, 5, 100), (SNAPSHOT, -1, 101, 5, 100),
        (DEPTH, 1, 100, 6, 110), (DEPTH, 1, 99, 1, 120), (CLEAR, 0, 0, 0, 130),
        (TRADE, 1, 100, 2, 140),
        (CLEAR, 0, 0, 0, 160), (SNAPSHOT, 1, 97, 4, 160), (SNAPSHOT, -1, 103, 5, 160),
        (DEPTH, -1, 102, 3, 160),  # the buffered diff, stamped with the snapshot
        (DEPTH, 1, 96, 1, 170)]
    ends = np.flatnonzero(events["ev"] & np.uint64(END_OF_MESSAGE)).tolist()
    assert ends == [2, 3, 4, 5, 6, 9, 10, 11]


def test_hftbacktest_format_is_validated_by_hftbacktest(usdm_events, tmp_path):
    hbt = pytest.importorskip("hftbacktest")
    from hftbacktest.data.validation import validate_event_order

    data = to_hftbacktest(usdm_events, USDM_BTC.tick_size_float, USDM_BTC.lot_size_float)
    assert data.dtype == hbt.types.event_dtype == HFTBACKTEST_EVENT_DTYPE
    validate_event_order(data)  # raises on a row out of its processor's time order
    is_clear = _kind(usdm_events) == CLEAR
    assert len(data) == len(usdm_events) + np.count_nonzero(is_clear)
    plain = data[(data["ev"] & np.uint64(0xFF)) != hbt.DEPTH_CLEAR_EVENT]
    assert np.array_equal(plain["px"], usdm_events["price_ticks"][~is_clear] * 0.1)
    assert np.array_equal(plain["qty"], usdm_events["size_lots"][~is_clear] * 0.001)
    buy = (plain["ev"] & np.uint64(hbt.BUY_EVENT)) > 0
    assert np.array_equal(buy, usdm_events["side"][~is_clear] > 0)
    assert np.array_equal(plain["ev"] & np.uint64(BOTH), _flags(usdm_events)[~is_clear])
    path = save_hftbacktest_npz(tmp_path / "btc", data)
    assert np.array_equal(np.load(path)["data"], data)
