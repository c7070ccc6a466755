"""What the engine needs of a venue: take commands, hand back reports when they are due.

A live venue (a connector) sends commands over the network and queues the exchange's
answers; the simulated venue also watches market data, matches our orders against it
and delays both ways by its latency model. The engine and its drivers see only this.

Every venue also answers for its own view, which the engine squares with its own after
a restart (:meth:`~workbench.engine.core.Engine.restore`) and after a lost link
(:meth:`~workbench.engine.core.Engine.finish_resync`): the orders it has open, our
positions, and the fills since a time. Two optional attributes connect a live venue to
the :class:`~workbench.engine.session.Session` that drives it:

``reports_ready`` : asyncio.Event
    Set by the venue when reports have arrived; the session wakes at once to take them
    (instead of on its next timer).
``resync_listener`` : callable or None
    Set by the session to its :meth:`~workbench.engine.session.Session.request_resync`;
    the venue calls it with a reason when its link was lost and is back (a reconnect of
    its user stream), and the session pulls quotes until the venue's open orders,
    positions and fills are reconciled with the engine's.
"""

from __future__ import annotations

from collections.abc import Awaitable, Mapping
from typing import Protocol

from workbench.core.commands import Command, Filled, Report
from workbench.core.events import MarketEvent
from workbench.execution.journal.reconcile import VenueOrder


class Venue(Protocol):
    """An order venue for one or more instruments.

    The three views may answer at once (the simulated exchange) or be awaitable (a
    connector asking the exchange over the network); the session awaits them if so.
    """

    name: str

    def submit(self, command: Command, now_ns: int) -> None:
        """Send a command at local time ``now_ns``; its answer comes later via :meth:`poll`.

        Raises
        ------
        TransientError
            When it could not be sent (or its fate is unknown) and may be sent again with
            the same order id: a venue must refuse a second order with an id it has seen.
        """
        ...

    def poll(self, now_ns: int) -> list[Report]:
        """Reports that have reached us by ``now_ns``, oldest first."""
        ...

    def next_report_ns(self) -> int | None:
        """Local time at which the next queued report becomes due, if any is queued."""
        ...

    def open_orders(self) -> list[VenueOrder] | Awaitable[list[VenueOrder]]:
        """Our orders open at the venue now, by our order id."""
        ...

    def positions(self) -> Mapping[tuple[str, str], int] | Awaitable[Mapping[tuple[str, str],
                                                                               int]]:
        """Our position per ``(venue, symbol)``, signed lots."""
        ...

    def fills_since(self, ts_ns: int) -> list[Filled] | Awaitable[list[Filled]]:
        """Our executions at or after venue time ``ts_ns``."""
        ...


class SimulatedVenue(Venue, Protocol):
    """A venue that matches our orders against recorded or live market data."""

    def on_market(self, event: MarketEvent) -> None:
        """Show the venue a market event (at the event's ``local_ts_ns``)."""
        ...
