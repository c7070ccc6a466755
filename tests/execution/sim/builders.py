"""Hand-made market events and commands for the simulated exchange's tests."""

from __future__ import annotations

from decimal import Decimal

import numpy as np

from workbench.book.sync import BINANCE_FUTURES
from workbench.core import (
    Amend,
    BookDelta,
    BookSnapshot,
    Cancel,
    Instrument,
    InstrumentKind,
    Place,
    Side,
    TimeInForce,
    Trade,
)
from workbench.execution.sim import (
    ConservativeQueue,
    ConstantLatency,
    FeeSchedule,
    LatencyModel,
    QueueModel,
    SimExchange,
)

VENUE = "test"
#: A linear perpetual: 0.1 USDT ticks, 0.001 BTC lots.
LINEAR = Instrument(VENUE, "BTCUSDT", InstrumentKind.LINEAR_PERP, "BTC", "USDT",
                    Decimal("0.1"), Decimal("0.001"))
#: An inverse perpetual: 0.1 USD ticks, contracts of 100 USD.
INVERSE = Instrument(VENUE, "BTCUSD_PERP", InstrumentKind.INVERSE_PERP, "BTC", "USD",
                     Decimal("0.1"), Decimal("1"), Decimal("100"))
RULES = {VENUE: BINANCE_FUTURES}


def exchange(latency: LatencyModel | None = None, queue: QueueModel | None = None,
             fees: FeeSchedule | None = None, seed: int = 7,
             instruments: tuple[Instrument, ...] = (LINEAR,)) -> SimExchange:
    """A SimExchange over the test instruments (zero latency, conservative queue, no fees)."""
    schedule = fees or FeeSchedule()
    return SimExchange(instruments, {i.key: schedule for i in instruments},
                       latency or ConstantLatency(0, 0), queue or ConservativeQueue(), RULES,
                       seed)


class Feed:
    """Events of one stream with futures-style chained sequence ids.

    Books are given as ``{price_ticks: size_lots}``; a size of 0 deletes a level.
    """

    def __init__(self, instrument: Instrument = LINEAR) -> None:
        self.instrument = instrument
        self._last_id = 100
        self._trade_id = 0

    def snapshot(self, ts_ns: int, bids: dict[int, int], asks: dict[int, int]) -> BookSnapshot:
        self._last_id += 1
        return BookSnapshot(ts_ns, ts_ns, VENUE, self.instrument.symbol, *_arrays(bids),
                            *_arrays(asks), self._last_id)

    def delta(self, ts_ns: int, bids: dict[int, int] | None = None,
              asks: dict[int, int] | None = None) -> BookDelta:
        first, prev = self._last_id, self._last_id
        self._last_id += 1
        return BookDelta(ts_ns, ts_ns, VENUE, self.instrument.symbol, *_arrays(bids or {}),
                         *_arrays(asks or {}), first, self._last_id, prev)

    def trade(self, ts_ns: int, price_ticks: int, size_lots: int, aggressor: Side) -> Trade:
        self._trade_id += 1
        return Trade(ts_ns, ts_ns, VENUE, self.instrument.symbol, price_ticks, size_lots,
                     aggressor, self._trade_id)


def place(order_id: int, side: Side, price_ticks: int, size_lots: int,
          tif: TimeInForce = TimeInForce.GTC, instrument: Instrument = LINEAR,
          ts_ns: int = 0) -> Place:
    return Place(order_id, instrument.venue, instrument.symbol, side, price_ticks, size_lots,
                 tif, ts_ns)


def cancel(order_id: int, instrument: Instrument = LINEAR) -> Cancel:
    return Cancel(order_id, instrument.venue, instrument.symbol, 0)


def amend(order_id: int, price_ticks: int, size_lots: int,
          instrument: Instrument = LINEAR) -> Amend:
    return Amend(order_id, instrument.venue, instrument.symbol, price_ticks, size_lots, 0)


def _arrays(levels: dict[int, int]) -> tuple[np.ndarray, np.ndarray]:
    return (np.array(list(levels), dtype=np.int64),
            np.array(list(levels.values()), dtype=np.int64))
