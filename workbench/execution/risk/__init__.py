"""Risk: limits, the gate every command passes, order rate buckets, the kill switch."""

from workbench.execution.risk.band import band_distance_bps, band_edge_ticks, within_band
from workbench.execution.risk.context import MarketState, RiskContext
from workbench.execution.risk.gate import RiskGate
from workbench.execution.risk.kill_switch import KillSwitch, KillSwitchState
from workbench.execution.risk.limits import InstrumentLimits, RiskLimits, loss_breach
from workbench.execution.risk.token_bucket import TokenBucket

__all__ = [
    "InstrumentLimits",
    "KillSwitch",
    "KillSwitchState",
    "MarketState",
    "RiskContext",
    "RiskGate",
    "RiskLimits",
    "TokenBucket",
    "band_distance_bps",
    "band_edge_ticks",
    "loss_breach",
    "within_band",
]
