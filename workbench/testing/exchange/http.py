"""Small pieces every REST handler of the local exchange uses: parameters and JSON answers."""

from __future__ import annotations

import orjson
from aiohttp import web

from workbench.testing.exchange.errors import BinanceError, missing

#: Where a request keeps the weight it left used this minute (for the response header).
USED_WEIGHT = web.RequestKey("used_weight", int)


def json_response(body: object, status: int = 200,
                  headers: dict[str, str] | None = None) -> web.Response:
    """A JSON answer (orjson-encoded)."""
    return web.Response(body=orjson.dumps(body), status=status, headers=headers,
                        content_type="application/json")


def error_response(error: BinanceError) -> web.Response:
    """Binance's error answer."""
    return json_response(error.body(), error.status, error.headers)


def api_of(request: web.Request) -> str:
    """``"usdm"`` for ``/fapi/...`` paths, ``"coinm"`` for ``/dapi/...``, else ``"spot"``."""
    path = request.path
    return "usdm" if path.startswith("/fapi/") else "coinm" if path.startswith("/dapi/") \
        else "spot"


def require(params: dict[str, str], name: str) -> str:
    """A mandatory parameter.

    Raises
    ------
    BinanceError
        ``-1102`` when it is missing or empty.
    """
    value = params.get(name)
    if value is None or value == "":
        raise missing(name)
    return value


def int_param(params: dict[str, str], name: str, default: int | None = None) -> int | None:
    """An integer parameter (``default`` when absent).

    Raises
    ------
    BinanceError
        ``-1100`` when it is not an integer.
    """
    value = params.get(name)
    if value is None or value == "":
        return default
    try:
        return int(value)
    except ValueError:
        raise BinanceError(-1100, f"Illegal characters found in parameter '{name}'; legal "
                           "range is '^[0-9]{1,20}$'.") from None
