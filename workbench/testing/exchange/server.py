"""The local exchange: Binance spot and USD-M on 127.0.0.1 over a recorded market.

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
from workbench.testing.exchange.errors import BinanceError, bad_symbol
from workbench.testing.exchange.faults import Faults
from workbench.testing.exchange.http import api_of, error_response, json_response
from workbench.testing.exchange.limits import WeightLimiter
from workbench.testing.exchange.public import PublicApi
from workbench.testing.exchange.recorded import RecordedMessage, StreamKey, recorded_messages
from workbench.testing.exchange.replay import Replay
from workbench.testing.exchange.specs import API_OF_VENUE, WEIGHT_LIMIT_PER_MINUTE, MarketSpec
from workbench.testing.exchange.streams import MarketStreams
from workbench.testing.exchange.wire_faults import WireFaults

log = logging.getLogger(__name__)

#: Where a request keeps the weight it left used this minute (for the response header).
USED_WEIGHT = web.RequestKey("used_weight", int)

#: Fees of the venues served, bps (Binance's regular tier): spot 10/10, USD-M 2/5.
DEFAULT_FEES = {"spot": FeeSchedule(10.0, 10.0), "usdm": FeeSchedule(2.0, 5.0)}


@dataclass(frozen=True, slots=True)
class ExchangeUrls:
    """Where a running local exchange listens.

    Attributes
    ----------
    rest : str
        ``http://127.0.0.1:P``: spot REST under ``/api/v3``, USD-M under ``/fapi/v1``.
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
    def spot_ws_api(self) -> str:
        """The spot websocket API."""
        return self.ws + "/ws-api/v3"

    @property
    def usdm_ws_api(self) -> str:
        """The USD-M websocket API."""
        return self.ws + "/ws-fapi/v1"


class Recording:
    """Recorded Binance files to replay: spot and USD-M streams (others are ignored).

    Parameters
    ----------
    paths : iterable of paths, optional
        Raw feed files (``<local_ts_ns> <json>`` lines); the bundled sample by default.
    cache : bool
        Keep the parsed messages in memory, so that several exchanges (one per test)
        replay them without parsing again.
    seconds : float, optional
        Replay only the first ``seconds`` of the recording (by local receive time).

    Raises
    ------
    DataError
        If a file cannot be identified, or no spot or USD-M stream is found.
    """

    def __init__(self, paths: Iterable[str | Path] | None = None, cache: bool = False,
                 seconds: float | None = None) -> None:
        self.paths = [str(p) for p in (sample_paths() if paths is None else paths)]
        groups = group_streams(self.paths)
        served = {k: v for k, v in groups.items() if k[0] in API_OF_VENUE}
        if not served:
            raise DataError(f"no Binance spot or USD-M stream in {self.paths}")
        #: ``(venue, symbol)`` of every stream replayed.
        self.streams: list[StreamKey] = list(served)
        self._files = [f for files in served.values() for f in files]
        self.seconds = seconds
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
    """Binance spot and USD-M on 127.0.0.1, replaying a recording.

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
        ``api -> FeeSchedule`` (``"spot"``, ``"usdm"``); Binance's regular tier by default.
    seed : int
        Seeds the simulated exchange's draws.

    Raises
    ------
    ValidationError
        If ``host`` is not a loopback address.
    """

    def __init__(self, recording: Recording | Iterable[str | Path] | None = None, *,
                 speed: float | None = None, paused: bool = False, host: str = "127.0.0.1",
                 port: int = 0, fees: Mapping[str, FeeSchedule] | None = None,
                 seed: int = 0) -> None:
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
        self.faults = Faults(self)
        self.public = PublicApi(self)
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
        app.add_routes([
            web.get("/stream/{path:.*}", self._spot_stream),
            web.get("/fstream/{path:.*}", self._usdm_stream),
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

    @web.middleware
    async def _middleware(self, request: web.Request, handler) -> web.StreamResponse:
        try:
            response = await handler(request)
        except BinanceError as error:
            response = error_response(error)
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

    async def _spot_stream(self, request: web.Request) -> web.StreamResponse:
        return await self._stream(request, "spot", request.match_info["path"].split("/"))

    async def _usdm_stream(self, request: web.Request) -> web.StreamResponse:
        parts = request.match_info["path"].split("/")
        if parts and parts[0] in ("public", "market"):
            parts = parts[1:]
        return await self._stream(request, "usdm", parts)

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

