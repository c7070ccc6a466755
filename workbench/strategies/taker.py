"""The taker: cross the spread only when the predicted move pays fees, half spread and margin.

The predicted move of the mid, in basis points, adds three parts:

* the fair-mid deviation ``(fair_mid - book_mid) / book_mid``;
* ``imbalance_bps`` times the mean of book imbalance, OFI and trade imbalance;
* ``toxicity_bps`` times ``toxicity_ask - toxicity_bid`` (informed buying minus selling).

With ``require_agreement`` all three must point the same way. A trade is taken when the
predicted move exceeds ``fee_bps + half_spread_bps + margin_bps``; its size grows with the
edge beyond that cost (``base_size_lots`` per ``edge_per_size_bps``, at most
``max_size_lots``), shrinks linearly as the position approaches its limit in the trade's
direction (rounded up, so a one-lot take is not blocked before the limit), and is cut at
the limit. Same interface as :func:`workbench.strategies.maker.quote`.
"""

from __future__ import annotations

import dataclasses
import math

from workbench.core import Instrument, Side, ValidationError
from workbench.estimators.signals import Signals
from workbench.quoting.params import ParamsIO, check_non_negative, check_positive
from workbench.strategies.types import TakerOrder, TargetQuotes, TopOfBook, book_problem, no_quote


@dataclasses.dataclass(frozen=True)
class TakerParams(ParamsIO):
    """Parameters of :func:`take` (all ``*_bps`` in basis points of the book mid).

    Parameters
    ----------
    fee_bps : float
        Taker fee the move must pay; default Binance USD-M's regular tier, 5 bps.
    margin_bps : float
        Edge wanted beyond fee and half spread.
    imbalance_bps : float
        Predicted move for a mean flow (book imbalance, OFI, trade imbalance) of 1.
    toxicity_bps : float
        Predicted move for ``toxicity_ask - toxicity_bid`` of 1.
    require_agreement : bool
        Trade only when deviation, flow and toxicity all point the same way.
    base_size_lots, edge_per_size_bps, max_size_lots : int, float, int
        ``base_size_lots`` per ``edge_per_size_bps`` of edge beyond the cost, at most
        ``max_size_lots``.
    max_long_lots, max_short_lots : int
        Position limits of the taker's own trades.
    """

    fee_bps: float = 5.0
    margin_bps: float = 1.0
    imbalance_bps: float = 5.0
    toxicity_bps: float = 5.0
    require_agreement: bool = True
    base_size_lots: int = 1
    edge_per_size_bps: float = 2.0
    max_size_lots: int = 5
    max_long_lots: int = 100
    max_short_lots: int = 100

    def __post_init__(self) -> None:
        check_non_negative(self, "fee_bps", "margin_bps", "imbalance_bps", "toxicity_bps")
        check_positive(self, "base_size_lots", "edge_per_size_bps", "max_size_lots")
        check_positive(self, "max_long_lots", "max_short_lots")
        if not isinstance(self.require_agreement, bool):
            raise ValidationError("TakerParams.require_agreement must be a bool")


def predicted_move_bps(signals: Signals, book_mid: float, p: TakerParams) -> tuple[float, bool]:
    """``(move_bps, agree)``: predicted mid move and whether its three parts agree in sign."""
    deviation = (signals.fair_mid - book_mid) / book_mid * 1e4
    flow = (signals.book_imbalance + signals.ofi + signals.trade_imbalance) / 3.0
    imbalance = p.imbalance_bps * flow
    toxicity = p.toxicity_bps * (signals.toxicity_ask - signals.toxicity_bid)
    move = deviation + imbalance + toxicity
    sign = 1.0 if move > 0 else -1.0
    agree = deviation * sign > 0 and imbalance * sign > 0 and toxicity * sign > 0
    return move, agree


def take(
    signals: Signals,
    top_of_book: TopOfBook,
    position_lots: int,
    params: TakerParams,
    instrument: Instrument,
) -> TargetQuotes:
    """A marketable order when the edge beats the cost, else nothing; never raises.

    Returns
    -------
    TargetQuotes
        No resting orders; ``taker`` set when trading, and the reason either way.
    """
    problem = book_problem(top_of_book)
    if problem is not None:
        return no_quote(problem)
    fields = (
        signals.fair_mid,
        signals.book_imbalance,
        signals.ofi,
        signals.trade_imbalance,
        signals.toxicity_bid,
        signals.toxicity_ask,
    )
    if not signals.fair_mid_ok or not all(math.isfinite(x) for x in fields):
        return no_quote("no-take:signals not ready or not finite")
    bid, ask = top_of_book.bid_ticks, top_of_book.ask_ticks
    tick = instrument.tick_size_float
    book_mid = 0.5 * (bid + ask) * tick
    half_spread_bps = 0.5 * (ask - bid) * tick / book_mid * 1e4
    cost_bps = params.fee_bps + half_spread_bps + params.margin_bps
    move, agree = predicted_move_bps(signals, book_mid, params)
    edge_bps = abs(move) - cost_bps
    if edge_bps <= 0:
        return no_quote(f"no-take:move {move:.2f} bps within cost {cost_bps:.2f} bps")
    if params.require_agreement and not agree:
        return no_quote("no-take:deviation, imbalance and toxicity disagree")
    side = Side.BUY if move > 0 else Side.SELL
    size = take_size_lots(edge_bps, int(side) * position_lots, side, params)
    if size <= 0:
        return no_quote(f"no-take:{side.name.lower()} blocked by inventory limit")
    price = ask if side is Side.BUY else bid
    reason = f"take:{side.name.lower()}:move {move:.2f} bps > cost {cost_bps:.2f} bps"
    return TargetQuotes((), (), TakerOrder(side, price, size, reason), (reason,))


def take_size_lots(edge_bps: float, signed_position_lots: int, side: Side, p: TakerParams) -> int:
    """Size of a take with ``edge_bps`` beyond cost, given the position in the trade's direction.

    ``signed_position_lots`` is positive when the trade adds to the position. The size is
    ``base · ceil(edge / edge_per_size)`` capped at ``max_size_lots``, times the remaining
    fraction of the limit when adding to a position (rounded up), and never beyond the
    limit.
    """
    limit = p.max_long_lots if side is Side.BUY else p.max_short_lots
    room = limit - signed_position_lots
    size = min(p.max_size_lots, p.base_size_lots * math.ceil(edge_bps / p.edge_per_size_bps))
    if signed_position_lots > 0:
        size = math.ceil(size * max(0.0, 1.0 - signed_position_lots / limit) - 1e-9)
    return max(0, min(size, room))
