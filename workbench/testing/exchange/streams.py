"""Binance market-data websockets: subscriptions and the fan-out of replayed messages.

Both of Binance's endpoint styles are served: a raw endpoint (``/ws``, ``/ws/<name>``;
spot and USD-M, and USD-M's ``/public/ws`` and ``/market/ws``), which sends each event's
payload, and a combined one (``/stream?streams=a/b``), which wraps it as
``{"stream": <name>, "data": <payload>}``. Streams are joined with ``SUBSCRIBE`` and left
with ``UNSUBSCRIBE``; the reply ``{"result": null, "id": ...}`` is sent before any data of
a newly joined stream. Each connection has a bounded queue and its own sender task: a
full queue holds the replay back (backpressure), a stalled connection loses its messages.
"""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass, field

import orjson
from aiohttp import WSMsgType, web

from workbench.testing.exchange.recorded import Channel, RecordedMessage
from workbench.testing.exchange.specs import API_OF_VENUE
from workbench.testing.exchange.wire_faults import WireFaults

#: Messages a connection may have queued before publishing waits for it.
QUEUE_MESSAGES = 4096

_CHANNELS = {"depth": Channel.DEPTH, "trade": Channel.TRADE, "bookTicker": Channel.BOOK_TICKER}
_DEPTH_RATES = {"100ms", "0ms", "250ms", "500ms"}

SubscriptionKey = tuple[str, Channel]  # (SYMBOL, channel)


def parse_stream_name(name: str) -> SubscriptionKey | None:
    """``(SYMBOL, channel)`` of a stream name the exchange serves, else None.

    Served: ``<symbol>@depth`` (any update speed: the recorded one is sent),
    ``<symbol>@trade`` and ``<symbol>@bookTicker``.
    """
    if not isinstance(name, str):
        return None
    parts = name.split("@")
    if len(parts) < 2 or not parts[0] or parts[1] not in _CHANNELS:
        return None
    channel = _CHANNELS[parts[1]]
    rest = parts[2:]
    if rest and not (channel is Channel.DEPTH and len(rest) == 1 and rest[0] in _DEPTH_RATES):
        return None
    return parts[0].upper(), channel


@dataclass(eq=False)
class StreamConnection:
    """One market-data websocket: what it subscribed to and its outgoing queue."""

    ws: web.WebSocketResponse
    api: str
    combined: bool
    transport: asyncio.BaseTransport | None
    names: dict[SubscriptionKey, bytes] = field(default_factory=dict)
    stalled: bool = False
    closed: bool = False
    sent: int = 0
    discarded: int = 0
    queue: asyncio.Queue = field(default_factory=lambda: asyncio.Queue(QUEUE_MESSAGES))

    def frame(self, key: SubscriptionKey, payload: bytes) -> bytes:
        """The bytes sent for one payload of a subscribed stream."""
        if self.combined:
            return b'{"stream":"' + self.names[key] + b'","data":' + payload + b"}"
        return payload

    async def offer(self, frame: bytes, due: float) -> None:
        """Queue a frame for sending at loop time ``due`` (0: at once)."""
        if self.closed:
            return
        if self.stalled:
            self.discarded += 1
            return
        if self.queue.full():
            await self.queue.put((due, frame))
        else:
            self.queue.put_nowait((due, frame))

    def reply(self, message: dict) -> None:
        """Queue a reply to a request (behind what is already queued)."""
        if not self.closed:
            self.queue.put_nowait((0.0, orjson.dumps(message)))

    async def send_loop(self) -> None:
        loop = asyncio.get_running_loop()
        queue, ws = self.queue, self.ws
        try:
            while True:
                due, frame = await queue.get()
                if due:
                    wait = due - loop.time()
                    if wait > 0:
                        await asyncio.sleep(wait)
                await ws.send_frame(frame, WSMsgType.TEXT)
                self.sent += 1
        except (ConnectionError, RuntimeError):
            pass
        finally:
            self.closed = True
            while not queue.empty():  # unblock a publisher waiting on a full queue
                queue.get_nowait()


class MarketStreams:
    """Every market-data connection, by what it subscribed to.

    Parameters
    ----------
    faults : WireFaults
        Applied to each message as it is published.
    """

    def __init__(self, faults: WireFaults) -> None:
        self.faults = faults
        self.connections: set[StreamConnection] = set()
        self._subscribers: dict[tuple[str, str, Channel], set[StreamConnection]] = {}

    async def publish(self, message: RecordedMessage) -> None:
        """Send a replayed message to every subscriber of its stream."""
        api = API_OF_VENUE.get(message.venue)
        if api is None:
            return
        subscribers = self._subscribers.get((api, message.symbol, message.channel))
        if not subscribers:
            return
        faults = self.faults
        payloads = faults.apply(api, message.symbol, message.channel, message.payload)
        delay = faults.delay_for(api)
        due = asyncio.get_running_loop().time() + delay if delay > 0 else 0.0
        key = (message.symbol, message.channel)
        for conn in list(subscribers):
            for payload in payloads:
                await conn.offer(conn.frame(key, payload), due)

    async def handle(self, request: web.Request, api: str, combined: bool,
                     initial: list[str]) -> web.WebSocketResponse:
        """Serve one market-data websocket until it closes."""
        ws = web.WebSocketResponse(autoping=True, compress=False, max_msg_size=1 << 20)
        await ws.prepare(request)
        conn = StreamConnection(ws, api, combined, request.transport)
        self.connections.add(conn)
        sender = asyncio.get_running_loop().create_task(conn.send_loop())
        for name in initial:
            key = parse_stream_name(name)
            if key is not None:
                self._join(conn, key, name)
        try:
            async for msg in ws:
                if msg.type is WSMsgType.TEXT:
                    self._request(conn, msg.data)
                elif msg.type is WSMsgType.ERROR:
                    break
        finally:
            self._leave_all(conn)
            self.connections.discard(conn)
            conn.closed = True
            sender.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await sender
        return ws

    # -- faults ------------------------------------------------------------------------
    def matching(self, api: str | None = None, symbol: str | None = None
                 ) -> list[StreamConnection]:
        """Open connections of an API family (any when None) subscribed to ``symbol``."""
        sym = symbol.upper() if symbol else None
        return [c for c in self.connections
                if not c.closed and (api is None or c.api == api)
                and (sym is None or any(k[0] == sym for k in c.names))]

    async def drop(self, api: str | None = None, symbol: str | None = None,
                   abrupt: bool = False, code: int = 1001) -> int:
        """Close matching connections: a close frame with ``code``, or (``abrupt``) the
        TCP connection torn down with no close frame. Returns how many."""
        conns = self.matching(api, symbol)
        for conn in conns:
            await close_socket(conn.ws, conn.transport, abrupt, code)
            conn.closed = True
        return len(conns)

    def stall(self, stalled: bool, api: str | None = None, symbol: str | None = None) -> int:
        """Stop (or restart) sending on matching open connections; returns how many.

        A stalled connection stays open and loses every message meanwhile."""
        conns = self.matching(api, symbol)
        for conn in conns:
            conn.stalled = stalled
        return len(conns)

    # -- requests ----------------------------------------------------------------------
    def _request(self, conn: StreamConnection, text: str) -> None:
        try:
            req = orjson.loads(text)
        except orjson.JSONDecodeError:
            conn.reply({"error": {"code": 3, "msg": "Invalid JSON: the message is not JSON"}})
            return
        if not isinstance(req, dict):
            conn.reply({"error": {"code": 2, "msg": "Invalid request: not an object"}})
            return
        rid = req.get("id")
        method = req.get("method")
        params = req.get("params", [])
        if method in ("SUBSCRIBE", "UNSUBSCRIBE"):
            if not isinstance(params, list):
                conn.reply({"error": {"code": 2, "msg": "Invalid request: params must be a "
                                      "list of stream names"}, "id": rid})
                return
            keys = [(name, parse_stream_name(name)) for name in params]
            unknown = [name for name, key in keys if key is None]
            if unknown:
                conn.reply({"error": {"code": 2, "msg": "Invalid request: streams not served "
                                      f"by the local exchange: {unknown}"}, "id": rid})
                return
            conn.reply({"result": None, "id": rid})
            for name, key in keys:
                if method == "SUBSCRIBE":
                    self._join(conn, key, name)
                else:
                    self._leave(conn, key)
        elif method == "LIST_SUBSCRIPTIONS":
            conn.reply({"result": [n.decode() for n in conn.names.values()], "id": rid})
        elif method == "SET_PROPERTY" and isinstance(params, list) and len(params) == 2 \
                and params[0] == "combined" and isinstance(params[1], bool):
            conn.combined = params[1]
            conn.reply({"result": None, "id": rid})
        elif method == "GET_PROPERTY" and params == ["combined"]:
            conn.reply({"result": conn.combined, "id": rid})
        else:
            conn.reply({"error": {"code": 2, "msg": f"Invalid request: unknown method "
                                  f"{method!r}"}, "id": rid})

    def _join(self, conn: StreamConnection, key: SubscriptionKey, name: str) -> None:
        conn.names[key] = name.encode()
        self._subscribers.setdefault((conn.api, *key), set()).add(conn)

    def _leave(self, conn: StreamConnection, key: SubscriptionKey) -> None:
        conn.names.pop(key, None)
        subs = self._subscribers.get((conn.api, *key))
        if subs is not None:
            subs.discard(conn)

    def _leave_all(self, conn: StreamConnection) -> None:
        for key in list(conn.names):
            self._leave(conn, key)


async def close_socket(ws: web.WebSocketResponse, transport: asyncio.BaseTransport | None,
                       abrupt: bool, code: int) -> None:
    """Close a websocket with a close frame, or tear its TCP connection down."""
    if abrupt and transport is not None:
        transport.abort()
        return
    with contextlib.suppress(ConnectionError, RuntimeError):
        await asyncio.wait_for(ws.close(code=code, message=b"closed by the local exchange"), 2)
