"""The local exchange: Binance spot and USD-M (and COIN-M market data) on 127.0.0.1 over a
recorded market.

:class:`LocalExchange` puts the pieces together: the recording and its replay, the books
(one :class:`BookSync` per stream, shared with the simulated exchange that matches our
orders), the market-data websockets, the REST endpoints and the fault switches. Start it
with ``async with LocalExchange(...) as ex`` (or :meth:`LocalExchange.start`); its
:attr:`~LocalExchange.urls` say where it listens.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import secrets
import time
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

import orjson
from aiohttp import web

from workbench.book.l2 import L2Book
from workbench.book.sync import BookSync
from workbench.core.errors import DataError, ValidationError
from workbench.data.binance.feed import group_streams
from workbench.data.binance.instruments import SYNC_RULES, binance_instrument
from workbench.data.sample import sample_paths
from workbench.execution.sim import ConservativeQueue, ConstantLatency, FeeSchedule, SimExchange
from workbench.testing.exchange.auth import ApiKeys
from workbench.testing.exchange.ccxt_urls import binance_client
from workbench.testing.exchange.errors import BinanceError, bad_symbol
from workbench.testing.exchange.faults import Faults
from workbench.testing.exchange.http import USED_WEIGHT, api_of, error_response, json_response
from workbench.testing.exchange.limits import WeightLimiter
from workbench.testing.exchange.private import PrivateApi
from workbench.testing.exchange.public import PublicApi
from workbench.testing.exchange.recorded import (
    Channel,
    RecordedMessage,
    StreamKey,
    recorded_messages,
)
from workbench.testing.exchange.replay import Replay
from workbench.testing.exchange.specs import API_OF_VENUE, WEIGHT_LIMIT_PER_MINUTE, MarketSpec
from workbench.testing.exchange.streams import MarketStreams, StreamConnection, close_socket
from workbench.testing.exchange.trading import Trading
from workbench.testing.exchange.user_streams import UserStreams
from workbench.testing.exchange.wire_faults import WireFaults
from workbench.testing.exchange.ws_api import WsApi

log = logging.getLogger(__name__)

#: Fees of the venues served, bps (Binance's regular tier): spot 10/10, USD-M 2/5.
DEFAULT_FEES = {"spot": FeeSchedule(10.0, 10.0), "usdm": FeeSchedule(2.0, 5.0),
                "coinm": FeeSchedule(2.0, 5.0)}
#: Spot balances of a new exchange.
DEFAULT_SPOT_BALANCES = {"USDT": "100000", "BTC": "1", "ETH": "10"}


@dataclass(frozen=True, slots=True)
class ExchangeUrls:
    """Where a running local exchange listens.

    Attributes
    ----------
    rest : str
        ``http://127.0.0.1:P``: spot REST under ``/api/v3``, USD-M under ``/fapi/v1``,
        COIN-M market data under ``/dapi/v1``.
    """

    rest: str

    @property
    def ws(self) -> str:
        """``ws://127.0.0.1:P``."""
        return "ws" + self.rest[4:]

    @property
    def spot_stream(self) -> str:
        """Spot market streams: ``<this>/ws``, ``<this>/ws/<name>``,
        ``<this>/stream?streams=a/b``."""
        return self.ws + "/stream"

    @property
    def usdm_stream(self) -> str:
        """USD-M market streams: ``<this>/ws``, ``<this>/public/ws``, ``<this>/market/ws``,
        ``<this>/stream?streams=...``; user data at ``<this>/private/ws?listenKey=K``."""
        return self.ws + "/fstream"

    @property
    def coinm_stream(self) -> str:
        """COIN-M market streams: ``<this>/ws``, ``<this>/stream?streams=...``."""
        return self.ws + "/dstream"

    @property
    def spot_ws_api(self) -> str:
        """The spot websocket API."""
        return self.ws + "/ws-api/v3"

    @property
    def usdm_ws_api(self) -> str:
        """The USD-M websocket API."""
        return self.ws + "/ws-fapi/v1"


class Recording:
    """Recorded Binance files to replay: spot, USD-M and COIN-M streams (others are ignored).

    Parameters
    ----------
    paths : iterable of paths, optional
        Raw feed files (``<local_ts_ns> <json>`` lines); the bundled sample by default.
    cache : bool
        Keep the parsed messages in memory, so that several exchanges (one per test)
        replay them without parsing again.
    seconds : float, optional
        Replay only the first ``seconds`` of the recording (by local receive time).
    channels : iterable of str, optional
        Replay only these channels (``"depth"``, ``"trade"``, ``"bookTicker"``; depth
        snapshots are always kept): e.g. depth alone for a throughput benchmark.

    Raises
    ------
    DataError
        If a file cannot be identified, or no Binance stream is found.
    """

    def __init__(self, paths: Iterable[str | Path] | None = None, cache: bool = False,
                 seconds: float | None = None, channels: Iterable[str] | None = None) -> None:
        self.paths = [str(p) for p in (sample_paths() if paths is None else paths)]
        groups = group_streams(self.paths)
        served = {k: v for k, v in groups.items() if k[0] in API_OF_VENUE}
        if not served:
            raise DataError(f"no Binance spot, USD-M or COIN-M stream in {self.paths}")
        #: ``(venue, symbol)`` of every stream replayed.
        self.streams: list[StreamKey] = list(served)
        self._files = [f for files in served.values() for f in files]
        self.seconds = seconds
        self.channels = None if channels is None else \
            {Channel(c) for c in channels} | {Channel.SNAPSHOT}
        self._cached: list[RecordedMessage] | None = None
        if cache:
            self._cached = list(self._read())

    def messages(self) -> Iterator[RecordedMessage]:
        """The messages of every stream, in local receive-time order."""
        if self._cached is not None:
            return iter(self._cached)
        return self._read()

    def _read(self) -> Iterator[RecordedMessage]:
        _, messages = recorded_messages(self._files)
        if self.channels is not None:
            messages = (m for m in messages if m.channel in self.channels)
        if self.seconds is None:
            yield from messages
            return
        first = next(messages, None)
        if first is None:
            return
        end_ns = first.local_ts_ns + int(self.seconds * 1e9)
        yield first
        yield from itertools.takewhile(lambda m: m.local_ts_ns < end_ns, messages)


class LocalExchange:
    """Binance spot and USD-M on 127.0.0.1, replaying a recording; COIN-M market data too
    (its streams, depth, trades, tickers; no COIN-M trading).

    Parameters
    ----------
    recording : Recording or iterable of paths, optional
        What to replay (the bundled sample by default).
    speed : float or None
        Replay speed: 1 real time, N times faster, None as fast as possible.
    paused : bool
        Start with the replay paused (tests step it, or resume it when subscribed).
    host, port : str, int
        Where to listen (port 0: any free port).
    fees : mapping, optional
        ``api -> FeeSchedule`` (``"spot"``, ``"usdm"``, ``"coinm"``); Binance's regular tier
        by default.
    seed : int
        Seeds the simulated exchange's draws.
    api_keys : mapping, optional
        ``key -> secret`` accepted on signed requests; by default one random pair,
        :attr:`api_key` / :attr:`api_secret`.
    spot_balances : mapping, optional
        Initial spot balances (default 100,000 USDT, 1 BTC, 10 ETH).
    usdm_wallet : str
        Initial USD-M wallet, USDT.

    Raises
    ------
    ValidationError
        If ``host`` is not a loopback address.
    """

    def __init__(self, recording: Recording | Iterable[str | Path] | None = None, *,
                 speed: float | None = None, paused: bool = False, host: str = "127.0.0.1",
                 port: int = 0, fees: Mapping[str, FeeSchedule] | None = None,
                 seed: int = 0, api_keys: Mapping[str, str] | None = None,
                 spot_balances: Mapping[str, str] | None = None,
                 usdm_wallet: str = "100000") -> None:
        if not (host == "localhost" or host.startswith("127.") or host == "::1"):
            raise ValidationError(f"the local exchange listens on loopback only, not {host!r}")
        self.recording = recording if isinstance(recording, Recording) else Recording(recording)
        self.host, self.port = host, port
        self.specs: list[MarketSpec] = [MarketSpec.of(binance_instrument(*key))
                                        for key in self.recording.streams]
        self._specs = {(s.api, s.instrument.symbol): s for s in self.specs}
        fees = {**DEFAULT_FEES, **(fees or {})}
        books = {s.instrument.key: BookSync(SYNC_RULES[s.instrument.venue], *s.instrument.key)
                 for s in self.specs}
        self.sim = SimExchange([s.instrument for s in self.specs],
                               {s.instrument.key: fees[s.api] for s in self.specs},
                               ConstantLatency(0, 0), ConservativeQueue(), SYNC_RULES, seed,
                               name="local-binance", books=books)
        self.streams = MarketStreams(WireFaults())
        self.limiter = WeightLimiter(dict(WEIGHT_LIMIT_PER_MINUTE))
        if api_keys is None:
            self.api_key, self.api_secret = secrets.token_hex(16), secrets.token_hex(32)
            api_keys = {self.api_key: self.api_secret}
        else:
            self.api_key, self.api_secret = next(iter(api_keys.items()), (None, None))
        self.keys = ApiKeys(dict(api_keys))
        self.users = UserStreams()
        self.trading = Trading(self, spot_balances or DEFAULT_SPOT_BALANCES, usdm_wallet)
        self.faults = Faults(self)
        self.public = PublicApi(self)
        self.private = PrivateApi(self)
        self.ws_api = WsApi(self)
        self.replay = Replay(self.recording.messages(), books, self.sim, self._publish,
                             self._on_reports, speed)
        if paused:
            self.replay.pause()
        self._runner: web.AppRunner | None = None
        self.urls: ExchangeUrls | None = None

    # -- lifecycle ---------------------------------------------------------------------
    async def start(self) -> LocalExchange:
        """Prime the books, listen, and start the replay; returns self."""
        self.replay.prime()
        app = web.Application(middlewares=[self._middleware])
        app.add_routes(self.public.routes())
        app.add_routes(self.private.routes())
        app.add_routes([
            web.get("/ws-api/v3", self._spot_ws_api),
            web.get("/ws-fapi/v1", self._usdm_ws_api),
            web.get("/stream/{path:.*}", self._spot_stream),
            web.get("/fstream/{path:.*}", self._usdm_stream),
            web.get("/dstream/{path:.*}", self._coinm_stream),
            web.post("/_control/{target}", self._control),
        ])
        app.router.add_route("*", "/{path:.*}", self._not_served)
        self._runner = web.AppRunner(app, access_log=None, handle_signals=False)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.port)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]
        self.port = port
        self.urls = ExchangeUrls(f"http://{self.host}:{port}")
        self.replay.start()
        return self

    async def stop(self) -> None:
        """Stop the replay, close every socket and stop listening."""
        await self.replay.stop()
        await self.streams.drop()
        await self.users.drop()
        for conn in self.ws_api.matching():
            await close_socket(conn.ws, conn.transport, False, 1001)
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> LocalExchange:
        return await self.start()

    async def __aexit__(self, *exc) -> None:
        await self.stop()

    # -- inspection --------------------------------------------------------------------
    def book(self, venue: str, symbol: str) -> L2Book:
        """The exchange's book of one stream (what the depth endpoint serves).

        Raises
        ------
        KeyError
            If the stream is not replayed.
        """
        return self.replay.sync((venue, symbol)).book

    def last_update_id(self, venue: str, symbol: str) -> int:
        """The id of the last diff applied to the exchange's book of one stream."""
        return self.replay.sync((venue, symbol)).last_update_id

    def spec(self, api: str, symbol: str) -> MarketSpec:
        """The listed instrument ``symbol`` of an API family.

        Raises
        ------
        BinanceError
            ``-1121`` if it is not listed.
        """
        spec = self._specs.get((api, symbol.upper()))
        if spec is None:
            raise bad_symbol()
        return spec

    def ccxt(self, market: str = "spot", pro: bool = True, keys: bool = True, **config):
        """A ccxt Binance object pointed at this exchange (with its API key unless
        ``keys`` is False); see :func:`~workbench.testing.exchange.binance_client`."""
        if keys:
            config = {"apiKey": self.api_key, "secret": self.api_secret, **config}
        return binance_client(self.urls.rest, market, pro, **config)

    def server_time_ms(self) -> int:
        """The exchange's clock, ms (the wall clock plus the skew fault)."""
        return time.time_ns() // 1_000_000 + self.faults.clock_skew_ms

    def charge(self, request: web.Request, weight: int) -> None:
        """Charge a REST request's weight (raises 429 / 418 over the limit)."""
        api = api_of(request)
        request[USED_WEIGHT] = self.limiter.charge(api, request.path, weight)

    # -- internals ---------------------------------------------------------------------
    async def _publish(self, message: RecordedMessage) -> None:
        self.public.on_message(message)
        await self.streams.publish(message)

    def _on_reports(self, reports: list) -> None:
        """Reports of the simulated exchange caused by market messages."""
        self.trading.on_reports(reports)

    @web.middleware
    async def _middleware(self, request: web.Request, handler) -> web.StreamResponse:
        try:
            response = await handler(request)
        except BinanceError as error:
            response = error_response(error)
            if error.after:  # events that must follow the answer
                await response.prepare(request)
                await response.write_eof()
                for api, event in error.after:
                    self.users.publish(api, event)
        except web.HTTPException:
            raise
        except Exception:
            log.exception("local exchange: %s %s failed", request.method, request.path)
            response = error_response(BinanceError(-1000, "An unknown error occurred while "
                                                   "processing the request.", status=500))
        used = request.get(USED_WEIGHT)
        if used is not None and not response.prepared:
            response.headers["X-MBX-USED-WEIGHT-1M"] = str(used)
        return response

    async def _spot_ws_api(self, request: web.Request) -> web.StreamResponse:
        return await self.ws_api.handle(request, "spot")

    async def _usdm_ws_api(self, request: web.Request) -> web.StreamResponse:
        return await self.ws_api.handle(request, "usdm")

    async def _spot_stream(self, request: web.Request) -> web.StreamResponse:
        return await self._stream(request, "spot", request.match_info["path"].split("/"))

    async def _usdm_stream(self, request: web.Request) -> web.StreamResponse:
        parts = request.match_info["path"].split("/")
        if parts[0] == "private":
            return await self._user_stream(request, request.query.get("listenKey", ""))
        if parts[0] in ("public", "market"):
            parts = parts[1:]
        if len(parts) == 2 and parts[0] == "ws" and parts[1] == self.users.listen_key:
            return await self._user_stream(request, parts[1])
        return await self._stream(request, "usdm", parts)

    async def _coinm_stream(self, request: web.Request) -> web.StreamResponse:
        return await self._stream(request, "coinm", request.match_info["path"].split("/"))

    async def _user_stream(self, request: web.Request, key: str) -> web.StreamResponse:
        """A USD-M listen-key socket: user-data events until it closes."""
        if not self.users.valid(key, self.server_time_ms()):
            raise BinanceError(-1125, "This listenKey does not exist.")
        ws = web.WebSocketResponse(autoping=True, compress=False)
        await ws.prepare(request)
        conn = StreamConnection(ws, "usdm", False, request.transport, queue=asyncio.Queue())
        self.users.add_usdm(conn)
        try:
            await conn.serve()
        finally:
            self.users.unsubscribe(conn)
        return ws

    async def _stream(self, request: web.Request, api: str,
                      parts: list[str]) -> web.StreamResponse:
        kind, tail = parts[0], [p for p in parts[1:] if p]
        if kind == "stream":
            names = [n for n in request.query.get("streams", "").split("/") if n]
            return await self.streams.handle(request, api, True, names)
        if kind == "ws":
            return await self.streams.handle(request, api, False,
                                             [t for t in tail if "@" in t])
        return await self._not_served(request)

    async def _not_served(self, request: web.Request) -> web.Response:
        return json_response({"code": -1, "msg": f"{request.method} {request.path} is not "
                              "served by the local exchange"}, status=404)

    async def _control(self, request: web.Request) -> web.Response:
        """``POST /_control/fault`` ``{"name": <Faults method>, "args": {...}}`` and
        ``POST /_control/replay`` ``{"action": "pause"|"resume"|"step", "n": 1,
        "speed": ...}``, for a server run in another process."""
        try:
            body = orjson.loads(await request.read() or b"{}")
            if request.match_info["target"] == "fault":
                name = body.get("name")
                if name not in Faults.CONTROL:
                    raise ValidationError(f"unknown fault {name!r}; one of {Faults.CONTROL}")
                result = getattr(self.faults, name)(**body.get("args", {}))
                if asyncio.iscoroutine(result):
                    result = await result
                return json_response({"result": result})
            if request.match_info["target"] == "replay":
                return json_response({"result": await self._control_replay(body)})
        except (ValidationError, TypeError, ValueError, orjson.JSONDecodeError) as exc:
            return json_response({"code": -1, "msg": str(exc)}, status=400)
        return await self._not_served(request)

    async def _control_replay(self, body: dict) -> object:
        action = body.get("action")
        if "speed" in body:
            self.replay.speed = body["speed"]
        if action == "pause":
            self.replay.pause()
        elif action == "resume":
            self.replay.resume()
        elif action == "step":
            return await self.replay.step(int(body.get("n", 1)))
        return {"replayed": self.replay.replayed, "paused": self.replay.paused,
                "ended": self.replay.ended, "speed": self.replay.speed}

