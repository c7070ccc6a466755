"""The local side of the kernel: the maker's quotes and the order manager's diff.

The rules are stated in :mod:`workbench.engine.fast.kernel`.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from workbench.engine.fast.params import (
    F_A,
    F_CAP,
    F_DRIFT,
    F_GAMMA,
    F_HORIZON_S,
    F_K,
    F_SIGMA,
    F_VOL_GRID_S,
    F_VOL_LAM,
    I_ENTRY_NS,
    I_LEVELS,
    I_MAX_LONG,
    I_MAX_SHORT,
    I_MODEL,
    I_SIZE,
    I_SKEW_MODE,
    I_SPACING,
    I_STRATEGY,
    I_UNIT_LOTS,
    I_VOL_GRID_NS,
    I_VOL_MIN_RETURNS,
    I_VOL_MODE,
    MAX_LEVELS,
)
from workbench.engine.fast.tables import (
    CMD_CANCEL,
    CMD_IOC,
    CMD_PLACE,
    ERR_COMMANDS,
    ERR_LOCAL_ORDERS,
    L_FILLED,
    L_ID,
    L_IOC,
    L_PRICE,
    L_SIDE,
    L_SIZE,
    L_STATE,
    ORDER_CAPACITY,
    PENDING_CANCEL,
    PENDING_NEW,
    QUEUE_CAPACITY,
    REP_ACK,
    REP_FILL,
    S_CQ_HEAD,
    S_CQ_TAIL,
    S_DIRTY,
    S_ERROR,
    S_LO_N,
    S_NEXT_OID,
    S_POSITION,
    S_RQ_HEAD,
    S_V_HAS,
    S_V_N,
    S_V_NEXT,
    V_CASH,
    V_LOGP,
    V_SAMPLE,
    V_VAR,
    WORKING,
    borrowing,
    find_row,
    push,
    remove_row,
)

_GRID_ABS = 1e-9  # Instrument.round_price's grid tolerance
_GRID_REL = 1e-14
_MAX_TICKS = 2.0**62  # a quote beyond this is no quote


@borrowing
def local_report(rq, lo, fills_i, fills_f, vs, tick_size: float, lot_size: float,
                 st) -> None:
    r = st[S_RQ_HEAD] & (QUEUE_CAPACITY - 1)
    st[S_RQ_HEAD] += 1
    kind, oid = rq[r, 1], rq[r, 2]
    k = find_row(lo, st[S_LO_N], oid)
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
            remove_row(lo, st, k, S_LO_N)
    else:
        remove_row(lo, st, k, S_LO_N)


@borrowing
def _snap(x: float) -> float:
    """``x`` itself when within the grid tolerance of a whole number, else NaN."""
    n = math.floor(x + 0.5)
    return n if abs(x - n) <= _GRID_ABS + _GRID_REL * abs(x) else math.nan


@njit(cache=True)
def model_constants(fp: np.ndarray) -> np.ndarray:
    """``[ln(1 + γ/k)/γ, (1 + γ/k)^(1 + k/γ)]``: the parts of the quotes fixed by the model."""
    ratio = fp[F_GAMMA] / fp[F_K]
    out = np.empty(2)
    out[0] = math.log1p(ratio) / fp[F_GAMMA]
    out[1] = (1.0 + ratio) ** (1.0 + 1.0 / ratio)
    return out


@borrowing
def _quote(mid_price: float, q_units: float, sigma_per_sqrt_s: float, best_bid: int,
           best_ask: int, qc: np.ndarray, fp: np.ndarray, ip: np.ndarray,
           tick_size: float) -> tuple[int, int]:
    gamma, k = fp[F_GAMMA], fp[F_K]
    sig = mid_price * sigma_per_sqrt_s
    if ip[I_MODEL] == 0:
        xi = math.sqrt(sig**2 * gamma / (2.0 * k * fp[F_A]) * qc[1])
        skew = (q_units - fp[F_DRIFT] / (gamma * sig * sig)) * xi
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
                  model_constants(fp), fp, ip, tick_size)


@borrowing
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


@borrowing
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


@borrowing
def _plan_side(t: int, side: int, levels: np.ndarray, n_levels: int, lo, cq, st, ip,
               pool: np.ndarray, unmatched: np.ndarray, places: np.ndarray,
               n_places: int) -> int:
    """The order manager's diff of one side: send cancels, append places; new count."""
    n_pool = 0
    for k in range(st[S_LO_N]):  # resting orders, best price first then oldest
        if lo[k, L_SIDE] == side and lo[k, L_STATE] != PENDING_CANCEL and not lo[k, L_IOC]:
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
                push(cq, st, S_CQ_HEAD, S_CQ_TAIL, ERR_COMMANDS, t + ip[I_ENTRY_NS],
                     CMD_CANCEL, lo[k, L_ID], 0, 0, 0)
                places[n_places, 0] = levels[unmatched[paired], 0]
                places[n_places, 1] = levels[unmatched[paired], 1]
                places[n_places, 2] = side
                n_places += 1
            paired += 1
        elif lo[k, L_STATE] == WORKING:
            lo[k, L_STATE] = PENDING_CANCEL
            push(cq, st, S_CQ_HEAD, S_CQ_TAIL, ERR_COMMANDS, t + ip[I_ENTRY_NS], CMD_CANCEL,
                 lo[k, L_ID], 0, 0, 0)
    for j in range(paired, n_un):
        places[n_places, 0] = levels[unmatched[j], 0]
        places[n_places, 1] = levels[unmatched[j], 1]
        places[n_places, 2] = side
        n_places += 1
    return n_places


@borrowing
def requote(t: int, bid: int, ask: int, lo, cq, st, ip, scratch: np.ndarray) -> None:
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
        if not send_place(t, CMD_PLACE, side, places[j, 0], places[j, 1], lo, cq, st, ip):
            return


@borrowing
def send_place(t: int, kind: int, side: int, price: int, size: int, lo, cq, st, ip) -> bool:
    """Add a new order (``kind``: a resting place or the taker's IOC) to our table and send
    it; False (and the run stops) when the table is full."""
    m = st[S_LO_N]
    if m >= ORDER_CAPACITY:
        st[S_ERROR] = ERR_LOCAL_ORDERS
        return False
    oid = st[S_NEXT_OID]
    st[S_NEXT_OID] = oid + 1
    lo[m, L_ID] = oid
    lo[m, L_SIDE] = side
    lo[m, L_PRICE] = price
    lo[m, L_SIZE] = size
    lo[m, L_FILLED] = 0
    lo[m, L_STATE] = PENDING_NEW
    lo[m, L_IOC] = 1 if kind == CMD_IOC else 0
    st[S_LO_N] = m + 1
    push(cq, st, S_CQ_HEAD, S_CQ_TAIL, ERR_COMMANDS, t + ip[I_ENTRY_NS], kind, oid, side,
         price, size)
    return True


@borrowing
def on_mid(t: int, bbo: np.ndarray, vs, st, fp, ip, tick_size: float) -> None:
    """Feed a market message's mid to the volatility EWMA (when the book is valid)."""
    bb, ba = bbo[0], bbo[1]
    if ip[I_VOL_MODE] == 1 and 0 <= bb < ba:
        _vol_on_price(t, math.log((bb + ba) * 0.5 * tick_size), vs, st, ip, fp)


@borrowing
def targets(bbo: np.ndarray, vs, st, qc, fp, ip, tick_size: float):
    """``(bid, ask, sigma, mid)`` the maker wants now (-1 / NaN where none; no quotes when
    only the taker trades)."""
    bb, ba = bbo[0], bbo[1]
    if bb < 0 or ba < 0 or bb >= ba:
        return -1, -1, math.nan, math.nan
    mid = (bb + ba) * 0.5 * tick_size
    sigma = fp[F_SIGMA]
    if ip[I_VOL_MODE] == 1 and st[S_V_N] >= ip[I_VOL_MIN_RETURNS]:
        sigma = math.sqrt(vs[V_VAR] / fp[F_VOL_GRID_S])
    if ip[I_STRATEGY] == 1:
        return -1, -1, sigma, mid
    pos = st[S_POSITION]
    bid, ask = _quote(mid, pos / ip[I_UNIT_LOTS], sigma, bb, ba, qc, fp, ip, tick_size)
    if pos >= ip[I_MAX_LONG]:
        bid = -1
    if pos <= -ip[I_MAX_SHORT]:
        ask = -1
    return bid, ask, sigma, mid
