"""The kernel's taker: IOC orders on the local stream's book and trade-flow imbalance.

The rules are stated in :mod:`workbench.engine.fast.kernel`.
"""

from __future__ import annotations

import math

import numpy as np

from workbench.engine.fast.maker import send_place
from workbench.engine.fast.params import (
    F_FLOW_RATE,
    F_TAKE_EDGE_BPS,
    F_TAKE_IMBALANCE_BPS,
    F_TAKE_MARGIN_BPS,
    F_TAKER_BPS,
    I_MAX_LONG,
    I_MAX_SHORT,
    I_TAKE_AGREE,
    I_TAKE_BASE,
    I_TAKE_MAX,
)
from workbench.engine.fast.tables import (
    CMD_IOC,
    L_FILLED,
    L_IOC,
    L_SIDE,
    L_SIZE,
    S_FLOW_TS,
    S_LO_N,
    S_POSITION,
    V_FLOW_BUY,
    V_FLOW_SELL,
    borrowing,
)


@borrowing
def on_trade(t: int, aggressor: int, size_lots: int, vs: np.ndarray, st: np.ndarray,
             fp: np.ndarray) -> None:
    """Decay the buy and sell volumes to ``t`` and add a trade's size to its side."""
    f = math.exp(-(t - st[S_FLOW_TS]) * fp[F_FLOW_RATE])
    vs[V_FLOW_BUY] *= f
    vs[V_FLOW_SELL] *= f
    if aggressor > 0:
        vs[V_FLOW_BUY] += size_lots
    else:
        vs[V_FLOW_SELL] += size_lots
    st[S_FLOW_TS] = t


@borrowing
def take_size(edge_bps: float, side: int, position: int, fp: np.ndarray,
              ip: np.ndarray) -> int:
    """:func:`workbench.strategies.taker.take_size_lots` on the kernel's parameters."""
    limit = ip[I_MAX_LONG] if side > 0 else ip[I_MAX_SHORT]
    signed = side * position
    size = min(ip[I_TAKE_MAX], ip[I_TAKE_BASE] * math.ceil(edge_bps / fp[F_TAKE_EDGE_BPS]))
    if signed > 0:
        size = math.ceil(size * max(0.0, 1.0 - signed / limit) - 1e-9)
    return max(0, min(size, limit - signed))


@borrowing
def take(t: int, bbo: np.ndarray, bid_sizes: np.ndarray, ask_sizes: np.ndarray, base: int,
         vs, st, fp, ip, lo, cq) -> None:
    """Send the taker's IOC now if its predicted move pays fee, half spread and margin."""
    bb, ba = bbo[0], bbo[1]
    if bb < 0 or ba < 0 or bb >= ba:
        return
    qb, qa = bid_sizes[bb - base], ask_sizes[ba - base]
    book = (qb - qa) / (qb + qa) if qb + qa > 0 else 0.0
    buys, sells = vs[V_FLOW_BUY], vs[V_FLOW_SELL]
    flow = (buys - sells) / (buys + sells) if buys + sells > 0.0 else 0.0
    move = fp[F_TAKE_IMBALANCE_BPS] * 0.5 * (book + flow)
    half_spread_bps = (ba - bb) / (ba + bb) * 1e4
    edge = abs(move) - (fp[F_TAKER_BPS] + half_spread_bps + fp[F_TAKE_MARGIN_BPS])
    if edge <= 0.0:
        return
    side = 1 if move > 0 else -1
    if ip[I_TAKE_AGREE] and not (book * side > 0 and flow * side > 0):
        return
    worst = 0
    for k in range(st[S_LO_N]):
        if lo[k, L_SIDE] == side:
            if lo[k, L_IOC]:
                return  # one IOC a side at a time
            worst += lo[k, L_SIZE] - lo[k, L_FILLED]
    pos = st[S_POSITION]
    size = take_size(edge, side, pos, fp, ip)
    limit = ip[I_MAX_LONG] if side > 0 else ip[I_MAX_SHORT]
    if size <= 0 or side * pos + worst + size > limit:
        return
    send_place(t, CMD_IOC, side, ba if side > 0 else bb, size, lo, cq, st, ip)
