"""Binance's error answers: ``{"code": <negative int>, "msg": <text>}`` with an HTTP status.

ccxt maps the codes onto its exception classes (``-1021`` InvalidNonce, ``-2011`` and
``-2013`` OrderNotFound, ``-2010`` InsufficientFunds / InvalidOrder by message, ``-1013``
InvalidOrder, ``-1003`` RateLimitExceeded, ``-1022`` / ``-2015`` AuthenticationError), so
the exchange raises :class:`BinanceError` with the code Binance would send.
"""

from __future__ import annotations

from collections.abc import Mapping

from workbench.core.errors import WorkbenchError

UNKNOWN = -1000
DISCONNECTED = -1001
TOO_MANY_REQUESTS = -1003
INVALID_MESSAGE = -1013
INVALID_TIMESTAMP = -1021
INVALID_SIGNATURE = -1022
ILLEGAL_CHARS = -1100
MANDATORY_PARAM_EMPTY_OR_MALFORMED = -1102
INVALID_PARAMETER = -1104
INVALID_TIF = -1115
INVALID_ORDER_TYPE = -1116
INVALID_SIDE = -1117
BAD_SYMBOL = -1121
INVALID_LISTEN_KEY = -1125
NEW_ORDER_REJECTED = -2010
CANCEL_REJECTED = -2011
NO_SUCH_ORDER = -2013
BAD_API_KEY_FMT = -2014
REJECTED_MBX_KEY = -2015
POST_ONLY_REJECTED = -5022


class BinanceError(WorkbenchError):
    """An error answer of the local exchange.

    Parameters
    ----------
    code : int
        Binance's error code (negative).
    msg : str
        Binance's message for it.
    status : int
        HTTP status (400 for request errors, 401 for keys, 429 / 418 for rate limits).
    headers : mapping, optional
        Extra response headers (``Retry-After``).
    """

    def __init__(self, code: int, msg: str, status: int = 400,
                 headers: Mapping[str, str] | None = None) -> None:
        super().__init__(f"{code}: {msg}")
        self.code = code
        self.msg = msg
        self.status = status
        self.headers = dict(headers or {})

    def body(self) -> dict:
        """The JSON body Binance sends."""
        return {"code": self.code, "msg": self.msg}


def unknown_order(cancel: bool = False) -> BinanceError:
    """``-2011`` for a cancel, ``-2013`` for a query: the order is not known."""
    if cancel:
        return BinanceError(CANCEL_REJECTED, "Unknown order sent.")
    return BinanceError(NO_SUCH_ORDER, "Order does not exist.")


def bad_symbol() -> BinanceError:
    """``-1121``."""
    return BinanceError(BAD_SYMBOL, "Invalid symbol.")


def missing(name: str) -> BinanceError:
    """``-1102``: a mandatory parameter is missing or malformed."""
    return BinanceError(MANDATORY_PARAM_EMPTY_OR_MALFORMED,
                        f"Mandatory parameter '{name}' was not sent, was empty/null, or "
                        "malformed.")


def rate_limited(status: int, retry_after_s: int) -> BinanceError:
    """``429`` (too many requests) or ``418`` (IP banned), with ``Retry-After``."""
    if status == 418:
        msg = f"Way too many requests; IP banned for {retry_after_s} s."
    else:
        msg = "Too many requests; current limit is exceeded. Please use the websocket for "\
              "live updates to avoid polling the API."
    return BinanceError(TOO_MANY_REQUESTS, msg, status, {"Retry-After": str(retry_after_s)})
