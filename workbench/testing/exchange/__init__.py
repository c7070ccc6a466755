"""A local Binance (spot and USD-M; COIN-M market data) on 127.0.0.1, for testing clients
against real sockets.

The exchange replays recorded market data (the bundled sample by default) through its own
books and the simulated exchange's matching rules, and speaks Binance's wire protocol:
REST (``/api/v3``, ``/fapi/v1``; ``/dapi/v1`` for COIN-M market data), market streams
(raw ``/ws`` and combined ``/stream``, depth diffs with their ``U``/``u``/``pu`` ids,
trades, bookTicker), the websocket API
(``/ws-api/v3``, ``/ws-fapi/v1``) and the user-data streams (spot over the websocket API,
USD-M by listen key), with faults a test switches on. The unmodified ccxt client
(``ccxt.binance``, ``ccxt.pro.binance``) works against it once its URLs are rewritten.

Our orders (signed with ``ex.api_key`` / ``ex.api_secret``) are matched by one
:class:`~workbench.execution.sim.SimExchange` at zero latency, whose books are the
exchange's: the rules of backtests and paper runs. Spot has balances (funds locked by
orders, commissions in the asset received); USD-M a wallet and one-way positions.

Starting it in a test
---------------------
::

    import asyncio
    from workbench.testing.exchange import LocalExchange, Recording, binance_client

    RECORDING = Recording(cache=True)   # the bundled sample, parsed once

    async def scenario():
        async with LocalExchange(RECORDING, speed=None, paused=True) as ex:
            ex.urls.rest            # http://127.0.0.1:<port>  (REST of both families)
            ex.urls.spot_stream     # ws://127.0.0.1:<port>/stream  (+ /ws, /stream?streams=)
            ex.urls.usdm_stream     # ws://127.0.0.1:<port>/fstream (+ /ws, /public/ws, ...)
            client = binance_client(ex.urls.rest, "spot", enableRateLimit=False)
            try:
                await client.load_markets()
                ex.replay.resume()                  # or: await ex.replay.step(100)
                book = await client.watch_order_book("BTC/USDT")
                ex.book("binance-spot", "BTCUSDT")  # the exchange's own book
                await ex.faults.drop_market_sockets()   # ccxt: NetworkError
                ex.faults.lose(1, api="spot")           # a diff lost: ccxt ChecksumError
            finally:
                await client.close()

    asyncio.run(scenario())

- ``speed``: 1 is real time, N is N times faster, None as fast as the slowest subscriber
  reads. ``paused=True`` starts with the replay paused once the books are synchronised
  (``ex.replay.resume()``, ``pause()``, ``await step(n)``, ``speed = ...``).
- A depth snapshot (``GET /api/v3/depth``, ``/fapi/v1/depth``) is the exchange's own book
  as of a ``lastUpdateId`` that the diff stream continues from; on USD-M it is taken just
  after the next diff of the symbol is published (so ``U <= lastUpdateId <= u`` holds for
  that diff), which advances a paused replay by that much.
- Point an existing ccxt object with :func:`point_ccxt(exchange, ex.urls.rest)
  <point_ccxt>`; :func:`ccxt_config` has the options that keep it lean.
- Trading: ``client = ex.ccxt("spot")`` (keys included); ``create_order``,
  ``create_order_ws``, ``watch_orders``, ... ``ex.trading.orders`` is the exchange's view.
- Faults: :class:`Faults` (``ex.faults``): market data (``drop_market_sockets``,
  ``stall_market``, ``lose``, ``duplicate``, ``swap``, ``delay_market``,
  ``send_malformed``), REST (``rate_limit``; the weight limit answers 429 / 418 on its
  own), clock (``set_clock_skew``), orders (``reject_orders``, ``hold_orders``,
  ``delay_order_responses``, ``fill``, ``fill_on_cancel``), user data
  (``drop_user_sockets``, ``drop_ws_api_sockets``, ``delay_user``). From another
  process: ``POST /_control/fault`` with ``{"name": ..., "args": {...}}`` and
  ``POST /_control/replay``.
- From a shell: ``workbench exchange serve --port 8765 [--data FILE...] [--speed 1]``.
"""

from workbench.testing.exchange.ccxt_urls import binance_client, ccxt_config, local_url, point_ccxt
from workbench.testing.exchange.faults import Faults
from workbench.testing.exchange.server import ExchangeUrls, LocalExchange, Recording

__all__ = [
    "ExchangeUrls",
    "Faults",
    "LocalExchange",
    "Recording",
    "binance_client",
    "ccxt_config",
    "local_url",
    "point_ccxt",
]
