"""The fast book replay ends where the event-object replay ends, to the lot and the count.

The reference is the loop every event consumer runs (:func:`replay_events` over the
objects of :func:`parse_file`), on files read in full: same final book (every level),
sync statistics, event count, bookTicker comparisons and disagreements, last bookTicker.
"""

from __future__ import annotations

import gzip

import pytest

from tests.conftest import BINANCE, BINANCE_SETS
from workbench.book import BboAgreement, BookSync
from workbench.data.binance.book_lines import book_lines
from workbench.data.binance.book_replay import replay_events, replay_lines
from workbench.data.binance.feed import group_streams, replay_book
from workbench.data.binance.instruments import SYNC_RULES
from workbench.data.binance.parse import parse_file, read_lines


def reference(paths, max_pending: int = 100_000):
    (key, files), = group_streams(paths).items()
    sync = BookSync(SYNC_RULES[key[0]], *key)
    agreement = BboAgreement(max_pending=max_pending)
    n, last = 0, None
    for path in files:
        for table in (t for t in parse_file(path)[0] if (t.venue, t.symbol) == key):
            count, bbo = replay_events(table.events(), sync, agreement)
            n, last = n + count, bbo or last
    return sync, agreement, n, last


def fast(paths, max_pending: int = 100_000):
    (key, files), = group_streams(paths).items()
    sync = BookSync(SYNC_RULES[key[0]], *key)
    agreement = BboAgreement(max_pending=max_pending)
    n, last = replay_lines([book_lines(read_lines(p), p, *key) for p in files], sync, agreement)
    return sync, agreement, n, last


def assert_same(a, b):
    (sa, aa, na, la), (sb, ab, nb, lb) = a, b
    assert na == nb and la == lb
    assert sa.stats == sb.stats and sa.synced == sb.synced
    assert sa.last_update_id == sb.last_update_id
    levels = sa.book.top(1 << 20)  # every level of both sides, not only the top
    assert [x.tolist() for x in levels] == [x.tolist() for x in sb.book.top(1 << 20)]
    assert aa.compared == ab.compared and aa.disagreements == ab.disagreements


@pytest.mark.parametrize("venue", ["spot", "usdm", "cm"])
def test_bundled_sample_replays_as_the_event_loop(sample_files, venue):
    paths = [p for p in sample_files if p.parent.name == venue]
    ref = reference(paths)
    assert ref[1].compared > 100  # the check has work to do on every venue
    assert_same(fast(paths), ref)
    result = replay_book(paths)
    assert result.events == ref[2] and result.agreement.compared == ref[1].compared


@pytest.mark.parametrize("name", ["usdm-btc-0718", "spot-btc"])
def test_recorded_days_across_files_replay_as_the_event_loop(binance_dir, name):
    paths = [BINANCE / f for f in BINANCE_SETS[name]]
    assert_same(fast(paths), reference(paths))


def test_pruned_pending_tops_fall_back_to_the_whole_stream(sample_files):
    """With room for few waiting bookTickers, pruning decides which get compared."""
    paths = [p for p in sample_files if p.parent.name == "usdm"]
    ref = reference(paths, max_pending=3)
    assert_same(fast(paths, max_pending=3), ref)
    assert ref[1].compared < reference(paths)[1].compared  # pruning did drop some


SNAP = b'%d {"lastUpdateId":%d,"E":5,"T":5,"bids":[["100.0","1.000"]],"asks":[["100.5","2.000"]]}'


def depth(ts, first, last, prev, bid=b"100.0", lots=b"3.000"):
    return (b'%d {"stream":"btcusdt@depth@0ms","data":{"e":"depthUpdate","E":%d,"T":%d,'
            b'"s":"BTCUSDT","U":%d,"u":%d,"pu":%d,"b":[["%s","%s"]],"a":[]}}'
            % (ts, ts, ts, first, last, prev, bid, lots))


def ticker(ts, u, bid=b"100.0", bid_lots=b"3.000", ask=b"100.5", ask_lots=b"2.000"):
    return (b'%d {"stream":"btcusdt@bookTicker","data":{"e":"bookTicker","u":%d,'
            b'"s":"BTCUSDT","b":"%s","B":"%s","a":"%s","A":"%s","T":%d,"E":%d}}'
            % (ts, u, bid, bid_lots, ask, ask_lots, ts, ts))


def trade(ts):
    return (b'%d {"stream":"btcusdt@trade","data":{"e":"trade","E":%d,"T":%d,"s":"BTCUSDT",'
            b'"t":7,"p":"100.0","q":"0.001","X":"MARKET","m":true}}' % (ts, ts, ts))


def write(path, lines):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(gzip.compress(b"\n".join(lines) + b"\n"))
    return path


def test_adversarial_stream_replays_as_the_event_loop(tmp_path):
    """Tickers before the sync, ahead of the book, behind it, on a repeated id and after
    a gap; diffs buffered across a file boundary; trades and other symbols' lines."""
    other = ticker(1, 11).replace(b"btcusdt@", b"ethusdt@").replace(b'"BTCUSDT"', b'"ETHUSDT"')
    first = write(tmp_path / "usdm/btcusdt_a.gz", [
        ticker(100, 11), depth(900, 5, 11, 4), SNAP % (1000, 10), ticker(1001, 11),
        ticker(1002, 13), ticker(1003, 13, bid_lots=b"4.000"), trade(1004), other,
        depth(1100, 12, 13, 11, lots=b"4.000"), ticker(1101, 12), depth(1200, 14, 15, 13),
        ticker(1201, 15, bid_lots=b"9.000"),
        depth(1300, 20, 25, 19),  # 16..19 lost: a gap
        ticker(1301, 27), depth(1400, 26, 27, 25, bid=b"99.5"),
    ])
    second = write(tmp_path / "usdm/btcusdt_b.gz", [
        ticker(2000, 27), SNAP % (2001, 26), ticker(2002, 28), depth(2100, 28, 28, 27),
        trade(2101), ticker(2102, 28),
    ])
    paths = [first, second]
    ref = reference(paths)
    assert ref[1].compared >= 3 and ref[1].disagreements  # the cases bite
    assert ref[0].stats.gap_count == 1
    assert_same(fast(paths), ref)


def test_a_line_ending_in_at_names_its_line(tmp_path):
    from workbench.core.errors import DataError

    path = write(tmp_path / "usdm/btcusdt_a.gz", [SNAP % (1000, 10), trade(1000), b"1001 x@"])
    with pytest.raises(DataError) as err:
        replay_book(path)
    assert err.value.line == 3


def test_a_ticker_without_its_id_names_its_line(tmp_path):
    from workbench.core.errors import DataError

    bad = ticker(1001, 11).replace(b'"u":11,', b"")
    path = write(tmp_path / "usdm/btcusdt_a.gz", [SNAP % (1000, 10), trade(1000), bad])
    with pytest.raises(DataError) as err:
        replay_book(path)
    assert err.value.line == 3
