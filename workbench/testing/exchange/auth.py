"""Binance request signing, as the local exchange checks it.

REST: HMAC-SHA256 (hex) with the key's secret over the exact parameter string, the
query string followed by the form body, without the ``signature`` parameter; the key in
the ``X-MBX-APIKEY`` header. Websocket API: the same HMAC over the request's parameters
other than ``signature``, sorted by name, as ``k=v&...`` (booleans ``true`` / ``false``).
Both carry ``timestamp`` (ms) and an optional ``recvWindow`` (ms, at most 60000): a
request is refused with ``-1021`` when its timestamp is more than 1 s ahead of the
exchange's clock or older than the window.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping
from dataclasses import dataclass, field

from workbench.testing.exchange.errors import (
    BAD_API_KEY_FMT,
    INVALID_SIGNATURE,
    INVALID_TIMESTAMP,
    REJECTED_MBX_KEY,
    BinanceError,
    missing,
)

#: Default ``recvWindow``, ms.
RECV_WINDOW_MS = 5000
#: How far ahead of the exchange's clock a timestamp may be, ms.
AHEAD_MS = 1000


def hmac_hex(secret: str, payload: str) -> str:
    """HMAC-SHA256 of ``payload`` with ``secret``, lowercase hex."""
    return hmac.new(secret.encode(), payload.encode(), hashlib.sha256).hexdigest()


def rest_payload(query: str, body: str) -> tuple[str, str | None]:
    """``(signed string, signature)`` of a REST request's raw query string and body."""
    signature = None
    parts = []
    for chunk in (query, body):
        if not chunk:
            continue
        kept = []
        for item in chunk.split("&"):
            if item.startswith("signature="):
                signature = item[len("signature="):]
            else:
                kept.append(item)
        parts.append("&".join(kept))
    return "".join(parts), signature


def ws_payload(params: Mapping[str, object]) -> str:
    """The string a websocket-API request's signature covers."""
    return "&".join(f"{k}={_ws_value(v)}" for k, v in sorted(params.items())
                    if k != "signature")


def _ws_value(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


@dataclass
class ApiKeys:
    """The API keys the exchange accepts: ``key -> secret``."""

    secrets: dict[str, str] = field(default_factory=dict)

    def check_key(self, api_key: str | None) -> str:
        """The secret of ``api_key``.

        Raises
        ------
        BinanceError
            ``-2014`` (401) when the key is missing, ``-2015`` (401) when unknown.
        """
        if not api_key:
            raise BinanceError(BAD_API_KEY_FMT, "API-key format invalid.", status=401)
        secret = self.secrets.get(api_key)
        if secret is None:
            raise BinanceError(REJECTED_MBX_KEY, "Invalid API-key, IP, or permissions for "
                               "action.", status=401)
        return secret

    def check(self, api_key: str | None, payload: str, signature: object,
              params: Mapping[str, object], server_ms: int) -> None:
        """Check a signed request: key, signature, then timestamp.

        Raises
        ------
        BinanceError
            ``-2014`` / ``-2015`` for the key, ``-1022`` for the signature, ``-1102`` for
            a missing timestamp, ``-1021`` for a timestamp outside ``recvWindow``.
        """
        secret = self.check_key(api_key)
        if not isinstance(signature, str) or not hmac.compare_digest(
                hmac_hex(secret, payload), signature.lower()):
            raise BinanceError(INVALID_SIGNATURE, "Signature for this request is not valid.")
        check_timestamp(params, server_ms)


def check_timestamp(params: Mapping[str, object], server_ms: int) -> None:
    """Refuse a request whose ``timestamp`` is outside its ``recvWindow``.

    Raises
    ------
    BinanceError
        ``-1102`` when missing or malformed, ``-1021`` when outside the window.
    """
    try:
        timestamp = int(params["timestamp"])
    except (KeyError, TypeError, ValueError):
        raise missing("timestamp") from None
    try:
        window = int(params.get("recvWindow", RECV_WINDOW_MS))
    except (TypeError, ValueError):
        raise missing("recvWindow") from None
    if not 0 < window <= 60_000:
        raise BinanceError(-1131, "recvWindow must be less than 60000")
    if timestamp >= server_ms + AHEAD_MS:
        raise BinanceError(INVALID_TIMESTAMP, "Timestamp for this request was 1000ms ahead "
                           "of the server's time.")
    if server_ms - timestamp > window:
        raise BinanceError(INVALID_TIMESTAMP, "Timestamp for this request is outside of the "
                           "recvWindow.")
