"""Binance venues and the instruments of the recorded data, with their sync rules."""

from __future__ import annotations

from decimal import Decimal

from workbench.book.sync import BINANCE_FUTURES, BINANCE_SPOT, SyncRule
from workbench.core.errors import ValidationError
from workbench.core.instruments import Instrument, InstrumentKind

SPOT = "binance-spot"
USDM = "binance-usdm"
COINM = "binance-coinm"

#: Sync rule per venue.
SYNC_RULES: dict[str, SyncRule] = {
    SPOT: BINANCE_SPOT, USDM: BINANCE_FUTURES, COINM: BINANCE_FUTURES,
}

#: Folder names that name a venue, as used by the recorder's layout.
VENUE_ALIASES: dict[str, str] = {
    "spot": SPOT, "usdm": USDM, "um": USDM, "futures": USDM,
    "cm": COINM, "coinm": COINM, "delivery": COINM,
}


def _inst(venue: str, symbol: str, kind: InstrumentKind, base: str, quote: str,
          tick: str, lot: str, contract: str = "1") -> Instrument:
    return Instrument(venue, symbol, kind, base, quote, Decimal(tick), Decimal(lot),
                      Decimal(contract))


#: Tick size (PRICE_FILTER tickSize), contract value, and the size grid that book and trade
#: quantities lie on, as of the recorded data. On spot the size grid is finer than today's
#: order step (LOT_SIZE stepSize) because orders placed under older, finer steps still rest
#: in the book: BTCUSDT levels carry 6 decimals, ETHUSDT levels 5.
KNOWN: dict[tuple[str, str], Instrument] = {
    i.key: i
    for i in (
        _inst(SPOT, "BTCUSDT", InstrumentKind.SPOT, "BTC", "USDT", "0.01", "0.000001"),
        _inst(SPOT, "ETHUSDT", InstrumentKind.SPOT, "ETH", "USDT", "0.01", "0.00001"),
        _inst(USDM, "BTCUSDT", InstrumentKind.LINEAR_PERP, "BTC", "USDT", "0.10", "0.001"),
        _inst(USDM, "ETHUSDT", InstrumentKind.LINEAR_PERP, "ETH", "USDT", "0.01", "0.001"),
        _inst(COINM, "BTCUSD_PERP", InstrumentKind.INVERSE_PERP, "BTC", "USD", "0.1", "1", "100"),
        _inst(COINM, "ETHUSD_PERP", InstrumentKind.INVERSE_PERP, "ETH", "USD", "0.01", "1", "10"),
    )
}


def binance_instrument(venue: str, symbol: str,
                       overrides: dict[tuple[str, str], Instrument] | None = None) -> Instrument:
    """The instrument for ``(venue, symbol)``: from ``overrides`` first, then the known set.

    Raises
    ------
    ValidationError
        If the instrument is unknown; pass it in ``overrides``.
    """
    key = (venue, symbol.upper())
    if overrides and key in overrides:
        return overrides[key]
    try:
        return KNOWN[key]
    except KeyError:
        raise ValidationError(
            f"unknown instrument {symbol} on {venue}: pass an Instrument with its tick and "
            f"lot size in instruments={{('{venue}', '{symbol}'): Instrument(...)}}"
        ) from None
