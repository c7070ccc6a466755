"""Matching of our orders on one instrument against the venue's own book and trades.

The matcher keeps the venue-side book from the market events it is shown and our
orders resting at their levels, each with the other participants' size ahead of it.
It fills them as maker when a trade reaches them through the queue or prints through
their price, or when the opposite side of the book moves through their price; it fills
incoming marketable orders as taker by walking the book. It knows nothing of time:
every reaction is stamped with the exchange time it is given and appended to ``out``.
"""

from __future__ import annotations

import random
from collections.abc import Iterator

from workbench.book.sync import BookSync, SyncRule
from workbench.core.commands import (
    Accepted,
    Amended,
    Canceled,
    CommandKind,
    Filled,
    RejectCode,
    Report,
    TimeInForce,
)
from workbench.core.events import TS_UNKNOWN, BookDelta, BookSnapshot, Side, Trade
from workbench.core.instruments import Instrument
from workbench.core.orders import Liquidity
from workbench.execution.sim.fees import FeeSchedule
from workbench.execution.sim.levels import levels_through
from workbench.execution.sim.liquidity import TakenLiquidity
from workbench.execution.sim.orders import OrderRegister, SimOrder
from workbench.execution.sim.queue import QueueModel
from workbench.execution.sim.validation import CommandRefused

_MAKER = Liquidity.MAKER
_TAKER = Liquidity.TAKER
_POST_ONLY = TimeInForce.POST_ONLY


class _Side:
    """Our resting orders on one side, with that side's per-level bookkeeping."""

    __slots__ = ("is_bid", "orders", "step", "taken", "traded")

    def __init__(self, is_bid: bool) -> None:
        self.is_bid = is_bid
        #: +1 for bids, -1 for asks: ``(a - b) * step > 0`` when price ``a`` is better.
        self.step = 1 if is_bid else -1
        #: price_ticks -> our orders at that level, in time priority.
        self.orders: dict[int, list[SimOrder]] = {}
        #: Venue liquidity on this side that our opposite orders have taken.
        self.taken = TakenLiquidity()
        #: Public volume traded at our levels since the venue last changed the level.
        self.traded: dict[int, int] = {}

    def join(self, order: SimOrder, ahead_lots: int) -> None:
        order.ahead_lots = ahead_lots
        order.credit_lots = None
        queue = self.orders.get(order.price_ticks)
        if queue is None:
            self.orders[order.price_ticks] = [order]
        else:
            queue.append(order)

    def leave(self, order: SimOrder) -> None:
        queue = self.orders[order.price_ticks]
        queue.remove(order)
        if not queue:
            self._drop_level(order.price_ticks)

    def drop_filled(self, price_ticks: int) -> None:
        queue = self.orders[price_ticks]
        if any(not o.remaining_lots for o in queue):
            queue[:] = [o for o in queue if o.remaining_lots]
            if not queue:
                self._drop_level(price_ticks)

    def _drop_level(self, price_ticks: int) -> None:
        del self.orders[price_ticks]
        self.traded.pop(price_ticks, None)


class InstrumentMatcher:
    """Our orders on one instrument, matched against the venue's book and trades.

    Parameters
    ----------
    instrument : Instrument
        The instrument.
    fees : FeeSchedule
        Its maker and taker fees.
    rule : SyncRule
        Its venue's book sequence rules.
    queue : QueueModel
        How cancellations at our levels move us up.
    rng : random.Random
        Seeded generator for the queue model's draws.
    register : OrderRegister
        Shared register of order ids, told when an order fills completely.
    fill_ids : iterator of int
        Shared source of venue-unique fill ids.
    sync : BookSync, optional
        A book to share with another reader of the same stream (see
        :class:`~workbench.execution.sim.exchange.SimExchange`); a book of its own if None.
    """

    __slots__ = ("_diff_ts_ns", "_fill_ids", "_queue", "_register", "_rng", "ask", "bid",
                 "fees", "instrument", "sync")

    def __init__(self, instrument: Instrument, fees: FeeSchedule, rule: SyncRule,
                 queue: QueueModel, rng: random.Random, register: OrderRegister,
                 fill_ids: Iterator[int], sync: BookSync | None = None) -> None:
        self.instrument = instrument
        self.fees = fees
        self.sync = sync if sync is not None else BookSync(rule, instrument.venue,
                                                           instrument.symbol)
        self.bid = _Side(True)
        self.ask = _Side(False)
        self._queue = queue
        self._rng = rng
        self._register = register
        self._fill_ids = fill_ids
        #: Latest venue time of a depth diff applied to the synchronised book.
        self._diff_ts_ns = TS_UNKNOWN

    # -- commands ------------------------------------------------------------------------
    def place(self, order: SimOrder, ts_ns: int, out: list[Report]) -> None:
        """A new order arrives: reject it, or accept it, take what it crosses, rest the rest.

        Raises
        ------
        CommandRefused
            When the book is not synchronised yet (transient), or a post-only order would
            take liquidity.
        """
        own, opp = (self.bid, self.ask) if order.is_bid else (self.ask, self.bid)
        self._check_entry(order, order.price_ticks, opp, CommandKind.PLACE)
        self._register.add(order)
        out.append(Accepted(order.order_id, ts_ns, order.venue_order_id))
        if order.tif is not _POST_ONLY:
            self._take(order, opp, ts_ns, out)
            if not order.remaining_lots:
                return
            if order.tif is TimeInForce.IOC:
                out.append(Canceled(order.order_id, ts_ns,
                                    f"IOC: {order.remaining_lots} of {order.size_lots} lots "
                                    "unfilled"))
                self._register.end(order, "canceled (IOC remainder)")
                return
        self._rest(order, own)

    def cancel(self, order: SimOrder, ts_ns: int, out: list[Report]) -> None:
        """A cancel arrives for a working order."""
        (self.bid if order.is_bid else self.ask).leave(order)
        self._register.end(order, "canceled")
        out.append(Canceled(order.order_id, ts_ns, "canceled on request"))

    def amend(self, order: SimOrder, price_ticks: int, size_lots: int, ts_ns: int,
              out: list[Report]) -> None:
        """An amend arrives for a working order; ``size_lots`` is the new total size.

        A size decrease at the same price keeps the queue place; a price change or a size
        increase leaves the queue and joins again behind the level's visible size (a new
        price that crosses takes liquidity first, unless post-only).

        Raises
        ------
        CommandRefused
            When the new size is not above what has already filled, or when the order
            must re-queue and the book is not synchronised (transient) or a post-only
            order would cross at the new price.
        """
        if size_lots <= order.filled_lots:
            raise CommandRefused(CommandKind.AMEND,
                                 f"new size {size_lots} lots is not above the "
                                 f"{order.filled_lots} lots already filled")
        own, opp = (self.bid, self.ask) if order.is_bid else (self.ask, self.bid)
        kept = price_ticks == order.price_ticks and size_lots <= order.size_lots
        if not kept:
            self._check_entry(order, price_ticks, opp, CommandKind.AMEND)
        order.size_lots = size_lots
        order.remaining_lots = size_lots - order.filled_lots
        out.append(Amended(order.order_id, price_ticks, size_lots, ts_ns, kept))
        if kept:
            return
        own.leave(order)
        if price_ticks != order.price_ticks:
            order.price_ticks = price_ticks
            self._take(order, opp, ts_ns, out)
            if not order.remaining_lots:
                return
        self._rest(order, own)

    def _check_entry(self, order: SimOrder, price_ticks: int, opp: _Side,
                     command: CommandKind) -> None:
        if not self.sync.synced:
            raise CommandRefused(command, f"no synchronised book for {order.venue} "
                                 f"{order.symbol} yet", transient=True)
        if order.tif is _POST_ONLY and self._reaches(opp, price_ticks):
            for level_ticks, lots in levels_through(self.sync.book, opp.is_bid, price_ticks):
                if lots > opp.taken.lots_at(level_ticks):
                    raise CommandRefused(
                        command, f"post-only {order.side.name.lower()} at {price_ticks} ticks "
                        f"would take liquidity at {level_ticks} ticks", code=RejectCode.POST_ONLY)

    def _reaches(self, opp: _Side, price_ticks: int) -> bool:
        """Whether a limit at ``price_ticks`` reaches the opposite best (cheap pre-check)."""
        book = self.sync.book
        if opp.is_bid:
            best = book.best_bid_ticks
            return best >= 0 and price_ticks <= best
        best = book.best_ask_ticks
        return best >= 0 and price_ticks >= best

    def _rest(self, order: SimOrder, own: _Side) -> None:
        visible = self.sync.book.size_at(own.is_bid, order.price_ticks)
        own.join(order, max(visible - own.taken.lots_at(order.price_ticks), 0))

    def _take(self, order: SimOrder, opp: _Side, ts_ns: int, out: list[Report]) -> None:
        if not self._reaches(opp, order.price_ticks):
            return
        taken = opp.taken
        for level_ticks, lots in levels_through(self.sync.book, opp.is_bid, order.price_ticks):
            available = lots - taken.lots_at(level_ticks)
            if available > 0:
                size = min(available, order.remaining_lots)
                taken.take(level_ticks, size)
                self._fill(order, level_ticks, size, _TAKER, ts_ns, out)
                if not order.remaining_lots:
                    return

    def _fill(self, order: SimOrder, price_ticks: int, size_lots: int, liquidity: Liquidity,
              ts_ns: int, out: list[Report]) -> None:
        order.filled_lots += size_lots
        order.remaining_lots -= size_lots
        fee = self.fees.fee(self.instrument, price_ticks, size_lots, liquidity)
        out.append(Filled(order.order_id, next(self._fill_ids), order.venue, order.symbol,
                          order.side, price_ticks, size_lots, order.remaining_lots, liquidity,
                          fee, ts_ns, order.venue_order_id))
        if not order.remaining_lots:
            self._register.end(order, "filled")

    # -- market data ---------------------------------------------------------------------
    def on_trade(self, trade: Trade, ts_ns: int, out: list[Report]) -> None:
        """A public trade, seen at exchange time ``ts_ns``: it advances the queue at its
        price and fills what it reaches.

        The trade's volume goes to our orders in price priority: those at prices the
        trade printed through (all other size there is gone) before those at its price,
        where it first consumes the size ahead of each order. Volume that filled one of
        our orders is not used again.

        Depth diffs and prints come on separate streams, and a diff can show a trade
        before its print arrives. A print is *shown* when a depth diff applied before it
        carries a venue time not before the print's: the diff that changed the print's
        level last already removed the traded size, and what it moved our orders up by (their
        ``credit_lots``) is given back, up to the print's size, before the print advances
        the queue; orders that joined after that diff queued behind what it left and are
        not reached; the sizes ahead are then cut to the level's size again. A trade thus
        counts once whichever message arrives first, exactly so for
        :class:`~workbench.execution.sim.ConservativeQueue` (a
        :class:`~workbench.execution.sim.ProbabilisticQueue` may lose the part of that
        diff's cancellations it had attributed ahead of us).
        """
        own = self.bid if trade.aggressor is Side.SELL else self.ask
        levels = own.orders
        if not levels:
            return
        trade_ticks, step = trade.price_ticks, own.step
        if (max(levels) < trade_ticks) if own.is_bid else (min(levels) > trade_ticks):
            return  # no order of ours at or through the print's price
        prices = sorted((p for p in levels if (p - trade_ticks) * step >= 0), reverse=own.is_bid)
        volume = trade.size_lots
        for price in prices:
            if price == trade_ticks:
                queue = levels[price]
                exch_ts = trade.exch_ts_ns
                shown = exch_ts != TS_UNKNOWN and exch_ts <= self._diff_ts_ns
                if shown:
                    reached = [order for order in queue if order.credit_lots is not None]
                    for order in reached:
                        back = min(order.credit_lots, trade.size_lots)
                        order.ahead_lots += back
                        order.credit_lots -= back
                    volume = self._trade_at(reached, price, volume, ts_ns, out)
                    visible = self.sync.book.size_at(own.is_bid, price)
                    for order in queue:
                        if order.ahead_lots > visible:
                            order.ahead_lots = visible
                else:
                    own.traded[price] = own.traded.get(price, 0) + trade.size_lots
                    volume = self._trade_at(queue, price, volume, ts_ns, out)
            else:
                volume = self._trade_through(levels[price], price, volume, ts_ns, out)
            own.drop_filled(price)

    def _trade_at(self, queue: list[SimOrder], price_ticks: int, volume: int, ts_ns: int,
                  out: list[Report]) -> int:
        eaten = 0  # other participants' size this trade consumed so far, from the front
        for order in queue:
            ahead = order.ahead_lots
            if ahead > eaten and volume:
                used = min(ahead - eaten, volume)
                volume -= used
                eaten += used
            order.ahead_lots = ahead - eaten if ahead > eaten else 0
            if volume and not order.ahead_lots:
                size = min(order.remaining_lots, volume)
                volume -= size
                self._fill(order, price_ticks, size, _MAKER, ts_ns, out)
        return volume

    def _trade_through(self, queue: list[SimOrder], price_ticks: int, volume: int, ts_ns: int,
                       out: list[Report]) -> int:
        for order in queue:
            order.ahead_lots = 0
            if volume:
                size = min(order.remaining_lots, volume)
                volume -= size
                self._fill(order, price_ticks, size, _MAKER, ts_ns, out)
        return volume

    def on_book(self, event: BookDelta | BookSnapshot, ts_ns: int, out: list[Report]) -> None:
        """A book diff or snapshot seen at exchange time ``ts_ns``: update the book,
        re-queue our levels, fill crossed orders.

        Only our levels are looked at: their sizes before and after the update decide
        how far each order moved up (trades explain part of a decrease, the queue model
        attributes the rest), and the size ahead never exceeds the level's new size. What
        a diff moves an order up by is its ``credit_lots`` until the level changes again
        (see :meth:`on_trade`); a snapshot leaves no credit.
        """
        sync, bid, ask = self.sync, self.bid, self.ask
        book = sync.book
        synced = sync.synced
        bids_before = book.sizes_at(True, bid.orders) if synced and bid.orders else None
        asks_before = book.sizes_at(False, ask.orders) if synced and ask.orders else None
        if type(event) is BookDelta:
            if not sync.on_delta(event):
                return
            if bid.taken:
                bid.taken.forget(event.bid_ticks.tolist())
            if ask.taken:
                ask.taken.forget(event.ask_ticks.tolist())
            if synced and event.exch_ts_ns > self._diff_ts_ns:
                self._diff_ts_ns = event.exch_ts_ns
            credit = synced
        else:
            if not sync.on_snapshot(event):
                return
            bid.taken.clear()
            ask.taken.clear()
            credit = False
        if not sync.synced:
            return
        if bid.orders:
            self._requeue(bid, bids_before, credit)
            self._cross(bid, ask, ts_ns, out)
        if ask.orders:
            self._requeue(ask, asks_before, credit)
            self._cross(ask, bid, ts_ns, out)

    def _requeue(self, own: _Side, before: dict[int, int] | None, credit: bool) -> None:
        """Re-queue our orders on ``own`` after a book message: ``before`` holds our
        levels' sizes before it (None when the book was not synchronised); ``credit``:
        the message is a diff on a synchronised book, which leaves credit (anything else
        leaves none)."""
        sizes = self.sync.book.sizes_at(own.is_bid, own.orders)
        for price, queue in own.orders.items():
            after = sizes[price]
            changed = before is None or after != before[price]
            was = [order.ahead_lots for order in queue] if changed and credit else None
            if before is None:
                own.traded.pop(price, None)
            elif changed:
                traded = own.traded.pop(price, 0)
                cancelled = before[price] - after - traded
                if cancelled > 0:
                    self._attribute_cancel(queue, max(before[price] - traded, 0), cancelled)
            for order in queue:
                if order.ahead_lots > after:
                    order.ahead_lots = after
            if not credit:
                for order in queue:
                    order.credit_lots = 0
            elif was is not None:
                for order, ahead in zip(queue, was, strict=True):
                    order.credit_lots = ahead - order.ahead_lots

    def _attribute_cancel(self, queue: list[SimOrder], queue_lots: int, cancelled: int) -> None:
        u = self._rng.random()
        model = self._queue
        for order in queue:
            ahead = order.ahead_lots
            if ahead:
                behind = max(queue_lots - ahead, 0)
                order.ahead_lots = ahead - model.cancelled_ahead_lots(ahead, behind, cancelled, u)

    def _cross(self, own: _Side, opp: _Side, ts_ns: int, out: list[Report]) -> None:
        """Fill our orders on ``own`` that the opposite best has moved through, as maker."""
        book, step = self.sync.book, own.step
        best = book.best_ask_ticks if own.is_bid else book.best_bid_ticks
        if best < 0:
            return
        top = max(own.orders) if own.is_bid else min(own.orders)
        if (top - best) * step < 0:
            return
        taken = opp.taken
        supply = [[p, lots - taken.lots_at(p)]
                  for p, lots in levels_through(book, opp.is_bid, top)]
        i = 0
        for price in sorted(own.orders, reverse=own.is_bid):
            if (price - best) * step < 0:
                break
            for order in own.orders[price]:
                order.ahead_lots = 0  # the level was traded through
                size = 0
                while i < len(supply) and (price - supply[i][0]) * step >= 0:
                    level = supply[i]
                    used = min(level[1], order.remaining_lots - size)
                    if used > 0:
                        taken.take(level[0], used)
                        level[1] -= used
                        size += used
                    if size == order.remaining_lots:
                        break
                    i += 1
                if size:
                    self._fill(order, price, size, _MAKER, ts_ns, out)
            own.drop_filled(price)
