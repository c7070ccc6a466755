"""Execution: simulated venue, positions and PnL, the run journal."""

from workbench.execution.journal import JOURNAL_COLUMNS, Journal
from workbench.execution.position import Position
from workbench.execution.sim_venue import FeeSchedule, SimVenue

__all__ = ["JOURNAL_COLUMNS", "FeeSchedule", "Journal", "Position", "SimVenue"]
