"""ccxt's books through the recording sides: our deltas rebuild ccxt's book exactly, and
each costs the levels the message touched, not the book."""

from __future__ import annotations

import asyncio
import itertools

import numpy as np
import orjson
import pytest

from workbench.book.sync import BINANCE_FUTURES, BINANCE_SPOT, BookSync
from workbench.connectors.ccxt_book import (
    BookConverter,
    TickerConverter,
    TradeConverter,
    gap_marker,
)
from workbench.connectors.instruments import listing
from workbench.connectors.registry import make_exchange
from workbench.core.errors import ValidationError
from workbench.core.events import BookDelta, BookSnapshot, Side
from workbench.data.binance.feed import replay_book
from workbench.data.binance.instruments import KNOWN
from workbench.data.binance.parse import read_lines

SPOT_MARKET = {
    "id": "BTCUSDT", "symbol": "BTC/USDT", "base": "BTC", "quote": "USDT", "type": "spot",
    "spot": True, "linear": None, "inverse": None, "contractSize": None,
    "maker": 0.001, "taker": 0.001,
    "precision": {"price": 0.01, "amount": 1e-05, "base": 1e-08},
}


class FakeClient:
    """What ccxt's handlers touch of a websocket client."""

    url = "ws://127.0.0.1/stream"

    def __init__(self):
        self.subscriptions, self.resolved, self.rejected = {}, [], []

    def resolve(self, result, message_hash):
        self.resolved.append(message_hash)

    def reject(self, error, message_hash=None):
        self.rejected.append(error)


def _spot_exchange():
    exchange = make_exchange("binance")
    exchange.set_markets([SPOT_MARKET])
    return exchange


def _sample_lines(sample_files, kind):
    path = next(p for p in sample_files if p.parent.name == kind)
    return path, read_lines(path)


def _ccxt_book_levels(side):
    return [(lv[0], lv[1]) for lv in side]


def _our_levels(book, inst, bids):
    n = book.bid_levels if bids else book.ask_levels
    t, q, at, aq = book.top(n)
    ticks, lots = (t, q) if bids else (at, aq)
    return [(float(inst.ticks_to_decimal(int(a))), float(inst.lots_to_decimal(int(b))))
            for a, b in zip(ticks, lots)]


def test_deltas_rebuild_ccxts_book_from_the_recorded_spot_feed(sample_files):
    """ccxt applies the recorded Binance diffs by its own rules; our deltas, applied by
    our BookSync, give the same book after every message and the same final book as our
    replay of the raw file."""
    exchange = _spot_exchange()
    path, lines = _sample_lines(sample_files, "spot")
    client = FakeClient()
    book = exchange.order_book({}, 5000)  # as ccxt's subscription handler makes it
    book["nonce"], book.cache = None, []
    exchange.orderbooks["BTC/USDT"] = book
    lst = listing("binance", SPOT_MARKET, grids=KNOWN)
    inst = lst.instrument
    conv = BookConverter(lst, BINANCE_SPOT)
    sync = BookSync(BINANCE_SPOT, *inst.key)
    sizes = []
    for i, line in enumerate(lines):
        ts, body = line.split(b" ", 1)
        msg = orjson.loads(body)
        if "lastUpdateId" in msg:  # ccxt's own snapshot step, with the recorded snapshot
            parsed = exchange.parse_order_book(msg, "BTC/USDT")
            parsed["nonce"] = msg["lastUpdateId"]

            async def rest(*args, parsed=parsed, **kwargs):
                return parsed

            exchange.fetch_rest_order_book_safe = rest
            asyncio.run(exchange.fetch_order_book_snapshot(
                client, None, {"symbol": "BTC/USDT", "type": "spot", "limit": 5000,
                               "params": {}}))
        elif msg["stream"].endswith("@depth@100ms"):
            d = msg["data"]
            exchange.handle_order_book(client, d)
        else:
            continue
        if exchange.orderbooks["BTC/USDT"]["nonce"] is None:
            continue
        event = conv.on_book(exchange.orderbooks["BTC/USDT"], int(ts))
        if event is None:
            continue
        if isinstance(event, BookSnapshot):
            assert sync.on_snapshot(event)
        else:
            assert sync.on_delta(event)
            touched = {p for p, _ in d["b"]}, {p for p, _ in d["a"]}
            sizes.append((len(event.bid_ticks) + len(event.ask_ticks),
                          len(touched[0]) + len(touched[1])))
        if i % 97 == 0:  # the whole book, now and then
            ob = exchange.orderbooks["BTC/USDT"]
            assert _our_levels(sync.book, inst, True) == _ccxt_book_levels(ob["bids"])
            assert _our_levels(sync.book, inst, False) == _ccxt_book_levels(ob["asks"])
    assert not client.rejected and sync.synced and len(sizes) > 1000
    # each delta carries the levels its message touched: O(changed), not O(book)
    assert all(n == touched for n, touched in sizes)
    assert max(n for n, _ in sizes) < sync.book.bid_levels
    replay = replay_book(path)
    assert sync.book.top(50)[0].tolist() == replay.book.top(50)[0].tolist()
    assert sync.book.top(50)[3].tolist() == replay.book.top(50)[3].tolist()


@pytest.mark.parametrize("rule", [BINANCE_SPOT, BINANCE_FUTURES])
def test_numbering_satisfies_the_venues_rule_and_markers_break_it(rule):
    exchange = _spot_exchange()
    lst = listing("binance", SPOT_MARKET, grids=KNOWN)
    conv = BookConverter(lst, rule)
    sync = BookSync(rule, *lst.key)
    book = exchange.order_book({}, 100)
    book.reset({"bids": [[100.0, 1.0]], "asks": [[101.0, 2.0]]})
    assert sync.on_snapshot(conv.on_book(book, 1))
    book["bids"].store(100.5, 0.5)
    assert sync.on_delta(conv.on_book(book, 2))
    assert conv.on_book(book, 3) is None  # nothing changed since
    book["asks"].store(101.0, 0.0)
    assert sync.on_delta(conv.on_book(book, 4))
    assert sync.book.best_ask() is None and sync.book.best_bid() == (10050, 500000)
    assert not sync.on_delta(conv.gap(5)) and not sync.synced and not conv.synced
    book["bids"].store(99.0, 3.0)
    snap = conv.on_book(book, 6)
    assert isinstance(snap, BookSnapshot)  # after a gap, the whole book again
    assert sync.on_snapshot(snap) and sync.synced
    book["bids"].store(99.0, 0.0)
    delta = conv.on_book(book, 7)
    assert isinstance(delta, BookDelta) and sync.on_delta(delta)
    assert sync.book.best_bid() == (10050, 500000) and sync.stats.gap_count == 1


def test_a_marker_before_any_snapshot_is_dropped_as_stale():
    sync = BookSync(BINANCE_FUTURES, "v", "S")
    sync.on_delta(gap_marker("v", "S", 1))
    empty = np.zeros(0, dtype=np.int64)
    snap = BookSnapshot(0, 2, "v", "S", np.array([10]), np.array([1]), empty, empty, 0)
    assert sync.on_snapshot(snap) and sync.synced and sync.stats.deltas_stale == 1


def test_off_grid_levels_raise_and_wait_for_a_snapshot():
    exchange = _spot_exchange()
    lst = listing("binance", SPOT_MARKET, grids=KNOWN)
    conv = BookConverter(lst)
    book = exchange.order_book({}, 100)
    book.reset({"bids": [[100.0, 1.0]], "asks": [[101.0, 2.0]]})
    conv.on_book(book, 1)
    book["bids"].store(100.005, 1.0)
    with pytest.raises(ValidationError, match="grid"):
        conv.on_book(book, 2)
    assert not conv.synced


def test_a_book_ccxt_did_not_record_is_compared_whole():
    """A REST poll: the first is a snapshot, then only what differs."""
    lst = listing("binance", SPOT_MARKET, grids=KNOWN)
    conv = BookConverter(lst)
    first = conv.on_book({"bids": [[100.0, 1.0], [99.0, 1.0]], "asks": [[101.0, 2.0]],
                          "timestamp": 5}, 1)
    assert isinstance(first, BookSnapshot) and first.exch_ts_ns == 5_000_000
    delta = conv.on_book({"bids": [[100.0, 1.5]], "asks": [[101.0, 2.0]], "timestamp": 6}, 2)
    assert delta.bid_ticks.tolist() == [10000, 9900] and delta.bid_lots.tolist() == [1500000, 0]
    assert len(delta.ask_ticks) == 0 and conv.full_compares == 2


def test_trades_and_tickers():
    lst = listing("binance", SPOT_MARKET, grids=KNOWN)
    trades = TradeConverter(lst)
    t = trades.on_trade({"id": "3735683259", "price": 61837.63, "amount": 0.02, "side": "sell",
                         "timestamp": 1723161255342}, 9)
    assert (t.price_ticks, t.size_lots, t.aggressor, t.trade_id) == (6183763, 20000, Side.SELL,
                                                                     3735683259)
    assert t.exch_ts_ns == 1723161255342 * 1_000_000 and t.local_ts_ns == 9
    with pytest.raises(ValidationError, match="taker side"):
        trades.on_trade({"id": "1", "price": 1.0, "amount": 1.0, "side": None}, 1)
    tickers = TickerConverter(lst)
    b = tickers.on_ticker({"bid": 61837.63, "bidVolume": 3.78826, "ask": 61837.64,
                           "askVolume": 1.54698, "timestamp": None}, 3)
    assert (b.bid_ticks, b.bid_lots, b.ask_ticks, b.ask_lots) == (6183763, 3788260, 6183764,
                                                                  1546980)
    assert tickers.on_ticker({"bid": None, "ask": 1.0}, 4) is None


def test_only_the_touched_levels_are_read():
    """A deep book, one level changed: the delta has one level (the cost claim)."""
    exchange = _spot_exchange()
    lst = listing("binance", SPOT_MARKET, grids=KNOWN)
    conv = BookConverter(lst)
    book = exchange.order_book({}, None)
    book.reset({"bids": [[100.0 - i * 0.01, 1.0] for i in range(5000)],
                "asks": [[101.0 + i * 0.01, 1.0] for i in range(5000)]})
    conv.on_book(book, 1)
    for k in itertools.islice(itertools.count(), 50):
        book["asks"].store(101.0 + k * 0.01, 2.0)
        d = conv.on_book(book, 2 + k)
        assert len(d.ask_ticks) == 1 and len(d.bid_ticks) == 0
