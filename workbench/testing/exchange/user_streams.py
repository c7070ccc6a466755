"""User-data streams: where order and account events go.

Spot: a websocket-API connection subscribes with ``userDataStream.subscribe.signature``
and receives ``{"subscriptionId": n, "event": {...}}``. USD-M: a listen key from
``POST /fapi/v1/listenKey`` opens ``/fstream/private/ws?listenKey=K`` (or
``/fstream/ws/K``), which receives the events themselves. Events of one API family go to
every subscriber of that family, in the order they happen.
"""

from __future__ import annotations

import asyncio
import secrets
from dataclasses import dataclass, field

import orjson

from workbench.testing.exchange.streams import StreamConnection, close_socket

#: How long a listen key lives without a keep-alive, ms (Binance: 60 minutes).
LISTEN_KEY_TTL_MS = 3_600_000


@dataclass
class UserStreams:
    """Every user-data subscriber, and the user-stream delay fault.

    Attributes
    ----------
    delay_s : float
        Seconds every event waits before it is sent.
    events : dict
        ``api -> events published``, in order (for inspection by tests).
    """

    delay_s: float = 0.0
    events: dict[str, list[dict]] = field(default_factory=lambda: {"spot": [], "usdm": []})
    _spot: dict[StreamConnection, int] = field(default_factory=dict)
    _usdm: set[StreamConnection] = field(default_factory=set)
    listen_key: str | None = None
    _listen_key_expiry_ms: int = 0
    _next_subscription: int = 0

    # -- subscribers -------------------------------------------------------------------
    def subscribe_spot(self, conn: StreamConnection) -> int:
        """A websocket-API connection subscribes; returns its subscription id."""
        sid = self._spot.get(conn)
        if sid is None:
            sid = self._spot[conn] = self._next_subscription
            self._next_subscription += 1
        return sid

    def unsubscribe(self, conn: StreamConnection) -> None:
        """A connection stops receiving events (it closed or unsubscribed)."""
        self._spot.pop(conn, None)
        self._usdm.discard(conn)

    def new_listen_key(self, now_ms: int) -> str:
        """The account's USD-M listen key: the live one extended, else a new one (as
        Binance does: one key per account)."""
        if self.listen_key is None or not self.valid(self.listen_key, now_ms):
            self.listen_key = secrets.token_hex(32)
        self._listen_key_expiry_ms = now_ms + LISTEN_KEY_TTL_MS
        return self.listen_key

    def keep_alive(self, key: str, now_ms: int) -> bool:
        """Extend the listen key; False when ``key`` is unknown or expired."""
        if not self.valid(key, now_ms):
            return False
        self._listen_key_expiry_ms = now_ms + LISTEN_KEY_TTL_MS
        return True

    def close_listen_key(self) -> None:
        """Invalidate the listen key."""
        self.listen_key = None

    def valid(self, key: str | None, now_ms: int) -> bool:
        """Whether ``key`` is the live listen key."""
        return key is not None and key == self.listen_key and \
            now_ms < self._listen_key_expiry_ms

    def add_usdm(self, conn: StreamConnection) -> None:
        """A listen-key socket opened."""
        self._usdm.add(conn)

    def connections(self, api: str | None = None) -> list[StreamConnection]:
        """Open subscribers of one family (both when None)."""
        out = [] if api == "usdm" else [c for c in self._spot if not c.closed]
        return out + ([] if api == "spot" else [c for c in self._usdm if not c.closed])

    # -- events ------------------------------------------------------------------------
    def publish(self, api: str, event: dict) -> None:
        """Send one event to every subscriber of ``api`` (queued at once, never lost)."""
        self.events[api].append(event)
        due = asyncio.get_running_loop().time() + self.delay_s if self.delay_s > 0 else 0.0
        if api == "spot":
            for conn, sid in list(self._spot.items()):
                conn.offer_nowait(orjson.dumps({"subscriptionId": sid, "event": event}), due)
        else:
            frame = orjson.dumps(event)
            for conn in list(self._usdm):
                conn.offer_nowait(frame, due)

    async def drop(self, api: str | None = None, abrupt: bool = False,
                   code: int = 1001) -> int:
        """Close every user-data socket of ``api``; returns how many."""
        conns = self.connections(api)
        for conn in conns:
            await close_socket(conn.ws, conn.transport, abrupt, code)
            conn.closed = True
            self.unsubscribe(conn)
        return len(conns)
