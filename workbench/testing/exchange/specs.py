"""What the local exchange lists: each replayed instrument with Binance's order filters.

The recorded data fixes the price tick and the grid book sizes lie on
(:mod:`workbench.data.binance.instruments`); orders have their own step and minimums,
Binance's ``LOT_SIZE`` and ``NOTIONAL`` / ``MIN_NOTIONAL`` filters, given here as of the
recording (2024-08). :func:`exchange_info` builds the ``exchangeInfo`` answer ccxt's
``load_markets`` parses.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from workbench.core.instruments import Instrument
from workbench.data.binance.instruments import COINM, SPOT, USDM

#: The venues served, by the name of their API family.
API_OF_VENUE = {SPOT: "spot", USDM: "usdm", COINM: "coinm"}
#: The futures families (their depth follows the ``pu`` chain; COIN-M serves market data
#: only).
FUTURES_APIS = ("usdm", "coinm")

#: Weight limits per minute of each API family (exchangeInfo ``REQUEST_WEIGHT``).
WEIGHT_LIMIT_PER_MINUTE = {"spot": 6000, "usdm": 2400, "coinm": 2400}

#: Order filters as of the recording: (step, min quantity, min notional in quote).
_ORDER_FILTERS: dict[tuple[str, str], tuple[str, str, str]] = {
    (SPOT, "BTCUSDT"): ("0.00001", "0.00001", "5"),
    (SPOT, "ETHUSDT"): ("0.0001", "0.0001", "5"),
    (USDM, "BTCUSDT"): ("0.001", "0.001", "100"),
    (USDM, "ETHUSDT"): ("0.001", "0.001", "20"),
    (COINM, "BTCUSD_PERP"): ("1", "1", "0"),
    (COINM, "ETHUSD_PERP"): ("1", "1", "0"),
}


@dataclass(frozen=True, slots=True)
class MarketSpec:
    """One listed instrument and its order filters.

    Attributes
    ----------
    instrument : Instrument
        Tick and size grid of the recorded data.
    step_size : Decimal
        Order quantity step (``LOT_SIZE.stepSize``), a multiple of the size grid.
    min_qty : Decimal
        Smallest order quantity.
    min_notional : Decimal
        Smallest ``price * quantity`` of an order, in the quote asset.
    """

    instrument: Instrument
    step_size: Decimal
    min_qty: Decimal
    min_notional: Decimal

    @property
    def api(self) -> str:
        """``"spot"``, ``"usdm"`` or ``"coinm"``."""
        return API_OF_VENUE[self.instrument.venue]

    @property
    def pair(self) -> str:
        """The underlying pair (``BTCUSD`` of COIN-M's ``BTCUSD_PERP``; else the symbol)."""
        return self.instrument.symbol.split("_")[0]

    @property
    def step_lots(self) -> int:
        """The order step in lots of the instrument."""
        return int(self.step_size / self.instrument.lot_size)

    @classmethod
    def of(cls, instrument: Instrument) -> MarketSpec:
        """The spec of a recorded instrument (its size grid as step when not tabulated)."""
        lot = str(instrument.lot_size)
        step, min_qty, notional = _ORDER_FILTERS.get(instrument.key, (lot, lot, "5"))
        return cls(instrument, Decimal(step), Decimal(min_qty), Decimal(notional))


def _decimals(step: Decimal) -> int:
    return max(-step.normalize().as_tuple().exponent, 0)


def _spot_symbol(spec: MarketSpec) -> dict:
    inst = spec.instrument
    return {
        "symbol": inst.symbol, "status": "TRADING",
        "baseAsset": inst.base, "baseAssetPrecision": 8,
        "quoteAsset": inst.quote, "quotePrecision": 8, "quoteAssetPrecision": 8,
        "baseCommissionPrecision": 8, "quoteCommissionPrecision": 8,
        "orderTypes": ["LIMIT", "LIMIT_MAKER", "MARKET"],
        "icebergAllowed": False, "ocoAllowed": False, "otoAllowed": False,
        "quoteOrderQtyMarketAllowed": False, "allowTrailingStop": False,
        "cancelReplaceAllowed": False, "amendAllowed": True,
        "isSpotTradingAllowed": True, "isMarginTradingAllowed": False,
        "filters": [
            {"filterType": "PRICE_FILTER", "minPrice": str(inst.tick_size),
             "maxPrice": "1000000", "tickSize": str(inst.tick_size)},
            {"filterType": "LOT_SIZE", "minQty": str(spec.min_qty), "maxQty": "9000",
             "stepSize": str(spec.step_size)},
            {"filterType": "NOTIONAL", "minNotional": str(spec.min_notional),
             "applyMinToMarket": True, "maxNotional": "9000000", "applyMaxToMarket": False,
             "avgPriceMins": 5},
        ],
        "permissions": [], "permissionSets": [["SPOT"]],
        "defaultSelfTradePreventionMode": "NONE",
        "allowedSelfTradePreventionModes": ["NONE"],
    }


def _futures_filters(spec: MarketSpec, max_price: str, max_qty: str,
                     market_max_qty: str) -> list[dict]:
    """Order filters of a futures contract (USD-M adds its minimum notional)."""
    inst = spec.instrument
    return [
        {"filterType": "PRICE_FILTER", "minPrice": str(inst.tick_size),
         "maxPrice": max_price, "tickSize": str(inst.tick_size)},
        {"filterType": "LOT_SIZE", "minQty": str(spec.min_qty), "maxQty": max_qty,
         "stepSize": str(spec.step_size)},
        {"filterType": "MARKET_LOT_SIZE", "minQty": str(spec.min_qty),
         "maxQty": market_max_qty, "stepSize": str(spec.step_size)},
        {"filterType": "MAX_NUM_ORDERS", "limit": 200},
    ]


_FUTURES_ORDERS = {"orderTypes": ["LIMIT", "MARKET"],
                   "timeInForce": ["GTC", "IOC", "FOK", "GTX"]}


def _usdm_symbol(spec: MarketSpec) -> dict:
    inst = spec.instrument
    filters = _futures_filters(spec, "4529764", "1000", "120")
    filters.append({"filterType": "MIN_NOTIONAL", "notional": str(spec.min_notional)})
    return {
        "symbol": inst.symbol, "pair": spec.pair, "contractType": "PERPETUAL",
        "deliveryDate": 4133404800000, "onboardDate": 1569398400000, "status": "TRADING",
        "baseAsset": inst.base, "quoteAsset": inst.quote, "marginAsset": inst.quote,
        "pricePrecision": _decimals(inst.tick_size),
        "quantityPrecision": _decimals(spec.step_size),
        "baseAssetPrecision": 8, "quotePrecision": 8, "underlyingType": "COIN",
        "filters": filters, **_FUTURES_ORDERS,
    }


def _coinm_symbol(spec: MarketSpec) -> dict:
    inst = spec.instrument
    return {
        "symbol": inst.symbol, "pair": spec.pair, "contractType": "PERPETUAL",
        "deliveryDate": 4133404800000, "onboardDate": 1597042800000,
        "contractStatus": "TRADING", "contractSize": int(inst.contract_value),
        "baseAsset": inst.base, "quoteAsset": inst.quote, "marginAsset": inst.base,
        "pricePrecision": _decimals(inst.tick_size), "quantityPrecision": 0,
        "baseAssetPrecision": 8, "quotePrecision": 8, "equalQtyPrecision": 4,
        "underlyingType": "COIN",
        "filters": _futures_filters(spec, "4520958", "1000000", "60000"), **_FUTURES_ORDERS,
    }


def exchange_info(api: str, specs: list[MarketSpec], server_time_ms: int) -> dict:
    """The ``exchangeInfo`` answer of one API family (``"spot"``, ``"usdm"``, ``"coinm"``)."""
    weight = {"rateLimitType": "REQUEST_WEIGHT", "interval": "MINUTE", "intervalNum": 1,
              "limit": WEIGHT_LIMIT_PER_MINUTE[api]}
    listed = [s for s in specs if s.api == api]
    if api == "spot":
        return {"timezone": "UTC", "serverTime": server_time_ms, "rateLimits": [weight],
                "exchangeFilters": [], "symbols": [_spot_symbol(s) for s in listed]}
    if api == "coinm":
        return {"timezone": "UTC", "serverTime": server_time_ms, "rateLimits": [weight],
                "exchangeFilters": [], "symbols": [_coinm_symbol(s) for s in listed]}
    assets = sorted({s.instrument.quote for s in listed})
    return {"timezone": "UTC", "serverTime": server_time_ms, "futuresType": "U_MARGINED",
            "rateLimits": [weight], "exchangeFilters": [],
            "assets": [{"asset": a, "marginAvailable": True, "autoAssetExchange": "0"}
                       for a in assets],
            "symbols": [_usdm_symbol(s) for s in listed]}
