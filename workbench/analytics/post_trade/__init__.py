"""Post-trade analysis of a session's journal: markouts, exact PnL attribution, activity,
inventory and performance (:class:`PostTradeReport`).

The modules take DataFrames (fills, orders) and a :class:`MarketTape`; reading a journal
is :func:`workbench.engine.post_trade.post_trade`, exported as ``workbench.post_trade``.
"""

from workbench.analytics.post_trade.activity import order_activity, queue_waits_s
from workbench.analytics.post_trade.attribution import TERMS, attribution, attribution_totals
from workbench.analytics.post_trade.exact import exact_dot, exact_ratio_sum, exact_sum
from workbench.analytics.post_trade.fills import (
    FILL_COLUMNS,
    ORDER_COLUMNS,
    check_fills,
    priced_fills,
)
from workbench.analytics.post_trade.inventory import (
    ar1_half_life,
    inventory_on_grid,
    inventory_stats,
    time_grid,
)
from workbench.analytics.post_trade.markouts import (
    TOXICITY_STATES,
    markout_table,
    markouts,
    size_bucket,
    toxicity_state,
)
from workbench.analytics.post_trade.performance import (
    drawdown,
    equity_on_grid,
    performance,
    sharpe_ratio,
)
from workbench.analytics.post_trade.report import PostTradeReport, build_report
from workbench.analytics.post_trade.risk import RISK_COLUMNS, risk_report
from workbench.analytics.post_trade.tape import MarketTape

__all__ = [
    "FILL_COLUMNS",
    "ORDER_COLUMNS",
    "RISK_COLUMNS",
    "TERMS",
    "TOXICITY_STATES",
    "MarketTape",
    "PostTradeReport",
    "ar1_half_life",
    "attribution",
    "attribution_totals",
    "build_report",
    "check_fills",
    "drawdown",
    "equity_on_grid",
    "exact_dot",
    "exact_ratio_sum",
    "exact_sum",
    "inventory_on_grid",
    "inventory_stats",
    "markout_table",
    "markouts",
    "order_activity",
    "performance",
    "priced_fills",
    "queue_waits_s",
    "risk_report",
    "sharpe_ratio",
    "size_bucket",
    "time_grid",
    "toxicity_state",
]
