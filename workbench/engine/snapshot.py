"""An immutable picture of a running engine, for panels, notebooks and logs."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from workbench.core.commands import Filled
from workbench.estimators.signals import Signals
from workbench.execution.orders.state import OrderView
from workbench.execution.position import PositionRow
from workbench.execution.risk import KillSwitchState
from workbench.strategies.types import TargetQuotes


@dataclass(frozen=True)
class EngineSnapshot:
    """The engine's state at ``ts_ns``; plain data, safe to hand to another thread.

    ``compute_p50_ns`` / ``compute_p99_ns`` are the engine's compute time per market
    event: wall time from the event entering :meth:`Engine.on_market` to its commands
    leaving it, over the last 65,536 events, in ns (network and venue time are not in
    it). ``recent_fills`` are the last 100 fills, oldest first. ``quoting`` is the
    :class:`~workbench.engine.control.QuotingMode` (``quoting_reason`` why it is paused);
    ``client_namespace`` the session's client order id namespace ("" before a start).
    """

    ts_ns: int
    signals: Signals | None
    targets: TargetQuotes
    pull_reasons: tuple[str, ...]
    orders: tuple[OrderView, ...]
    recent_fills: tuple[Filled, ...]
    positions: tuple[PositionRow, ...]
    equity_quote: float
    drawdown_quote: float
    kill_switch: KillSwitchState
    anomalies: dict[str, int]
    compute_p50_ns: float
    compute_p99_ns: float
    books_synced: dict[str, bool]
    errors: tuple[str, ...]
    params: Any
    quoting: str = "on"
    quoting_reason: str = ""
    client_namespace: str = ""
