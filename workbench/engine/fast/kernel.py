"""The compiled backtest: a GLFT / Avellaneda–Stoikov maker over an event array.

The rules below are those of the Python pieces the engine assembles (the simulated
exchange of :mod:`workbench.execution.sim` with :class:`ConservativeQueue`, the maker of
:mod:`workbench.strategies.maker`, the :class:`OrderManager` and the risk gate's position
check); :mod:`workbench.engine.fast.reference` is the plain-Python twin built from those
pieces, and a test holds the two equal, fill for fill.

**Time.** One timeline, four sources: exchange rows (at ``exch_ts_ns``; see
``exchange_clock`` of :func:`~workbench.engine.fast.events.event_array`), our commands
reaching the exchange (sent at local ``t``, acting at ``t + entry_latency_ns``), reports
reaching us (exchange time ``+ response_latency_ns``) and local rows (at
``local_ts_ns``). At equal times: exchange rows, then commands, then reports, then local
rows. Rows are taken a whole venue message at a time. Commands and reports in flight
when both feeds end are dropped.

**Books.** The exchange book (exchange rows) decides acceptance, queues and fills; the
local book (local rows) is what the strategy sees. A clear row empties both sides; level
rows set absolute sizes. Both are dense arrays over one price window
(:func:`~workbench.engine.fast.backtest.book_window`): level rows outside it are ignored.
The exchange book is *synchronised* from a message with a clear and levels (a snapshot)
until a message with a clear only (a sequence gap).

**Exchange** (one order book of ours per side, in price then order-id priority).

* A new order is refused while the book is not synchronised. A post-only order that
  reaches the opposite best and finds a level there, through its price, with more size
  than our own orders have taken from it, is rejected. A GTC order takes what it reaches
  (level by level from the best, each level's size minus what we took, at the level's
  price, taker fee), then rests. Every accepted order is acknowledged before its fills.
* A resting order joins behind the visible size at its price minus what our opposite
  orders took there (``ahead``).
* A trade of size ``V`` against one side (a sell hits our bids): our orders priced through
  it (bids above the price) get ``ahead = 0`` and fill, best price first, with what is
  left of ``V``; then at the trade's price ``V`` first consumes the size ahead of our
  orders and what remains fills them. Volume used by one of our orders is not used again.
* After each book message with a synchronised book, for bids then asks: ``ahead`` is cut
  to the level's size; if the opposite best reached our best price, our orders at prices
  the opposite best reached get ``ahead = 0`` and fill, best first, from the opposite
  levels up to their price (each level's size minus what we took there). Liquidity we
  take is remembered per level until a message updates that level (a clear forgets all).
* A cancel removes the order if still resting, else it is refused. Passive fills are
  maker fills at our price. Fees are ``notional * bps / 1e4``, notional
  ``price_ticks * size_lots * tick_size * lot_size`` (linear instruments only).

**Strategy** (after every local message, and after every report that changes one of our
orders, at its arrival; it knows only reported fills). With both local sides present and
uncrossed: mid ``m = (best_bid + best_ask) / 2 * tick_size``, volatility ``σ``
(constant, or :class:`~workbench.estimators.volatility.EwmaVolatility` of ``log m`` once
it has ``vol_min_returns`` grid returns, ``sqrt(variance / grid_s)``), ``σ_p = m·σ``,
``q = position / unit_lots``, ``b = ln(1 + γ/k)/γ``. GLFT:
``ξ = sqrt(σ_p²·γ/(2kA)·(1 + γ/k)^(1 + k/γ))``, ``skew = q·ξ``, ``half = b + ξ/2``; AS:
``skew = q·γσ_p²τ``, ``half = b + γσ_p²τ/2``; ``capped`` uses
``c·half·tanh(skew/(c·half))``. The top prices are
:func:`~workbench.quoting.quotes_to_ticks` of ``m - skew ∓ half``; each side is
:func:`~workbench.quoting.ladder` from its top with room ``max_long_lots - position``
(bids) or ``max_short_lots + position`` (asks), and none at all at or beyond the limit.
No valid book, or a non-finite model: no quotes.

**Orders** (:class:`OrderManager`, tolerance 0, no minimum age, cancel-and-replace). Each
side's orders that are pending new or working (not being cancelled) are matched to the
target levels: a level keeps the first order (best price first, then oldest) at its price
whose remaining size equals the level's size. Unmatched orders and levels are paired best
first: a pair cancels the order and places the level, unless the order's place is still
unanswered (then both wait). Levels left over are placed; orders left over are cancelled
unless their place is unanswered. Cancels go first, then places; order ids count up from
0 in the order places are made. The risk gate's check: if ``position`` plus the remaining
size of every live buy order (being cancelled included, this round's places included)
exceeds ``max_long_lots``, none of this round's buy places is sent (sells mirrored), so
the limits hold at the exchange whatever fills. After a local message the diff runs only
when the top prices changed (else it would find nothing to do); after a report it always
runs. The volatility EWMA takes the mid of every local message with a valid book;
decisions after reports read it without adding a price.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from workbench.engine.fast.events import (
    CLEAR,
    END_OF_MESSAGE,
    EXCH_EVENT,
    KIND_MASK,
    LOCAL_EVENT,
    TRADE,
)
from workbench.engine.fast.params import (
    F_A,
    F_CAP,
    F_GAMMA,
    F_HORIZON_S,
    F_K,
    F_MAKER_BPS,
    F_SIGMA,
    F_TAKER_BPS,
    F_VOL_GRID_S,
    F_VOL_LAM,
    I_ENTRY_NS,
    I_LEVELS,
    I_MAX_LONG,
    I_MAX_SHORT,
    I_MODEL,
    I_POST_ONLY,
    I_RECORD_NS,
    I_RESPONSE_NS,
    I_SIZE,
    I_SKEW_MODE,
    I_SPACING,
    I_UNIT_LOTS,
    I_VOL_GRID_NS,
    I_VOL_MIN_RETURNS,
    I_VOL_MODE,
    MAX_LEVELS,
)

NS_MAX = np.iinfo(np.int64).max
_GRID_ABS = 1e-9
_GRID_REL = 1e-14
_MAX_TICKS = 2.0**62  # a quote beyond this is no quote
# Capacities of the in-flight queues and the order tables; exceeding one stops the run.
QUEUE_CAPACITY = 1 << 16
ORDER_CAPACITY = 4096
# Command and report kinds.
CMD_PLACE, CMD_CANCEL = 0, 1
REP_ACK, REP_REJECT, REP_FILL, REP_CANCELED, REP_REFUSED = 0, 1, 2, 3, 4
# Columns. Commands: t, kind, oid, side, price, size. Reports: t, kind, oid, fill index.
# Exchange orders: oid, side, price, leaves, ahead. Local orders: oid, side, price, size,
# filled, state. Fills: exch_ts, local_ts, oid, side, price, size, maker. Records: ts,
# best bid, best ask, bid, ask, position; sigma, cash, equity.
E_ID, E_SIDE, E_PRICE, E_LEAVES, E_AHEAD = range(5)
L_ID, L_SIDE, L_PRICE, L_SIZE, L_FILLED, L_STATE = range(6)
PENDING_NEW, WORKING, PENDING_CANCEL = 0, 1, 2
# Scalar state slots.
(S_CQ_HEAD, S_CQ_TAIL, S_RQ_HEAD, S_RQ_TAIL, S_EX_N, S_LO_N, S_N_FILLS, S_NEXT_OID,
 S_POSITION, S_DIRTY, S_V_NEXT, S_V_N, S_V_HAS, S_SYNCED, S_ERROR) = range(15)
(V_LOGP, V_SAMPLE, V_VAR, V_CASH) = range(4)
# Why a run stopped early (``S_ERROR``); the wrapper raises with the message.
ERR_COMMANDS, ERR_REPORTS, ERR_EXCHANGE_ORDERS, ERR_LOCAL_ORDERS = 1, 2, 3, 4
ERRORS = {
    ERR_COMMANDS: f"more than {QUEUE_CAPACITY} commands in flight",
    ERR_REPORTS: f"more than {QUEUE_CAPACITY} reports in flight",
    ERR_EXCHANGE_ORDERS: f"more than {ORDER_CAPACITY} orders resting at the exchange",
    ERR_LOCAL_ORDERS: f"more than {ORDER_CAPACITY} live orders",
}


# -- books -------------------------------------------------------------------------------
@njit(cache=True)
def _set_level(qty: np.ndarray, bbo: np.ndarray, is_bid: bool, k: int, size: int,
               base: int) -> None:
    """Set level ``k`` (price ``base + k``) of a dense side; keep the best price (-1: none)."""
    qty[k] = size
    price = base + k
    if is_bid:
        if size > 0:
            if price > bbo[0]:
                bbo[0] = price
        elif price == bbo[0]:
            j = k - 1
            while j >= 0 and qty[j] == 0:
                j -= 1
            bbo[0] = j + base if j >= 0 else -1
    else:
        if size > 0:
            if bbo[1] < 0 or price < bbo[1]:
                bbo[1] = price
        elif price == bbo[1]:
            j = k + 1
            while j < qty.size and qty[j] == 0:
                j += 1
            bbo[1] = j + base if j < qty.size else -1


@njit(cache=True)
def _at(arr: np.ndarray, price: int, base: int) -> int:
    """``arr`` at a price; 0 outside the window."""
    k = price - base
    if k < 0 or k >= arr.size:
        return 0
    return arr[k]


@njit(cache=True)
def _next_row(ev: np.ndarray, i: int, flag: int) -> int:
    while i < ev.size and (ev[i] & flag) == 0:
        i += 1
    return i


# -- queues and tables -------------------------------------------------------------------
@njit(cache=True)
def _push(q: np.ndarray, st: np.ndarray, head: int, tail: int, err: int, t: int, a: int,
          b: int, c: int, d: int, e: int) -> None:
    """Append ``(t, a, b, c, d, e)`` (as many columns as ``q`` has) to a ring queue."""
    n = st[tail]
    if n - st[head] >= QUEUE_CAPACITY:
        st[S_ERROR] = err
        return
    r = n & (QUEUE_CAPACITY - 1)
    q[r, 0] = t
    q[r, 1] = a
    q[r, 2] = b
    q[r, 3] = c
    if q.shape[1] > 4:
        q[r, 4] = d
        q[r, 5] = e
    st[tail] = n + 1


@njit(cache=True)
def _remove(rows: np.ndarray, st: np.ndarray, slot: int, n_slot: int) -> None:
    n = st[n_slot]
    for k in range(slot, n - 1):
        for c in range(rows.shape[1]):
            rows[k, c] = rows[k + 1, c]
    st[n_slot] = n - 1


@njit(cache=True)
def _find(rows: np.ndarray, n: int, oid: int) -> int:
    for k in range(n):
        if rows[k, 0] == oid:
            return k
    return -1


@njit(cache=True)
def _fill(t: int, oid: int, side: int, price: int, qty: int, maker: bool, fp, ip,
          tick_size: float, lot_size: float, fills_i, fills_f, rq, st) -> None:
    """Record an execution and send its report."""
    f = st[S_N_FILLS]
    bps = fp[F_MAKER_BPS] if maker else fp[F_TAKER_BPS]
    fills_i[f, 0] = t
    fills_i[f, 1] = t + ip[I_RESPONSE_NS]
    fills_i[f, 2] = oid
    fills_i[f, 3] = side
    fills_i[f, 4] = price
    fills_i[f, 5] = qty
    fills_i[f, 6] = 1 if maker else 0
    fills_f[f, 0] = float(price * qty) * (tick_size * lot_size) * bps * 1e-4
    st[S_N_FILLS] = f + 1
    _push(rq, st, S_RQ_HEAD, S_RQ_TAIL, ERR_REPORTS, t + ip[I_RESPONSE_NS], REP_FILL, oid, f,
          0, 0)


# -- exchange ----------------------------------------------------------------------------
@njit(cache=True)
def _exch_trade(t: int, aggressor: int, price: int, volume: int, ex, fp, ip, tick_size,
                lot_size, fills_i, fills_f, rq, st) -> None:
    """A trade against our orders on the side it hit (see the module docstring)."""
    k = 0
    eaten = 0
    level = -1
    while k < st[S_EX_N]:
        side, p = ex[k, E_SIDE], ex[k, E_PRICE]
        if side != -aggressor:
            k += 1
            continue
        if (p - price) * side < 0:
            break  # past the trade's price: priority order puts the rest further away
        leaves = ex[k, E_LEAVES]
        qty = 0
        if p == price:
            if p != level:
                level, eaten = p, 0
            ahead = ex[k, E_AHEAD]
            if ahead > eaten and volume > 0:
                used = min(ahead - eaten, volume)
                volume -= used
                eaten += used
            ex[k, E_AHEAD] = ahead - eaten if ahead > eaten else 0
            if volume > 0 and ex[k, E_AHEAD] == 0:
                qty = min(leaves, volume)
        else:
            ex[k, E_AHEAD] = 0
            qty = min(leaves, volume)
        if qty > 0:
            volume -= qty
            _fill(t, ex[k, E_ID], side, p, qty, True, fp, ip, tick_size, lot_size, fills_i,
                  fills_f, rq, st)
        if qty == leaves:
            _remove(ex, st, k, S_EX_N)
        else:
            ex[k, E_LEAVES] = leaves - qty
            k += 1


@njit(cache=True)
def _exch_cross(t: int, side: int, bid, ask, taken_bid, taken_ask, bbo, base, ex, fp, ip,
                tick_size, lot_size, fills_i, fills_f, rq, st) -> None:
    """Requeue one side of our orders, then fill those the opposite best reached."""
    own = bid if side > 0 else ask
    for k in range(st[S_EX_N]):
        if ex[k, E_SIDE] == side:
            visible = _at(own, ex[k, E_PRICE], base)
            if ex[k, E_AHEAD] > visible:
                ex[k, E_AHEAD] = visible
    best = bbo[1] if side > 0 else bbo[0]
    if best < 0:
        return
    opp = ask if side > 0 else bid
    taken = taken_ask if side > 0 else taken_bid
    level = best  # the opposite level supplying the current order
    k = 0
    while k < st[S_EX_N]:
        p = ex[k, E_PRICE]
        if ex[k, E_SIDE] != side:
            k += 1
            continue
        if (p - best) * side < 0:
            break
        ex[k, E_AHEAD] = 0
        need = ex[k, E_LEAVES]
        got = 0
        while (p - level) * side >= 0:
            j = level - base
            if 0 <= j < opp.size:
                used = min(opp[j] - taken[j], need - got)
                if used > 0:
                    taken[j] += used
                    got += used
            if got == need:
                break
            level += side
        if got > 0:
            _fill(t, ex[k, E_ID], side, p, got, True, fp, ip, tick_size, lot_size, fills_i,
                  fills_f, rq, st)
        if got == need:
            _remove(ex, st, k, S_EX_N)
        else:
            ex[k, E_LEAVES] = need - got
            k += 1


@njit(cache=True)
def _exch_message(i: int, ev, exch_ts, price, size, side, bid, ask, taken_bid, taken_ask,
                  bbo, base, ex, fp, ip, tick_size, lot_size, fills_i, fills_f, rq,
                  st) -> int:
    """Apply one message's exchange rows from row ``i``; returns the row after it."""
    t = exch_ts[i]
    saw_clear = saw_level = False
    while True:
        e = ev[i]
        if e & EXCH_EVENT:
            kind = e & KIND_MASK
            if kind == TRADE:
                _exch_trade(t, side[i], price[i], size[i], ex, fp, ip, tick_size, lot_size,
                            fills_i, fills_f, rq, st)
            elif kind == CLEAR:
                saw_clear = True
                for k in range(bid.size):
                    bid[k] = 0
                    ask[k] = 0
                    taken_bid[k] = 0
                    taken_ask[k] = 0
                bbo[0] = -1
                bbo[1] = -1
            else:
                saw_level = True
                k = price[i] - base
                if 0 <= k < bid.size:
                    is_bid = side[i] > 0
                    _set_level(bid if is_bid else ask, bbo, is_bid, k, size[i], base)
                    (taken_bid if is_bid else taken_ask)[k] = 0
            if e & END_OF_MESSAGE:
                break
        i += 1
    if saw_clear:
        st[S_SYNCED] = 1 if saw_level else 0
    if (saw_clear or saw_level) and st[S_SYNCED] and st[S_EX_N] > 0:
        for s in (1, -1):
            _exch_cross(t, s, bid, ask, taken_bid, taken_ask, bbo, base, ex, fp, ip,
                        tick_size, lot_size, fills_i, fills_f, rq, st)
    return i + 1


@njit(cache=True)
def _exch_command(cq, bid, ask, taken_bid, taken_ask, bbo, base, ex, fp, ip, tick_size,
                  lot_size, fills_i, fills_f, rq, st) -> None:
    r = st[S_CQ_HEAD] & (QUEUE_CAPACITY - 1)
    st[S_CQ_HEAD] += 1
    t, kind, oid = cq[r, 0], cq[r, 1], cq[r, 2]
    reply_t = t + ip[I_RESPONSE_NS]
    if kind == CMD_CANCEL:
        k = _find(ex, st[S_EX_N], oid)
        if k >= 0:
            _remove(ex, st, k, S_EX_N)
        _push(rq, st, S_RQ_HEAD, S_RQ_TAIL, ERR_REPORTS, reply_t,
              REP_CANCELED if k >= 0 else REP_REFUSED, oid, -1, 0, 0)
        return
    side, p, qty = cq[r, 3], cq[r, 4], cq[r, 5]
    opp = ask if side > 0 else bid
    taken = taken_ask if side > 0 else taken_bid
    best = bbo[1] if side > 0 else bbo[0]
    if not st[S_SYNCED]:
        _push(rq, st, S_RQ_HEAD, S_RQ_TAIL, ERR_REPORTS, reply_t, REP_REJECT, oid, -1, 0, 0)
        return
    if ip[I_POST_ONLY] and best >= 0:
        level = best
        while (p - level) * side >= 0:
            if _at(opp, level, base) > _at(taken, level, base):
                _push(rq, st, S_RQ_HEAD, S_RQ_TAIL, ERR_REPORTS, reply_t, REP_REJECT, oid,
                      -1, 0, 0)
                return
            level += side
    _push(rq, st, S_RQ_HEAD, S_RQ_TAIL, ERR_REPORTS, reply_t, REP_ACK, oid, -1, 0, 0)
    if not ip[I_POST_ONLY] and best >= 0:
        level = best
        while qty > 0 and (p - level) * side >= 0:
            j = level - base
            if 0 <= j < opp.size and opp[j] > taken[j]:
                used = min(opp[j] - taken[j], qty)
                taken[j] += used
                qty -= used
                _fill(t, oid, side, level, used, False, fp, ip, tick_size, lot_size,
                      fills_i, fills_f, rq, st)
            level += side
        if qty == 0:
            return
    n = st[S_EX_N]
    if n >= ORDER_CAPACITY:
        st[S_ERROR] = ERR_EXCHANGE_ORDERS
        return
    slot = 0  # bids first, best price first, oldest first
    while slot < n and (ex[slot, E_SIDE] > side or (
            ex[slot, E_SIDE] == side and (ex[slot, E_PRICE] - p) * side >= 0)):
        slot += 1
    for k in range(n, slot, -1):
        for c in range(5):
            ex[k, c] = ex[k - 1, c]
    ex[slot, E_ID] = oid
    ex[slot, E_SIDE] = side
    ex[slot, E_PRICE] = p
    ex[slot, E_LEAVES] = qty
    visible = _at(bid if side > 0 else ask, p, base)
    ex[slot, E_AHEAD] = max(visible - _at(taken_bid if side > 0 else taken_ask, p, base), 0)
    st[S_EX_N] = n + 1


# -- local -------------------------------------------------------------------------------
@njit(cache=True)
def _local_report(rq, lo, fills_i, fills_f, vs, tick_size: float, lot_size: float,
                  st) -> None:
    r = st[S_RQ_HEAD] & (QUEUE_CAPACITY - 1)
    st[S_RQ_HEAD] += 1
    kind, oid = rq[r, 1], rq[r, 2]
    k = _find(lo, st[S_LO_N], oid)
    if k < 0:
        return
    st[S_DIRTY] = 1
    if kind == REP_ACK:
        lo[k, L_STATE] = WORKING
    elif kind == REP_FILL:
        f = rq[r, 3]
        side, price, qty = fills_i[f, 3], fills_i[f, 4], fills_i[f, 5]
        st[S_POSITION] += side * qty
        vs[V_CASH] -= side * (float(price * qty) * (tick_size * lot_size)) + fills_f[f, 0]
        lo[k, L_FILLED] += qty
        if lo[k, L_FILLED] == lo[k, L_SIZE]:
            _remove(lo, st, k, S_LO_N)
    else:
        _remove(lo, st, k, S_LO_N)


@njit(cache=True)
def _snap(x: float) -> float:
    """``x`` itself when within the grid tolerance of a whole number, else NaN."""
    n = math.floor(x + 0.5)
    return n if abs(x - n) <= _GRID_ABS + _GRID_REL * abs(x) else math.nan


@njit(cache=True)
def _model_constants(fp: np.ndarray) -> np.ndarray:
    """``[ln(1 + γ/k)/γ, (1 + γ/k)^(1 + k/γ)]``: the parts of the quotes fixed by the model."""
    ratio = fp[F_GAMMA] / fp[F_K]
    out = np.empty(2)
    out[0] = math.log1p(ratio) / fp[F_GAMMA]
    out[1] = (1.0 + ratio) ** (1.0 + 1.0 / ratio)
    return out


@njit(cache=True)
def _quote(mid_price: float, q_units: float, sigma_per_sqrt_s: float, best_bid: int,
           best_ask: int, qc: np.ndarray, fp: np.ndarray, ip: np.ndarray,
           tick_size: float) -> tuple[int, int]:
    gamma, k = fp[F_GAMMA], fp[F_K]
    sig = mid_price * sigma_per_sqrt_s
    if ip[I_MODEL] == 0:
        xi = math.sqrt(sig**2 * gamma / (2.0 * k * fp[F_A]) * qc[1])
        skew = q_units * xi
        half = qc[0] + 0.5 * xi
    else:
        risk = gamma * sig * sig * fp[F_HORIZON_S]
        skew = q_units * risk
        half = qc[0] + 0.5 * risk
    if not (math.isfinite(skew) and math.isfinite(half)):
        return -1, -1
    if ip[I_SKEW_MODE] == 1:
        limit = fp[F_CAP] * half
        skew = limit * math.tanh(skew / limit) if limit > 0 else 0.0
    centre = mid_price - skew
    x_bid = (centre - half) / tick_size
    x_ask = (centre + half) / tick_size
    s = _snap(x_bid)
    bid_f = min(s if s == s else math.floor(x_bid), best_ask - 1.0)
    s = _snap(x_ask)
    ask_f = max(s if s == s else math.ceil(x_ask), best_bid + 1.0)
    if bid_f < 1.0 or ask_f > _MAX_TICKS:
        return (int(bid_f) if bid_f >= 1.0 else -1), (int(ask_f) if ask_f <= _MAX_TICKS else -1)
    bid = int(bid_f)
    ask = int(ask_f)
    if ask <= bid:
        ask = bid + 1
    return bid, ask


@njit(cache=True)
def quote_ticks(mid_price: float, q_units: float, sigma_per_sqrt_s: float, best_bid: int,
                best_ask: int, fp: np.ndarray, ip: np.ndarray,
                tick_size: float) -> tuple[int, int]:
    """The kernel's top bid and ask in ticks (-1: none) for one state, before limits.

    Parameters
    ----------
    mid_price : float
        Mid, price units.
    q_units : float
        Inventory in model quote units.
    sigma_per_sqrt_s : float
        Volatility of log returns per square root of a second.
    best_bid, best_ask : int
        The book's best prices, ticks (quotes never cross them).
    fp, ip : numpy.ndarray
        :meth:`FastParams.packed <workbench.engine.fast.params.FastParams.packed>`.
    tick_size : float
        Price of one tick.
    """
    return _quote(mid_price, q_units, sigma_per_sqrt_s, best_bid, best_ask,
                  _model_constants(fp), fp, ip, tick_size)


@njit(cache=True)
def _vol_on_price(t: int, logp: float, vs: np.ndarray, st: np.ndarray, ip, fp) -> None:
    """:meth:`EwmaVolatility.on_price <workbench.estimators.volatility.EwmaVolatility>`."""
    g = ip[I_VOL_GRID_NS]
    nxt = st[S_V_NEXT]
    if nxt < 0:
        st[S_V_NEXT] = (t // g + 1) * g
    elif t >= nxt:
        lam = fp[F_VOL_LAM]
        om = 1.0 - lam
        var, n = vs[V_VAR], st[S_V_N]
        if st[S_V_HAS]:
            r = vs[V_LOGP] - vs[V_SAMPLE]
            var = r * r if n == 0 else lam * var + om * (r * r)
            n += 1
            nxt += g
            while t >= nxt:
                var = lam * var + om * 0.0
                n += 1
                nxt += g
        else:
            nxt += g
            while t >= nxt:
                var = 0.0 if n == 0 else lam * var + om * 0.0
                n += 1
                nxt += g
        st[S_V_HAS] = 1
        vs[V_SAMPLE] = vs[V_LOGP]
        st[S_V_NEXT], vs[V_VAR], st[S_V_N] = nxt, var, n
    vs[V_LOGP] = logp


@njit(cache=True)
def _ladder(top: int, side: int, room: int, ip, out: np.ndarray) -> int:
    """:func:`workbench.quoting.ladder` into ``out`` rows (price, size); returns the count."""
    if top < 0 or room <= 0:
        return 0
    n = 0
    for j in range(ip[I_LEVELS]):
        qty = min(ip[I_SIZE], room)
        price = top - side * j * ip[I_SPACING]
        if qty <= 0 or price <= 0:
            break
        out[n, 0] = price
        out[n, 1] = qty
        n += 1
        room -= qty
    return n


@njit(cache=True)
def _plan_side(t: int, side: int, levels: np.ndarray, n_levels: int, lo, cq, st, ip,
               pool: np.ndarray, unmatched: np.ndarray, places: np.ndarray,
               n_places: int) -> int:
    """The order manager's diff of one side: send cancels, append places; new count."""
    n_pool = 0
    for k in range(st[S_LO_N]):  # resting orders, best price first then oldest
        if lo[k, L_SIDE] == side and lo[k, L_STATE] != PENDING_CANCEL:
            j = n_pool
            while j > 0 and (lo[pool[j - 1], L_PRICE] - lo[k, L_PRICE]) * side < 0:
                pool[j] = pool[j - 1]
                j -= 1
            pool[j] = k
            n_pool += 1
    n_un = 0
    for j in range(n_levels):
        hit = -1
        for m in range(n_pool):
            k = pool[m]
            if k >= 0 and lo[k, L_PRICE] == levels[j, 0] \
                    and lo[k, L_SIZE] - lo[k, L_FILLED] == levels[j, 1]:
                hit = m
                break
        if hit >= 0:
            pool[hit] = -1
        else:
            unmatched[n_un] = j
            n_un += 1
    paired = 0
    for m in range(n_pool):
        k = pool[m]
        if k < 0:
            continue
        if paired < n_un:
            if lo[k, L_STATE] == WORKING:
                lo[k, L_STATE] = PENDING_CANCEL
                _push(cq, st, S_CQ_HEAD, S_CQ_TAIL, ERR_COMMANDS, t + ip[I_ENTRY_NS],
                      CMD_CANCEL, lo[k, L_ID], 0, 0, 0)
                places[n_places, 0] = levels[unmatched[paired], 0]
                places[n_places, 1] = levels[unmatched[paired], 1]
                places[n_places, 2] = side
                n_places += 1
            paired += 1
        elif lo[k, L_STATE] == WORKING:
            lo[k, L_STATE] = PENDING_CANCEL
            _push(cq, st, S_CQ_HEAD, S_CQ_TAIL, ERR_COMMANDS, t + ip[I_ENTRY_NS], CMD_CANCEL,
                  lo[k, L_ID], 0, 0, 0)
    for j in range(paired, n_un):
        places[n_places, 0] = levels[unmatched[j], 0]
        places[n_places, 1] = levels[unmatched[j], 1]
        places[n_places, 2] = side
        n_places += 1
    return n_places


@njit(cache=True)
def _requote(t: int, bid: int, ask: int, lo, cq, st, ip, scratch: np.ndarray) -> None:
    """Reconcile our orders with the maker's ladders, through the gate's position check.

    ``scratch`` holds, by rows: bid levels, ask levels (``MAX_LEVELS`` each), then the
    pool, unmatched levels and places of the diff (``ORDER_CAPACITY`` each at most).
    """
    pos = st[S_POSITION]
    bids = scratch[:MAX_LEVELS, :2]
    asks = scratch[MAX_LEVELS:2 * MAX_LEVELS, :2]
    pool = scratch[2 * MAX_LEVELS:2 * MAX_LEVELS + ORDER_CAPACITY, 0]
    unmatched = scratch[2 * MAX_LEVELS:2 * MAX_LEVELS + ORDER_CAPACITY, 1]
    places = scratch[2 * MAX_LEVELS + ORDER_CAPACITY:, :]
    n_places = np.int64(0)  # not a literal 0: numba compiles a callee per literal argument
    for side in (1, -1):
        levels = bids if side > 0 else asks
        room = ip[I_MAX_LONG] - pos if side > 0 else ip[I_MAX_SHORT] + pos
        n = _ladder(bid if side > 0 else ask, side, room, ip, levels)
        n_places = _plan_side(t, side, levels, n, lo, cq, st, ip, pool, unmatched, places,
                              n_places)
    worst_buy = worst_sell = 0
    for k in range(st[S_LO_N]):
        if lo[k, L_SIDE] > 0:
            worst_buy += lo[k, L_SIZE] - lo[k, L_FILLED]
        else:
            worst_sell += lo[k, L_SIZE] - lo[k, L_FILLED]
    for j in range(n_places):
        if places[j, 2] > 0:
            worst_buy += places[j, 1]
        else:
            worst_sell += places[j, 1]
    buy_ok = pos + worst_buy <= ip[I_MAX_LONG]
    sell_ok = worst_sell - pos <= ip[I_MAX_SHORT]
    for j in range(n_places):
        side = places[j, 2]
        if not (buy_ok if side > 0 else sell_ok):
            continue
        m = st[S_LO_N]
        if m >= ORDER_CAPACITY:
            st[S_ERROR] = ERR_LOCAL_ORDERS
            return
        oid = st[S_NEXT_OID]
        st[S_NEXT_OID] = oid + 1
        lo[m, L_ID] = oid
        lo[m, L_SIDE] = side
        lo[m, L_PRICE] = places[j, 0]
        lo[m, L_SIZE] = places[j, 1]
        lo[m, L_FILLED] = 0
        lo[m, L_STATE] = PENDING_NEW
        st[S_LO_N] = m + 1
        _push(cq, st, S_CQ_HEAD, S_CQ_TAIL, ERR_COMMANDS, t + ip[I_ENTRY_NS], CMD_PLACE, oid,
              side, places[j, 0], places[j, 1])


@njit(cache=True)
def _on_mid(t: int, bbo: np.ndarray, vs, st, fp, ip, tick_size: float) -> None:
    """Feed a market message's mid to the volatility EWMA (when the book is valid)."""
    bb, ba = bbo[0], bbo[1]
    if ip[I_VOL_MODE] == 1 and 0 <= bb < ba:
        _vol_on_price(t, math.log((bb + ba) * 0.5 * tick_size), vs, st, ip, fp)


@njit(cache=True)
def _targets(bbo: np.ndarray, vs, st, qc, fp, ip, tick_size: float):
    """``(bid, ask, sigma, mid)`` the maker wants now (-1 / NaN where none)."""
    bb, ba = bbo[0], bbo[1]
    if bb < 0 or ba < 0 or bb >= ba:
        return -1, -1, math.nan, math.nan
    mid = (bb + ba) * 0.5 * tick_size
    sigma = fp[F_SIGMA]
    if ip[I_VOL_MODE] == 1 and st[S_V_N] >= ip[I_VOL_MIN_RETURNS]:
        sigma = math.sqrt(vs[V_VAR] / fp[F_VOL_GRID_S])
    pos = st[S_POSITION]
    bid, ask = _quote(mid, pos / ip[I_UNIT_LOTS], sigma, bb, ba, qc, fp, ip, tick_size)
    if pos >= ip[I_MAX_LONG]:
        bid = -1
    if pos <= -ip[I_MAX_SHORT]:
        ask = -1
    return bid, ask, sigma, mid


# -- the loop ----------------------------------------------------------------------------
@njit(cache=True)
def _grow(a: np.ndarray) -> np.ndarray:
    out = np.zeros((2 * a.shape[0], a.shape[1]), dtype=a.dtype)
    for i in range(a.shape[0]):
        for c in range(a.shape[1]):
            out[i, c] = a[i, c]
    return out


@njit(cache=True)
def simulate(ev, exch_ts, local_ts, price, size, side, base, n_ticks, tick_size, lot_size,
             fp, ip):
    """Run the backtest over columns of an event array (see the module docstring).

    Returns ``(fills_i, fills_f, rec_i, rec_f, n_orders, error)``: fill columns (exch_ts,
    local_ts, order id, side, price, size, maker) and fees, record columns (ts, best bid,
    best ask, bid, ask, position) and (sigma, cash, equity), each cut to length, orders
    placed, and 0 or the :data:`ERRORS` code that stopped the run.
    """
    n = ev.size
    # exchange bid, ask, bid taken by us, ask taken by us; local bid, ask
    books = np.zeros((6, n_ticks), np.int64)
    ex_bbo = np.zeros(2, np.int64) - 1
    lo_bbo = np.zeros(2, np.int64) - 1
    ex = np.zeros((ORDER_CAPACITY, 5), np.int64)
    lo = np.zeros((ORDER_CAPACITY, 6), np.int64)
    cq = np.zeros((QUEUE_CAPACITY, 6), np.int64)
    rq = np.zeros((QUEUE_CAPACITY, 4), np.int64)
    fills_i = np.zeros((1024, 7), np.int64)
    fills_f = np.zeros((1024, 1))
    rec_i = np.zeros((1024, 6), np.int64)
    rec_f = np.zeros((1024, 3))
    st = np.zeros(15, np.int64)
    st[S_V_NEXT] = -1
    qc = _model_constants(fp)
    scratch = np.zeros((2 * MAX_LEVELS + 2 * ORDER_CAPACITY, 3), np.int64)
    vs = np.zeros(4)
    n_rec = 0
    last_bid = last_ask = -2
    next_record = -1
    every = ip[I_RECORD_NS]
    i_ex = _next_row(ev, 0, EXCH_EVENT)
    i_lo = _next_row(ev, 0, LOCAL_EVENT)
    while (i_ex < n or i_lo < n) and st[S_ERROR] == 0:
        t_feed_ex = exch_ts[i_ex] if i_ex < n else NS_MAX
        t_cmd = cq[st[S_CQ_HEAD] & (QUEUE_CAPACITY - 1), 0] \
            if st[S_CQ_HEAD] < st[S_CQ_TAIL] else NS_MAX
        t_feed_lo = local_ts[i_lo] if i_lo < n else NS_MAX
        t_rep = rq[st[S_RQ_HEAD] & (QUEUE_CAPACITY - 1), 0] \
            if st[S_RQ_HEAD] < st[S_RQ_TAIL] else NS_MAX
        if min(t_feed_ex, t_cmd) <= min(t_feed_lo, t_rep):
            while fills_i.shape[0] - st[S_N_FILLS] < st[S_EX_N] + ip[I_SIZE] + 1:
                fills_i = _grow(fills_i)
                fills_f = _grow(fills_f)
            if t_feed_ex <= t_cmd:
                i_ex = _exch_message(i_ex, ev, exch_ts, price, size, side, books[0], books[1],
                                     books[2], books[3], ex_bbo, base, ex, fp, ip, tick_size,
                                     lot_size, fills_i, fills_f, rq, st)
                i_ex = _next_row(ev, i_ex, EXCH_EVENT)
            else:
                _exch_command(cq, books[0], books[1], books[2], books[3], ex_bbo, base, ex,
                              fp, ip, tick_size, lot_size, fills_i, fills_f, rq, st)
            continue
        if t_rep <= t_feed_lo:
            _local_report(rq, lo, fills_i, fills_f, vs, tick_size, lot_size, st)
            if st[S_DIRTY]:  # our orders changed: decide again now
                bid, ask, _, _ = _targets(lo_bbo, vs, st, qc, fp, ip, tick_size)
                _requote(t_rep, bid, ask, lo, cq, st, ip, scratch)
                st[S_DIRTY] = 0
                last_bid, last_ask = bid, ask
            continue
        t = t_feed_lo  # a local message: apply it, then quote
        while True:
            e = ev[i_lo]
            if e & LOCAL_EVENT:
                kind = e & KIND_MASK
                if kind == CLEAR:
                    for k in range(n_ticks):
                        books[4, k] = 0
                        books[5, k] = 0
                    lo_bbo[0] = -1
                    lo_bbo[1] = -1
                elif kind != TRADE:
                    k = price[i_lo] - base
                    if 0 <= k < n_ticks:
                        _set_level(books[4] if side[i_lo] > 0 else books[5], lo_bbo,
                                   side[i_lo] > 0, k, size[i_lo], base)
                if e & END_OF_MESSAGE:
                    break
            i_lo += 1
        i_lo = _next_row(ev, i_lo + 1, LOCAL_EVENT)
        _on_mid(t, lo_bbo, vs, st, fp, ip, tick_size)
        bid, ask, sigma, mid = _targets(lo_bbo, vs, st, qc, fp, ip, tick_size)
        if bid != last_bid or ask != last_ask:
            _requote(t, bid, ask, lo, cq, st, ip, scratch)
            last_bid, last_ask = bid, ask
        if t >= next_record:
            if n_rec == rec_i.shape[0]:
                rec_i = _grow(rec_i)
                rec_f = _grow(rec_f)
            rec_i[n_rec, 0] = t
            rec_i[n_rec, 1] = lo_bbo[0]
            rec_i[n_rec, 2] = lo_bbo[1]
            rec_i[n_rec, 3] = bid
            rec_i[n_rec, 4] = ask
            rec_i[n_rec, 5] = st[S_POSITION]
            rec_f[n_rec, 0] = sigma
            rec_f[n_rec, 1] = vs[V_CASH]
            rec_f[n_rec, 2] = vs[V_CASH] + st[S_POSITION] * lot_size * mid
            n_rec += 1
            next_record = (t // every + 1) * every if every > 0 else t
    nf = st[S_N_FILLS]
    return fills_i[:nf].copy(), fills_f[:nf, 0].copy(), rec_i[:n_rec].copy(), \
        rec_f[:n_rec].copy(), st[S_NEXT_OID], st[S_ERROR]
