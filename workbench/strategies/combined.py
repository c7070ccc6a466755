"""Which strategy trades: the maker, the taker, or both on the same snapshot.

* ``"maker"``: :func:`workbench.strategies.maker.quote` (its guard widens, pulls or joins
  the toxic flow with a capped marketable order);
* ``"taker"``: :func:`workbench.strategies.taker.take` alone, no resting orders;
* ``"both"``: the maker's resting quotes (and its pulls), and one marketable order: the
  taker's when it trades, else the maker's join. Both read the same Signals, so the
  maker steps aside from the flow the taker trades on.

A taker that does not trade adds no reason to the maker's (its no-take reasons carry the
predicted move and change on every snapshot).
"""

from __future__ import annotations

from workbench.core import Instrument
from workbench.estimators.signals import Signals
from workbench.strategies.maker import MakerParams, QuoteCache
from workbench.strategies.taker import TakerParams, take
from workbench.strategies.toxic_guard import GuardDecisions
from workbench.strategies.types import TargetQuotes, TopOfBook

#: The strategies an engine can run.
STRATEGIES = ("maker", "taker", "both")


def strategy_targets(strategy: str, taker: TakerParams, quotes: QuoteCache, signals: Signals,
                     top_of_book: TopOfBook, position_lots: int, maker: MakerParams,
                     instrument: Instrument, guard: GuardDecisions) -> TargetQuotes:
    """The targets of ``strategy`` (one of :data:`STRATEGIES`) for one snapshot.

    Parameters
    ----------
    strategy : str
        ``"maker"``, ``"taker"`` or ``"both"``.
    taker : TakerParams
        The taker's thresholds (unused by ``"maker"``).
    quotes : QuoteCache
        Answers the maker's :func:`~workbench.strategies.maker.quote`.
    signals, top_of_book, position_lots, maker, instrument, guard
        As :meth:`QuoteCache.quote`.

    Returns
    -------
    TargetQuotes
    """
    if strategy == "maker":
        return quotes.quote(signals, top_of_book, position_lots, maker, instrument, guard)
    took = take(signals, top_of_book, position_lots, taker, instrument)
    if strategy == "taker":
        return took
    made = quotes.quote(signals, top_of_book, position_lots, maker, instrument, guard)
    if took.taker is None:
        return made
    return TargetQuotes(made.bids, made.asks, took.taker, made.reasons + took.reasons)
