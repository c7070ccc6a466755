"""Binance's websocket API (``/ws-api/v3`` spot, ``/ws-fapi/v1`` USD-M).

A request is ``{"id", "method", "params"}``; the answer ``{"id", "status": 200,
"result"}`` or ``{"id", "status": 4xx, "error": {"code", "msg"}}``. Signed methods carry
``apiKey``, ``timestamp`` and ``signature`` in their params. Served: ``ping``, ``time``,
``order.place``, ``order.cancel``, ``order.status``, ``openOrders.status``,
``order.cancelReplace`` (spot), ``order.modify`` (USD-M), ``account.status``, and on spot
``userDataStream.subscribe.signature`` / ``userDataStream.unsubscribe``, after which the
connection also receives the user-data events. Requests run concurrently: a held place
does not hold the others back.
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING

import orjson
from aiohttp import web

from workbench.testing.exchange.auth import ws_payload
from workbench.testing.exchange.errors import BinanceError
from workbench.testing.exchange.streams import StreamConnection

if TYPE_CHECKING:
    from workbench.testing.exchange.server import LocalExchange

log = logging.getLogger(__name__)
_SIGNED = {"order.place", "order.cancel", "order.status", "openOrders.status",
           "order.cancelReplace", "order.modify", "account.status",
           "userDataStream.subscribe.signature"}


class WsApi:
    """The websocket API of one exchange: every open connection, per family."""

    def __init__(self, exchange: LocalExchange) -> None:
        self.ex = exchange
        self.connections: set[StreamConnection] = set()
        self._tasks: set[asyncio.Task] = set()

    async def handle(self, request: web.Request, api: str) -> web.WebSocketResponse:
        """Serve one websocket-API connection until it closes."""
        ws = web.WebSocketResponse(autoping=True, compress=False, max_msg_size=1 << 20)
        await ws.prepare(request)
        conn = StreamConnection(ws, api, False, request.transport, queue=asyncio.Queue())
        self.connections.add(conn)
        loop = asyncio.get_running_loop()

        def on_text(text: str) -> None:
            task = loop.create_task(self._request(conn, text))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

        try:
            await conn.serve(on_text)
        finally:
            # Requests that reached the exchange still run to completion (their answers go
            # nowhere): a place in flight when the socket drops may well be working.
            self.connections.discard(conn)
            self.ex.users.unsubscribe(conn)
        return ws

    def matching(self, api: str | None = None) -> list[StreamConnection]:
        """Open connections of a family (both when None)."""
        return [c for c in self.connections if not c.closed and (api is None or c.api == api)]

    async def _request(self, conn: StreamConnection, text: str) -> None:
        rid = None
        late: list[tuple[str, dict]] = []
        try:
            req = orjson.loads(text)
            if not isinstance(req, dict):
                raise BinanceError(-1100, "Illegal request: not a JSON object.")
            rid = req.get("id")
            method = req.get("method")
            params = req.get("params") or {}
            if not isinstance(params, dict):
                raise BinanceError(-1100, "Illegal request: params must be an object.")
            self.ex.limiter.charge(conn.api, f"ws:{method}", 1)
            if method in _SIGNED:
                self.ex.keys.check(params.get("apiKey"), ws_payload(params),
                                   params.get("signature"), params, self.ex.server_time_ms())
            result, late = await self._dispatch(conn, method, _strings(params))
            conn.reply({"id": rid, "status": 200, "result": result})
        except BinanceError as error:
            conn.reply({"id": rid, "status": error.status, "error": error.body()})
            late = error.after
        except orjson.JSONDecodeError:
            conn.reply({"id": None, "status": 400,
                        "error": {"code": -1100, "msg": "Illegal request: invalid JSON."}})
        except Exception:
            log.exception("local exchange: websocket API request failed")
            conn.reply({"id": rid, "status": 500,
                        "error": {"code": -1000, "msg": "An unknown error occurred."}})
        for api, event in late:
            self.ex.users.publish(api, event)

    async def _dispatch(self, conn: StreamConnection, method: str, params: dict[str, str]):
        api, private = conn.api, self.ex.private
        if method == "ping":
            return {}, []
        if method == "time":
            return {"serverTime": self.ex.server_time_ms()}, []
        if method == "order.place":
            return await private.place(api, params), []
        if method == "order.cancel":
            return await private.cancel(api, params)
        if method == "order.status":
            return private.order_status(api, params), []
        if method == "openOrders.status":
            return private.open_orders(api, params), []
        if method == "account.status":
            return private.account(api), []
        if method == "order.modify" and api == "usdm":
            return await private.modify(api, params), []
        if method == "order.cancelReplace" and api == "spot":
            return await private.cancel_replace(api, params)
        if method == "userDataStream.subscribe.signature" and api == "spot":
            return {"subscriptionId": self.ex.users.subscribe_spot(conn)}, []
        if method == "userDataStream.unsubscribe" and api == "spot":
            self.ex.users.unsubscribe(conn)
            return {}, []
        raise BinanceError(-1000, f"Unknown method {method!r} on the local exchange.")


def _strings(params: dict) -> dict[str, str]:
    """Parameters as REST would carry them (booleans as ``true`` / ``false``)."""
    return {k: ("true" if v else "false") if isinstance(v, bool) else str(v)
            for k, v in params.items()}
