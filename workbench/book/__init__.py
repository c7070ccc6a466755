"""Local order books in integer ticks, and their synchronisation with venue feeds."""

from workbench.book.agreement import BboAgreement, Disagreement
from workbench.book.l2 import L2Book
from workbench.book.sync import (
    BINANCE_FUTURES,
    BINANCE_SPOT,
    BookSync,
    Gap,
    SyncRule,
    SyncState,
    SyncStats,
)

__all__ = [
    "BINANCE_FUTURES",
    "BINANCE_SPOT",
    "BboAgreement",
    "BookSync",
    "Disagreement",
    "Gap",
    "L2Book",
    "SyncRule",
    "SyncState",
    "SyncStats",
]
