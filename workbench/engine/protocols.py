"""What the drivers need of an engine: events in, commands out, synchronously."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from workbench.core.commands import Command, Report
from workbench.core.events import MarketEvent


class EngineCore(Protocol):
    """A deterministic engine step: each call returns the commands to send now.

    This is what :class:`~workbench.engine.replay_driver.Stepper` drives. A
    :class:`~workbench.engine.session.Session` also uses the engine's controls
    (``pull_quotes``, ``hold_quotes``, ``resume_quoting``, ``trip_kill_switch``,
    ``rearm``, ``cancel_order``, ``cancel_everything``, ``check_param``, ``set_param``,
    ``start``, ``stop``) and its ``orders``, as :class:`~workbench.engine.core.Engine`
    has them.
    """

    def on_market(self, event: MarketEvent) -> list[Command]:
        """A market event arrived (at its ``local_ts_ns``)."""
        ...

    def on_reports(self, reports: Sequence[Report], now_ns: int) -> list[Command]:
        """Venue reports that reached us together at ``now_ns``, in order."""
        ...

    def on_timer(self, now_ns: int) -> list[Command]:
        """Time passed with no event (timeouts, stale-data checks)."""
        ...
