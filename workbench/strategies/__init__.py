"""Strategies: pure functions from a Signals snapshot, the book and the position to targets.

``maker.quote`` (model + inventory policy + toxic-flow guard + ladder), ``taker.take``
(cross only when the predicted move pays), ``hedger.hedge`` (perp/spot delta bands) and
the one stateful piece, :class:`~workbench.strategies.toxic_guard.ToxicGuard`.
"""

from workbench.strategies.hedger import (
    HedgeOrder,
    HedgeParams,
    HedgeVenue,
    base_to_lots,
    hedge,
    lots_to_base,
    venue_cost_bps,
)
from workbench.strategies.maker import MODELS, MakerParams, quote
from workbench.strategies.taker import TakerParams, predicted_move_bps, take, take_size_lots
from workbench.strategies.toxic_guard import (
    GuardAction,
    GuardDecision,
    GuardDecisions,
    GuardParams,
    ToxicGuard,
    classify,
    side_inputs,
    stateless_decisions,
)
from workbench.strategies.types import TakerOrder, TargetQuotes, TopOfBook, book_problem, no_quote

__all__ = [
    "MODELS",
    "GuardAction",
    "GuardDecision",
    "GuardDecisions",
    "GuardParams",
    "HedgeOrder",
    "HedgeParams",
    "HedgeVenue",
    "MakerParams",
    "TakerOrder",
    "TakerParams",
    "TargetQuotes",
    "TopOfBook",
    "ToxicGuard",
    "base_to_lots",
    "book_problem",
    "classify",
    "hedge",
    "lots_to_base",
    "no_quote",
    "predicted_move_bps",
    "quote",
    "side_inputs",
    "stateless_decisions",
    "take",
    "take_size_lots",
    "venue_cost_bps",
]
