"""Public REST endpoints of the local exchange: time, exchangeInfo, depth, trades, tickers.

Spot under ``/api/v3``, USD-M under ``/fapi/v1``, COIN-M under ``/dapi/v1``, answered as
Binance does. The depth snapshot is the exchange's own book: on spot at once (the next
diff continues it, ``U == lastUpdateId + 1``), on the futures just after the next diff of
that symbol is published (Binance's futures rule wants the first diff to contain the
snapshot's id).
"""

from __future__ import annotations

from collections import deque
from decimal import Decimal
from typing import TYPE_CHECKING

import orjson
from aiohttp import web

from workbench.core.instruments import Instrument
from workbench.testing.exchange.errors import DISCONNECTED, BinanceError, bad_symbol
from workbench.testing.exchange.http import api_of, int_param, json_response, require
from workbench.testing.exchange.limits import depth_weight, request_weight
from workbench.testing.exchange.recorded import Channel, RecordedMessage
from workbench.testing.exchange.replay import DepthSnapshot
from workbench.testing.exchange.specs import FUTURES_APIS, MarketSpec, exchange_info

if TYPE_CHECKING:
    from workbench.testing.exchange.server import LocalExchange

#: Recent public trades kept per stream for ``/trades``.
RECENT_TRADES = 1000
_MS = 1_000_000


def format_levels(inst: Instrument, ticks, lots) -> list[list[str]]:
    """``[[price, size], ...]`` as decimal strings."""
    fp, fs = inst.format_price, inst.format_size
    return [[fp(t), fs(q)] for t, q in zip(ticks.tolist(), lots.tolist())]


def depth_body(spec: MarketSpec, snap: DepthSnapshot, server_ms: int) -> dict:
    """The depth answer of one API family."""
    inst = spec.instrument
    body: dict = {"lastUpdateId": snap.last_update_id}
    if spec.api in FUTURES_APIS:
        body["E"] = server_ms
        body["T"] = snap.exch_ts_ns // _MS
    if spec.api == "coinm":
        body["symbol"] = inst.symbol
        body["pair"] = spec.pair
    body["bids"] = format_levels(inst, snap.bid_ticks, snap.bid_lots)
    body["asks"] = format_levels(inst, snap.ask_ticks, snap.ask_lots)
    return body


class PublicApi:
    """The public endpoints, over one exchange's books and recording."""

    def __init__(self, exchange: LocalExchange) -> None:
        self.ex = exchange
        self._trades: dict[tuple[str, str], deque[bytes]] = {}

    def routes(self) -> list[web.RouteDef]:
        """The aiohttp routes served."""
        out = []
        for prefix in ("/api/v3", "/fapi/v1", "/dapi/v1"):
            out += [web.get(f"{prefix}/ping", self.ping), web.get(f"{prefix}/time", self.time),
                    web.get(f"{prefix}/exchangeInfo", self.exchange_info),
                    web.get(f"{prefix}/depth", self.depth),
                    web.get(f"{prefix}/trades", self.trades),
                    web.get(f"{prefix}/ticker/bookTicker", self.book_ticker)]
        return out

    def on_message(self, message: RecordedMessage) -> None:
        """Keep recent trades of each stream (called for every replayed message)."""
        if message.channel is Channel.TRADE:
            key = (message.venue, message.symbol)
            recent = self._trades.get(key)
            if recent is None:
                recent = self._trades[key] = deque(maxlen=RECENT_TRADES)
            recent.append(message.payload)

    async def ping(self, request: web.Request) -> web.Response:
        self.ex.charge(request, request_weight(api_of(request), request.path))
        return json_response({})

    async def time(self, request: web.Request) -> web.Response:
        self.ex.charge(request, request_weight(api_of(request), request.path))
        return json_response({"serverTime": self.ex.server_time_ms()})

    async def exchange_info(self, request: web.Request) -> web.Response:
        api = api_of(request)
        self.ex.charge(request, request_weight(api, request.path))
        return json_response(exchange_info(api, self.ex.specs, self.ex.server_time_ms()))

    async def depth(self, request: web.Request) -> web.Response:
        api = api_of(request)
        params = request.query
        spec = self.ex.spec(api, require(params, "symbol"))
        limit = int_param(params, "limit", 100 if api == "spot" else 500)
        limit = min(max(limit, 1), 5000 if api == "spot" else 1000)
        self.ex.charge(request, depth_weight(api, limit))
        key = spec.instrument.key
        replay = self.ex.replay
        if not replay.sync(key).synced:
            raise BinanceError(DISCONNECTED, "Internal error; unable to process your request. "
                               "Please try again.", status=503)
        snap = (await replay.after_next_depth(key, limit) if api in FUTURES_APIS
                else replay.snapshot(key, limit))
        return json_response(depth_body(spec, snap, self.ex.server_time_ms()))

    async def trades(self, request: web.Request) -> web.Response:
        api = api_of(request)
        params = request.query
        spec = self.ex.spec(api, require(params, "symbol"))
        limit = min(max(int_param(params, "limit", 500), 1), 1000)
        self.ex.charge(request, request_weight(api, request.path))
        recent = list(self._trades.get(spec.instrument.key, ()))[-limit:]
        return json_response([_rest_trade(orjson.loads(p)) for p in recent])

    async def book_ticker(self, request: web.Request) -> web.Response:
        api = api_of(request)
        spec = self.ex.spec(api, require(request.query, "symbol"))
        self.ex.charge(request, request_weight(api, request.path))
        inst = spec.instrument
        book = self.ex.replay.sync(inst.key).book
        bid, ask = book.best_bid(), book.best_ask()
        if bid is None or ask is None:
            raise bad_symbol()
        body = {"symbol": inst.symbol, "bidPrice": inst.format_price(bid[0]),
                "bidQty": inst.format_size(bid[1]), "askPrice": inst.format_price(ask[0]),
                "askQty": inst.format_size(ask[1])}
        if api in FUTURES_APIS:
            body["time"] = self.ex.server_time_ms()
        if api == "coinm":  # COIN-M answers a list, with the pair, even for one symbol
            body["pair"] = spec.pair
            return json_response([body])
        return json_response(body)


def _rest_trade(d: dict) -> dict:
    return {"id": d["t"], "price": d["p"], "qty": d["q"],
            "quoteQty": str(Decimal(d["p"]) * Decimal(d["q"])), "time": d["T"],
            "isBuyerMaker": d["m"], "isBestMatch": True}
