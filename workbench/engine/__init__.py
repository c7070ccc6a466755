"""The engine: one deterministic step for backtest, paper and live, and its drivers."""

from workbench.engine.backtest import BacktestResult, backtest, default_risk_limits
from workbench.engine.config import EngineConfig
from workbench.engine.core import Engine
from workbench.engine.session import Session, SessionState

__all__ = [
    "BacktestResult",
    "Engine",
    "EngineConfig",
    "Session",
    "SessionState",
    "backtest",
    "default_risk_limits",
]
