"""The local exchange's market data against ccxt and against the project's own book sync."""

from __future__ import annotations

import asyncio
from decimal import Decimal

import aiohttp
import numpy as np
import orjson
import pytest

from tests.testing.conftest import TIMEOUT_S, caught_up, wait_until
from workbench.book.sync import BINANCE_FUTURES, BINANCE_SPOT, BookSync
from workbench.core.events import BookDelta, BookSnapshot
from workbench.data.binance.feed import replay_book
from workbench.data.binance.instruments import COINM, SPOT, USDM, binance_instrument
from workbench.data.binance.parse import read_lines
from workbench.testing.exchange import LocalExchange, Recording, binance_client
from workbench.testing.exchange.recorded import Channel

MARKETS = {  # ccxt market type -> (ccxt symbol, venue, API path, depth stream name)
    "spot": ("BTC/USDT", SPOT, "/api/v3", "btcusdt@depth@100ms"),
    "linear": ("BTC/USDT:USDT", USDM, "/fapi/v1", "btcusdt@depth@0ms"),
    "inverse": ("BTC/USD:BTC", COINM, "/dapi/v1", "btcusd_perp@depth@0ms"),
}
#: Binance's symbol and the sample's directory of each market type.
RAW = {"spot": ("BTCUSDT", "spot"), "linear": ("BTCUSDT", "usdm"),
       "inverse": ("BTCUSD_PERP", "cm")}


def _levels(inst, side, n):
    """ccxt book side (float pairs) as integer (ticks, lots), best first."""
    return [(inst.price_to_ticks(p), inst.size_to_lots(q)) for p, q in side[:n]]


def _top(book, n):
    bid_t, bid_l, ask_t, ask_l = book.top(n)
    return (list(zip(bid_t.tolist(), bid_l.tolist())), list(zip(ask_t.tolist(), ask_l.tolist())))


def test_payloads_carry_the_ids_of_their_events(recording, short_files):
    """Each message's raw bytes are its own: the ids in the JSON are the parsed event's."""
    n = 0
    for m in recording.messages():
        d = orjson.loads(m.payload)
        e = m.event
        if m.channel is Channel.DEPTH:
            assert (d["U"], d["u"]) == (e.first_update_id, e.last_update_id)
            assert d.get("pu", -1) == e.prev_update_id
        elif m.channel is Channel.TRADE:
            assert d["t"] == e.trade_id
        elif m.channel is Channel.BOOK_TICKER:
            assert d["u"] == e.update_id
        else:
            assert d["lastUpdateId"] == e.last_update_id
        n += 1
    lines = sum(len(read_lines(p)) for p in short_files.values())
    assert n == lines > 10_000  # every line of the files is a message


@pytest.mark.parametrize("market", ["spot", "linear", "inverse"])
def test_load_markets_gives_the_recorded_grid(recording, market):
    symbol, venue, _, _ = MARKETS[market]
    raw = RAW[market][0]
    inst = binance_instrument(venue, raw)

    async def scenario():
        async with LocalExchange(recording, paused=True) as ex:
            client = binance_client(ex.urls.rest, market, pro=False, enableRateLimit=False)
            try:
                markets = await client.load_markets()
            finally:
                await client.close()
        return markets

    markets = asyncio.run(scenario())
    assert list(markets) == [symbol]
    m = markets[symbol]
    assert Decimal(str(m["precision"]["price"])) == inst.tick_size
    if market == "spot":
        assert m["spot"] and Decimal(str(m["precision"]["amount"])) == Decimal("0.00001")
        assert m["limits"]["cost"]["min"] == 5
    elif market == "linear":
        assert m["swap"] and m["linear"] and m["settle"] == "USDT"
        assert Decimal(str(m["precision"]["amount"])) == inst.lot_size
    else:  # a COIN-M contract is worth 100 USD and is settled in BTC
        assert m["swap"] and m["inverse"] and m["settle"] == "BTC"
        assert Decimal(str(m["contractSize"])) == inst.contract_value == 100
        assert Decimal(str(m["precision"]["amount"])) == inst.lot_size == 1


@pytest.mark.parametrize("market", ["spot", "linear", "inverse"])
def test_watch_order_book_follows_to_the_book_replay_result(recording, short_files, market):
    """ccxt's own sync over our streams ends where ``workbench book-replay`` ends, and is
    equal to the exchange's book whenever it has caught up."""
    symbol, venue, _, _ = MARKETS[market]
    raw = RAW[market][0]
    inst = binance_instrument(venue, raw)
    reference = replay_book(short_files[RAW[market][1]])
    checks = []

    async def scenario():
        async with LocalExchange(recording, paused=True) as ex:
            client = binance_client(ex.urls.rest, market, enableRateLimit=False)
            try:
                await client.load_markets()
                book = await client.watch_order_book(symbol)
                checks.append((_levels(inst, book["bids"], 50), _levels(inst, book["asks"], 50),
                               _top(ex.book(venue, raw), 50), book["nonce"],
                               ex.last_update_id(venue, raw)))
                ex.replay.resume()
                await asyncio.wait_for(ex.replay.wait_ended(), TIMEOUT_S)
                book = await caught_up(client, symbol, ex, venue, raw)
                return _levels(inst, book["bids"], 100), _levels(inst, book["asks"], 100)
            finally:
                await client.close()

    bids, asks = asyncio.run(scenario())
    (first_bids, first_asks, (server_bids, server_asks), nonce, server_id), = checks
    assert nonce == server_id and (first_bids, first_asks) == (server_bids, server_asks)
    assert (bids, asks) == _top(reference.book, 100)
    assert reference.stats.gap_count == 0


def _event(d: dict, inst, venue: str) -> BookDelta | BookSnapshot:
    """A websocket diff or REST snapshot as the project's event, exactly on the grid."""
    def side(levels):
        return (np.array([inst.price_to_ticks(p) for p, _ in levels], dtype=np.int64),
                np.array([inst.size_to_lots(q) for _, q in levels], dtype=np.int64))
    if "lastUpdateId" in d:
        return BookSnapshot(0, 0, venue, inst.symbol, *side(d["bids"]), *side(d["asks"]),
                            d["lastUpdateId"])
    return BookDelta(0, 0, venue, inst.symbol, *side(d["b"]), *side(d["a"]), d["U"], d["u"],
                     d.get("pu", -1))


@pytest.mark.parametrize("market", ["spot", "linear", "inverse"])
@pytest.mark.parametrize("paused", [True, False], ids=["paused", "running"])
def test_snapshot_and_diffs_sync_under_binance_rules(recording, market, paused):
    """A native client (raw socket, REST snapshot, the project's BookSync with Binance's
    strict rules) syncs without a gap and holds the exchange's book."""
    _, venue, path, stream = MARKETS[market]
    raw = RAW[market][0]
    inst = binance_instrument(venue, raw)
    sync = BookSync(BINANCE_SPOT if market == "spot" else BINANCE_FUTURES, venue, raw)

    async def scenario():
        async with LocalExchange(recording, paused=paused, speed=20.0) as ex, \
                aiohttp.ClientSession() as http:
            base = {"spot": ex.urls.spot_stream, "linear": ex.urls.usdm_stream,
                    "inverse": ex.urls.coinm_stream}[market]
            async with http.ws_connect(f"{base}/ws/{stream}") as ws:
                await wait_until(lambda: ex.streams.matching(symbol=raw))
                async with http.get(f"{ex.urls.rest}{path}/depth",
                                    params={"symbol": raw, "limit": 1000}) as resp:
                    assert resp.status == 200
                    sync.on_snapshot(_event(await resp.json(), inst, venue))
                ex.replay.resume()
                applied = 0
                while applied < 200:
                    msg = await asyncio.wait_for(ws.receive(), TIMEOUT_S)
                    applied += sync.on_delta(_event(orjson.loads(msg.data), inst, venue))
                    assert sync.synced, sync.stats.gaps
                ex.replay.pause()
                await wait_until(lambda: ex.streams.matching()[0].queue.empty())
                while sync.last_update_id != ex.last_update_id(venue, raw):
                    msg = await asyncio.wait_for(ws.receive(), TIMEOUT_S)
                    sync.on_delta(_event(orjson.loads(msg.data), inst, venue))
                return _top(ex.book(venue, raw), 200)

    server = asyncio.run(scenario())
    assert sync.stats.gap_count == 0 and sync.synced
    assert _top(sync.book, 200) == server


@pytest.mark.parametrize("market", ["spot", "linear", "inverse"])
def test_watch_trades_gets_the_recorded_trades_in_order(recording, market):
    symbol, venue, _, _ = MARKETS[market]
    raw = RAW[market][0]
    inst = binance_instrument(venue, raw)
    recorded = [(m.event.trade_id, m.event.price_ticks, m.event.size_lots)
                for m in recording.messages()
                if m.channel is Channel.TRADE and m.venue == venue]

    async def scenario():
        async with LocalExchange(recording, paused=True) as ex:
            client = binance_client(ex.urls.rest, market, enableRateLimit=False)
            try:
                await client.load_markets()
                task = asyncio.ensure_future(client.watch_trades(symbol))
                await wait_until(lambda: ex.streams.matching(symbol=raw))
                ex.replay.resume()
                await asyncio.wait_for(task, TIMEOUT_S)
                # watch_trades resolves on the message after the call; every trade parsed
                # is in ccxt's cache (its last 1000).
                await wait_until(lambda: int(client.trades[symbol][-1]["id"]) == recorded[-1][0])
                return [(int(t["id"]), inst.price_to_ticks(t["price"]),
                         inst.size_to_lots(t["amount"])) for t in client.trades[symbol]]
            finally:
                await client.close()

    got = asyncio.run(scenario())
    assert len(got) > 100  # those replayed before every book had its snapshot are not sent
    assert got == recorded[-len(got):]


@pytest.mark.parametrize("market", ["spot", "linear", "inverse"])
def test_fetch_order_book_is_the_exchange_book_at_its_update_id(recording, market):
    symbol, venue, _, _ = MARKETS[market]
    raw = RAW[market][0]
    inst = binance_instrument(venue, raw)

    async def scenario():
        async with LocalExchange(recording, paused=True) as ex:
            client = binance_client(ex.urls.rest, market, pro=False, enableRateLimit=False)
            try:
                await client.load_markets()
                before = ex.replay.replayed
                book = await client.fetch_order_book(symbol, limit=100)
                return (book["nonce"], _levels(inst, book["bids"], 100),
                        _levels(inst, book["asks"], 100), ex.last_update_id(venue, raw),
                        _top(ex.book(venue, raw), 100), ex.replay.replayed - before)
            finally:
                await client.close()

    nonce, bids, asks, server_id, server_top, advanced = asyncio.run(scenario())
    assert nonce == server_id and (bids, asks) == server_top and len(bids) == 100
    # Spot answers at once; USD-M advances a paused replay to the symbol's next diff.
    assert (advanced == 0) if market == "spot" else (advanced >= 1)


def test_watch_bids_asks_gets_the_recorded_book_ticker(recording):
    inst = binance_instrument(SPOT, "BTCUSDT")
    recorded = {m.event.update_id: m.event for m in recording.messages()
                if m.channel is Channel.BOOK_TICKER and m.venue == SPOT}

    async def scenario():
        async with LocalExchange(recording, paused=True) as ex:
            client = binance_client(ex.urls.rest, "spot", enableRateLimit=False)
            try:
                await client.load_markets()
                task = asyncio.ensure_future(client.watch_bids_asks(["BTC/USDT"]))
                await wait_until(lambda: ex.streams.matching(symbol="BTCUSDT"))
                ex.replay.resume()
                tickers = await asyncio.wait_for(task, TIMEOUT_S)
                return tickers["BTC/USDT"]
            finally:
                await client.close()

    t = asyncio.run(scenario())
    venue = recorded[int(t["info"]["u"])]
    assert (inst.price_to_ticks(t["bid"]), inst.size_to_lots(t["bidVolume"]),
            inst.price_to_ticks(t["ask"]), inst.size_to_lots(t["askVolume"])) == \
        (venue.bid_ticks, venue.bid_lots, venue.ask_ticks, venue.ask_lots)


def test_frames_of_every_length_class_arrive_intact(recording):
    """The sender writes websocket frames itself (7-bit, 16-bit and 64-bit lengths)."""
    texts = ["a" * 10, "b" * 125, "c" * 126, "d" * 300, "e" * 65_535, "f" * 70_000]

    async def scenario():
        async with LocalExchange(recording, paused=True) as ex, \
                aiohttp.ClientSession() as http:
            async with http.ws_connect(f"{ex.urls.spot_stream}/ws/btcusdt@trade") as ws:
                await wait_until(lambda: ex.streams.matching(api="spot"))
                for text in texts:
                    assert ex.faults.send_malformed("market", api="spot", text=text) == 1
                return [(await asyncio.wait_for(ws.receive(), TIMEOUT_S)).data for _ in texts]

    assert asyncio.run(scenario()) == texts


def test_a_recording_can_be_cut_to_channels(recording, short_files):
    depth_only = Recording(list(short_files.values()), channels=["depth"])
    kept = [(m.venue, m.channel, m.local_ts_ns) for m in depth_only.messages()]
    expected = [(m.venue, m.channel, m.local_ts_ns) for m in recording.messages()
                if m.channel in (Channel.DEPTH, Channel.SNAPSHOT)]
    assert kept == expected and len(kept) > 500
