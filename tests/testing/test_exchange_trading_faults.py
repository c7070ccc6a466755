"""User streams, the websocket API and order faults, as the unmodified ccxt sees them."""

from __future__ import annotations

import asyncio
from decimal import Decimal

import aiohttp
import ccxt
import pytest

from tests.testing.conftest import TIMEOUT_S, wait_until
from workbench.data.binance.instruments import SPOT, USDM, binance_instrument
from workbench.testing.exchange import LocalExchange
from workbench.testing.exchange.auth import hmac_hex

MARKETS = {"spot": ("BTC/USDT", SPOT), "linear": ("BTC/USDT:USDT", USDM)}
API = {"spot": "spot", "linear": "usdm"}


def _run(recording, market, body, **kwargs):
    symbol, venue = MARKETS[market]
    inst = binance_instrument(venue, "BTCUSDT")

    async def scenario():
        async with LocalExchange(recording, paused=True, **kwargs) as ex:
            client = ex.ccxt(market, enableRateLimit=False)
            try:
                await client.load_markets()
                bid = float(inst.ticks_to_decimal(ex.book(venue, "BTCUSDT").best_bid_ticks - 20))
                return await body(ex, client, symbol, bid)
            finally:
                await client.close()

    return asyncio.run(scenario())


def _cached(client, order_id):
    """ccxt's latest view of an order from the user stream (its order cache)."""
    for o in client.orders or []:
        if o["id"] == order_id:
            return o
    return None


async def _watching(client, symbol, ex, market):
    """Start watch_orders and wait until the exchange has the user-data subscriber."""
    task = asyncio.ensure_future(client.watch_orders(symbol))
    await wait_until(lambda: ex.users.connections(API[market]) or task.done(),
                     what="the user-data subscription")
    return task


@pytest.mark.parametrize("market", ["spot", "linear"])
def test_create_order_ws_watch_orders_partial_fill_and_cancel_ws(recording, market):
    async def body(ex, c, symbol, bid):
        watch = await _watching(c, symbol, ex, market)
        order = await c.create_order_ws(symbol, "limit", "buy", 0.002, bid, {"postOnly": True})
        await wait_until(lambda: _cached(c, order["id"]) is not None, what="the NEW event")
        assert Decimal(ex.faults.fill(int(order["id"]), "0.001")) == Decimal("0.001")
        await wait_until(lambda: _cached(c, order["id"])["filled"] == 0.001,
                         what="the partial fill")
        canceled = await c.cancel_order_ws(order["id"], symbol)
        await wait_until(lambda: _cached(c, order["id"])["status"] == "canceled")
        trades = await c.fetch_my_trades(symbol)
        watch.cancel()
        return order, canceled, trades, bid

    order, canceled, trades, bid = _run(recording, market, body)
    assert order["status"] == "open" and order["price"] == bid
    assert canceled["status"] == "canceled" and canceled["filled"] == 0.001
    (fill,) = trades
    assert fill["takerOrMaker"] == "maker" and fill["amount"] == 0.001
    assert fill["price"] == order["price"] and fill["order"] == order["id"]


@pytest.mark.parametrize("market", ["spot", "linear"])
def test_a_fill_reaches_the_user_stream_before_a_delayed_ack(recording, market):
    async def body(ex, c, symbol, bid):
        await _watching(c, symbol, ex, market)
        ex.faults.delay_order_responses(1.0)
        create = asyncio.ensure_future(c.create_order(symbol, "market", "buy", 0.002))
        await wait_until(lambda: any(o["status"] == "closed" for o in c.orders or []),
                         what="the fill on the user stream")
        early = not create.done()
        order = await asyncio.wait_for(create, TIMEOUT_S)
        return early, order, _cached(c, order["id"])

    early, order, cached = _run(recording, market, body)
    assert early and cached is not None and cached["filled"] == order["filled"] == 0.002


@pytest.mark.parametrize("market", ["spot", "linear"])
def test_an_order_held_in_flight_is_unknown_until_it_lands(recording, market):
    async def body(ex, c, symbol, bid):
        ex.faults.hold_orders(0.5)
        create = asyncio.ensure_future(c.create_order_ws(
            symbol, "limit", "buy", 0.002, bid, {"postOnly": True, "clientOrderId": "held-1"}))
        await wait_until(lambda: not ex.trading.faults.holds_s, what="the place in flight")
        with pytest.raises(ccxt.OrderNotFound):
            await c.fetch_order(None, symbol, {"origClientOrderId": "held-1"})
        with pytest.raises(ccxt.OrderNotFound):
            await c.cancel_order(None, symbol, {"origClientOrderId": "held-1"})
        placed = await asyncio.wait_for(create, TIMEOUT_S)
        found = await c.fetch_order(None, symbol, {"origClientOrderId": "held-1"})
        return placed, found

    placed, found = _run(recording, market, body)
    assert found["id"] == placed["id"] and found["status"] == "open"
    assert found["clientOrderId"] == "held-1"


@pytest.mark.parametrize("market", ["spot", "linear"])
def test_a_create_in_flight_when_the_socket_drops_is_resolved_by_client_order_id(recording,
                                                                                market):
    async def body(ex, c, symbol, bid):
        ex.faults.hold_orders(0.3)
        create = asyncio.ensure_future(c.create_order_ws(
            symbol, "limit", "buy", 0.002, bid, {"postOnly": True, "clientOrderId": "lost-1"}))
        await wait_until(lambda: not ex.trading.faults.holds_s, what="the place in flight")
        assert await ex.faults.drop_ws_api_sockets() == 1
        with pytest.raises(ccxt.NetworkError):
            await asyncio.wait_for(create, TIMEOUT_S)
        await wait_until(lambda: any(o.client_order_id == "lost-1"
                                     for o in ex.trading.orders.values()), what="the landing")
        return await c.fetch_order(None, symbol, {"origClientOrderId": "lost-1"})

    assert _run(recording, market, body)["status"] == "open"


@pytest.mark.parametrize("market", ["spot", "linear"])
@pytest.mark.parametrize("qty", ["0.001", None], ids=["partial", "full"])
def test_a_fill_racing_a_cancel_arrives_after_the_cancel_answer(recording, market, qty):
    async def body(ex, c, symbol, bid):
        await _watching(c, symbol, ex, market)
        order = await c.create_order(symbol, "limit", "buy", 0.002, bid, {"postOnly": True})
        ex.faults.fill_on_cancel(qty=qty)
        if qty is None:
            with pytest.raises(ccxt.OrderNotFound):
                await c.cancel_order(order["id"], symbol)
            canceled = None
        else:
            canceled = await c.cancel_order(order["id"], symbol)
        def kinds():
            return [e["x"] if e["e"] == "executionReport" else e["o"]["x"]
                    for e in ex.users.events[API[market]]
                    if e["e"] in ("executionReport", "ORDER_TRADE_UPDATE")]

        await wait_until(lambda: "TRADE" in kinds(), what="the fill's event")
        final = await c.fetch_order(order["id"], symbol)
        return canceled, kinds(), final

    canceled, kinds, final = _run(recording, market, body)
    if qty is None:
        assert kinds == ["NEW", "TRADE"] and final["status"] == "closed"
    else:
        # The exchange filled first, answered the cancel, then sent the fill's event.
        assert canceled["status"] == "canceled" and canceled["filled"] == 0.001
        assert kinds == ["NEW", "CANCELED", "TRADE"]
        assert final["status"] == "canceled" and final["filled"] == 0.001


@pytest.mark.parametrize("market", ["spot", "linear"])
def test_a_dropped_user_socket_is_a_network_error_and_watching_again_resubscribes(recording,
                                                                                 market):
    async def body(ex, c, symbol, bid):
        watch = await _watching(c, symbol, ex, market)
        assert await ex.faults.drop_user_sockets(API[market]) == 1
        with pytest.raises(ccxt.NetworkError):
            await asyncio.wait_for(watch, TIMEOUT_S)
        await _watching(c, symbol, ex, market)
        order = await c.create_order(symbol, "limit", "buy", 0.002, bid, {"postOnly": True})
        await wait_until(lambda: _cached(c, order["id"]) is not None, what="the new event")
        return True

    assert _run(recording, market, body)


@pytest.mark.parametrize("market", ["spot", "linear"])
def test_rejects_and_edits(recording, market):
    async def body(ex, c, symbol, bid):
        ex.faults.reject_orders(code=-2010, msg="Account has insufficient balance for "
                                "requested action.")
        with pytest.raises(ccxt.InsufficientFunds):
            await c.create_order(symbol, "limit", "buy", 0.002, bid, {"postOnly": True})
        # Below the minimum notional (5 USDT spot, 100 USDT USD-M): a filter failure
        # (ccxt maps the spot message onto BadRequest).
        with pytest.raises(ccxt.BadRequest if market == "spot" else ccxt.ExchangeError,
                           match="NOTIONAL" if market == "spot" else "-4164"):
            await c.create_order(symbol, "limit", "buy", 0.00001 if market == "spot"
                                 else 0.001, bid, {"postOnly": True})
        order = await c.create_order(symbol, "limit", "buy", 0.002, bid, {"postOnly": True})
        edited = await c.edit_order(order["id"], symbol, "limit", "buy", 0.003, bid - 1.0,
                                    {"postOnly": True} if market == "spot" else {})
        opened = await c.fetch_open_orders(symbol)
        return order, edited, opened

    order, edited, opened = _run(recording, market, body)
    assert (edited["price"], edited["amount"]) == (order["price"] - 1.0, 0.003)
    assert [(o["id"], o["price"], o["amount"]) for o in opened] == \
        [(edited["id"], edited["price"], 0.003)]
    # USD-M modifies the order in place; spot cancel-replaces it with a new order.
    assert (edited["id"] == order["id"]) == (market == "linear")


def test_countdown_cancel_all_cancels_when_not_refreshed(recording):
    async def body(ex, c, symbol, bid):
        order = await c.create_order(symbol, "limit", "buy", 0.002, bid)
        await c.fapiPrivatePostCountdownCancelAll({"symbol": "BTCUSDT", "countdownTime": 150})
        await wait_until(lambda: not ex.trading.open_orders("usdm", "BTCUSDT"))
        return await c.fetch_order(order["id"], symbol)

    assert _run(recording, "linear", body)["status"] == "canceled"


def test_signed_requests_are_checked(recording):
    async def scenario():
        async with LocalExchange(recording, paused=True) as ex, \
                aiohttp.ClientSession() as http:
            async def get(query: str, key: str | None, secret: str | None = None):
                if secret is not None:
                    query += "&signature=" + hmac_hex(secret, query)
                headers = {"X-MBX-APIKEY": key} if key else {}
                async with http.get(f"{ex.urls.rest}/api/v3/account?{query}",
                                    headers=headers) as r:
                    return r.status, (await r.json()).get("code")

            now = ex.server_time_ms()
            good = f"timestamp={now}&recvWindow=5000"
            return [await get(good, ex.api_key, ex.api_secret),
                    await get(good, None, ex.api_secret),
                    await get(good, "someone-else", ex.api_secret),
                    await get(good, ex.api_key, "wrong-secret"),
                    await get(good + "&signature=00", ex.api_key),
                    await get(f"timestamp={now - 6000}&recvWindow=5000", ex.api_key,
                              ex.api_secret),
                    await get(f"timestamp={now + 5000}", ex.api_key, ex.api_secret),
                    await get("recvWindow=5000", ex.api_key, ex.api_secret)]

    assert asyncio.run(scenario()) == [(200, None), (401, -2014), (401, -2015),
                                       (400, -1022), (400, -1022), (400, -1021),
                                       (400, -1021), (400, -1102)]


@pytest.mark.parametrize("market", ["spot", "linear"])
def test_clock_skew_is_invalid_nonce_until_ccxt_measures_the_offset(recording, market):
    async def body(ex, c, symbol, bid):
        ex.faults.set_clock_skew(-30_000)  # the exchange is 30 s behind us
        with pytest.raises(ccxt.InvalidNonce):
            await c.fetch_balance()
        await c.load_time_difference()
        c.options["adjustForTimeDifference"] = True
        balance = await c.fetch_balance()
        return balance["USDT"]["total"]

    assert _run(recording, market, body) == 100_000
