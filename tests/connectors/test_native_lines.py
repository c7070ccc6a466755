"""The native feed's message path on the recorded lines: the replay's events, exactly."""

from __future__ import annotations

import random

import numpy as np
import pytest

from workbench.connectors.binance.lines import LinePath, stream_symbol
from workbench.connectors.status import FeedStatus
from workbench.data.binance.feed import replay_book, stream_events
from workbench.data.binance.parse import read_lines, venue_from_path


def _batches(lines, rng):
    """The lines as a live socket would hand them over: stamped, in batches of any size."""
    i = 0
    while i < len(lines):
        n = rng.choice((1, 1, 2, 3, 7, 40, 300))
        yield [tuple(ln.split(b" ", 1)) for ln in lines[i:i + n]]
        i += n


def _run(path, lines, seed=0):
    venue = venue_from_path(path)
    symbol = stream_symbol(lines[0].split(b" ", 1)[1]).decode().upper()
    status = FeedStatus("test")
    recorded = []
    lp = LinePath(venue, [symbol], status, on_line=lambda s, ln: recorded.append(ln))
    events = []
    for batch in _batches(lines, random.Random(seed)):
        events += lp.process([(symbol, int(ts), body) for ts, body in batch])
    return lp, status, events, recorded


def _same(a, b):
    assert type(a) is type(b)
    for x, y in zip(a, b):
        if isinstance(x, np.ndarray):
            assert np.array_equal(x, y)
        else:
            assert x == y


@pytest.mark.parametrize("kind", ["spot", "usdm", "cm"])
def test_lines_in_live_batches_give_the_replays_events_and_book(sample_files, kind):
    path = next(p for p in sample_files if p.parent.name == kind)
    lines = read_lines(path)
    lp, status, events, recorded = _run(path, lines)
    replayed = list(stream_events([path]))
    assert len(events) == len(replayed) > 10_000
    for a, b in zip(events, replayed):
        _same(a, b)
    assert recorded == lines  # what the recorder is handed is the file, line for line
    (sym, sync), = lp.syncs.items()
    ref = replay_book(path)
    assert sync.synced and sync.book.top(10_000)[0].tolist() == ref.book.top(10_000)[0].tolist()
    assert sync.book.top(10_000)[3].tolist() == ref.book.top(10_000)[3].tolist()
    st = status.streams[(lp.venue, sym)]
    assert st.messages == len(lines) and st.bad_messages == 0 and st.gaps == ref.stats.gap_count


def test_malformed_messages_are_counted_and_dropped_and_the_book_goes_unsynced(sample_files):
    path = next(p for p in sample_files if p.parent.name == "usdm")
    lines = read_lines(path)[:3000]
    depth = [i for i, ln in enumerate(lines) if b"@depth" in ln and i > 200]
    broken = list(lines)
    broken[depth[5]] = broken[depth[5]][:-40]  # cut short: not JSON any more
    broken.insert(depth[9], broken[depth[9]].split(b" ")[0] + b' {"stream":"btcusdt@depth@0ms",'
                  b'"data":{"e":"depthUpdate","E":1,"U":1,"u":2,"pu":0,"b":[["x","1"]],"a":[]}}')
    broken.insert(depth[11], broken[depth[11]].split(b" ")[0] + b" not json at all")
    lp, status, _events, recorded = _run(path, broken, seed=3)
    st = status.streams[("binance-usdm", "BTCUSDT")]
    assert st.bad_messages == 3 and status.errors == 3
    assert len(recorded) == len(broken) - 3  # the recorder never writes a bad line
    sync = lp.syncs["BTCUSDT"]
    assert st.gaps >= 1 and not sync.synced and lp.needs_snapshot() == ["BTCUSDT"]


def test_unknown_streams_are_counted_not_parsed(sample_files):
    path = next(p for p in sample_files if p.parent.name == "spot")
    lines = read_lines(path)[:50]
    ts = lines[10].split(b" ")[0]
    lines.insert(10, ts + b' {"stream":"btcusdt@aggTrade","data":{"e":"aggTrade"}}')
    _lp, status, _events, _ = _run(path, lines)
    st = status.streams[("binance-spot", "BTCUSDT")]
    assert st.unknown_messages == 1 and st.bad_messages == 0
    assert stream_symbol(b'{"stream":"ethusdt@trade","data":{}}') == b"ethusdt"
    assert stream_symbol(b'{"result":null,"id":1}') is None


def test_a_break_unsyncs_the_book_until_the_next_snapshot(sample_files):
    path = next(p for p in sample_files if p.parent.name == "spot")
    lines = read_lines(path)
    snap = next(i for i, ln in enumerate(lines) if b"lastUpdateId" in ln)
    lp, status, _events, _ = _run(path, lines[:snap + 200])
    assert lp.syncs["BTCUSDT"].synced
    ts = int(lines[snap + 200].split(b" ")[0])
    out = lp.process([("BTCUSDT", ts, b"")])
    assert len(out) == 1 and len(out[0].bid_ticks) == 0
    assert not lp.syncs["BTCUSDT"].synced and lp.needs_snapshot() == ["BTCUSDT"]
    # an old snapshot is taken, but the next diffs do not continue it: a gap again
    again = lines[snap].split(b" ", 1)[1]
    later = [("BTCUSDT", ts + 1 + k, ln.split(b" ", 1)[1])
             for k, ln in enumerate(lines[snap + 200:snap + 240])]
    gaps = lp.syncs["BTCUSDT"].stats.gap_count
    lp.process([("BTCUSDT", ts + 1, again), *later])
    st = status.streams[("binance-spot", "BTCUSDT")]
    assert st.snapshots == 2 and not lp.syncs["BTCUSDT"].synced
    assert lp.syncs["BTCUSDT"].stats.gap_count == gaps + 1
