"""What a run did, collected for its result: fills, commands, rejections, time series."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from workbench.core.commands import Cancel, Command, Filled, Place, Rejected
from workbench.core.errors import WorkbenchError
from workbench.core.instruments import Instrument, InstrumentKind
from workbench.estimators.signals import Signals
from workbench.execution.position import Portfolio
from workbench.strategies.types import TargetQuotes


@dataclass
class RunRecorder:
    """Collects a run's figures; samples the time series at most every ``sample_ns``.

    Parameters
    ----------
    instrument : Instrument
        The quoted instrument (its inventory and quotes are sampled).
    sample_ns : int
        Minimum event time between two samples of the series.
    instruments : sequence of Instrument
        Every instrument a fill may be on (hedges); each fill is priced on its own.

    Attributes
    ----------
    fill_ages_ns : list of int
        Age of the order at each of its fills (fill time minus place time), ns: how long
        the quote rested before it traded, not the time spent at the front of a queue.
    """

    instrument: Instrument
    sample_ns: int = 100_000_000
    instruments: Sequence[Instrument] = ()
    fills: list[Filled] = field(default_factory=list)
    commands: Counter = field(default_factory=Counter)
    rejections: Counter = field(default_factory=Counter)
    placed_ns: dict[int, int] = field(default_factory=dict)
    fill_ages_ns: list[int] = field(default_factory=list)
    _rows: list[tuple] = field(default_factory=list)
    _next_ns: int = -1

    def on_fill(self, fill: Filled) -> None:
        """Record a fill (after it was booked), and the age of its order at the fill."""
        self.fills.append(fill)
        placed = self.placed_ns.get(fill.order_id)
        if placed is not None and (fill.venue, fill.symbol) == self.instrument.key:
            self.fill_ages_ns.append(fill.ts_ns - placed)

    def on_reject(self, report: Rejected) -> None:
        """Count a rejection by command and cause: the risk gate's limit name (its reasons
        start ``"<limit>:"``) or ``venue`` for the venue's own."""
        head = report.reason.split(":")[0]
        self.rejections[f"{report.command.value} {'venue' if ' ' in head else head}"] += 1

    def on_commands(self, commands: list[Command]) -> None:
        """Count the commands sent."""
        for c in commands:
            kind = type(c)
            if kind is Place:
                self.commands["place"] += 1
                self.placed_ns[c.order_id] = c.ts_ns
            else:
                self.commands["cancel" if kind is Cancel else "amend"] += 1

    def on_decision(self, now_ns: int, signals: Signals, targets: TargetQuotes,
                    portfolio: Portfolio) -> None:
        """Sample the series if ``sample_ns`` passed since the last sample."""
        if now_ns < self._next_ns:
            return
        self._next_ns = now_ns + self.sample_ns
        tick = self.instrument.tick_size_float
        bid = targets.bids[0][0] * tick if targets.bids else np.nan
        ask = targets.asks[0][0] * tick if targets.asks else np.nan
        key = self.instrument.key
        self._rows.append((now_ns, signals.fair_mid if signals.fair_mid_ok else np.nan, bid, ask,
                           portfolio.size_lots(key) * self.instrument.lot_size_float,
                           portfolio.equity_quote, signals.vol_per_sqrt_s,
                           signals.toxicity_bid, signals.toxicity_ask))

    def series(self) -> pd.DataFrame:
        """The sampled series: ts_ns, mid, bid, ask (our best quotes), inventory, equity,
        vol_per_sqrt_s, toxicity_bid, toxicity_ask."""
        return pd.DataFrame(self._rows, columns=["ts_ns", "mid", "bid", "ask", "inventory",
                                                 "equity", "vol_per_sqrt_s", "toxicity_bid",
                                                 "toxicity_ask"])

    def fills_frame(self) -> pd.DataFrame:
        """One row per fill, each priced on its own instrument.

        Columns: ts_ns, order_id, fill_id, venue, symbol, role (``"quoted"`` on the
        quoted instrument, ``"hedge"`` elsewhere), side, price_ticks, size_lots, price
        (quote currency), size (base units; contracts for an inverse contract),
        notional_base (base units: coin for an inverse contract), notional_quote (quote
        currency: the face value for an inverse contract), liquidity, fee (the
        instrument's settlement currency).
        """
        by_key = {i.key: i for i in self.instruments}
        by_key[self.instrument.key] = self.instrument
        quoted = self.instrument.key
        rows = []
        for f in self.fills:
            key = (f.venue, f.symbol)
            inst = by_key.get(key)
            if inst is None:
                raise WorkbenchError(f"fill on {key}, an instrument the recorder was not "
                                     "given")
            price = f.price_ticks * inst.tick_size_float
            size = f.size_lots * inst.lot_size_float
            if inst.kind is InstrumentKind.INVERSE_PERP:
                face = size * float(inst.contract_value)
                base, notional = face / price, face
            else:
                base, notional = size, size * price
            rows.append((f.ts_ns, f.order_id, f.fill_id, f.venue, f.symbol,
                         "quoted" if key == quoted else "hedge", int(f.side), f.price_ticks,
                         f.size_lots, price, size, base, notional, f.liquidity.value, f.fee))
        return pd.DataFrame(rows, columns=[
            "ts_ns", "order_id", "fill_id", "venue", "symbol", "role", "side", "price_ticks",
            "size_lots", "price", "size", "notional_base", "notional_quote", "liquidity",
            "fee"])
