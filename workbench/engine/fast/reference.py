"""The kernel's plain-Python twin: the same rules, written for reading, not speed.

The strategy and order side is assembled from the project's own pieces:
:class:`~workbench.estimators.volatility.EwmaVolatility`, the GLFT and Avellaneda–Stoikov
formulas of :mod:`workbench.quoting`, :func:`~workbench.quoting.quotes_to_ticks`,
:func:`~workbench.quoting.saturating_skew_price`, :func:`~workbench.quoting.ladder` and
the order manager's :func:`~workbench.execution.orders.plan_side`. The exchange keeps
:class:`~workbench.book.L2Book` books and plain objects in lists. In-flight commands and
reports wait in one heap keyed by ``(time, source priority, sequence)``. It shares no
code with the kernel but the price window (:func:`~workbench.engine.fast.backtest.book_window`);
a test holds the two equal, fill for fill, so the kernel's docstring (its rules) describes
both.
"""

from __future__ import annotations

import heapq
import math
from dataclasses import dataclass

import numpy as np

from workbench.book.l2 import L2Book
from workbench.core.events import Side
from workbench.core.instruments import Instrument
from workbench.engine.fast.backtest import book_window, check_inputs
from workbench.engine.fast.events import (
    CLEAR,
    END_OF_MESSAGE,
    EXCH_EVENT,
    KIND_MASK,
    LOCAL_EVENT,
    SHOWN,
    TRADE,
)
from workbench.engine.fast.params import FastParams
from workbench.engine.fast.result import FILL_DTYPE, RECORD_DTYPE, FastResult
from workbench.estimators.volatility import EwmaVolatility, VolParams
from workbench.execution.orders import plan_side
from workbench.quoting import (
    approx_scale_price,
    base_offset_price,
    ladder,
    quotes_to_ticks,
    saturating_skew_price,
    side_permissions,
)
from workbench.strategies.taker import TakerParams, take_size_lots

# Priorities at equal times: exchange rows, commands, reports, local rows.
_EXCH_ROWS, _COMMAND, _REPORT, _LOCAL_ROWS = 0, 1, 2, 3


@dataclass
class _Resting:
    """An order resting at the exchange."""

    oid: int
    side: int
    price: int
    leaves: int
    ahead: int
    seen: int  # the level's size when last looked at
    credit: int | None = None  # what the last diff changing the level moved us up


@dataclass
class _Live:
    """An order as we know it; field names as :func:`plan_side` reads them."""

    order_id: int
    side: int
    price_ticks: int
    size_lots: int
    filled_lots: int = 0
    state: str = "pending_new"
    amend_price_ticks: int = 0
    amend_size_lots: int = 0
    ioc: bool = False


class _Exchange:
    """The venue side: its book, our resting orders, the liquidity we took."""

    def __init__(self, sim: _Sim) -> None:
        self.sim = sim
        self.book = L2Book()
        self.resting: list[_Resting] = []
        self.taken: dict[int, dict[int, int]] = {1: {}, -1: {}}  # venue side -> price -> lots
        self.synced = False

    def _ours(self, side: int) -> list[_Resting]:
        """Our orders on one side, best price first, then oldest."""
        return sorted((o for o in self.resting if o.side == side),
                      key=lambda o: (-o.price * side, o.oid))

    def _available(self, side: int, price: int) -> int:
        return self.book.size_at(side > 0, price) - self.taken[side].get(price, 0)

    def _done(self, o: _Resting) -> None:
        if o.leaves == 0:
            self.resting.remove(o)

    def trade(self, t: int, aggressor: int, price: int, volume: int, shown: bool) -> None:
        side = -aggressor
        size = volume
        eaten = 0
        for o in self._ours(side):
            if (o.price - price) * side < 0:
                break
            qty = 0
            if o.price == price:
                if shown:
                    if o.credit is None:  # joined after the diff that showed the trade
                        continue
                    back = min(o.credit, size)
                    o.ahead += back
                    o.credit -= back
                if o.ahead > eaten and volume:
                    used = min(o.ahead - eaten, volume)
                    volume -= used
                    eaten += used
                o.ahead = o.ahead - eaten if o.ahead > eaten else 0
                if volume and o.ahead == 0:
                    qty = min(o.leaves, volume)
            else:
                o.ahead = 0
                qty = min(o.leaves, volume)
            if qty:
                volume -= qty
                o.leaves -= qty
                self.sim.fill(t, o.oid, side, o.price, qty, True)
                self._done(o)
        if shown:
            visible = self.book.size_at(side > 0, price)
            for o in self._ours(side):
                if o.price == price:
                    o.ahead = min(o.ahead, visible)

    def book_message(self, t: int, rows: list[int]) -> None:
        sim = self.sim
        cleared = levels = False
        for i in rows:
            if sim.kind(i) == CLEAR:
                cleared = True
                self.book.clear()
                self.taken = {1: {}, -1: {}}
            elif sim.in_window(i):
                levels = True
                side = 1 if sim.side[i] > 0 else -1
                self.book.set_level(side > 0, sim.price[i], sim.size[i])
                self.taken[side].pop(sim.price[i], None)
            else:
                levels = True
        if cleared:
            self.synced = levels
        if self.synced and self.resting:
            for side in (1, -1):
                self._requeue_and_cross(t, side, not cleared)

    def _requeue_and_cross(self, t: int, side: int, diff: bool) -> None:
        ours = self._ours(side)
        for o in ours:
            visible = self.book.size_at(side > 0, o.price)
            was, o.ahead = o.ahead, min(o.ahead, visible)
            if not diff:
                o.credit = 0
            elif visible != o.seen:
                o.credit = was - o.ahead
            o.seen = visible
        book = self.book
        best = book.best_ask_ticks if side > 0 else book.best_bid_ticks
        if best < 0 or not ours or (ours[0].price - best) * side < 0:
            return
        supply = [[p, self._available(-side, p)]
                  for p in range(best, ours[0].price + side, side)
                  if book.size_at(side < 0, p)]
        i = 0
        for o in ours:
            if (o.price - best) * side < 0:
                break
            o.ahead = 0
            got = 0
            while i < len(supply) and (o.price - supply[i][0]) * side >= 0:
                used = min(supply[i][1], o.leaves - got)
                if used > 0:
                    supply[i][1] -= used
                    self.taken[-side][supply[i][0]] = \
                        self.taken[-side].get(supply[i][0], 0) + used
                    got += used
                if got == o.leaves:
                    break
                i += 1
            if got:
                o.leaves -= got
                self.sim.fill(t, o.oid, side, o.price, got, True)
                self._done(o)

    def command(self, t: int, kind: str, oid: int, side: int = 0, price: int = 0,
                qty: int = 0) -> None:
        sim = self.sim
        reply_t = t + sim.p.response_latency_ns
        if kind == "cancel":
            order = next((o for o in self.resting if o.oid == oid), None)
            if order is not None:
                self.resting.remove(order)
                sim.report(reply_t, ("canceled", oid))
            return
        if not self.synced:
            sim.report(reply_t, ("rejected", oid))
            return
        ioc = kind == "ioc"
        book = self.book
        best = book.best_ask_ticks if side > 0 else book.best_bid_ticks
        through = [] if best < 0 else [p for p in range(best, price + side, side)
                                       if book.size_at(side < 0, p)]
        if sim.p.post_only and not ioc and any(self._available(-side, p) > 0
                                               for p in through):
            sim.report(reply_t, ("rejected", oid))
            return
        sim.report(reply_t, ("accepted", oid))
        if ioc or not sim.p.post_only:
            for p in through:
                take = min(self._available(-side, p), qty)
                if take > 0:
                    self.taken[-side][p] = self.taken[-side].get(p, 0) + take
                    qty -= take
                    sim.fill(t, oid, side, p, take, False, ioc)
                if qty == 0:
                    return
        if ioc:
            sim.report(reply_t, ("canceled", oid))
            return
        visible = book.size_at(side > 0, price)
        ahead = max(visible - self.taken[side].get(price, 0), 0)
        self.resting.append(_Resting(oid, side, price, qty, ahead, visible))


class _Sim:
    def __init__(self, events: np.ndarray, inst: Instrument, p: FastParams) -> None:
        self.p = p
        self.inst = inst
        self.tick = inst.tick_size_float
        self.lot = inst.lot_size_float
        self.lo_price, n = book_window(events, p.book_window_bps)
        self.hi_price = self.lo_price + n - 1
        self.ev = [int(x) for x in events["ev"]]
        self.exch_ts = events["exch_ts_ns"].tolist()
        self.local_ts = events["local_ts_ns"].tolist()
        self.price = events["price_ticks"].tolist()
        self.size = events["size_lots"].tolist()
        self.side = events["side"].tolist()
        self.exchange = _Exchange(self)
        self.lo_book = L2Book()
        self.live: dict[int, _Live] = {}
        self.heap: list[tuple[int, int, int, tuple]] = []
        self.seq = 0
        self.next_oid = 0
        self.fills: list[tuple] = []
        self.records: list[tuple] = []
        self.position = 0
        self.cash = 0.0
        self.last_targets = (-2, -2)
        self.next_record = -1
        self.vol = EwmaVolatility(VolParams(grid_s=p.vol_grid_s, half_life_s=p.vol_half_life_s,
                                            min_returns=p.vol_min_returns))
        self.flow = [0.0, 0.0, 0]  # decayed buy and sell volumes, time of the last trade
        self.sizing = TakerParams(base_size_lots=p.take_base_size_lots,
                                  edge_per_size_bps=p.take_edge_per_size_bps,
                                  max_size_lots=p.take_max_size_lots,
                                  max_long_lots=p.max_long_lots,
                                  max_short_lots=p.max_short_lots)

    # -- plumbing ------------------------------------------------------------------------
    def kind(self, i: int) -> int:
        return self.ev[i] & KIND_MASK

    def in_window(self, i: int) -> bool:
        return self.lo_price <= self.price[i] <= self.hi_price

    def _schedule(self, t: int, priority: int, item: tuple) -> None:
        heapq.heappush(self.heap, (t, priority, self.seq, item))
        self.seq += 1

    def report(self, t: int, item: tuple) -> None:
        self._schedule(t, _REPORT, item)

    def fill(self, t: int, oid: int, side: int, price: int, qty: int, maker: bool,
             ioc: bool = False) -> None:
        bps = self.p.maker_fee_bps if maker else self.p.taker_fee_bps
        fee = float(price * qty) * (self.tick * self.lot) * bps * 1e-4
        report_t = t + self.p.response_latency_ns
        self.fills.append((t, report_t, oid, side, price, qty, fee, maker, ioc))
        self.report(report_t, ("fill", oid, side, price, qty, fee))

    def _message(self, i: int, flag: int) -> tuple[list[int], int]:
        """Row indices of the message starting at ``i`` in one sequence; the next row."""
        rows = []
        while True:
            if self.ev[i] & flag:
                rows.append(i)
                if self.ev[i] & END_OF_MESSAGE:
                    break
            i += 1
        i += 1
        while i < len(self.ev) and not self.ev[i] & flag:
            i += 1
        return rows, i

    def run(self) -> None:
        n = len(self.ev)
        i_ex = next((i for i in range(n) if self.ev[i] & EXCH_EVENT), n)
        i_lo = next((i for i in range(n) if self.ev[i] & LOCAL_EVENT), n)
        while i_ex < n or i_lo < n:
            options = []
            if i_ex < n:
                options.append((self.exch_ts[i_ex], _EXCH_ROWS))
            if i_lo < n:
                options.append((self.local_ts[i_lo], _LOCAL_ROWS))
            if self.heap:
                options.append(self.heap[0][:2])
            _, source = min(options)
            if source == _EXCH_ROWS:
                rows, i_ex = self._message(i_ex, EXCH_EVENT)
                t = self.exch_ts[rows[0]]
                if self.kind(rows[0]) == TRADE:
                    i = rows[0]
                    self.exchange.trade(t, self.side[i], self.price[i], self.size[i],
                                        bool(self.ev[i] & SHOWN))
                else:
                    self.exchange.book_message(t, rows)
            elif source == _LOCAL_ROWS:
                rows, i_lo = self._message(i_lo, LOCAL_EVENT)
                self._local_message(rows)
            else:
                t, _, _, item = heapq.heappop(self.heap)
                if source == _COMMAND:
                    self.exchange.command(t, *item)
                    continue
                changed = self._on_report(*item)
                while self.heap and self.heap[0][:2] == (t, _REPORT):  # all arriving at t
                    changed = self._on_report(*heapq.heappop(self.heap)[3]) or changed
                if changed:  # our orders changed: decide again now
                    bid, ask, _, _ = self._quotes()
                    self._reconcile(t, bid, ask)
                    self.last_targets = (bid, ask)

    # -- local ---------------------------------------------------------------------------
    def _on_report(self, kind: str, oid: int, side: int = 0, price: int = 0, qty: int = 0,
                   fee: float = 0.0) -> bool:
        """Apply a report; True when it changed one of our orders."""
        order = self.live.get(oid)
        if order is None:
            return False
        if kind == "accepted":
            order.state = "working"
        elif kind == "fill":
            self.position += side * qty
            self.cash -= side * (float(price * qty) * (self.tick * self.lot)) + fee
            order.filled_lots += qty
            if order.filled_lots == order.size_lots:
                del self.live[oid]
        else:
            del self.live[oid]
        return True

    def _quotes(self) -> tuple[int, int, float, float]:
        """``(bid, ask, sigma, mid)`` of the maker now (-1 / NaN where none)."""
        bb, ba = self.lo_book.best_bid_ticks, self.lo_book.best_ask_ticks
        if bb < 0 or ba < 0 or bb >= ba:
            return -1, -1, math.nan, math.nan
        p = self.p
        mid = (bb + ba) * 0.5 * self.tick
        sigma = p.sigma_per_sqrt_s
        if p.vol_mode == "ewma" and self.vol.n_returns >= p.vol_min_returns:
            sigma = math.sqrt(self.vol.variance / p.vol_grid_s)
        if p.strategy == "taker":
            return -1, -1, sigma, mid
        sig_p = mid * sigma
        q = self.position / p.unit_lots
        base_half = base_offset_price(p.gamma, p.k_per_price)
        if p.model == "glft":
            xi = approx_scale_price(p.gamma, p.k_per_price, p.a_per_s, sig_p)
            tilt = p.drift_price_per_s / (p.gamma * sig_p * sig_p)
            skew, half = (q - tilt) * xi, base_half + 0.5 * xi
        else:
            risk = p.gamma * sig_p * sig_p * p.horizon_s
            skew, half = q * risk, base_half + 0.5 * risk
        if not (math.isfinite(skew) and math.isfinite(half)):
            return -1, -1, sigma, mid
        if p.skew_mode == "capped":
            skew = saturating_skew_price(skew, half, p.cap_fraction)
        centre = mid - skew
        bid, ask = quotes_to_ticks(centre - half, centre + half, self.inst, bb, ba)
        bid_ok, ask_ok = side_permissions(self.position, p.max_long_lots, p.max_short_lots)
        return (bid if bid_ok and bid is not None else -1,
                ask if ask_ok and ask is not None else -1, sigma, mid)

    def _reconcile(self, t: int, bid: int, ask: int) -> None:
        p = self.p
        arrive = t + p.entry_latency_ns
        targets = {
            1: ladder(bid, -1, p.levels, p.spacing_ticks, p.size_lots,
                      p.max_long_lots - self.position) if bid > 0 else (),
            -1: ladder(ask, 1, p.levels, p.spacing_ticks, p.size_lots,
                       p.max_short_lots + self.position) if ask > 0 else (),
        }
        places = []
        for side in (1, -1):
            resting = [o for o in self.live.values()
                       if o.side == side and o.state != "pending_cancel" and not o.ioc]
            if not resting and not targets[side]:
                continue
            plan = plan_side(resting, targets[side], side > 0, 0, 0.0)
            cancels = []
            for order, level in plan.changes:
                if order.state == "working":
                    cancels.append(order)
                    places.append((side, *level))
            places += [(side, *level) for level in plan.new]
            cancels += [o for o in plan.excess if o.state == "working"]
            for order in cancels:
                order.state = "pending_cancel"
                self._schedule(arrive, _COMMAND, ("cancel", order.order_id))
        # the risk gate: a side's places all pass or all fail on the worst-case position
        worst = {s: sum(o.size_lots - o.filled_lots for o in self.live.values() if o.side == s)
                 + sum(q for side, _, q in places if side == s) for s in (1, -1)}
        allowed = {1: self.position + worst[1] <= p.max_long_lots,
                   -1: worst[-1] - self.position <= p.max_short_lots}
        for side, price, qty in places:
            if allowed[side]:
                oid = self.next_oid
                self.next_oid += 1
                self.live[oid] = _Live(oid, side, price, qty)
                self._schedule(arrive, _COMMAND, ("place", oid, side, price, qty))

    def _take(self, t: int) -> None:
        """The taker's IOC, if its predicted move pays fee, half spread and margin."""
        p, book = self.p, self.lo_book
        bb, ba = book.best_bid_ticks, book.best_ask_ticks
        if bb < 0 or ba < 0 or bb >= ba:
            return
        qb, qa = book.size_at(True, bb), book.size_at(False, ba)
        imbalance = (qb - qa) / (qb + qa) if qb + qa > 0 else 0.0
        buys, sells, _ = self.flow
        flow = (buys - sells) / (buys + sells) if buys + sells > 0.0 else 0.0
        move = p.take_imbalance_bps * 0.5 * (imbalance + flow)
        half_spread_bps = (ba - bb) / (ba + bb) * 1e4
        edge = abs(move) - (p.taker_fee_bps + half_spread_bps + p.take_margin_bps)
        if edge <= 0.0:
            return
        side = 1 if move > 0 else -1
        if p.take_require_agreement and not (imbalance * side > 0 and flow * side > 0):
            return
        mine = [o for o in self.live.values() if o.side == side]
        if any(o.ioc for o in mine):
            return  # one IOC a side at a time
        size = take_size_lots(edge, side * self.position, Side(side), self.sizing)
        limit = p.max_long_lots if side > 0 else p.max_short_lots
        worst = sum(o.size_lots - o.filled_lots for o in mine)
        if size <= 0 or side * self.position + worst + size > limit:
            return
        oid = self.next_oid
        self.next_oid += 1
        price = ba if side > 0 else bb
        self.live[oid] = _Live(oid, side, price, size, ioc=True)
        self._schedule(t + p.entry_latency_ns, _COMMAND, ("ioc", oid, side, price, size))

    def _local_message(self, rows: list[int]) -> None:
        t = self.local_ts[rows[0]]
        for i in rows:
            if self.kind(i) == CLEAR:
                self.lo_book.clear()
            elif self.kind(i) == TRADE:
                decay = math.exp(-(t - self.flow[2]) * self.p.flow_rate_per_ns)
                self.flow[0] *= decay
                self.flow[1] *= decay
                self.flow[0 if self.side[i] > 0 else 1] += self.size[i]
                self.flow[2] = t
            elif self.in_window(i):
                self.lo_book.set_level(self.side[i] > 0, self.price[i], self.size[i])
        bb, ba = self.lo_book.best_bid_ticks, self.lo_book.best_ask_ticks
        if self.p.vol_mode == "ewma" and 0 <= bb < ba:
            self.vol.on_price(t, math.log((bb + ba) * 0.5 * self.tick))
        bid, ask, sigma, mid = self._quotes()
        if (bid, ask) != self.last_targets:
            self._reconcile(t, bid, ask)
            self.last_targets = (bid, ask)
        if self.p.strategy != "maker":
            self._take(t)
        if t >= self.next_record:
            every = self.p.record_every_ns
            self.next_record = (t // every + 1) * every if every else t
            self.records.append((t, self.lo_book.best_bid_ticks, self.lo_book.best_ask_ticks,
                                 sigma, bid, ask, self.position, self.cash,
                                 self.cash + self.position * self.lot * mid))


def run_reference(events: np.ndarray, instrument: Instrument, params: FastParams) -> FastResult:
    """:func:`~workbench.engine.fast.backtest.run_fast`, in plain Python.

    Same arguments, same result, same exceptions for bad inputs; for small inputs (it is
    a few hundred times slower).
    """
    check_inputs(events, instrument)
    sim = _Sim(events, instrument, params)
    sim.run()
    fills = np.array(sim.fills, dtype=FILL_DTYPE) if sim.fills else np.zeros(0, FILL_DTYPE)
    records = np.array(sim.records, dtype=RECORD_DTYPE) if sim.records \
        else np.zeros(0, RECORD_DTYPE)
    return FastResult(fills, records, len(events), sim.next_oid, instrument.lot_size_float,
                      instrument.tick_size_float)
