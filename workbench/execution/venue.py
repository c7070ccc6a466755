"""What the engine needs of a venue: take commands, hand back reports when they are due.

A live venue (a connector) sends commands over the network and queues the exchange's
answers; the simulated venue also watches market data, matches our orders against it
and delays both ways by its latency model. The engine and its drivers see only this.
"""

from __future__ import annotations

from typing import Protocol

from workbench.core.commands import Command, Report
from workbench.core.events import MarketEvent


class Venue(Protocol):
    """An order venue for one or more instruments."""

    name: str

    def submit(self, command: Command, now_ns: int) -> None:
        """Send a command at local time ``now_ns``; its answer comes later via :meth:`poll`."""
        ...

    def poll(self, now_ns: int) -> list[Report]:
        """Reports that have reached us by ``now_ns``, oldest first."""
        ...

    def next_report_ns(self) -> int | None:
        """Local time at which the next queued report becomes due, if any is queued."""
        ...


class SimulatedVenue(Venue, Protocol):
    """A venue that matches our orders against recorded or live market data."""

    def on_market(self, event: MarketEvent) -> None:
        """Show the venue a market event (at the event's ``local_ts_ns``)."""
        ...
