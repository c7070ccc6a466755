"""Orders on the local exchange through the unmodified ccxt, against independent figures:
a plain SimExchange fed the same recording, and balances worked out from the fills."""

from __future__ import annotations

import asyncio
from decimal import Decimal

import ccxt
import pytest

from tests.testing.conftest import TIMEOUT_S
from workbench.core.commands import Filled, Place, TimeInForce
from workbench.core.events import Side
from workbench.data.binance.instruments import SPOT, SYNC_RULES, USDM, binance_instrument
from workbench.execution.sim import ConservativeQueue, ConstantLatency, FeeSchedule, SimExchange
from workbench.testing.exchange import LocalExchange

MARKETS = {"spot": ("BTC/USDT", SPOT), "linear": ("BTC/USDT:USDT", USDM)}
FEES_BPS = {"spot": (10, 10), "linear": (2, 5)}  # (maker, taker): Binance's regular tier


def _run(recording, body, **kwargs):
    async def scenario():
        async with LocalExchange(recording, paused=True, **kwargs) as ex:
            clients = {}
            try:
                for market in MARKETS:
                    clients[market] = ex.ccxt(market, enableRateLimit=False)
                    await clients[market].load_markets()
                return await body(ex, clients)
            finally:
                for client in clients.values():
                    await client.close()

    return asyncio.run(scenario())


def _d(x) -> Decimal:
    return Decimal(str(x))


@pytest.mark.parametrize("market", ["spot", "linear"])
def test_rest_orders_fills_and_balances(recording, market):
    symbol, venue = MARKETS[market]
    inst = binance_instrument(venue, "BTCUSDT")

    async def body(ex, clients):
        c = clients[market]
        before = await c.fetch_balance()
        bid_t, ask_t = ex.book(venue, "BTCUSDT").best_bid(), ex.book(venue, "BTCUSDT").best_ask()
        bid = float(inst.ticks_to_decimal(bid_t[0] - 10))
        resting = await c.create_order(symbol, "limit", "buy", 0.002, bid, {"postOnly": True})
        opened = await c.fetch_open_orders(symbol)
        # ccxt picks futures-only codes by hostname: on a local URL -5022 is ExchangeError.
        with pytest.raises(ccxt.InvalidOrder if market == "spot" else ccxt.ExchangeError,
                           match="immediately match" if market == "spot" else "-5022"):
            await c.create_order(symbol, "limit", "buy", 0.002,
                                 float(inst.ticks_to_decimal(ask_t[0])), {"postOnly": True})
        taken = await c.create_order(symbol, "market", "buy", 0.002)
        trades = await c.fetch_my_trades(symbol)
        canceled = await c.cancel_order(resting["id"], symbol)
        with pytest.raises(ccxt.OrderNotFound):
            await c.cancel_order(resting["id"], symbol)
        after = await c.fetch_balance()
        return before, after, resting, opened, taken, trades, canceled, bid, ask_t

    before, after, resting, opened, taken, trades, canceled, bid, ask = _run(recording, body)
    assert [(o["id"], o["price"], o["amount"]) for o in opened] == [(resting["id"], bid, 0.002)]
    assert resting["status"] == "open" and canceled["status"] == "canceled"
    # The market buy took the best ask as it stood (0.002 BTC is far below its size).
    ask_price = inst.ticks_to_decimal(ask[0])
    assert ask[1] > inst.size_to_lots("0.002")
    assert taken["status"] == "closed" and _d(taken["average"]) == ask_price
    (fill,) = trades
    assert _d(fill["price"]) == ask_price and fill["amount"] == 0.002
    assert fill["takerOrMaker"] == "taker" and fill["order"] == taken["id"]
    fee_quote = ask_price * Decimal("0.002") * FEES_BPS[market][1] / 10_000
    spent = ask_price * Decimal("0.002")
    if market == "spot":  # commission in the asset bought
        assert _d(fill["fee"]["cost"]) == (fee_quote / ask_price).quantize(Decimal("1e-8"))
        assert _d(after["USDT"]["total"]) == _d(before["USDT"]["total"]) - spent
        assert _d(after["BTC"]["total"]) == _d(before["BTC"]["total"]) + Decimal("0.002") \
            - _d(fill["fee"]["cost"])
    else:  # the wallet pays the commission; the position is open at the fill price
        assert fill["fee"]["currency"] == "USDT" and _d(fill["fee"]["cost"]) == fee_quote
        assert _d(after["info"]["totalWalletBalance"]) == \
            _d(before["info"]["totalWalletBalance"]) - fee_quote


def test_fills_are_the_fills_of_a_plain_sim_exchange_on_the_same_recording(recording):
    """One matching implementation: the exchange's fills over the rest of the recording
    equal those of a SimExchange shown every recorded event, given the same places at the
    same recorded times."""
    placed = []

    async def body(ex, clients):
        await ex.replay.step(200)
        for market, (symbol, venue) in MARKETS.items():
            inst = binance_instrument(venue, "BTCUSDT")
            book = ex.book(venue, "BTCUSDT")
            for i, (side, ticks) in enumerate([("buy", book.best_bid_ticks),
                                               ("sell", book.best_ask_ticks),
                                               ("buy", book.best_bid_ticks - 5),
                                               ("sell", book.best_ask_ticks + 5)]):
                qty = "0.01" if market == "linear" else "0.00500"
                order = await clients[market].create_order(
                    symbol, "limit", side, float(qty), float(inst.ticks_to_decimal(ticks)),
                    {"postOnly": True})
                placed.append((int(order["id"]), venue, Side.BUY if side == "buy" else
                               Side.SELL, ticks, inst.size_to_lots(qty), ex.replay.now_ns))
                await ex.replay.step(7 * i + 1)
        ex.replay.resume()
        await asyncio.wait_for(ex.replay.wait_ended(), TIMEOUT_S * 3)
        return [(o.order_id, f.price_ticks, f.lots, f.maker) for o in ex.trading.orders.values()
                for f in o.fills]

    ours = _run(recording, body)
    instruments = [binance_instrument(v, "BTCUSDT") for _, v in MARKETS.values()]
    fees = {SPOT: FeeSchedule(10, 10), USDM: FeeSchedule(2, 5)}
    sim = SimExchange(instruments, {i.key: fees[i.venue] for i in instruments},
                      ConstantLatency(0, 0), ConservativeQueue(), SYNC_RULES, seed=0)
    pending = sorted(placed, key=lambda p: p[-1])
    reference = []
    for message in recording.messages():
        while pending and pending[0][-1] < message.local_ts_ns:
            oid, venue, side, ticks, lots, ts = pending.pop(0)
            sim.submit(Place(oid, venue, "BTCUSDT", side, ticks, lots, TimeInForce.POST_ONLY,
                             ts), ts)
            sim.poll(ts)
        sim.on_market(message.event)
        reference += [r for r in sim.poll(message.local_ts_ns) if isinstance(r, Filled)]
        while pending and pending[0][-1] == message.local_ts_ns:
            oid, venue, side, ticks, lots, ts = pending.pop(0)
            sim.submit(Place(oid, venue, "BTCUSDT", side, ticks, lots, TimeInForce.POST_ONLY,
                             ts), ts)
            reference += [r for r in sim.poll(ts) if isinstance(r, Filled)]
    expected = [(f.order_id, f.price_ticks, f.size_lots, True) for f in reference]
    assert len(expected) >= 2
    assert sorted(ours) == sorted(expected)
