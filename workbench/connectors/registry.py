"""The venues ccxt knows, by ccxt id: what each supports, and building one.

:func:`venues` lists every exchange of ``ccxt.exchanges`` with what its (``ccxt.pro``
where there is one) class declares in ``has``: a websocket book, trades, tickers, orders
over websocket. Those dicts are static, so listing needs no network. :func:`make_exchange`
builds an exchange object for a venue; it raises :class:`UnknownVenueError` for an id ccxt
does not know before anything is built, let alone connected.
"""

from __future__ import annotations

import difflib
import importlib
from dataclasses import asdict, dataclass
from typing import Any

from workbench.core.errors import ValidationError


class UnknownVenueError(ValidationError):
    """A venue id that ccxt does not know."""


class UnknownSymbolError(ValidationError):
    """A symbol the venue does not list."""


@dataclass(frozen=True, slots=True)
class VenueInfo:
    """What one ccxt exchange supports.

    Attributes
    ----------
    id, name : str
        ccxt id (``"binance"``) and display name.
    pro : bool
        Whether ``ccxt.pro`` has a websocket class for it.
    ws_book, ws_book_for_symbols, ws_trades, ws_ticker : bool
        ``watchOrderBook``, ``watchOrderBookForSymbols``, ``watchTrades``, ``watchTicker``.
    ws_orders, ws_create_order : bool
        ``watchOrders`` (order updates pushed) and ``createOrderWs`` (orders sent over the
        socket).
    rest_book, rest_trades : bool
        ``fetchOrderBook`` and ``fetchTrades``: what the polling fallback uses.
    """

    id: str
    name: str
    pro: bool
    ws_book: bool
    ws_book_for_symbols: bool
    ws_trades: bool
    ws_ticker: bool
    ws_orders: bool
    ws_create_order: bool
    rest_book: bool
    rest_trades: bool

    @property
    def book_source(self) -> str:
        """``"websocket"`` where the book streams, ``"rest-poll"`` where it is polled."""
        return "websocket" if self.ws_book else "rest-poll" if self.rest_book else "none"


def _ccxt():
    return importlib.import_module("ccxt")


def _ccxt_pro():
    return importlib.import_module("ccxt.pro")


def exchange_ids() -> list[str]:
    """Every ccxt exchange id, sorted."""
    return sorted(_ccxt().exchanges)


def check_venue(venue_id: str) -> str:
    """``venue_id`` if ccxt knows it.

    Raises
    ------
    UnknownVenueError
        Naming the closest ids ccxt does know.
    """
    ids = exchange_ids()
    if venue_id in ids:
        return venue_id
    close = difflib.get_close_matches(venue_id.lower(), ids, n=3, cutoff=0.6)
    hint = f"; did you mean {', '.join(close)}?" if close else "; `workbench venues` lists them"
    raise UnknownVenueError(f"unknown venue {venue_id!r}: not a ccxt exchange id{hint}")


def _exchange_class(venue_id: str, pro: bool):
    if pro and venue_id in _ccxt_pro().exchanges:
        return getattr(_ccxt_pro(), venue_id)
    return getattr(importlib.import_module("ccxt.async_support"), venue_id)


def venue_info(venue_id: str) -> VenueInfo:
    """What ``venue_id`` supports.

    Raises
    ------
    UnknownVenueError
        If ccxt does not know the id.
    """
    check_venue(venue_id)
    pro = venue_id in _ccxt_pro().exchanges
    cls = getattr(_ccxt_pro(), venue_id) if pro else getattr(_ccxt(), venue_id)
    exchange = cls()
    has = exchange.has

    def yes(name: str) -> bool:
        return bool(has.get(name))  # ``"emulated"`` counts as supported

    return VenueInfo(venue_id, str(exchange.name), pro, yes("watchOrderBook"),
                     yes("watchOrderBookForSymbols"), yes("watchTrades"), yes("watchTicker"),
                     yes("watchOrders"), yes("createOrderWs"), yes("fetchOrderBook"),
                     yes("fetchTrades"))


def venues() -> list[VenueInfo]:
    """Every ccxt exchange and what it supports, sorted by id (no network)."""
    return [venue_info(v) for v in exchange_ids()]


_COLUMNS = (("id", "id"), ("name", "name"), ("pro", "pro"), ("ws_book", "ws book"),
            ("ws_trades", "ws trades"), ("ws_ticker", "ws ticker"),
            ("ws_orders", "ws orders"), ("ws_create_order", "ws create"),
            ("book_source", "book via"))


def venues_table(infos: list[VenueInfo]) -> str:
    """The venues as an aligned text table, with a count line at the end."""
    rows = [[_cell(getattr(i, key)) for key, _ in _COLUMNS] for i in infos]
    head = [title for _, title in _COLUMNS]
    widths = [max(len(r[c]) for r in [head, *rows]) for c in range(len(head))]
    lines = ["  ".join(v.ljust(w) for v, w in zip(r, widths)).rstrip() for r in [head, *rows]]
    counts = (f"{len(infos)} venues, {sum(i.pro for i in infos)} with websockets, "
              f"{sum(i.ws_book for i in infos)} stream books, "
              f"{sum(i.ws_orders for i in infos)} push orders, "
              f"{sum(i.ws_create_order for i in infos)} take orders over websocket")
    return "\n".join([*lines, counts])


def venues_json(infos: list[VenueInfo]) -> list[dict[str, Any]]:
    """The venues as JSON-ready dicts."""
    return [{**asdict(i), "book_source": i.book_source} for i in infos]


def _cell(value: Any) -> str:
    if isinstance(value, bool):
        return "yes" if value else "-"
    return str(value)


#: Options that keep ``load_markets`` to the one public call a feed needs, per family.
LEAN_OPTIONS: dict[str, dict[str, Any]] = {
    "binance": {"fetchMarkets": {"types": ["spot"]}, "fetchCurrencies": False,
                "fetchMargins": False},
    "binanceusdm": {"fetchMarkets": {"types": ["linear"]}, "fetchCurrencies": False,
                    "fetchMargins": False},
    "binancecoinm": {"fetchMarkets": {"types": ["inverse"]}, "fetchCurrencies": False,
                     "fetchMargins": False},
}


def make_exchange(venue_id: str, *, pro: bool = True, options: dict | None = None,
                  config: dict | None = None):
    """A ccxt exchange object for ``venue_id`` (async; ``ccxt.pro`` where it exists).

    The object syncs its clock with the venue's at ``load_markets``
    (``adjustForTimeDifference``), answers the server's pings within 10 s, and records
    which book levels every update changes (see :mod:`workbench.connectors.ccxt_book`).
    Nothing is connected until a method that needs the network is awaited.

    Parameters
    ----------
    venue_id : str
        A ccxt id, e.g. ``"binance"``, ``"binanceusdm"``, ``"kraken"``.
    pro : bool
        Use the websocket class where ccxt has one.
    options, config : dict, optional
        Merged into ccxt's ``options`` and the constructor's config.

    Raises
    ------
    UnknownVenueError
        If ccxt does not know the id.
    """
    from workbench.connectors.ccxt_book import install_recording_books

    check_venue(venue_id)
    merged_options = {"adjustForTimeDifference": True, **LEAN_OPTIONS.get(venue_id, {}),
                      **(options or {})}
    exchange = _exchange_class(venue_id, pro)({
        "enableRateLimit": True,
        "streaming": {"keepAlive": 10_000},
        **(config or {}),
        "options": merged_options,
    })
    install_recording_books(exchange)
    return exchange


def resolve_symbol(exchange, symbol: str) -> str:
    """The unified ccxt symbol for ``symbol`` (unified, or the venue's own market id).

    Needs ``exchange.markets`` loaded.

    Raises
    ------
    UnknownSymbolError
        If the venue lists no such market, naming close ones.
    """
    markets = exchange.markets or {}
    if symbol in markets:
        return symbol
    by_id = getattr(exchange, "markets_by_id", None) or {}
    if symbol in by_id:
        return by_id[symbol][0]["symbol"]
    upper = symbol.upper()
    for m in markets.values():
        if m.get("id", "").upper() == upper:
            return m["symbol"]
    close = difflib.get_close_matches(symbol, list(markets), n=3, cutoff=0.6)
    hint = f"; did you mean {', '.join(close)}?" if close else ""
    raise UnknownSymbolError(f"{exchange.id} lists no market {symbol!r}{hint}")
