"""The reader and book replay against the venue's own figures in the recorded data."""

from __future__ import annotations

import gzip
from decimal import Decimal

import numpy as np
import orjson
import pytest

from tests.conftest import BINANCE_SETS
from workbench.book import BboAgreement, BookSync
from workbench.core.events import BestBidOffer, BookDelta, BookSnapshot
from workbench.data.binance.feed import read_raw_feed, replay_book
from workbench.data.binance.instruments import SYNC_RULES, binance_instrument
from workbench.data.binance.parse import parse_file


def _raw_kind_counts(path) -> dict[str, int]:
    """Count message kinds straight from the raw lines, without our parser."""
    counts = {"delta": 0, "trade": 0, "bbo": 0, "snapshot": 0}
    with gzip.open(path, "rb") as fh:
        for line in fh:
            body = line.split(b" ", 1)[1]
            if body.startswith(b'{"lastUpdateId"'):
                counts["snapshot"] += 1
            else:
                stream = orjson.loads(body)["stream"]
                kind = stream.split("@")[1]
                counts[{"depth": "delta", "trade": "trade", "bookTicker": "bbo"}[kind]] += 1
    return {k: v for k, v in counts.items() if v}


@pytest.mark.parametrize("name", sorted(BINANCE_SETS))
def test_book_agrees_with_the_venues_bookticker(binance_dir, name):
    files = [binance_dir / f for f in BINANCE_SETS[name]]
    result = replay_book(files)
    assert result.synced and result.stats.gap_count == 0
    assert result.stats.crossed_updates == 0, "the book crossed after synchronisation"
    # Every bookTicker whose update id the book reached exactly agrees to the lot.
    assert result.agreement.compared > 500
    assert result.agreement.disagreements == []
    # At the end: the venue's last bookTicker, where the depth stream reached its id.
    bbo = result.last_bbo
    book = result.book
    if bbo.update_id <= _last_applied_id(files):
        assert book.best_bid() == (bbo.bid_ticks, bbo.bid_lots)
        assert book.best_ask() == (bbo.ask_ticks, bbo.ask_lots)
    else:  # the recorder's depth stream stopped before its bookTicker stream
        assert name in {"usdm-btc-0718", "usdm-eth-0718", "spot-eth"}


def _last_applied_id(files) -> int:
    last = None
    for f in files:
        for line in gzip.open(f, "rb"):
            if b"@depth" in line:
                last = line
    return orjson.loads(last.split(b" ", 1)[1])["data"]["u"]


@pytest.mark.parametrize("name", ["spot-btc", "usdm-btc-0808", "cm-btc"])
def test_never_crossed_at_any_point_after_sync(binance_dir, name):
    files = [binance_dir / f for f in BINANCE_SETS[name]]
    feed = read_raw_feed(files, workers=1)
    (key, table), = feed.streams.items()
    sync = BookSync(SYNC_RULES[key[0]], *key)
    checked = 0
    for event in table.events():
        if isinstance(event, BookDelta) and sync.on_delta(event):
            assert not sync.book.crossed
            bid, ask = sync.book.best_bid(), sync.book.best_ask()
            assert bid is not None and ask is not None and bid[0] < ask[0]
            checked += 1
        elif isinstance(event, BookSnapshot):
            before = sync.stats.deltas_applied
            sync.on_snapshot(event)  # also replays the diffs buffered before it
            assert sync.synced and not sync.book.crossed
            checked += sync.stats.deltas_applied - before
    assert checked == sync.stats.deltas_applied > 1000


@pytest.mark.parametrize("name", sorted(BINANCE_SETS))
def test_parse_counts_equal_raw_line_counts(binance_dir, name):
    for rel in BINANCE_SETS[name]:
        path = binance_dir / rel
        _, report = parse_file(path)
        assert report.by_kind == _raw_kind_counts(path)
        assert report.lines == sum(report.by_kind.values())
        assert not report.unknown_streams


def _reference_rows(path, inst):
    """Every (price, size) of a file, in row order, converted with Decimal arithmetic."""
    cache: dict[str, int] = {}

    def ticks(s):
        if s not in cache:
            v = Decimal(s) / inst.tick_size
            assert v == v.to_integral_value(), s
            cache[s] = int(v)
        return cache[s]

    lot_cache: dict[str, int] = {}

    def lots(s):
        if s not in lot_cache:
            v = Decimal(s) / inst.lot_size
            assert v == v.to_integral_value(), s
            lot_cache[s] = int(v)
        return lot_cache[s]

    prices, sizes = [], []
    with gzip.open(path, "rb") as fh:
        for line in fh:
            msg = orjson.loads(line.split(b" ", 1)[1])
            if "lastUpdateId" in msg:
                pairs = msg["bids"] + msg["asks"]
            else:
                d = msg["data"]
                kind = msg["stream"].split("@")[1]
                if kind == "depth":
                    pairs = d["b"] + d["a"] or [["0", "0"]]
                elif kind == "trade":
                    pairs = [[d["p"], d["q"]]]
                else:
                    pairs = [[d["b"], d["B"]], [d["a"], d["A"]]]
            for p, q in pairs:
                prices.append(ticks(p) if Decimal(p) else 0)
                sizes.append(lots(q))
    return np.array(prices), np.array(sizes)


@pytest.mark.parametrize("rel", sorted({f for fs in BINANCE_SETS.values() for f in fs}))
def test_tick_and_lot_conversion_is_exact_on_every_price_and_size(binance_dir, rel):
    path = binance_dir / rel
    (table,), _ = parse_file(path)
    inst = binance_instrument(table.venue, table.symbol)
    prices, sizes = _reference_rows(path, inst)
    assert np.array_equal(table.rows["price_ticks"], prices)
    assert np.array_equal(table.rows["size_lots"], sizes)
    # And back: ticks format to decimal strings that parse to the same ticks.
    for t in np.unique(prices[prices > 0])[:: max(1, len(prices) // 2000)].tolist():
        assert inst.price_to_ticks(inst.format_price(t)) == t


def test_coinm_sizes_stay_in_contracts(binance_dir):
    feed = read_raw_feed(binance_dir / "cm/btcusd_perp_20240808.gz", workers=1)
    table = feed.streams[("binance-coinm", "BTCUSD_PERP")]
    inst = binance_instrument("binance-coinm", "BTCUSD_PERP")
    assert inst.lot_size == 1 and inst.contract_value == 100
    first_trade = next(e for e in table.events() if type(e).__name__ == "Trade")
    assert inst.notional(first_trade.price_ticks, first_trade.size_lots) == (
        100.0 * first_trade.size_lots)


def test_day_split_across_files_equals_one_concatenated_file(binance_dir, tmp_path):
    files = [binance_dir / f for f in BINANCE_SETS["cm-eth"]]
    joined = tmp_path / "cm" / "ethusd_perp_joined.gz"
    joined.parent.mkdir()
    joined.write_bytes(gzip.compress(b"".join(gzip.open(f).read() for f in files)))
    split = replay_book(list(reversed(files)))  # order of the arguments must not matter
    whole = replay_book(joined)
    assert split.summary() == whole.summary()
    assert split.stats.deltas_applied == whole.stats.deltas_applied


def test_frame_and_events_agree(binance_dir):
    feed = read_raw_feed([binance_dir / "spot/btcusdt_20240808.gz"], workers=1)
    frame = feed.to_frame()
    events = list(feed.events())
    assert frame["msg"].nunique() == len(events) == feed.message_count
    bbo = [e for e in events if isinstance(e, BestBidOffer)]
    rows = frame[frame["kind"] == "bbo"]
    assert rows["price_ticks"].to_numpy()[0::2].tolist() == [e.bid_ticks for e in bbo]
    assert rows["size_lots"].to_numpy()[1::2].tolist() == [e.ask_lots for e in bbo]


def test_agreement_detects_a_wrong_book():
    """The bookTicker check is not vacuous: a book off by one lot is caught."""
    import numpy as np

    from workbench.book import BINANCE_FUTURES

    sync = BookSync(BINANCE_FUTURES)
    sync.on_snapshot(BookSnapshot(0, 0, "v", "S", np.array([100]), np.array([5]),
                                  np.array([101]), np.array([7]), 10))
    check = BboAgreement()
    check.on_bbo(BestBidOffer(0, 0, "v", "S", 100, 5, 101, 8, 10), sync)
    check.on_bbo(BestBidOffer(0, 0, "v", "S", 100, 5, 101, 7, 10), sync)
    assert check.compared == 2 and check.agreed == 1
