"""The kill switch: cancel everything, optionally flatten, and refuse new orders until rearmed."""

from __future__ import annotations

from typing import NamedTuple

from workbench.book.l2 import L2Book
from workbench.core.commands import Command, Place, TimeInForce
from workbench.core.events import Side
from workbench.execution.orders.manager import OrderManager
from workbench.execution.risk.band import band_edge_ticks
from workbench.execution.risk.context import RiskContext
from workbench.execution.risk.limits import RiskLimits, loss_breach
from workbench.execution.sim.levels import levels_through


class KillSwitchState(NamedTuple):
    """The kill switch as plain data (for UIs and journals).

    ``flattening`` says whether positions are being closed; ``unflattened`` names the
    positions a flatten could not send orders for, and why.
    """

    halted: bool
    reason: str
    tripped_ns: int
    trips: int
    flattening: bool
    flatten_order_ids: tuple[int, ...]
    unflattened: tuple[str, ...]


class KillSwitch:
    """Stops trading: cancels every order and blocks new ones until :meth:`rearm`.

    While tripped, a :class:`~workbench.execution.risk.RiskGate` holding this switch
    refuses every place and amend with ``"halted: <reason>"``, except the switch's own
    flattening orders. Call :meth:`watch` on every engine step: it trips the switch on a
    loss or drawdown breach and, while tripped, cancels whatever is still live (orders
    whose command was in flight at the trip, or whose cancel was refused) and, when
    flattening, sends IOC orders for every position whose instrument has no live order
    left (so a flatten never races the cancels of the orders it replaces).

    Parameters
    ----------
    orders : OrderManager
        The order manager whose orders are cancelled (and which issues flatten orders).
    limits : RiskLimits
        For the loss and drawdown limits, price bands and maximum order sizes.
    flatten_on_breach : bool
        Whether an automatic trip also flattens positions.
    """

    def __init__(self, orders: OrderManager, limits: RiskLimits,
                 flatten_on_breach: bool = False) -> None:
        self.orders = orders
        self.limits = limits
        self.flatten_on_breach = flatten_on_breach
        self.halted = False
        self.flattening = False
        self.reason = ""
        self.tripped_ns = -1
        self.trips = 0
        self.flatten_ids: set[int] = set()
        self.unflattened: list[str] = []
        self._next_flatten_ns: dict[tuple[str, str], int] = {}

    def trip(self, reason: str, ctx: RiskContext, flatten: bool = False) -> list[Command]:
        """Halt: cancels for every live order, and IOC orders flattening positions if asked.

        A flatten order sells (buys) a long (short) position with one IOC per instrument
        at a time, sized and priced from the venue's book: as much of the position as the
        book holds inside the instrument's price band around the venue's mid (at most
        its maximum order size), at the price of the last level it needs. The next one
        goes when that one has ended and ``flatten_interval_ns`` has passed, so flatten
        orders keep to a rate and are not sent again on every event. Without a book in
        the context the order goes at the band's edge. A second trip keeps the first
        reason.
        """
        if not self.halted:
            self.halted = True
            self.reason = reason
            self.tripped_ns = ctx.now_ns
        self.trips += 1
        self.flattening = self.flattening or flatten
        return self._sweep(ctx)

    def watch(self, ctx: RiskContext) -> list[Command]:
        """Trip on a loss or drawdown breach; while halted, cancel and flatten what is left."""
        if self.halted:
            return self._sweep(ctx)
        breach = loss_breach(self.limits, ctx.portfolio)
        if breach is None:
            return []
        return self.trip(breach, ctx, flatten=self.flatten_on_breach)

    def _sweep(self, ctx: RiskContext) -> list[Command]:
        commands: list[Command] = list(self.orders.cancel_all(ctx.now_ns,
                                                              f"kill switch: {self.reason}"))
        if self.flattening:
            commands += self._flatten(ctx)
        return commands

    def _flatten(self, ctx: RiskContext) -> list[Place]:
        orders, now = self.orders, ctx.now_ns
        busy = {order.key for order in orders.live_orders()}
        interval = self.limits.flatten_interval_ns
        self.unflattened = []
        out: list[Place] = []
        for key, market in ctx.markets.items():
            pos = ctx.portfolio.size_lots(key)
            if not pos or key in busy or now < self._next_flatten_ns.get(key, now):
                continue
            inst = self.limits.instruments.get(key)
            ref = market.venue_mid_ticks
            if inst is None or not ref > 0 or not market.fair_mid_ticks > 0:
                why = ("no risk limits" if inst is None else
                       "no fair mid" if not market.fair_mid_ticks > 0 else
                       "no two-sided book")
                self.unflattened.append(f"{key[0]} {key[1]}: {pos} lots, {why}")
                continue
            side = Side.SELL if pos > 0 else Side.BUY
            edge = band_edge_ticks(side, ref, inst.price_band_bps)
            price, size = _take_price(ctx.books.get(key), side, edge,
                                      min(abs(pos), inst.max_order_lots))
            if not size:
                self.unflattened.append(f"{key[0]} {key[1]}: {pos} lots, no liquidity "
                                        f"within the {inst.price_band_bps:g} bps band")
                continue
            place = orders.place(key[0], key[1], side, price, size, TimeInForce.IOC, now,
                                 f"kill switch flatten: {self.reason}")
            self.flatten_ids.add(place.order_id)
            self._next_flatten_ns[key] = now + interval
            out.append(place)
        return out

    def rearm(self) -> None:
        """Allow trading again (after a human has looked)."""
        self.halted = False
        self.flattening = False
        self.reason = ""
        self.flatten_ids.clear()
        self.unflattened = []
        self._next_flatten_ns.clear()

    def state(self) -> KillSwitchState:
        """The switch as plain data."""
        return KillSwitchState(self.halted, self.reason, self.tripped_ns, self.trips,
                               self.flattening, tuple(sorted(self.flatten_ids)),
                               tuple(self.unflattened))


def _take_price(book: L2Book | None, side: Side, limit_ticks: int,
                size_lots: int) -> tuple[int, int]:
    """``(price_ticks, size_lots)`` of an IOC taking up to ``size_lots`` from ``book``
    without going beyond ``limit_ticks``; the limit and the whole size without a book."""
    if book is None:
        return limit_ticks, size_lots
    taken, price = 0, limit_ticks
    for price, lots in levels_through(book, side is Side.SELL, limit_ticks):
        taken += lots
        if taken >= size_lots:
            return price, size_lots
    return price, taken
