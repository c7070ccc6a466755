"""Malformed files and streams: a clear error naming file and line, or a flagged gap."""

from __future__ import annotations

import gzip

import numpy as np
import pytest

from workbench.cli import main
from workbench.core.errors import DataError
from workbench.data.binance.feed import read_raw_feed, replay_book
from workbench.data.binance.parse import parse_file

SNAP = b'1000 {"lastUpdateId":10,"E":5,"T":5,"bids":[["100.0","1.000"]],"asks":[["100.1","2.000"]]}'


def depth(ts, first, last, prev, bids=b'[["100.0","3.000"]]', asks=b"[]"):
    return (b'%d {"stream":"btcusdt@depth@0ms","data":{"e":"depthUpdate","E":%d,"T":%d,'
            b'"s":"BTCUSDT","U":%d,"u":%d,"pu":%d,"b":%s,"a":%s}}'
            % (ts, ts, ts, first, last, prev, bids, asks))


def trade(ts, price=b"100.0", qty=b"0.001"):
    return (b'%d {"stream":"btcusdt@trade","data":{"e":"trade","E":%d,"T":%d,"s":"BTCUSDT",'
            b'"t":7,"p":"%s","q":"%s","X":"MARKET","m":true}}' % (ts, ts, ts, price, qty))


def write(tmp_path, lines, name="usdm/btcusdt_test.gz"):
    path = tmp_path / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(gzip.compress(b"\n".join(lines) + b"\n"))
    return path


def test_well_formed_synthetic_file_replays(tmp_path):
    path = write(tmp_path, [depth(900, 5, 11, 4), SNAP, depth(1100, 12, 13, 11), trade(1200)])
    result = replay_book(path)
    assert result.synced and result.book.best_bid() == (1000, 3000)
    assert result.book.best_ask() == (1001, 2000)


def test_truncated_gzip_names_the_file(tmp_path):
    path = write(tmp_path, [SNAP, depth(1100, 10, 12, 9)])
    path.write_bytes(path.read_bytes()[:-12])
    with pytest.raises(DataError, match="truncated") as err:
        parse_file(path)
    assert str(path) in str(err.value)


def test_corrupt_gzip_names_the_file(tmp_path):
    path = write(tmp_path, [SNAP] * 50)
    raw = bytearray(path.read_bytes())
    raw[30:40] = b"\xff" * 10
    path.write_bytes(bytes(raw))
    with pytest.raises(DataError) as err:
        parse_file(path)
    assert str(path) in str(err.value)


@pytest.mark.parametrize("bad", [
    b'1100 {"stream":"btcusdt@trade","data":{"e":"trade",',       # cut JSON
    b'abc {"stream":"btcusdt@trade","data":{}}',                   # no timestamp
    b'1100 {"stream":"btcusdt@trade","data":{"p":"1","q":"1"}}',   # missing fields
    b"1100 <html>",                                                # not JSON at all
])
def test_malformed_line_names_file_and_line(tmp_path, bad):
    path = write(tmp_path, [SNAP, trade(1050), bad, trade(1200)])
    with pytest.raises(DataError) as err:
        parse_file(path)
    assert err.value.line == 3 and err.value.path == str(path)
    assert f"{path}:3:" in str(err.value)


@pytest.mark.parametrize("price,qty", [(b"abc", b"0.001"), (b"-100.0", b"0.001"),
                                       (b"100.05", b"0.001"), (b"100.0", b"-0.001"),
                                       (b"NaN", b"0.001"), (b"0", b"0.001"),
                                       (b"true", b"0.001"), (b"100.0", b"null"),
                                       (b"100.0,1", b"0.001"), (b"1e", b"0.001")])
def test_bad_numbers_name_file_and_line(tmp_path, price, qty):
    path = write(tmp_path, [SNAP, trade(1050), trade(1100, price, qty), trade(1200)])
    with pytest.raises(DataError) as err:
        parse_file(path)
    assert err.value.line == 3


@pytest.mark.parametrize("form", [b"+100.0", b"100.", b"0100.0", b"1.0e2", b"100"])
def test_decimal_forms_json_does_not_allow_still_parse(tmp_path, form):
    path = write(tmp_path, [SNAP, depth(1100, 10, 12, 9, bids=b'[["%s","3.000"]]' % form)])
    assert replay_book(path).book.best_bid() == (1000, 3000)


def test_levels_past_one_read_chunk_are_all_read_in_order(tmp_path):
    from workbench.data.binance import parse

    rng = np.random.default_rng(7)
    n = 2 * parse._CHUNK_BYTES // 20  # two chunks and more of "price","size" pairs
    ticks, lots = rng.integers(1, 10**7, n), rng.integers(1, 10**9, n)
    pairs = b",".join(b'["%d.%d","%d.%03d"]' % (t // 10, t % 10, q // 1000, q % 1000)
                      for t, q in zip(ticks.tolist(), lots.tolist(), strict=True))
    path = write(tmp_path, [SNAP, depth(1100, 10, 12, 9, bids=b"[" + pairs + b"]")])
    (table,), _ = parse_file(path)
    rows = table.rows
    bid = rows["side"] == 1
    assert bid.sum() == n + 1  # the snapshot's level and the diff's
    np.testing.assert_array_equal(rows["price_ticks"][bid][1:], ticks)
    np.testing.assert_array_equal(rows["size_lots"][bid][1:], lots)


def test_numbers_are_the_doubles_float_gives():
    from workbench.data.binance import parse

    rng = np.random.default_rng(11)
    mantissa = rng.integers(0, 10**17, 50_000, dtype=np.int64).tolist()
    places = rng.integers(0, 16, 50_000).tolist()
    text = [str(m) if not d else f"{m // 10**d}.{m % 10**d:0{d}d}"
            for m, d in zip(mantissa, places, strict=True)]
    text += ["0.30000000000000004", "9007199254740993", "2.2250738585072014e-308"]
    blob = ",".join(text).encode()
    got = parse._parse_json(blob, len(text))
    assert got is not None
    assert got.tolist() == [float(t) for t in text]


def test_bad_level_in_a_depth_diff_names_its_line(tmp_path):
    lines = [SNAP, depth(1100, 10, 12, 9), depth(1200, 13, 14, 12, bids=b'[["100.0","x"]]')]
    with pytest.raises(DataError) as err:
        parse_file(write(tmp_path, lines))
    assert err.value.line == 3


def test_sequence_gap_is_counted_flagged_and_resynchronised(tmp_path):
    later_snap = SNAP.replace(b"1000 ", b"1500 ").replace(b'"lastUpdateId":10',
                                                           b'"lastUpdateId":30')
    lines = [SNAP, depth(1100, 10, 12, 9), depth(1200, 20, 25, 19),  # 13..19 lost
             later_snap, depth(1600, 30, 31, 25, bids=b'[["99.0","1.000"]]')]
    result = replay_book(write(tmp_path, lines))
    assert result.stats.gap_count == 1
    assert result.synced  # the later snapshot resynchronised it
    assert result.book.best_bid() == (1000, 1000)  # from the new snapshot, not the old diffs
    assert result.book.size_at(True, 990) == 1000


def test_unrecovered_gap_leaves_the_book_flagged_and_empty(tmp_path):
    lines = [SNAP, depth(1100, 10, 12, 9), depth(1200, 20, 25, 19)]
    result = replay_book(write(tmp_path, lines))
    assert result.stats.gap_count == 1 and not result.synced
    assert result.book.best_bid() is None and result.summary()["synced"] is False


def test_snapshot_older_than_the_diffs_is_reported(tmp_path):
    lines = [depth(900, 40, 50, 39), SNAP, depth(1100, 51, 52, 50)]
    result = replay_book(write(tmp_path, lines))
    assert not result.synced
    assert result.stats.gaps[0].reason == "snapshot older than the diffs"


def test_unknown_stream_is_counted_and_reported(tmp_path):
    agg = b'1100 {"stream":"btcusdt@aggTrade","data":{"e":"aggTrade"}}'
    path = write(tmp_path, [SNAP, trade(1050), agg, agg])
    _, report = parse_file(path)
    assert report.unknown_streams == {"aggTrade": 2} and report.first_unknown_line == 3
    assert read_raw_feed(path, workers=1).reports[0].unknown_streams == {"aggTrade": 2}


def test_unknown_instrument_asks_for_its_grid(tmp_path):
    line = trade(1000).replace(b"btcusdt@", b"dogeusdt@").replace(b'"BTCUSDT"', b'"DOGEUSDT"')
    with pytest.raises(DataError, match="instruments="):
        parse_file(write(tmp_path, [line]))


def test_cli_reports_errors_without_a_traceback(tmp_path, capsys):
    path = write(tmp_path, [SNAP, trade(1050), b"1100 {broken"])
    assert main(["book-replay", str(path), "--json"]) == 2
    err = capsys.readouterr().err
    assert f"{path}:3:" in err and "Traceback" not in err
