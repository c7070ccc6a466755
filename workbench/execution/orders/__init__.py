"""Order management: our orders' states, target-to-command diffing, report handling."""

from workbench.execution.orders.client_ids import ClientIds, new_namespace
from workbench.execution.orders.config import OrderManagerConfig
from workbench.execution.orders.ids import OrderIdAllocator
from workbench.execution.orders.manager import OrderManager, OrderUpdate
from workbench.execution.orders.matching import SidePlan, plan_side
from workbench.execution.orders.state import ManagedOrder, OrderState, OrderView

__all__ = [
    "ClientIds",
    "ManagedOrder",
    "OrderIdAllocator",
    "OrderManager",
    "OrderManagerConfig",
    "OrderState",
    "OrderUpdate",
    "OrderView",
    "SidePlan",
    "new_namespace",
    "plan_side",
]
