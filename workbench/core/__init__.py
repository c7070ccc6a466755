"""Core types: instruments, events, orders, clocks, errors. Imports only stdlib and numpy."""

from workbench.core.clock import Clock, SimulatedClock, WallClock
from workbench.core.errors import (
    DataError,
    SequenceGapError,
    TransientError,
    ValidationError,
    WorkbenchError,
)
from workbench.core.events import (
    TS_UNKNOWN,
    BestBidOffer,
    BookDelta,
    BookSnapshot,
    EventKind,
    MarketEvent,
    Side,
    Trade,
)
from workbench.core.instruments import Instrument, InstrumentKind
from workbench.core.orders import Fill, Liquidity, Order

__all__ = [
    "TS_UNKNOWN",
    "BestBidOffer",
    "BookDelta",
    "BookSnapshot",
    "Clock",
    "DataError",
    "EventKind",
    "Fill",
    "Instrument",
    "InstrumentKind",
    "Liquidity",
    "MarketEvent",
    "Order",
    "SequenceGapError",
    "Side",
    "SimulatedClock",
    "Trade",
    "TransientError",
    "ValidationError",
    "WallClock",
    "WorkbenchError",
]
