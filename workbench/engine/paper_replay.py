"""A first paper run: recorded events in, quotes and simulated fills out.

The loop keeps a synchronised book per stream, quotes one instrument with the
symmetric quoter, lets the simulated venue fill our resting orders from the recorded
trades and book, and journals every action. Quotes are pulled whenever the quoted book
is not synchronised or is crossed. Same events in, same fills out: nothing here reads
the wall clock or draws a random number.
"""

from __future__ import annotations

import dataclasses
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

import pandas as pd

from workbench.book.sync import BookSync, SyncRule
from workbench.core.clock import SimulatedClock
from workbench.core.events import BookDelta, BookSnapshot, MarketEvent, Side, Trade
from workbench.core.instruments import Instrument
from workbench.core.orders import Fill, Order
from workbench.execution.journal import Journal
from workbench.execution.position import Position
from workbench.execution.sim_venue import FeeSchedule, SimVenue
from workbench.strategies.symmetric import SideQuote, SymmetricParams, symmetric_quotes


@dataclass
class PaperRunResult:
    """What a paper run did, with a readable :meth:`summary`."""

    instrument: Instrument
    params: SymmetricParams
    position: Position
    journal: Journal
    fills: list[Fill]
    events_by_stream: Counter
    actions: Counter
    first_ts_ns: int
    last_ts_ns: int
    mark_price: float
    syncs: dict[tuple[str, str], BookSync] = field(repr=False)

    @property
    def events(self) -> int:
        """Events replayed."""
        return sum(self.events_by_stream.values())

    def fills_frame(self) -> pd.DataFrame:
        """The fills as a DataFrame, one row a fill."""
        names = [f.name for f in dataclasses.fields(Fill)]
        return pd.DataFrame([dataclasses.astuple(f) for f in self.fills], columns=names)

    def summary(self) -> dict:
        """Key figures as plain values (quote currency unless named otherwise)."""
        pos, inst = self.position, self.instrument
        buys = sum(1 for f in self.fills if f.side is Side.BUY)
        return {
            "events": self.events,
            "duration_s": (self.last_ts_ns - self.first_ts_ns) / 1e9,
            "quotes_placed": self.actions["place"],
            "cancels": self.actions["cancel"],
            "rejects": self.actions["reject"],
            "pulls": self.actions["pull"],
            "fills": len(self.fills),
            "buy_fills": buys,
            "sell_fills": len(self.fills) - buys,
            "volume_base": pos.volume_lots * inst.lot_size_float,
            "volume_quote": pos.volume_quote,
            "fees": pos.fees,
            "inventory_base": pos.size,
            "realised_pnl": pos.realised_pnl,
            "marked_pnl": pos.marked_pnl(self.mark_price),
            "mark_price": self.mark_price,
        }

    def format_summary(self) -> str:
        """The summary as aligned text lines."""
        s, inst = self.summary(), self.instrument
        base, quote = inst.base, inst.quote
        streams = ", ".join(f"{v} {sym} {n:,}"
                            for (v, sym), n in sorted(self.events_by_stream.items()))
        p = self.params
        lines = [
            ("data", f"{len(self.events_by_stream)} streams, {s['events']:,} events over "
                     f"{s['duration_s']:.1f} s ({streams})"),
            ("quoting", f"{inst.venue} {inst.symbol}: half-spread {p.half_spread_ticks} ticks, "
                        f"{p.size_lots} lots a side, position limit {p.max_position_lots} lots"),
            ("quotes", f"{s['quotes_placed']:,} placed, {s['cancels']:,} cancelled, "
                       f"{s['rejects']:,} rejected, {s['pulls']:,} pulls"),
            ("fills", f"{s['fills']:,} ({s['buy_fills']} buys, {s['sell_fills']} sells)"),
            ("volume", f"{s['volume_base']:.6g} {base} = {s['volume_quote']:,.2f} {quote}"),
            ("fees", f"{s['fees']:,.4f} {quote}"),
            ("inventory", f"{s['inventory_base']:+.6g} {base}"),
            ("PnL", f"realised {s['realised_pnl']:+,.4f} {quote}, marked "
                    f"{s['marked_pnl']:+,.4f} {quote} at mid {s['mark_price']:,.2f}"),
        ]
        return "\n".join(f"{k:>10}  {v}" for k, v in lines)


def run_paper_replay(
    events: Iterable[MarketEvent],
    instrument: Instrument,
    sync_rules: dict[str, SyncRule],
    params: SymmetricParams,
    fees: FeeSchedule,
) -> PaperRunResult:
    """Paper-trade ``instrument`` over recorded events.

    Parameters
    ----------
    events : iterable of MarketEvent
        Every stream's events in local-time order (e.g. a multi-source replay).
    instrument : Instrument
        What to quote; its venue and symbol pick the stream.
    sync_rules : dict
        Book sync rule per venue.
    params : SymmetricParams
        Quoter parameters.
    fees : FeeSchedule
        Maker and taker fees of the simulated venue.

    Returns
    -------
    PaperRunResult
    """
    key = instrument.key
    clock = SimulatedClock()
    venue = SimVenue(instrument, fees)
    position = Position(instrument)
    journal = Journal()
    syncs: dict[tuple[str, str], BookSync] = {}
    counts: Counter = Counter()
    actions: Counter = Counter()
    fills: list[Fill] = []
    working: dict[Side, Order | None] = {Side.BUY: None, Side.SELL: None}
    next_id = 1
    first_ts = last_ts = None

    def book_fills(new: list[Fill]) -> None:
        for f in new:
            position.on_fill(f.side, f.price_ticks, f.size_lots, f.fee)
            journal.append(f.ts_ns, "fill", f.order_id, *key, int(f.side), f.price_ticks,
                           f.size_lots, f.fee, f.liquidity.value)
            actions["fill"] += 1
            fills.append(f)
            order = working[f.side]
            if order is not None and order.order_id == f.order_id and order.remaining_lots == 0:
                working[f.side] = None

    def cancel(side: Side, action: str, reason: str) -> None:
        order = working[side]
        if order is not None:
            venue.cancel(order.order_id)
            journal.append(clock.now_ns(), action, order.order_id, *key, int(side),
                           order.price_ticks, order.remaining_lots, reason=reason)
            actions[action] += 1
            working[side] = None

    def requote(sync: BookSync) -> None:
        nonlocal next_id
        book = sync.book
        if not sync.synced or book.crossed:
            for side in (Side.BUY, Side.SELL):
                cancel(side, "pull", "book not synced" if not sync.synced else "book crossed")
            return
        targets = symmetric_quotes(book.mid_ticks(), book.best_bid_ticks, book.best_ask_ticks,
                                   position.size_lots, params)
        for side, target in zip((Side.BUY, Side.SELL), targets):
            order = working[side]
            if order is not None and _same(order, target):
                continue
            cancel(side, "cancel", "requote")
            if target is None:
                continue
            order = Order(next_id, *key, side, target.price_ticks, target.size_lots,
                          clock.now_ns())
            next_id += 1
            reason = venue.place(order, book)
            if reason is None:
                working[side] = order
                journal.append(clock.now_ns(), "place", order.order_id, *key, int(side),
                               order.price_ticks, order.size_lots)
                actions["place"] += 1
            else:
                journal.append(clock.now_ns(), "reject", order.order_id, *key, int(side),
                               order.price_ticks, order.size_lots, reason=reason)
                actions["reject"] += 1

    for event in events:
        ts = event.local_ts_ns
        clock.advance_to(max(ts, clock.now_ns()))
        first_ts = ts if first_ts is None else first_ts
        last_ts = ts
        ekey = (event.venue, event.symbol)
        counts[ekey] += 1
        if isinstance(event, (BookDelta, BookSnapshot)):
            sync = syncs.get(ekey)
            if sync is None:
                sync = syncs[ekey] = BookSync(sync_rules[event.venue], *ekey)
            was_synced = sync.synced
            changed = (sync.on_delta(event) if isinstance(event, BookDelta)
                       else sync.on_snapshot(event))
            if ekey == key and (changed or was_synced != sync.synced):
                if sync.synced:
                    book_fills(venue.on_book(sync.book, ts))
                requote(sync)
        elif isinstance(event, Trade) and ekey == key:
            new = venue.on_trade(event)
            if new:
                book_fills(new)
                if key in syncs:
                    requote(syncs[key])

    quoted = syncs.get(key)
    mid = quoted.book.mid_ticks() * instrument.tick_size_float if quoted else float("nan")
    for side in (Side.BUY, Side.SELL):
        cancel(side, "cancel", "end of data")
    return PaperRunResult(instrument, params, position, journal, fills, counts, actions,
                          first_ts or 0, last_ts or 0, mid, syncs)


def _same(order: Order, target: SideQuote | None) -> bool:
    return (target is not None and order.price_ticks == target.price_ticks
            and order.remaining_lots == target.size_lots)
