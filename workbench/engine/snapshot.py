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

    Latencies are tick-to-quote: wall time from a market event entering the engine to
    its commands leaving it, over the last 65,536 events, in ns. ``recent_fills`` are the
    last 100 fills, oldest first.
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
    latency_p50_ns: float
    latency_p99_ns: float
    books_synced: dict[str, bool]
    errors: tuple[str, ...]
    params: Any
