"""Point ccxt's Binance classes at the local exchange, so that nothing reaches out.

ccxt keeps every endpoint in ``exchange.urls`` (``api``, and ``test`` / ``demo`` for its
sandbox and demo modes). :func:`point_ccxt` rewrites every string there:

- spot, USD-M and COIN-M REST (``api.binance.com/api|sapi``, ``fapi.binance.com/fapi``,
  ``dapi.binance.com/dapi``, their testnet and demo hosts) keep their path on the local
  exchange;
- spot market streams (``stream.binance.com``) go under ``/stream``, USD-M ones
  (``fstream.binance.com``) under ``/fstream``, COIN-M ones (``dstream.binance.com``)
  under ``/dstream``: ccxt tells spot from futures depth messages by ``'/stream' in url``,
  and builds USD-M URLs from a base ending in ``/ws``;
- the websocket APIs (``/ws-api/v3``, ``/ws-fapi/v1``) keep their path;
- anything else (the COIN-M websocket API, options, portfolio margin, ...) goes to
  ``/unsupported/<host>/<path>`` on the local exchange, which answers 404.

:func:`ccxt_config` gives the options that keep ``load_markets`` to one market type and
off the signed ``/sapi`` endpoints; :func:`binance_client` builds a pointed object.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from workbench.core.errors import ValidationError

_SPOT_REST = {"api.binance.com", "testnet.binance.vision", "demo-api.binance.com"}
_USDM_REST = {"fapi.binance.com", "testnet.binancefuture.com", "demo-fapi.binance.com"}
_COINM_REST = {"dapi.binance.com", "testnet.binancefuture.com", "demo-dapi.binance.com"}
_SPOT_STREAM = {"stream.binance.com", "stream.testnet.binance.vision", "demo-stream.binance.com"}
_USDM_STREAM = {"fstream.binance.com", "fstream.binancefuture.com"}
_COINM_STREAM = {"dstream.binance.com", "dstream.binancefuture.com"}
_REST_PATHS = ("/api/", "/sapi/", "/fapi/", "/futures/")
_COINM_PATHS = ("/dapi/",)


def local_url(url: str, base: str) -> str:
    """The local exchange's URL for one of ccxt's Binance URLs.

    Parameters
    ----------
    url : str
        A URL of ``exchange.urls``.
    base : str
        The local exchange's ``http://127.0.0.1:P``.
    """
    parts = urlsplit(url)
    host, path = parts.hostname or "", parts.path
    ws = parts.scheme in ("ws", "wss")
    root = ("ws" + base[4:]) if ws else base
    query = f"?{parts.query}" if parts.query else ""
    if ws:
        if path.startswith(("/ws-api/", "/ws-fapi/")) and (
                host.startswith("ws-") or host in _USDM_REST or host.startswith("demo-ws-")):
            return root + path + query
        if host in _SPOT_STREAM:
            return root + "/stream" + path + query
        if host in _USDM_STREAM:
            return root + "/fstream" + path + query
        if host in _COINM_STREAM:
            return root + "/dstream" + path + query
    elif (host in _SPOT_REST or host in _USDM_REST) and path.startswith(_REST_PATHS):
        return root + path + query
    elif host in _COINM_REST and path.startswith(_COINM_PATHS):
        return root + path + query
    return root + "/unsupported/" + host + path + query


def _rewrite(node: object, base: str) -> object:
    if isinstance(node, str):
        return local_url(node, base) if "://" in node else node
    if isinstance(node, dict):
        return {k: _rewrite(v, base) for k, v in node.items()}
    if isinstance(node, list):
        return [_rewrite(v, base) for v in node]
    return node


def point_ccxt(exchange, base: str):
    """Rewrite ``exchange.urls['api' | 'test' | 'demo']`` to the local exchange at ``base``.

    Works for ``ccxt.binance``, ``ccxt.async_support.binance`` and ``ccxt.pro.binance``
    (call it before ``load_markets``). Returns the exchange.
    """
    for section in ("api", "test", "demo"):
        if section in exchange.urls:
            exchange.urls[section] = _rewrite(exchange.urls[section], base)
    return exchange


def ccxt_config(market: str = "spot") -> dict:
    """Constructor config for a ccxt Binance object on the local exchange.

    Parameters
    ----------
    market : str
        ``"spot"``, ``"linear"`` (USD-M) or ``"inverse"`` (COIN-M): the only market type
        ``load_markets`` loads.

    Returns
    -------
    dict
        ``{"options": ..., "streaming": ...}``: one ``exchangeInfo`` call in
        ``load_markets``, the default type, no ``/sapi`` calls, ``fetch_open_orders``
        without a symbol allowed, and websocket keep-alive pings every 10 s.

    Raises
    ------
    ValidationError
        If ``market`` is none of these.
    """
    if market not in ("spot", "linear", "inverse"):
        raise ValidationError(f"market must be 'spot', 'linear' or 'inverse', got {market!r}")
    return {
        "options": {
            "fetchMarkets": {"types": [market]},
            "defaultType": "spot" if market == "spot" else "swap",
            "defaultSubType": None if market == "spot" else market,
            "fetchCurrencies": False,
            "fetchMargins": False,
            "warnOnFetchOpenOrdersWithoutSymbol": False,
        },
        "streaming": {"keepAlive": 10000},
    }


def binance_client(base: str, market: str = "spot", pro: bool = True, **config):
    """A ccxt Binance object (``ccxt.pro`` or ``ccxt.async_support``) on the local exchange.

    Parameters
    ----------
    base : str
        The local exchange's ``http://127.0.0.1:P``.
    market : str
        ``"spot"``, ``"linear"`` or ``"inverse"``.
    pro : bool
        ``ccxt.pro.binance`` (websockets) or ``ccxt.async_support.binance`` (REST only).
    **config
        More constructor config (``apiKey``, ``secret``, ``enableRateLimit``...); its
        ``options`` are merged over :func:`ccxt_config`'s.
    """
    if pro:
        from ccxt.pro import binance
    else:
        from ccxt.async_support import binance
    merged = ccxt_config(market)
    merged["options"].update(config.pop("options", {}))
    merged.update(config)
    return point_ccxt(binance(merged), base)
