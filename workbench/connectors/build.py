"""Feeds from command-line terms: a ccxt venue id, its symbols, native or not.

The checks come first: an unknown venue or symbol is refused before anything connects
(a ccxt venue's symbols are checked against its markets, which takes one REST call and
opens no socket).
"""

from __future__ import annotations

from collections.abc import Callable

from workbench.connectors.binance.feed import BinanceFeed, BinanceFeeds, venue_api
from workbench.connectors.ccxt_feed import CcxtFeed
from workbench.connectors.clock import ReceiveClock
from workbench.connectors.registry import check_venue, make_exchange
from workbench.core.errors import ValidationError
from workbench.data.binance.instruments import COINM, SPOT, USDM, binance_instrument

#: The native feed's venue of each Binance ccxt id.
NATIVE_VENUES = {"binance": SPOT, "binanceusdm": USDM, "binancecoinm": COINM}


def native_symbol(symbol: str) -> str:
    """``BTC/USDT`` or ``BTC/USDT:USDT`` as Binance's ``BTCUSDT``."""
    return symbol.split(":")[0].replace("/", "").upper()


def native_feed(venue_id: str, symbols: list[str], clock: ReceiveClock,
                exchange_url: str | None = None, on_line=None, **kw) -> BinanceFeed:
    """The native feed of a Binance ccxt id.

    Raises
    ------
    ValidationError
        For a venue without a native feed, or a symbol without a known instrument.
    """
    check_venue(venue_id)
    venue = NATIVE_VENUES.get(venue_id)
    if venue is None:
        raise ValidationError(f"no native feed for {venue_id!r}: one of "
                              f"{sorted(NATIVE_VENUES)}, or drop --native")
    names = [native_symbol(s) for s in symbols]
    for name in names:
        binance_instrument(venue, name)
    return BinanceFeed(venue, names, api=venue_api(venue, exchange_url), clock=clock,
                       on_line=on_line, **kw)


async def ccxt_feed(venue_id: str, symbols: list[str], clock: ReceiveClock,
                    point: Callable | None = None, **kw) -> CcxtFeed:
    """A prepared ccxt feed (markets loaded, symbols checked, nothing subscribed).

    ``point(exchange)`` may rewrite the exchange's URLs (to a local exchange) first.

    Raises
    ------
    UnknownVenueError, UnknownSymbolError
        Before any socket opens.
    """
    exchange = make_exchange(venue_id)
    if point is not None:
        point(exchange)
    feed = CcxtFeed(exchange, symbols, clock=clock, **kw)
    try:
        await feed.prepare()
    except BaseException:
        await exchange.close()
        raise
    return feed


def group(feeds: list[BinanceFeed]) -> BinanceFeed | BinanceFeeds:
    """One native feed, or several sharing one hub."""
    return feeds[0] if len(feeds) == 1 else BinanceFeeds(feeds)
