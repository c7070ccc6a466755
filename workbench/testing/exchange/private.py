"""Signed endpoints of the local exchange: account, orders, trades, positions, listen keys.

The operations are shared by REST and the websocket API (:mod:`.ws_api`); each returns
Binance's JSON. Spot under ``/api/v3``, USD-M under ``/fapi/v1`` (``v2`` / ``v3`` for
account and positions).
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from typing import TYPE_CHECKING
from urllib.parse import parse_qsl

from aiohttp import web

from workbench.testing.exchange.account_json import (
    LEVERAGE,
    leverage_brackets,
    spot_account,
    usdm_account,
    usdm_balance,
    usdm_positions,
)
from workbench.testing.exchange.auth import rest_payload
from workbench.testing.exchange.errors import INVALID_LISTEN_KEY, BinanceError
from workbench.testing.exchange.http import (
    USED_WEIGHT,
    api_of,
    int_param,
    json_response,
    require,
)
from workbench.testing.exchange.limits import request_weight
from workbench.testing.exchange.orders import ExchangeOrder

if TYPE_CHECKING:
    from workbench.testing.exchange.server import LocalExchange

Late = list[tuple[str, dict]]


def _placed(order: ExchangeOrder, resp_type: str) -> dict:
    if resp_type == "ACK":
        return {"symbol": order.symbol, "orderId": order.order_id, "orderListId": -1,
                "clientOrderId": order.client_order_id, "transactTime": order.time_ms}
    return order.json(fills=resp_type == "FULL")


def _canceled(order: ExchangeOrder, params: Mapping[str, str]) -> dict:
    body = order.json()
    if order.spec.api == "spot":
        body["origClientOrderId"] = order.client_order_id
        body["clientOrderId"] = params.get("newClientOrderId") or order.client_order_id
    return body


class PrivateApi:
    """The signed operations over one exchange's trading state."""

    def __init__(self, exchange: LocalExchange) -> None:
        self.ex = exchange
        self._countdowns: dict[str, asyncio.TimerHandle] = {}

    # -- operations (REST and websocket API) -------------------------------------------
    async def place(self, api: str, params: Mapping[str, str]) -> dict:
        """A new order's answer (``newOrderRespType``: ACK, RESULT, FULL)."""
        default = "FULL" if api == "spot" else "ACK"
        resp_type = (params.get("newOrderRespType") or default).upper()
        order = await self.ex.trading.place(api, params)
        await self._response_delay()
        return _placed(order, resp_type)

    async def cancel(self, api: str, params: Mapping[str, str]) -> tuple[dict, Late]:
        """A cancel's answer, and the events to send after it."""
        order, late = await self.ex.trading.cancel(api, params)
        await self._response_delay()
        return _canceled(order, params), late

    async def modify(self, api: str, params: Mapping[str, str]) -> dict:
        """A USD-M modify's answer."""
        order = await self.ex.trading.modify(api, params)
        await self._response_delay()
        return order.json()

    async def cancel_replace(self, api: str, params: Mapping[str, str]) -> tuple[dict, Late]:
        """Spot cancel-replace: cancel ``cancelOrderId`` / ``cancelOrigClientOrderId``,
        then place the new order (``STOP_ON_FAILURE``)."""
        cancel_params = {"symbol": require(params, "symbol"),
                         "orderId": params.get("cancelOrderId", ""),
                         "origClientOrderId": params.get("cancelOrigClientOrderId", "")}
        order, late = await self.ex.trading.cancel(api, cancel_params)
        placed = await self.place(api, params)
        return {"cancelResult": "SUCCESS", "newOrderResult": "SUCCESS",
                "cancelResponse": _canceled(order, cancel_params),
                "newOrderResponse": placed}, late

    def order_status(self, api: str, params: Mapping[str, str]) -> dict:
        """An order's state (``-2013`` if unknown)."""
        return self.ex.trading.find(api, params).json()

    def open_orders(self, api: str, params: Mapping[str, str]) -> list[dict]:
        """Working orders (of ``symbol`` when given)."""
        return [o.json() for o in self.ex.trading.open_orders(api, params.get("symbol"))]

    async def cancel_all(self, api: str, params: Mapping[str, str]) -> tuple[list[dict], Late]:
        """Cancel every working order of ``symbol``."""
        symbol = require(params, "symbol")
        out, late = [], []
        for order in self.ex.trading.open_orders(api, symbol):
            body, more = await self.cancel(api, {"symbol": symbol,
                                                 "orderId": str(order.order_id)})
            out.append(body)
            late += more
        return out, late

    def account(self, api: str) -> dict:
        """The account answer of one family."""
        now = self.ex.server_time_ms()
        trading = self.ex.trading
        return spot_account(trading, now) if api == "spot" else usdm_account(trading, now)

    def countdown_cancel_all(self, params: Mapping[str, str]) -> dict:
        """USD-M dead-man's switch: cancel ``symbol``'s orders unless called again within
        ``countdownTime`` ms (0 switches it off)."""
        symbol = self.ex.spec("usdm", require(params, "symbol")).instrument.symbol
        countdown_ms = int_param(params, "countdownTime")
        if countdown_ms is None:
            raise BinanceError(-1102, "Mandatory parameter 'countdownTime' was not sent.")
        previous = self._countdowns.pop(symbol, None)
        if previous is not None:
            previous.cancel()
        if countdown_ms > 0:
            loop = asyncio.get_running_loop()
            self._countdowns[symbol] = loop.call_later(
                countdown_ms / 1000, lambda: loop.create_task(self._expire(symbol)))
        return {"symbol": symbol, "countdownTime": str(countdown_ms)}

    async def _expire(self, symbol: str) -> None:
        self._countdowns.pop(symbol, None)
        _, late = await self.cancel_all("usdm", {"symbol": symbol})
        self._publish(late)

    async def _response_delay(self) -> None:
        delays = self.ex.trading.faults.response_delays_s
        if delays:
            await asyncio.sleep(delays.popleft())

    def _publish(self, late: Late) -> None:
        for api, event in late:
            self.ex.users.publish(api, event)

    # -- REST --------------------------------------------------------------------------
    def routes(self) -> list[web.RouteDef]:
        """The aiohttp routes served."""
        s, f = "/api/v3", "/fapi"
        return [
            web.get(f"{s}/account", self._account), web.get(f"{f}/v2/account", self._account),
            web.get(f"{f}/v3/account", self._account),
            web.get(f"{f}/v2/balance", self._balance), web.get(f"{f}/v3/balance", self._balance),
            web.post(f"{s}/order", self._place), web.post(f"{f}/v1/order", self._place),
            web.delete(f"{s}/order", self._cancel), web.delete(f"{f}/v1/order", self._cancel),
            web.get(f"{s}/order", self._status), web.get(f"{f}/v1/order", self._status),
            web.put(f"{f}/v1/order", self._modify),
            web.post(f"{s}/order/cancelReplace", self._cancel_replace),
            web.get(f"{s}/openOrders", self._open), web.get(f"{f}/v1/openOrders", self._open),
            web.delete(f"{s}/openOrders", self._cancel_all),
            web.delete(f"{f}/v1/allOpenOrders", self._cancel_all),
            web.get(f"{s}/myTrades", self._trades), web.get(f"{f}/v1/userTrades", self._trades),
            web.get(f"{f}/v2/positionRisk", self._positions),
            web.get(f"{f}/v3/positionRisk", self._positions),
            web.get(f"{f}/v1/leverageBracket", self._brackets),
            web.post(f"{f}/v1/leverage", self._leverage),
            web.post(f"{f}/v1/countdownCancelAll", self._countdown),
            web.post(f"{f}/v1/listenKey", self._listen_key),
            web.put(f"{f}/v1/listenKey", self._listen_key),
            web.delete(f"{f}/v1/listenKey", self._listen_key),
        ]

    async def _signed(self, request: web.Request, weight: int | None = None) -> dict[str, str]:
        api = api_of(request)
        self.ex.charge(request, request_weight(api, request.path) if weight is None
                       else weight)
        body = await request.text() if request.can_read_body else ""
        payload, signature = rest_payload(request.rel_url.raw_query_string, body)
        params = {**dict(request.query), **dict(parse_qsl(body, keep_blank_values=True))}
        self.ex.keys.check(request.headers.get("X-MBX-APIKEY"), payload, signature, params,
                           self.ex.server_time_ms())
        return params

    async def _answer_then(self, request: web.Request, body: object,
                           late: Late) -> web.StreamResponse:
        response = json_response(body)
        used = request.get(USED_WEIGHT)
        if used is not None:
            response.headers["X-MBX-USED-WEIGHT-1M"] = str(used)
        await response.prepare(request)
        await response.write_eof()
        self._publish(late)
        return response

    async def _account(self, request: web.Request) -> web.Response:
        await self._signed(request)
        return json_response(self.account(api_of(request)))

    async def _balance(self, request: web.Request) -> web.Response:
        await self._signed(request)
        return json_response(usdm_balance(self.ex.trading, self.ex.server_time_ms()))

    async def _place(self, request: web.Request) -> web.Response:
        params = await self._signed(request)
        return json_response(await self.place(api_of(request), params))

    async def _cancel(self, request: web.Request) -> web.StreamResponse:
        params = await self._signed(request)
        body, late = await self.cancel(api_of(request), params)
        return await self._answer_then(request, body, late)

    async def _modify(self, request: web.Request) -> web.Response:
        params = await self._signed(request)
        return json_response(await self.modify(api_of(request), params))

    async def _cancel_replace(self, request: web.Request) -> web.StreamResponse:
        params = await self._signed(request)
        body, late = await self.cancel_replace(api_of(request), params)
        return await self._answer_then(request, body, late)

    async def _status(self, request: web.Request) -> web.Response:
        params = await self._signed(request)
        return json_response(self.order_status(api_of(request), params))

    async def _open(self, request: web.Request) -> web.Response:
        api = api_of(request)
        weight = (6 if api == "spot" else 1) if request.query.get("symbol") else \
            (80 if api == "spot" else 40)
        params = await self._signed(request, weight)
        return json_response(self.open_orders(api, params))

    async def _cancel_all(self, request: web.Request) -> web.StreamResponse:
        params = await self._signed(request)
        body, late = await self.cancel_all(api_of(request), params)
        if api_of(request) == "usdm":
            body = {"code": 200, "msg": "The operation of cancel all open order is done."}
        return await self._answer_then(request, body, late)

    async def _trades(self, request: web.Request) -> web.Response:
        params = await self._signed(request)
        limit = min(max(int_param(params, "limit", 500), 1), 1000)
        return json_response(self.ex.trading.trades(api_of(request),
                                                    require(params, "symbol"), limit))

    async def _positions(self, request: web.Request) -> web.Response:
        params = await self._signed(request)
        positions = usdm_positions(self.ex.trading)
        if params.get("symbol"):
            symbol = self.ex.spec("usdm", params["symbol"]).instrument.symbol
            positions = [p for p in positions if p["symbol"] == symbol]
        return json_response(positions)

    async def _brackets(self, request: web.Request) -> web.Response:
        await self._signed(request)
        return json_response(leverage_brackets(self.ex.trading))

    async def _leverage(self, request: web.Request) -> web.Response:
        params = await self._signed(request)
        symbol = self.ex.spec("usdm", require(params, "symbol")).instrument.symbol
        if int_param(params, "leverage") != LEVERAGE:
            raise BinanceError(-4028, f"Leverage is fixed at {LEVERAGE} on the local "
                               "exchange.")
        return json_response({"leverage": LEVERAGE, "maxNotionalValue": "1000000",
                              "symbol": symbol})

    async def _countdown(self, request: web.Request) -> web.Response:
        params = await self._signed(request)
        return json_response(self.countdown_cancel_all(params))

    async def _listen_key(self, request: web.Request) -> web.Response:
        api = api_of(request)
        self.ex.charge(request, request_weight(api, request.path))
        self.ex.keys.check_key(request.headers.get("X-MBX-APIKEY"))
        users, now = self.ex.users, self.ex.server_time_ms()
        if request.method == "POST":
            return json_response({"listenKey": users.new_listen_key(now)})
        params = {**dict(request.query),
                  **dict(parse_qsl(await request.text() if request.can_read_body else ""))}
        key = params.get("listenKey") or users.listen_key
        if request.method == "PUT":
            if not users.keep_alive(key, now):
                raise BinanceError(INVALID_LISTEN_KEY, "This listenKey does not exist.")
            return json_response({"listenKey": key})
        users.close_listen_key()
        return json_response({})
