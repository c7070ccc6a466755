"""Core types: instruments, events, orders, clocks, errors. Imports only stdlib and numpy."""

from workbench.core.clock import Clock, SimulatedClock, WallClock
from workbench.core.commands import (
    Accepted,
    Amend,
    Amended,
    Cancel,
    Canceled,
    Command,
    CommandKind,
    Filled,
    Place,
    RejectCode,
    Rejected,
    Report,
    TimeInForce,
)
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
    "Accepted",
    "Amend",
    "Amended",
    "BestBidOffer",
    "BookDelta",
    "BookSnapshot",
    "Cancel",
    "Canceled",
    "Clock",
    "Command",
    "CommandKind",
    "DataError",
    "EventKind",
    "Fill",
    "Filled",
    "Instrument",
    "InstrumentKind",
    "Liquidity",
    "MarketEvent",
    "Order",
    "Place",
    "RejectCode",
    "Rejected",
    "Report",
    "SequenceGapError",
    "Side",
    "SimulatedClock",
    "TimeInForce",
    "Trade",
    "TransientError",
    "ValidationError",
    "WallClock",
    "WorkbenchError",
]
