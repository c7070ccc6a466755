"""Our orders as the local exchange records them, and their Binance JSON shapes."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from workbench.core.events import Side
from workbench.testing.exchange.accounts import ZERO, fmt
from workbench.testing.exchange.specs import MarketSpec

#: Statuses of an order that is still working.
WORKING = ("NEW", "PARTIALLY_FILLED")


@dataclass
class OrderFill:
    """One execution of one of our orders."""

    trade_id: int
    price_ticks: int
    lots: int
    commission: Decimal
    commission_asset: str
    maker: bool
    time_ms: int
    realized_pnl: Decimal = ZERO


@dataclass
class ExchangeOrder:
    """One of our orders, as Binance reports it.

    ``limit_ticks`` is the price it matches at: its price, or for a market order the
    marketable bound it was sent to the matching with.
    """

    order_id: int
    client_order_id: str
    spec: MarketSpec
    side: Side
    order_type: str
    time_in_force: str
    price_ticks: int
    limit_ticks: int
    orig_lots: int
    time_ms: int
    status: str = "NEW"
    executed_lots: int = 0
    cum_quote: Decimal = ZERO
    update_ms: int = 0
    fills: list[OrderFill] = field(default_factory=list)
    reject_reason: str = ""
    transient: bool = False

    @property
    def working(self) -> bool:
        """True while the order rests (or may still fill)."""
        return self.status in WORKING

    @property
    def remaining_lots(self) -> int:
        """Size not filled yet."""
        return self.orig_lots - self.executed_lots

    @property
    def symbol(self) -> str:
        """The Binance symbol."""
        return self.spec.instrument.symbol

    def price(self) -> str:
        """The order's price (``0`` for a market order)."""
        return self.spec.instrument.format_price(self.price_ticks) if self.price_ticks else "0"

    def qty(self, lots: int) -> str:
        """A quantity in lots as a decimal string."""
        return self.spec.instrument.format_size(lots)

    def avg_price(self) -> str:
        """Average fill price (``0`` before any fill)."""
        if not self.executed_lots:
            return "0"
        return fmt(self.cum_quote / self.spec.instrument.lots_to_decimal(self.executed_lots))

    def fill_quote(self, fill: OrderFill) -> Decimal:
        """Quote amount of one fill."""
        inst = self.spec.instrument
        return inst.ticks_to_decimal(fill.price_ticks) * inst.lots_to_decimal(fill.lots)

    # -- REST shapes -------------------------------------------------------------------
    def spot_json(self, fills: bool = False) -> dict:
        """The spot order JSON (``GET /api/v3/order``, and ``POST`` with RESULT / FULL)."""
        out = {
            "symbol": self.symbol, "orderId": self.order_id, "orderListId": -1,
            "clientOrderId": self.client_order_id, "transactTime": self.update_ms,
            "price": self.price(), "origQty": self.qty(self.orig_lots),
            "executedQty": self.qty(self.executed_lots),
            "origQuoteOrderQty": "0", "cummulativeQuoteQty": fmt(self.cum_quote),
            "status": self.status, "timeInForce": self.time_in_force,
            "type": self.order_type, "side": self.side.name, "stopPrice": "0",
            "icebergQty": "0", "time": self.time_ms, "updateTime": self.update_ms,
            "isWorking": self.working, "workingTime": self.time_ms,
            "selfTradePreventionMode": "NONE",
        }
        if fills:
            out["fills"] = [{"price": self.spec.instrument.format_price(f.price_ticks),
                             "qty": self.qty(f.lots), "commission": fmt(f.commission),
                             "commissionAsset": f.commission_asset, "tradeId": f.trade_id}
                            for f in self.fills]
        return out

    def usdm_json(self) -> dict:
        """The USD-M order JSON."""
        return {
            "orderId": self.order_id, "symbol": self.symbol, "status": self.status,
            "clientOrderId": self.client_order_id, "price": self.price(),
            "avgPrice": self.avg_price(), "origQty": self.qty(self.orig_lots),
            "executedQty": self.qty(self.executed_lots),
            "cumQty": self.qty(self.executed_lots), "cumQuote": fmt(self.cum_quote),
            "timeInForce": self.time_in_force, "type": self.order_type,
            "reduceOnly": False, "closePosition": False, "side": self.side.name,
            "positionSide": "BOTH", "stopPrice": "0", "workingType": "CONTRACT_PRICE",
            "priceProtect": False, "origType": self.order_type, "priceMatch": "NONE",
            "selfTradePreventionMode": "NONE", "goodTillDate": 0, "time": self.time_ms,
            "updateTime": self.update_ms,
        }

    def json(self, fills: bool = False) -> dict:
        """The order JSON of its API family."""
        return self.spot_json(fills) if self.spec.api == "spot" else self.usdm_json()

    def trade_json(self, fill: OrderFill) -> dict:
        """One fill as ``GET /api/v3/myTrades`` or ``/fapi/v1/userTrades`` lists it."""
        inst = self.spec.instrument
        common = {"symbol": self.symbol, "id": fill.trade_id, "orderId": self.order_id,
                  "price": inst.format_price(fill.price_ticks), "qty": self.qty(fill.lots),
                  "quoteQty": fmt(self.fill_quote(fill)), "commission": fmt(fill.commission),
                  "commissionAsset": fill.commission_asset, "time": fill.time_ms}
        if self.spec.api == "spot":
            return {**common, "orderListId": -1, "isBuyer": self.side is Side.BUY,
                    "isMaker": fill.maker, "isBestMatch": True}
        return {**common, "buyer": self.side is Side.BUY, "maker": fill.maker,
                "realizedPnl": fmt(fill.realized_pnl), "side": self.side.name,
                "positionSide": "BOTH", "marginAsset": inst.quote}

    # -- user data events --------------------------------------------------------------
    def event(self, execution: str, now_ms: int, fill: OrderFill | None = None,
              orig_client_id: str = "", reject_reason: str = "NONE") -> dict:
        """The user-data event of an order update (spot ``executionReport``, USD-M
        ``ORDER_TRADE_UPDATE``); ``execution`` is Binance's execution type."""
        inst = self.spec.instrument
        last_qty = self.qty(fill.lots) if fill else "0"
        last_price = inst.format_price(fill.price_ticks) if fill else "0"
        if self.spec.api == "spot":
            return {
                "e": "executionReport", "E": now_ms, "s": self.symbol,
                "c": self.client_order_id, "S": self.side.name, "o": self.order_type,
                "f": self.time_in_force, "q": self.qty(self.orig_lots), "p": self.price(),
                "P": "0", "F": "0", "g": -1, "C": orig_client_id, "x": execution,
                "X": self.status, "r": reject_reason, "i": self.order_id, "l": last_qty,
                "z": self.qty(self.executed_lots), "L": last_price,
                "n": fmt(fill.commission) if fill else "0",
                "N": fill.commission_asset if fill else None,
                "T": fill.time_ms if fill else now_ms, "t": fill.trade_id if fill else -1,
                "I": 0, "w": self.working, "m": fill.maker if fill else False, "M": False,
                "O": self.time_ms, "Z": fmt(self.cum_quote),
                "Y": fmt(self.fill_quote(fill)) if fill else "0", "Q": "0",
                "W": self.time_ms, "V": "NONE",
            }
        return {
            "e": "ORDER_TRADE_UPDATE", "E": now_ms, "T": now_ms,
            "o": {
                "s": self.symbol, "c": self.client_order_id, "S": self.side.name,
                "o": self.order_type, "f": self.time_in_force,
                "q": self.qty(self.orig_lots), "p": self.price(), "ap": self.avg_price(),
                "sp": "0", "x": execution, "X": self.status, "i": self.order_id,
                "l": last_qty, "z": self.qty(self.executed_lots), "L": last_price,
                "N": fill.commission_asset if fill else inst.quote,
                "n": fmt(fill.commission) if fill else "0",
                "T": fill.time_ms if fill else now_ms, "t": fill.trade_id if fill else 0,
                "b": "0", "a": "0", "m": fill.maker if fill else False, "R": False,
                "wt": "CONTRACT_PRICE", "ot": self.order_type, "ps": "BOTH", "cp": False,
                "rp": fmt(fill.realized_pnl) if fill else "0", "pP": False, "si": 0,
                "ss": 0, "V": "NONE", "pm": "NONE", "gtd": 0,
            },
        }
