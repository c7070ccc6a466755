"""Pointing ccxt at the local exchange leaves nothing that reaches out."""

from __future__ import annotations

import asyncio
import socket
from urllib.parse import urlsplit

import ccxt
import ccxt.async_support
import ccxt.pro
import pytest

from tests.testing.conftest import TIMEOUT_S
from workbench.testing.exchange import LocalExchange, binance_client, local_url, point_ccxt

BASE = "http://127.0.0.1:5555"
LOCAL = {"127.0.0.1", "localhost", "::1"}


def _strings(node):
    if isinstance(node, str):
        yield node
    elif isinstance(node, dict):
        for v in node.values():
            yield from _strings(v)
    elif isinstance(node, list):
        for v in node:
            yield from _strings(v)


@pytest.mark.parametrize("cls", [ccxt.binance, ccxt.async_support.binance, ccxt.pro.binance],
                         ids=["sync", "async", "pro"])
def test_every_url_points_at_the_local_exchange(cls):
    exchange = point_ccxt(cls(), BASE)
    urls = [u for section in ("api", "test", "demo") for u in _strings(exchange.urls[section])]
    assert len(urls) >= 40
    for url in urls:
        assert urlsplit(url).hostname == "127.0.0.1" and urlsplit(url).port == 5555, url


def test_the_urls_ccxt_uses_keep_their_roles():
    ws = point_ccxt(ccxt.pro.binance(), BASE).urls["api"]["ws"]
    # ccxt tells spot from futures depth by '/stream' in the URL; USD-M URLs end in /ws.
    assert "/stream" in ws["spot"] and "/stream" not in ws["linear"]
    assert ws["spot"] == "ws://127.0.0.1:5555/stream/ws"
    assert ws["linear"] == "ws://127.0.0.1:5555/fstream/ws"
    assert ws["inverse"] == "ws://127.0.0.1:5555/dstream/ws" and "/stream" not in ws["inverse"]
    assert ws["ws-api"]["spot"] == "ws://127.0.0.1:5555/ws-api/v3"
    assert ws["ws-api"]["linear"] == "ws://127.0.0.1:5555/ws-fapi/v1"
    api = point_ccxt(ccxt.binance(), BASE).urls["api"]
    assert api["public"] == "http://127.0.0.1:5555/api/v3"
    assert api["fapiPrivateV3"] == "http://127.0.0.1:5555/fapi/v3"
    assert api["dapiPublic"] == "http://127.0.0.1:5555/dapi/v1"
    # Families the exchange does not serve are still local, under /unsupported.
    assert api["eapiPublic"] == "http://127.0.0.1:5555/unsupported/eapi.binance.com/eapi/v1"
    assert local_url("wss://nbstream.binance.com/eoptions/ws", BASE) == \
        "ws://127.0.0.1:5555/unsupported/nbstream.binance.com/eoptions/ws"


@pytest.mark.parametrize("market", ["spot", "linear", "inverse"])
def test_a_full_ccxt_session_resolves_and_connects_to_loopback_only(recording, market,
                                                                    monkeypatch):
    """Every name resolved and every connection opened during load_markets, REST and
    websocket calls, and an unsupported endpoint, is local."""
    resolved, connected = [], []
    real_getaddrinfo = socket.getaddrinfo
    real_connect = asyncio.BaseEventLoop.create_connection

    def getaddrinfo(host, *args, **kwargs):
        resolved.append(host)
        return real_getaddrinfo(host, *args, **kwargs)

    async def create_connection(self, protocol_factory, host=None, port=None, **kwargs):
        sock = kwargs.get("sock")  # aiohttp connects the socket itself, then hands it over
        connected.append(host if sock is None else sock.getpeername()[0])
        return await real_connect(self, protocol_factory, host, port, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    monkeypatch.setattr(asyncio.BaseEventLoop, "create_connection", create_connection)
    symbol = {"spot": "BTC/USDT", "linear": "BTC/USDT:USDT", "inverse": "BTC/USD:BTC"}[market]

    async def scenario():
        # Real time: the trades stream must still be running once the REST calls are done
        # (as fast as possible, the 40 s replay can end before ``watch_trades`` joins).
        async with LocalExchange(recording, speed=1.0) as ex:
            client = binance_client(ex.urls.rest.replace("127.0.0.1", "localhost"), market,
                                    enableRateLimit=False)
            try:
                await client.load_markets()
                await client.fetch_time()
                await client.fetch_order_book(symbol)
                await asyncio.wait_for(client.watch_order_book(symbol), TIMEOUT_S)
                await asyncio.wait_for(client.watch_trades(symbol), TIMEOUT_S)
                with pytest.raises(ccxt.BaseError):
                    await client.eapiPublicGetExchangeInfo()
            finally:
                await client.close()

    asyncio.run(scenario())
    assert "localhost" in resolved and len(connected) >= 3
    assert set(resolved) <= LOCAL and set(connected) <= LOCAL, (resolved, connected)
