"""ccxt markets as our instruments: tick and lot grids, contract size, kind and fees, exactly.

ccxt gives a market's precision as floats in one of three modes: the step itself
(``TICK_SIZE``), a number of decimals (``DECIMAL_PLACES``) or significant digits
(``SIGNIFICANT_DIGITS``, a grid that moves with the price and cannot be an instrument's).
A float step is the double nearest a short decimal string, so its shortest repr is that
string: ``Decimal(repr(step))`` recovers it exactly.

Sizes: ccxt gives amounts in the market's own unit (base asset for spot, contracts for
derivatives). A :class:`Listing` converts them with ``amount_step`` into lots of the
instrument, whose ``lot_size`` is in base asset (spot, linear) or contracts (inverse).
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal

from workbench.core.errors import ValidationError
from workbench.core.instruments import Instrument, InstrumentKind
from workbench.execution.sim.fees import FeeSchedule

# ccxt's precision modes (ccxt.base.decimal_to_precision), fixed in its API.
DECIMAL_PLACES, SIGNIFICANT_DIGITS, TICK_SIZE = 2, 3, 4

#: Our venue name of a Binance market by ccxt exchange id and market kind: the names the
#: recorded data uses, so a live Binance feed and a replay are the same streams.
_BINANCE = {("binance", "spot"): "binance-spot", ("binance", "linear"): "binance-usdm",
            ("binanceusdm", "linear"): "binance-usdm", ("binance", "inverse"): "binance-coinm",
            ("binancecoinm", "inverse"): "binance-coinm"}
_UNSAFE = re.compile(r"[^A-Za-z0-9_.\-]")


@dataclass(frozen=True, slots=True)
class Listing:
    """One market of one venue, on our grids.

    Attributes
    ----------
    instrument : Instrument
        Our instrument (venue name and the venue's market id as symbol).
    ccxt_symbol : str
        ccxt's unified symbol, e.g. ``"BTC/USDT:USDT"``.
    fees : FeeSchedule
        The venue's default maker and taker fees, bps.
    amount_step : Decimal
        One lot in ccxt's amount unit (contracts for derivatives).
    """

    instrument: Instrument
    ccxt_symbol: str
    fees: FeeSchedule
    amount_step: Decimal

    @property
    def key(self) -> tuple[str, str]:
        """``(venue, symbol)`` of the instrument."""
        return self.instrument.key


def step_decimal(value: float | int | str | None, mode: int, what: str) -> Decimal:
    """A precision value of ccxt as the exact grid step.

    Raises
    ------
    ValidationError
        If the value is missing, not positive, or in significant digits.
    """
    if value is None:
        raise ValidationError(f"{what}: the venue gives no precision")
    if mode == SIGNIFICANT_DIGITS:
        raise ValidationError(f"{what}: precision in significant digits has no fixed step; "
                              "pass the step explicitly")
    if isinstance(value, float) and not math.isfinite(value):
        raise ValidationError(f"{what}: precision {value!r} is not finite")
    if mode == DECIMAL_PLACES:
        places = int(value)
        if places != value:
            raise ValidationError(f"{what}: {value!r} decimal places is not an integer")
        return Decimal(1).scaleb(-places)
    step = Decimal(repr(value)) if isinstance(value, float) else Decimal(str(value))
    if step <= 0:
        raise ValidationError(f"{what}: step {value!r} is not positive")
    return step


def market_kind(market: Mapping) -> InstrumentKind:
    """Spot, linear or inverse perpetual (dated futures too), or option.

    Raises
    ------
    ValidationError
        If the market is a derivative that says neither linear nor inverse.
    """
    if market.get("spot") or market.get("type") == "spot":
        return InstrumentKind.SPOT
    if market.get("option"):
        return InstrumentKind.OPTION
    if market.get("inverse"):
        return InstrumentKind.INVERSE_PERP
    if market.get("linear"):
        return InstrumentKind.LINEAR_PERP
    raise ValidationError(f"{market.get('symbol')}: a derivative neither linear nor inverse")


def venue_name(exchange_id: str, market: Mapping) -> str:
    """Our venue name for a market: Binance's recorded names, else ``<id>-<type>``."""
    kind = market_kind(market)
    family = {InstrumentKind.SPOT: "spot", InstrumentKind.LINEAR_PERP: "linear",
              InstrumentKind.INVERSE_PERP: "inverse"}.get(kind, "option")
    return _BINANCE.get((exchange_id, family)) or f"{exchange_id}-{market.get('type', family)}"


def listing(exchange_id: str, market: Mapping, precision_mode: int = TICK_SIZE,
            grids: Mapping[tuple[str, str], Instrument] | None = None) -> Listing:
    """One ccxt market as a :class:`Listing`.

    Parameters
    ----------
    exchange_id : str
        The ccxt id of the venue.
    market : mapping
        A market of ``exchange.markets``.
    precision_mode : int
        ``exchange.precisionMode``.
    grids : mapping, optional
        Known instruments by ``(venue, symbol)`` whose grids win: the book and trades of a
        spot market can sit on a finer size grid than today's order step (orders placed
        under an older, finer step still rest), as the recorded Binance data shows. Each
        must agree with the venue: same tick, and the venue's size step a whole number
        of its lots.

    Raises
    ------
    ValidationError
        On a missing or unusable precision, an unknown kind, or a known grid the venue
        contradicts.
    """
    symbol = _UNSAFE.sub("-", str(market["id"]))
    venue = venue_name(exchange_id, market)
    kind = market_kind(market)
    precision = market.get("precision") or {}
    what = f"{exchange_id} {market.get('symbol')}"
    tick = step_decimal(precision.get("price"), precision_mode, f"{what} price")
    order_step = step_decimal(precision.get("amount"), precision_mode, f"{what} amount")
    contract = Decimal(repr(float(market.get("contractSize") or 1)))
    per_amount = contract if kind is InstrumentKind.LINEAR_PERP else Decimal(1)
    known = (grids or {}).get((venue, symbol))
    if known is not None:
        _check_known(known, tick, order_step * per_amount, what)
        fees = FeeSchedule(_bps(market.get("maker")), _bps(market.get("taker")))
        return Listing(known, str(market["symbol"]), fees, known.lot_size / per_amount)
    amount = order_step
    if kind is InstrumentKind.SPOT and precision.get("base") is not None:
        amount = min(amount, step_decimal(precision["base"], precision_mode, f"{what} base"))
    inst = Instrument(venue, symbol, kind, str(market.get("base")), str(market.get("quote")),
                      tick, amount * per_amount,
                      contract if kind is InstrumentKind.INVERSE_PERP else Decimal(1))
    fees = FeeSchedule(_bps(market.get("maker")), _bps(market.get("taker")))
    return Listing(inst, str(market["symbol"]), fees, amount)


def _check_known(known: Instrument, tick: Decimal, order_lot: Decimal, what: str) -> None:
    if known.tick_size != tick:
        raise ValidationError(f"{what}: venue tick {tick} differs from the known tick "
                              f"{known.tick_size}")
    if (order_lot / known.lot_size) % 1 != 0:
        raise ValidationError(f"{what}: venue size step {order_lot} is not a whole number of "
                              f"known lots {known.lot_size}")


def _bps(fraction: float | None) -> float:
    if fraction is None:
        return 0.0
    return float(Decimal(repr(float(fraction))) * 10_000)


def listings(exchange, symbols: list[str],
             grids: Mapping[tuple[str, str], Instrument] | None = None) -> list[Listing]:
    """Listings of ``symbols`` (unified or venue ids) on a loaded exchange.

    Raises
    ------
    UnknownSymbolError
        If a symbol is not listed (before anything subscribes).
    """
    from workbench.connectors.registry import resolve_symbol

    unified = [resolve_symbol(exchange, s) for s in symbols]
    return [listing(exchange.id, exchange.markets[u], exchange.precisionMode, grids)
            for u in unified]
