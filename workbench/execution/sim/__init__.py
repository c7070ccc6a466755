"""The simulated exchange: own books, latency, queue position, partial fills, fees."""

from workbench.execution.sim.exchange import SimExchange
from workbench.execution.sim.feed import FeedLatency
from workbench.execution.sim.fees import FeeSchedule
from workbench.execution.sim.latency import ConstantLatency, LatencyModel, RecordedLatency
from workbench.execution.sim.orders import SimOrder
from workbench.execution.sim.queue import ConservativeQueue, ProbabilisticQueue, QueueModel

__all__ = [
    "ConservativeQueue",
    "ConstantLatency",
    "FeeSchedule",
    "FeedLatency",
    "LatencyModel",
    "ProbabilisticQueue",
    "QueueModel",
    "RecordedLatency",
    "SimExchange",
    "SimOrder",
]
