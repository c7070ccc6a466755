"""Our orders on the local exchange: checked as Binance checks them, matched by the
simulated exchange, booked to the accounts and reported on the user streams.

Every command goes through one :class:`~workbench.execution.sim.SimExchange` (zero
latency, books shared with the replay): the same matching rules as backtests and paper
runs. A place, cancel or amend runs to completion between two replayed messages; its
reports (accepted, filled, cancelled, amended, rejected) update the order, the accounts
and the user streams, as do the fills that later market messages cause.
"""

from __future__ import annotations

import asyncio
import itertools
import math
from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING

from workbench.core.commands import (
    Accepted,
    Amend,
    Amended,
    Cancel,
    Canceled,
    CommandKind,
    Filled,
    Place,
    Rejected,
    Report,
    TimeInForce,
)
from workbench.core.events import Side, Trade
from workbench.core.orders import Liquidity
from workbench.testing.exchange.accounts import ZERO, FuturesAccount, SpotAccount, fmt
from workbench.testing.exchange.errors import (
    DISCONNECTED,
    INVALID_MESSAGE,
    INVALID_ORDER_TYPE,
    INVALID_SIDE,
    INVALID_TIF,
    NEW_ORDER_REJECTED,
    POST_ONLY_REJECTED,
    BinanceError,
    missing,
    unknown_order,
)
from workbench.testing.exchange.http import require
from workbench.testing.exchange.orders import ExchangeOrder, OrderFill
from workbench.testing.exchange.specs import MarketSpec

if TYPE_CHECKING:
    from workbench.testing.exchange.server import LocalExchange

_TYPES = {"spot": ("LIMIT", "LIMIT_MAKER", "MARKET"), "usdm": ("LIMIT", "MARKET")}
_TIFS = {"spot": {"GTC": TimeInForce.GTC, "IOC": TimeInForce.IOC},
         "usdm": {"GTC": TimeInForce.GTC, "IOC": TimeInForce.IOC, "GTX": TimeInForce.POST_ONLY}}
#: How far through the opposite best a market order may trade (Binance's price bands).
MARKET_BAND = Decimal("0.05")
_COMMISSION = Decimal("0.00000001")


@dataclass
class OrderFaults:
    """Pending faults of order entry, each consumed by the next command it applies to."""

    rejects: deque[tuple[int, str]] = field(default_factory=deque)
    holds_s: deque[float] = field(default_factory=deque)
    response_delays_s: deque[float] = field(default_factory=deque)
    fills_on_cancel: deque[str | None] = field(default_factory=deque)

    def clear(self) -> None:
        """Forget every pending order fault."""
        for q in (self.rejects, self.holds_s, self.response_delays_s, self.fills_on_cancel):
            q.clear()


class Trading:
    """Order entry, accounts and user-data events of one local exchange.

    Parameters
    ----------
    exchange : LocalExchange
        Its replay, simulated exchange, clock and user streams.
    spot_balances : mapping
        Initial spot balances, ``asset -> amount``.
    usdm_wallet : str or Decimal
        Initial USD-M wallet balance in USDT.
    """

    def __init__(self, exchange: LocalExchange, spot_balances: Mapping[str, str],
                 usdm_wallet: str | Decimal) -> None:
        self.ex = exchange
        self.spot = SpotAccount.funded(dict(spot_balances))
        self.usdm = FuturesAccount(wallet=Decimal(usdm_wallet))
        self.faults = OrderFaults()
        self.orders: dict[int, ExchangeOrder] = {}
        self._by_client: dict[tuple[str, str, str], ExchangeOrder] = {}
        self._ids = itertools.count(1_000_001)
        self._trade_ids = itertools.count(9_000_001)
        self._late: list[tuple[str, dict]] | None = None

    # -- queries -----------------------------------------------------------------------
    def find(self, api: str, params: Mapping[str, str], cancel: bool = False
             ) -> ExchangeOrder:
        """The order named by ``orderId`` or ``origClientOrderId`` (of ``symbol``).

        Raises
        ------
        BinanceError
            ``-1102`` without either, ``-1121`` for an unknown symbol, ``-2011`` (cancel)
            or ``-2013`` (query) for an unknown order.
        """
        spec = self.ex.spec(api, require(params, "symbol"))
        order = None
        if params.get("orderId"):
            try:
                order = self.orders.get(int(params["orderId"]))
            except ValueError:
                raise missing("orderId") from None
        elif params.get("origClientOrderId"):
            order = self._by_client.get((api, spec.instrument.symbol,
                                         params["origClientOrderId"]))
        else:
            raise missing("orderId")
        if order is None or order.spec is not spec:
            raise unknown_order(cancel)
        return order

    def open_orders(self, api: str, symbol: str | None) -> list[ExchangeOrder]:
        """Working orders of one family (of one symbol)."""
        spec = self.ex.spec(api, symbol) if symbol else None
        return [o for o in self.orders.values()
                if o.spec.api == api and o.working and (spec is None or o.spec is spec)]

    def trades(self, api: str, symbol: str, limit: int = 500) -> list[dict]:
        """Our fills of one symbol, oldest first (the last ``limit``)."""
        spec = self.ex.spec(api, symbol)
        fills = sorted(((f, o) for o in self.orders.values() if o.spec is spec
                        for f in o.fills), key=lambda fo: fo[0].trade_id)
        return [o.trade_json(f) for f, o in fills[-limit:]]

    def position_lots(self, api: str, symbol: str) -> int:
        """Our position in lots as the fills imply it (spot: base bought minus sold)."""
        spec = self.ex.spec(api, symbol)
        return sum(int(o.side) * f.lots for o in self.orders.values() if o.spec is spec
                   for f in o.fills)

    # -- commands ----------------------------------------------------------------------
    async def place(self, api: str, params: Mapping[str, str]) -> ExchangeOrder:
        """Place an order (``POST /api/v3/order``, ``order.place``...).

        Raises
        ------
        BinanceError
            As Binance would refuse it (filters, balance, post-only, duplicates, faults).
        """
        spec, side, order_type, tif_name, tif, lots, price_ticks = self._parse_place(api, params)
        if self.faults.rejects:
            code, msg = self.faults.rejects.popleft()
            raise BinanceError(code, msg)
        if self.faults.holds_s:  # in flight: not at the matching engine yet
            await asyncio.sleep(self.faults.holds_s.popleft())
        client_id = params.get("newClientOrderId") or ""
        if client_id and (order := self._by_client.get((api, spec.instrument.symbol,
                                                        client_id))) and order.working:
            raise BinanceError(NEW_ORDER_REJECTED if api == "spot" else -4116,
                               "Duplicate order sent." if api == "spot"
                               else "ClientOrderId is duplicated.")
        replay = self.ex.replay
        replay.catch_up()
        limit_ticks = price_ticks or self._market_limit(spec, side)
        self._check_notional(spec, limit_ticks if price_ticks else self._best(spec, side),
                             lots)
        order_id = next(self._ids)
        now_ms = self.ex.server_time_ms()
        order = ExchangeOrder(order_id, client_id or f"local-{order_id}", spec, side,
                              order_type, tif_name, price_ticks, limit_ticks, lots, now_ms,
                              status="PENDING_NEW", update_ms=now_ms)
        if api == "spot":
            self._lock(order)
        self._register(order)
        now_ns = replay.now_ns
        self.ex.sim.submit(Place(order_id, spec.instrument.venue, spec.instrument.symbol,
                                 side, limit_ticks, lots, tif, now_ns), now_ns)
        self.on_reports(self.ex.sim.poll(now_ns))
        if order.status == "REJECTED":
            raise self._rejection(order)
        return order

    async def cancel(self, api: str, params: Mapping[str, str]
                     ) -> tuple[ExchangeOrder, list[tuple[str, dict]]]:
        """Cancel an order; returns it and the events to send after the answer (a fill
        that raced the cancel, when that fault is set).

        Raises
        ------
        BinanceError
            ``-2011`` when the order is unknown or no longer working.
        """
        order = self.find(api, params, cancel=True)
        late: list[tuple[str, dict]] = []
        if order.working and self.faults.fills_on_cancel:
            self._late = late
            try:
                qty = self.faults.fills_on_cancel.popleft()
                self.fill(order, None if qty is None
                          else order.spec.instrument.size_to_lots(qty))
            finally:
                self._late = None
        if not order.working:
            raise BinanceError(-2011, "Unknown order sent.", after=late)
        replay = self.ex.replay
        replay.catch_up()
        inst = order.spec.instrument
        self.ex.sim.submit(Cancel(order.order_id, inst.venue, inst.symbol, replay.now_ns),
                           replay.now_ns)
        self.on_reports(self.ex.sim.poll(replay.now_ns))
        return order, late

    async def modify(self, api: str, params: Mapping[str, str]) -> ExchangeOrder:
        """Change a working order's price and total quantity (USD-M ``PUT /fapi/v1/order``,
        ``order.modify``): a smaller quantity at the same price keeps its queue place.

        Raises
        ------
        BinanceError
            ``-2013`` for an unknown order, ``-1013`` for filters, ``-5022`` when a
            post-only order would take at its new price.
        """
        order = self.find(api, params)
        if not order.working:
            raise BinanceError(-2013, "Order does not exist.")
        spec = order.spec
        lots = self._lots(spec, require(params, "quantity"))
        price_ticks = self._price(spec, require(params, "price"))
        if params.get("side") and params["side"] != order.side.name:
            raise BinanceError(-1104, "The side of an order cannot be changed.")
        self._check_notional(spec, price_ticks, lots)
        replay = self.ex.replay
        replay.catch_up()
        inst = spec.instrument
        self.ex.sim.submit(Amend(order.order_id, inst.venue, inst.symbol, price_ticks, lots,
                                 replay.now_ns), replay.now_ns)
        reports = self.ex.sim.poll(replay.now_ns)
        rejected = next((r for r in reports if type(r) is Rejected
                         and r.order_id == order.order_id), None)
        self.on_reports(reports)
        if rejected is not None:
            code = POST_ONLY_REJECTED if "post-only" in rejected.reason else INVALID_MESSAGE
            raise BinanceError(code, rejected.reason)
        return order

    def fill(self, order: ExchangeOrder, lots: int | None = None) -> int:
        """Fill a working order now, as a trade at its price reaching it would (the
        simulated exchange's own rules fill it: better-priced orders of ours first).
        ``lots`` None fills what remains. Returns the lots filled.

        The trade is not published on the public stream.
        """
        working = self.ex.sim.working_order(order.order_id)
        if working is None:
            return 0
        lots = working.remaining_lots if lots is None else min(lots, working.remaining_lots)
        if lots <= 0:
            return 0
        before = order.executed_lots
        replay = self.ex.replay
        replay.catch_up()
        inst = order.spec.instrument
        self.ex.sim.on_market(Trade(-1, replay.now_ns, inst.venue, inst.symbol,
                                    order.price_ticks or order.limit_ticks,
                                    working.ahead_lots + lots, order.side.opposite, -1))
        self.on_reports(self.ex.sim.poll(replay.now_ns))
        return order.executed_lots - before

    # -- reports -----------------------------------------------------------------------
    def on_reports(self, reports: list[Report]) -> None:
        """Apply the simulated exchange's reports to our orders, accounts and streams."""
        for report in reports:
            order = self.orders.get(report.order_id)
            if order is None:
                continue
            kind = type(report)
            now_ms = self.ex.server_time_ms()
            order.update_ms = now_ms
            if kind is Accepted:
                order.status = "NEW"
                self._emit(order, order.event("NEW", now_ms))
            elif kind is Filled:
                self._on_fill(order, report, now_ms)
            elif kind is Canceled:
                expired = order.time_in_force == "IOC" or order.order_type == "MARKET"
                order.status = "EXPIRED" if expired else "CANCELED"
                if order.spec.api == "spot":
                    self._unlock_rest(order)
                self._emit(order, order.event("EXPIRED" if expired else "CANCELED",
                                                    now_ms))
            elif kind is Amended:
                order.price_ticks = order.limit_ticks = report.price_ticks
                order.orig_lots = report.size_lots
                self._emit(order, order.event("AMENDMENT", now_ms))
            elif kind is Rejected and report.command is CommandKind.PLACE:
                order.status = "REJECTED"
                order.reject_reason = report.reason
                order.transient = report.transient
                if order.spec.api == "spot":
                    self._unlock_rest(order)
                self._forget(order)

    def _on_fill(self, order: ExchangeOrder, report: Filled, now_ms: int) -> None:
        inst = order.spec.instrument
        price = inst.ticks_to_decimal(report.price_ticks)
        qty = inst.lots_to_decimal(report.size_lots)
        fee = Decimal(repr(report.fee))
        realized = ZERO
        if order.spec.api == "spot":
            if order.side is Side.BUY:
                commission, asset = (fee / price).quantize(_COMMISSION), inst.base
            else:
                commission, asset = fee.quantize(_COMMISSION), inst.quote
            self.spot.fill(inst.base, inst.quote, order.side,
                           inst.ticks_to_decimal(order.limit_ticks), price, qty, commission)
        else:
            commission, asset = fee.quantize(_COMMISSION), inst.quote
            realized = self.usdm.fill(inst.symbol, order.side, price, qty, commission)
        fill = OrderFill(next(self._trade_ids), report.price_ticks, report.size_lots,
                         commission, asset, report.liquidity is Liquidity.MAKER, now_ms,
                         realized)
        order.fills.append(fill)
        order.executed_lots += report.size_lots
        order.cum_quote += price * qty
        order.status = "FILLED" if not report.remaining_lots else "PARTIALLY_FILLED"
        self._emit(order, order.event("TRADE", now_ms, fill))
        self._emit(order, self._account_event(order, now_ms))

    # -- internals ---------------------------------------------------------------------
    def _emit(self, order: ExchangeOrder, event: dict) -> None:
        if self._late is not None:
            self._late.append((order.spec.api, event))
        else:
            self.ex.users.publish(order.spec.api, event)

    def _account_event(self, order: ExchangeOrder, now_ms: int) -> dict:
        inst = order.spec.instrument
        if order.spec.api == "spot":
            return {"e": "outboundAccountPosition", "E": now_ms, "u": now_ms,
                    "B": [{"a": a, "f": fmt(self.spot.balance(a).free),
                           "l": fmt(self.spot.balance(a).locked)}
                          for a in (inst.base, inst.quote)]}
        pos = self.usdm.position(inst.symbol)
        mark = self.mark(order.spec)
        return {"e": "ACCOUNT_UPDATE", "E": now_ms, "T": now_ms,
                "a": {"m": "ORDER",
                      "B": [{"a": self.usdm.asset, "wb": fmt(self.usdm.wallet),
                             "cw": fmt(self.usdm.wallet), "bc": "0"}],
                      "P": [{"s": inst.symbol, "pa": fmt(pos.amount),
                             "ep": fmt(pos.entry_price), "bep": fmt(pos.entry_price),
                             "cr": fmt(pos.realized),
                             "up": fmt(self.usdm.unrealized(inst.symbol, mark)),
                             "mt": "cross", "iw": "0", "ps": "BOTH"}]}}

    def mark(self, spec: MarketSpec) -> Decimal:
        """Mark price: the mid of the exchange's book (0 when a side is empty)."""
        book = self.ex.replay.sync(spec.instrument.key).book
        mid = book.mid_ticks()
        if mid != mid:
            return ZERO
        return spec.instrument.tick_size * Decimal(repr(mid))

    def _parse_place(self, api: str, params: Mapping[str, str]):
        spec = self.ex.spec(api, require(params, "symbol"))
        side_name = require(params, "side").upper()
        if side_name not in ("BUY", "SELL"):
            raise BinanceError(INVALID_SIDE, "Invalid side.")
        side = Side.BUY if side_name == "BUY" else Side.SELL
        order_type = require(params, "type").upper()
        if order_type not in _TYPES[api]:
            raise BinanceError(INVALID_ORDER_TYPE, "Invalid orderType.")
        if params.get("reduceOnly") in ("true", True) or \
                params.get("positionSide", "BOTH") != "BOTH":
            raise BinanceError(-1106, "Parameter 'reduceOnly' / 'positionSide' is not "
                               "supported by the local exchange.")
        if order_type == "MARKET":
            tif_name, tif, price_ticks = "GTC", TimeInForce.IOC, 0
        elif order_type == "LIMIT_MAKER":
            tif_name, tif = "GTC", TimeInForce.POST_ONLY
            price_ticks = self._price(spec, require(params, "price"))
        else:
            tif_name = require(params, "timeInForce").upper()
            tif = _TIFS[api].get(tif_name)
            if tif is None:
                raise BinanceError(INVALID_TIF, "Invalid timeInForce.")
            price_ticks = self._price(spec, require(params, "price"))
        lots = self._lots(spec, require(params, "quantity"))
        return spec, side, order_type, tif_name, tif, lots, price_ticks

    @staticmethod
    def _price(spec: MarketSpec, text: str) -> int:
        try:
            price = Decimal(text)
        except InvalidOperation:
            raise BinanceError(-1100, "Illegal characters found in parameter 'price'.") \
                from None
        tick = spec.instrument.tick_size
        if not price.is_finite() or price <= 0 or price % tick:
            raise BinanceError(INVALID_MESSAGE, "Filter failure: PRICE_FILTER")
        return int(price / tick)

    @staticmethod
    def _lots(spec: MarketSpec, text: str) -> int:
        try:
            qty = Decimal(text)
        except InvalidOperation:
            raise BinanceError(-1100, "Illegal characters found in parameter 'quantity'.") \
                from None
        if not qty.is_finite() or qty < spec.min_qty or qty % spec.step_size:
            raise BinanceError(INVALID_MESSAGE, "Filter failure: LOT_SIZE")
        return int(qty / spec.instrument.lot_size)

    def _best(self, spec: MarketSpec, side: Side) -> int:
        book = self.ex.replay.sync(spec.instrument.key).book
        best = book.best_ask_ticks if side is Side.BUY else book.best_bid_ticks
        if best < 0:
            raise BinanceError(DISCONNECTED, "Internal error; no liquidity to match a market "
                               "order.", status=503)
        return best

    def _market_limit(self, spec: MarketSpec, side: Side) -> int:
        best = self._best(spec, side)
        if side is Side.BUY:
            return math.ceil(best * (1 + MARKET_BAND))
        return max(1, math.floor(best * (1 - MARKET_BAND)))

    @staticmethod
    def _check_notional(spec: MarketSpec, price_ticks: int, lots: int) -> None:
        inst = spec.instrument
        notional = inst.ticks_to_decimal(price_ticks) * inst.lots_to_decimal(lots)
        if notional < spec.min_notional:
            if spec.api == "spot":
                raise BinanceError(INVALID_MESSAGE, "Filter failure: NOTIONAL")
            raise BinanceError(-4164, f"Order's notional must be no smaller than "
                               f"{spec.min_notional} (unless you choose reduce only).")

    def _lock(self, order: ExchangeOrder) -> None:
        inst = order.spec.instrument
        if order.side is Side.BUY:
            self.spot.lock(inst.quote, inst.ticks_to_decimal(order.limit_ticks)
                           * inst.lots_to_decimal(order.orig_lots))
        else:
            self.spot.lock(inst.base, inst.lots_to_decimal(order.orig_lots))

    def _unlock_rest(self, order: ExchangeOrder) -> None:
        inst = order.spec.instrument
        rest = inst.lots_to_decimal(order.remaining_lots)
        if order.side is Side.BUY:
            self.spot.unlock(inst.quote, inst.ticks_to_decimal(order.limit_ticks) * rest)
        else:
            self.spot.unlock(inst.base, rest)

    def _register(self, order: ExchangeOrder) -> None:
        self.orders[order.order_id] = order
        self._by_client[(order.spec.api, order.symbol, order.client_order_id)] = order

    def _forget(self, order: ExchangeOrder) -> None:
        self.orders.pop(order.order_id, None)
        key = (order.spec.api, order.symbol, order.client_order_id)
        if self._by_client.get(key) is order:
            del self._by_client[key]

    @staticmethod
    def _rejection(order: ExchangeOrder) -> BinanceError:
        reason = order.reject_reason
        if order.transient:
            return BinanceError(DISCONNECTED, "Internal error; unable to process your "
                                "request. Please try again.", status=503)
        if "post-only" in reason:
            if order.spec.api == "spot":
                return BinanceError(NEW_ORDER_REJECTED, "Order would immediately match and "
                                    "take.")
            return BinanceError(POST_ONLY_REJECTED, "Due to the order could not be executed "
                                "as maker, the Post Only order will be rejected. The order "
                                "will not be recorded in the order history")
        return BinanceError(NEW_ORDER_REJECTED, reason or "Order rejected.")

