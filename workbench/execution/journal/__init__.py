"""The durable journal of a session, recovery after a crash, reconciliation with venues.

- :class:`SqliteJournal` appends every command, report, parameter change, risk event and
  session marker to one SQLite file per session, durably, before the engine acts on it;
  :func:`read_records` reads them back as the same objects.
- :func:`recover` folds a journal (cut anywhere by a crash) into a :class:`RecoveredState`;
  :func:`reconcile` squares it with the venues' open orders, positions and fills.
- :func:`export_parquet` writes a journal as one typed table for analysis.
"""

from workbench.execution.journal.codec import KINDS, RECORD_COLUMNS, ColumnSpec
from workbench.execution.journal.export import RECORD_SCHEMA, export_parquet
from workbench.execution.journal.reconcile import Reconciliation, VenueOrder, reconcile
from workbench.execution.journal.records import (
    JournalEntry,
    ParamChange,
    PositionCorrected,
    Record,
    RiskEvent,
    RiskEventKind,
    SessionEvent,
    SessionMarker,
)
from workbench.execution.journal.recovery import StateFold, recover
from workbench.execution.journal.sqlite import SqliteJournal, read_records
from workbench.execution.journal.state import OrderRecord, OrderStatus, RecoveredState

__all__ = [
    "KINDS",
    "RECORD_COLUMNS",
    "RECORD_SCHEMA",
    "ColumnSpec",
    "JournalEntry",
    "OrderRecord",
    "OrderStatus",
    "ParamChange",
    "PositionCorrected",
    "Reconciliation",
    "Record",
    "RecoveredState",
    "RiskEvent",
    "RiskEventKind",
    "SessionEvent",
    "SessionMarker",
    "SqliteJournal",
    "StateFold",
    "VenueOrder",
    "export_parquet",
    "read_records",
    "reconcile",
    "recover",
]
