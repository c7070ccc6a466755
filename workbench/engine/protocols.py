"""What the drivers need of an engine: events in, commands out, synchronously."""

from __future__ import annotations

from typing import Protocol

from workbench.core.commands import Command, Report
from workbench.core.events import MarketEvent


class EngineCore(Protocol):
    """A deterministic engine step: each call returns the commands to send now."""

    def on_market(self, event: MarketEvent) -> list[Command]:
        """A market event arrived (at its ``local_ts_ns``)."""
        ...

    def on_report(self, report: Report, now_ns: int) -> list[Command]:
        """A venue report reached us at ``now_ns``."""
        ...

    def on_timer(self, now_ns: int) -> list[Command]:
        """Time passed with no event (timeouts, stale-data checks)."""
        ...
