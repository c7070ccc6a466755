"""The maker: model quotes + inventory policy + toxic-flow guard + ladder → TargetQuotes.

:func:`quote` is a pure function of its inputs. It reads the fair mid and volatility from
a :class:`~workbench.estimators.signals.Signals` snapshot, the inventory in lots, and the
guard's decisions (from a :class:`~workbench.strategies.toxic_guard.ToxicGuard` the caller
updates on every snapshot, or a stateless evaluation when none is given). Steps:

1. refuse to quote (with the reason) on bad inputs: untrusted or non-finite signals, a
   book with a side missing or crossed, inventory beyond the hard limit, a past horizon;
2. the model gives a centre skew and a half-spread in price units: Avellaneda–Stoikov
   (finite horizon or rolling window) or the Guéant closed-form GLFT approximation;
3. the inventory policy reshapes the skew (dead band, saturating cap);
4. the guard widens or pulls sides, or joins the toxic flow with a capped taker order;
5. the two best prices go on the tick grid without crossing the book, and each side is
   laddered with sizes cut at the position limits.
"""

from __future__ import annotations

import dataclasses
import math
from functools import cached_property

from workbench.core import Instrument, InstrumentKind, Side, ValidationError
from workbench.estimators.signals import Signals
from workbench.quoting.avellaneda_stoikov import clamp_quote_ticks
from workbench.quoting.glft import approx_scale_price, base_offset_price
from workbench.quoting.inventory import (
    InventoryParams,
    LadderParams,
    dead_band_units,
    ladder,
    saturating_skew_price,
    spacing_ticks_from_bps,
)
from workbench.quoting.params import (
    ASParams,
    GLFTParams,
    ParamsIO,
    check_choice,
    check_non_negative,
    check_positive,
)
from workbench.strategies.toxic_guard import (
    GuardAction,
    GuardDecisions,
    GuardParams,
    stateless_decisions,
)
from workbench.strategies.types import (
    TakerOrder,
    TargetQuotes,
    TopOfBook,
    book_problem,
    no_quote,
)

MODELS = ("as", "glft")
_INF = math.inf
_KEEP, _WIDEN, _JOIN = GuardAction.KEEP, GuardAction.WIDEN, GuardAction.JOIN


@dataclasses.dataclass(frozen=True)
class MakerParams(ParamsIO):
    """Parameters of :func:`quote`.

    Parameters
    ----------
    model : {"as", "glft"}
        Avellaneda–Stoikov, or the GLFT asymptotic closed form (stationary by nature).
    as_params : ASParams
        Used when ``model="as"``.
    glft_params : GLFTParams
        Used when ``model="glft"``: its ``gamma``, ``k_per_price``, ``a_per_s`` and
        ``drift_price_per_s``; the volatility comes live from the Signals.
    session_end_ns : int
        End of the horizon for ``as_params.mode == "finite"`` (event-time ns); ignored
        otherwise.
    unit_lots : int
        Lots in one model quote unit: the model's inventory is ``position / unit_lots``.
        The default models are calibrated for one lot of Binance USD-M BTCUSDT (0.001
        BTC); ``γ`` per unit grows and ``A`` falls with the unit (see
        :mod:`workbench.quoting.calibration`).
    unit_base : float
        Base-asset (coin) amount of one quote unit, or 0 to count units of
        ``unit_lots`` lots. When set, inventory is valued in coin before it is divided
        by the unit: ``lots·lot_size`` on linear instruments, ``lots·contract_value /
        fair_mid`` on inverse (COIN-M) ones, whose lots are contracts of a fixed quote
        value; the same model parameters then carry the same coin risk at every price
        and on every venue. See :func:`inventory_units`.
    inventory, ladder, guard : InventoryParams, LadderParams, GuardParams
        The policies.
    """

    model: str = "as"
    as_params: ASParams = dataclasses.field(default_factory=ASParams)
    glft_params: GLFTParams = dataclasses.field(default_factory=GLFTParams)
    session_end_ns: int = 0
    unit_lots: int = 1
    unit_base: float = 0.0
    inventory: InventoryParams = dataclasses.field(default_factory=InventoryParams)
    ladder: LadderParams = dataclasses.field(default_factory=LadderParams)
    guard: GuardParams = dataclasses.field(default_factory=GuardParams)

    def __post_init__(self) -> None:
        check_choice(self, "model", MODELS)
        check_positive(self, "unit_lots")
        check_non_negative(self, "unit_base")
        if self.model == "as" and self.as_params.mode == "finite" and self.session_end_ns <= 0:
            raise ValidationError("MakerParams.session_end_ns is needed for a finite AS horizon")

    @cached_property
    def _constants(self) -> tuple[float, float]:
        """``(gamma, base half-spread)`` of the chosen model, price units."""
        if self.model == "as":
            a = self.as_params
            return a.gamma, math.log1p(a.gamma / a.k_per_price) / a.gamma
        g = self.glft_params
        return g.gamma, base_offset_price(g.gamma, g.k_per_price)


def _model_skew_half(
    p: MakerParams, q_units: float, sigma: float, ts_ns: int
) -> tuple[float, float] | str:
    """``(skew, half_spread)`` in price units (quotes at ``mid - skew ∓ half``), or why not."""
    gamma, base_half = p._constants
    if p.model == "as":
        a = p.as_params
        if a.mode == "finite":
            tau_s = (p.session_end_ns - ts_ns) * 1e-9
            if tau_s < 0:
                return "no-quote:horizon already past"
        else:
            tau_s = a.horizon_s
        risk = gamma * sigma * sigma * tau_s
        return q_units * risk, base_half + 0.5 * risk
    g = p.glft_params
    xi = approx_scale_price(gamma, g.k_per_price, g.a_per_s, sigma)
    tilt = g.drift_price_per_s / (gamma * sigma * sigma)
    return (q_units - tilt) * xi, base_half + 0.5 * xi


def inventory_units(position_lots: int, params: MakerParams, instrument: Instrument,
                    mid_price: float) -> float:
    """The model's inventory ``q``: the position beyond the target (and dead band), in
    quote units.

    With ``params.unit_base == 0`` a unit is ``unit_lots`` lots. With ``unit_base > 0``
    the lots are valued in the base asset first, at ``mid_price`` on inverse contracts
    (``lots·contract_value / mid``: a contract's coin value falls as the price rises),
    and divided by ``unit_base``.
    """
    inv = params.inventory
    if inv.dead_band_lots:
        lots = dead_band_units(position_lots, inv.target_lots, inv.dead_band_lots)
    else:
        lots = position_lots - inv.target_lots
    if params.unit_base == 0:
        return lots / params.unit_lots
    if instrument.kind is InstrumentKind.INVERSE_PERP:
        base = lots * float(instrument.contract_value) / mid_price
    else:
        base = lots * instrument.lot_size_float
    return base / params.unit_base


def quote(
    signals: Signals,
    top_of_book: TopOfBook,
    position_lots: int,
    params: MakerParams,
    instrument: Instrument,
    guard: GuardDecisions | None = None,
) -> TargetQuotes:
    """Target quotes for one instrument; never raises on bad market inputs.

    Parameters
    ----------
    signals : Signals
        Current estimates; ``fair_mid`` is the mid the model quotes around.
    top_of_book : TopOfBook
        Best bid and ask (ticks); quotes never cross it.
    position_lots : int
        Current inventory, lots (positive long).
    params : MakerParams
        Model and policies.
    instrument : Instrument
        Tick and lot grid.
    guard : GuardDecisions, optional
        The stateful guard's decisions for this snapshot; evaluated statelessly if omitted.

    Returns
    -------
    TargetQuotes
        Ladders (best first) and an optional join order, with reasons; a no-quote
        decision with its reason when the inputs cannot be traded on.
    """
    best_bid, best_ask = top_of_book.bid_ticks, top_of_book.ask_ticks
    if best_bid is None or best_ask is None or not 0 < best_bid < best_ask:
        return no_quote(book_problem(top_of_book))
    if not (signals.fair_mid_ok and signals.vol_ok):
        return no_quote("no-quote:signals not ready")
    mid = signals.fair_mid
    vol = signals.vol_per_sqrt_s
    if not (0.0 < mid < _INF and 0.0 < vol < _INF):
        return no_quote("no-quote:fair mid or volatility not finite and positive")
    inv = params.inventory
    q_units = inventory_units(position_lots, params, instrument, mid)
    model = _model_skew_half(params, q_units, mid * vol, signals.ts_ns)
    if type(model) is str:
        return no_quote(model)
    skew, half = model
    if not (-_INF < skew < _INF and -_INF < half < _INF):
        return no_quote("no-quote:model quotes not finite")
    if inv.skew_mode == "capped":
        skew = saturating_skew_price(skew, half, inv.cap_fraction)
    if guard is None:
        guard = stateless_decisions(signals, params.guard)
    return _assemble(
        signals, top_of_book, position_lots, params, instrument, guard, mid - skew, half
    )


def _assemble(
    signals: Signals,
    top: TopOfBook,
    position_lots: int,
    params: MakerParams,
    instrument: Instrument,
    guard: GuardDecisions,
    centre: float,
    half: float,
) -> TargetQuotes:
    inv, lad = params.inventory, params.ladder
    bid_room = inv.max_long_lots - position_lots
    ask_room = inv.max_short_lots + position_lots
    bid_price = centre - half
    ask_price = centre + half
    g_bid, g_ask = guard
    if bid_room > 0 and ask_room > 0 and g_bid.action is _KEEP and g_ask.action is _KEEP:
        bid_ok = ask_ok = True
        reasons = ()
    else:
        bid_ok, ask_ok = bid_room > 0, ask_room > 0
        reasons = []
        if not bid_ok:
            reasons.append("bid:off:long limit" if position_lots <= inv.hard_limit_lots
                           else "bid:off:beyond the hard limit, working it down")
        if not ask_ok:
            reasons.append("ask:off:short limit" if -position_lots <= inv.hard_limit_lots
                           else "ask:off:beyond the hard limit, working it down")
        widen_price = params.guard.widen_ticks * instrument.tick_size_float
        if g_bid.action is not _KEEP:
            reasons.append(g_bid.reason)
            bid_ok = bid_ok and g_bid.action is _WIDEN
            bid_price -= widen_price
        if g_ask.action is not _KEEP:
            reasons.append(g_ask.reason)
            ask_ok = ask_ok and g_ask.action is _WIDEN
            ask_price += widen_price
    bid_t, ask_t = instrument.round_quotes(bid_price, ask_price)
    best_bid, best_ask = top.bid_ticks, top.ask_ticks
    if bid_t >= best_ask or ask_t <= best_bid or ask_t <= bid_t or bid_t <= 0:  # rare
        bid_t, ask_t = clamp_quote_ticks(bid_t, ask_t, best_bid, best_ask)
    spacing = lad.spacing_ticks
    if lad.spacing_bps > 0:
        spacing = spacing_ticks_from_bps(
            lad.spacing_bps, signals.fair_mid, instrument.tick_size_float
        )
    levels, size = lad.levels, lad.size_lots
    bids = ladder(bid_t, -1, levels, spacing, size, bid_room) if bid_ok and bid_t else ()
    asks = ladder(ask_t, 1, levels, spacing, size, ask_room) if ask_ok and ask_t else ()
    taker = None
    if g_bid.take or g_ask.take:
        taker = _join_order(top, position_lots, inv, params.guard.join_max_lots, guard, reasons)
    return TargetQuotes(bids, asks, taker, tuple(reasons))


def _join_order(
    top: TopOfBook,
    position_lots: int,
    inv: InventoryParams,
    max_lots: int,
    guard: GuardDecisions,
    reasons: list[str],
) -> TakerOrder | None:
    """A marketable order with the toxic flow: buy when our ask is being lifted."""
    join_ask = guard.ask.action == _JOIN and guard.ask.take
    join_bid = guard.bid.action == _JOIN and guard.bid.take
    if join_ask == join_bid:
        if join_ask:
            reasons.append("join:skipped:both sides toxic")
        return None
    if join_ask:
        size = min(max_lots, inv.max_long_lots - position_lots)
        order = TakerOrder(Side.BUY, top.ask_ticks, size, guard.ask.reason)
    else:
        size = min(max_lots, inv.max_short_lots + position_lots)
        order = TakerOrder(Side.SELL, top.bid_ticks, size, guard.bid.reason)
    if size <= 0:
        reasons.append("join:skipped:inventory limit")
        return None
    return order


def quote_reads_time(params: MakerParams) -> bool:
    """Whether :func:`quote` reads the snapshot's time (a finite-horizon
    Avellaneda–Stoikov model); otherwise the time cannot change its answer."""
    return params.model == "as" and params.as_params.mode == "finite"


class QuoteCache:
    """:func:`quote` that answers again without recomputing when its inputs are unchanged.

    The key is what :func:`quote` reads: the fair mid and volatility with their flags,
    the event time only for a finite Avellaneda–Stoikov horizon, the best prices (not
    their sizes), the position, the guard's decisions, and the very same ``params`` and
    ``instrument`` objects. A loop that decides on every event (trades, depth far from
    the touch) mostly asks the same question again; the answer is the same object.
    """

    __slots__ = ("_instrument", "_key", "_params", "_targets")

    def __init__(self) -> None:
        self._key: tuple | None = None
        self._params: MakerParams | None = None
        self._instrument: Instrument | None = None
        self._targets: TargetQuotes | None = None

    def quote(
        self,
        signals: Signals,
        top_of_book: TopOfBook,
        position_lots: int,
        params: MakerParams,
        instrument: Instrument,
        guard: GuardDecisions,
    ) -> TargetQuotes:
        """Same arguments and answer as :func:`quote` (the guard's decisions required)."""
        timed = quote_reads_time(params)
        key = (signals.fair_mid, signals.fair_mid_ok, signals.vol_per_sqrt_s, signals.vol_ok,
               signals.ts_ns if timed else 0, top_of_book.bid_ticks, top_of_book.ask_ticks,
               position_lots, guard)
        if key == self._key and params is self._params and instrument is self._instrument:
            return self._targets
        targets = quote(signals, top_of_book, position_lots, params, instrument, guard)
        self._key, self._params, self._instrument, self._targets = (
            key, params, instrument, targets)
        return targets
