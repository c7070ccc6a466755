"""Who made the money: a run's PnL split by the strategy that placed each order.

Every place carries its reason; :class:`StrategyRecorder` remembers it per order id, and
:func:`strategy_pnl` labels each fill by it:

* ``taker``: the taker's marketable orders (reasons ``take:…``);
* ``join``: the maker's guard joining toxic flow (``bid:join:…``, ``ask:join:…``);
* ``hedge``: the hedger's orders (``hedge:…``);
* ``maker``: resting quotes (``quote``, ``requote``).

A group's PnL is what its fills earned marked to the run's last marks, net of their fees:
``Σ side·size·(mark - price) - fee`` on linear instruments, the coin equivalent
``Σ side·lots·value·(1/price - 1/mark) - fee`` converted at the mark on inverse ones. The
groups add up to the portfolio's equity.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import pandas as pd

from workbench.core.commands import Command, Place
from workbench.core.instruments import Instrument, InstrumentKind
from workbench.engine.recorder import RunRecorder

#: The labels, in report order.
GROUPS = ("maker", "join", "taker", "hedge")


def strategy_of(reason: str) -> str:
    """The group of :data:`GROUPS` an order placed for ``reason`` belongs to."""
    if reason.startswith("take:"):
        return "taker"
    if reason.startswith("hedge:"):
        return "hedge"
    if ":join:" in reason:
        return "join"
    return "maker"


@dataclass
class StrategyRecorder(RunRecorder):
    """A :class:`RunRecorder` that also keeps the reason each order was placed for."""

    place_reasons: dict[int, str] = field(default_factory=dict)

    def on_commands(self, commands: list[Command]) -> None:
        """Count the commands sent and remember each place's reason."""
        super().on_commands(commands)
        for c in commands:
            if type(c) is Place:
                self.place_reasons[c.order_id] = c.reason


def strategy_pnl(recorder: StrategyRecorder, instruments: Mapping[tuple[str, str], Instrument],
                 marks: Mapping[tuple[str, str], float]) -> pd.DataFrame:
    """Fills, volume, fees and PnL net of fees per strategy, quote currency.

    Parameters
    ----------
    recorder : StrategyRecorder
        The run's fills and the reasons of their orders.
    instruments : mapping of (venue, symbol) to Instrument
        Every traded instrument.
    marks : mapping of (venue, symbol) to float
        Last mark price of each (the portfolio's).

    Returns
    -------
    pandas.DataFrame
        Indexed by :data:`GROUPS`: ``fills``, ``volume_quote``, ``fees_quote``,
        ``pnl_quote`` (net of fees).
    """
    rows = {g: [0, 0.0, 0.0, 0.0] for g in GROUPS}
    for f in recorder.fills:
        key = (f.venue, f.symbol)
        inst, mark = instruments[key], marks[key]
        price = f.price_ticks * inst.tick_size_float
        side = int(f.side)
        if inst.kind is InstrumentKind.INVERSE_PERP:
            coin = f.size_lots * float(inst.contract_value)
            pnl = (side * coin * (1.0 / price - 1.0 / mark) - f.fee) * mark
            fee, volume = f.fee * mark, coin
        else:
            size = f.size_lots * inst.lot_size_float
            pnl = side * size * (mark - price) - f.fee
            fee, volume = f.fee, size * price
        row = rows[strategy_of(recorder.place_reasons.get(f.order_id, ""))]
        row[0] += 1
        row[1] += volume
        row[2] += fee
        row[3] += pnl
    return pd.DataFrame.from_dict(rows, orient="index",
                                  columns=["fills", "volume_quote", "fees_quote", "pnl_quote"])
