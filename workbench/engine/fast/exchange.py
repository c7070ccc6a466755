"""The exchange side of the kernel: dense books, our resting orders, matching.

The rules are stated in :mod:`workbench.engine.fast.kernel`.
"""

from __future__ import annotations

import numpy as np

from workbench.engine.fast.events import (
    CLEAR,
    END_OF_MESSAGE,
    EXCH_EVENT,
    KIND_MASK,
    SHOWN,
    TRADE,
)
from workbench.engine.fast.params import (
    F_MAKER_BPS,
    F_TAKER_BPS,
    I_POST_ONLY,
    I_RESPONSE_NS,
)
from workbench.engine.fast.tables import (
    CMD_CANCEL,
    CMD_IOC,
    E_AHEAD,
    E_CREDIT,
    E_ID,
    E_LEAVES,
    E_PRICE,
    E_SEEN,
    E_SIDE,
    ERR_EXCHANGE_ORDERS,
    ERR_REPORTS,
    ORDER_CAPACITY,
    QUEUE_CAPACITY,
    REP_ACK,
    REP_CANCELED,
    REP_FILL,
    REP_REFUSED,
    REP_REJECT,
    S_CQ_HEAD,
    S_ERROR,
    S_EX_N,
    S_N_FILLS,
    S_RQ_HEAD,
    S_RQ_TAIL,
    S_SYNCED,
    borrowing,
    find_row,
    push,
    remove_row,
)


@borrowing
def set_level(qty: np.ndarray, bbo: np.ndarray, is_bid: bool, k: int, size: int,
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


@borrowing
def _at(arr: np.ndarray, price: int, base: int) -> int:
    """``arr`` at a price; 0 outside the window."""
    k = price - base
    if k < 0 or k >= arr.size:
        return 0
    return arr[k]


@borrowing
def next_row(ev: np.ndarray, i: int, flag: int) -> int:
    while i < ev.size and (ev[i] & flag) == 0:
        i += 1
    return i


@borrowing
def _fill(t: int, oid: int, side: int, price: int, qty: int, maker: bool, ioc: bool, fp,
          ip, tick_size: float, lot_size: float, fills_i, fills_f, rq, st) -> None:
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
    fills_i[f, 7] = 1 if ioc else 0
    fills_f[f, 0] = float(price * qty) * (tick_size * lot_size) * bps * 1e-4
    st[S_N_FILLS] = f + 1
    push(rq, st, S_RQ_HEAD, S_RQ_TAIL, ERR_REPORTS, t + ip[I_RESPONSE_NS], REP_FILL, oid, f,
         0, 0)


@borrowing
def _exch_trade(t: int, aggressor: int, price: int, volume: int, shown: bool, own, base, ex,
                fp, ip, tick_size, lot_size, fills_i, fills_f, rq, st) -> None:
    """A trade against our orders on the side it hit (see the module docstring); ``own``
    is that side's book, ``shown`` the row's :data:`SHOWN` flag."""
    size = volume
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
            if shown:
                if ex[k, E_CREDIT] < 0:  # joined after the diff that showed the trade
                    k += 1
                    continue
                back = min(ex[k, E_CREDIT], size)
                ex[k, E_AHEAD] += back
                ex[k, E_CREDIT] -= back
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
            _fill(t, ex[k, E_ID], side, p, qty, True, False, fp, ip, tick_size, lot_size,
                  fills_i, fills_f, rq, st)
        if qty == leaves:
            remove_row(ex, st, k, S_EX_N)
        else:
            ex[k, E_LEAVES] = leaves - qty
            k += 1
    if shown:
        visible = _at(own, price, base)
        for k in range(st[S_EX_N]):
            if ex[k, E_SIDE] == -aggressor and ex[k, E_PRICE] == price and \
                    ex[k, E_AHEAD] > visible:
                ex[k, E_AHEAD] = visible


@borrowing
def _exch_cross(t: int, side: int, diff: bool, bid, ask, taken_bid, taken_ask, bbo, base, ex,
                fp, ip, tick_size, lot_size, fills_i, fills_f, rq, st) -> None:
    """Requeue one side of our orders, then fill those the opposite best reached; after a
    ``diff`` an order whose level changed keeps how far the diff moved it up as its
    credit, after a snapshot no order keeps any."""
    own = bid if side > 0 else ask
    for k in range(st[S_EX_N]):
        if ex[k, E_SIDE] == side:
            visible = _at(own, ex[k, E_PRICE], base)
            was = ex[k, E_AHEAD]
            if was > visible:
                ex[k, E_AHEAD] = visible
            if not diff:
                ex[k, E_CREDIT] = 0
            elif visible != ex[k, E_SEEN]:
                ex[k, E_CREDIT] = was - ex[k, E_AHEAD]
            ex[k, E_SEEN] = visible
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
            _fill(t, ex[k, E_ID], side, p, got, True, False, fp, ip, tick_size, lot_size,
                  fills_i, fills_f, rq, st)
        if got == need:
            remove_row(ex, st, k, S_EX_N)
        else:
            ex[k, E_LEAVES] = need - got
            k += 1


@borrowing
def exchange_message(i: int, ev, exch_ts, price, size, side, bid, ask, taken_bid,
                     taken_ask, bbo, base, ex, fp, ip, tick_size, lot_size, fills_i,
                     fills_f, rq, st) -> int:
    """Apply one message's exchange rows from row ``i``; returns the row after it."""
    t = exch_ts[i]
    saw_clear = saw_level = False
    while True:
        e = ev[i]
        if e & EXCH_EVENT:
            kind = e & KIND_MASK
            if kind == TRADE:
                _exch_trade(t, side[i], price[i], size[i], (e & SHOWN) != 0,
                            ask if side[i] > 0 else bid, base, ex, fp, ip, tick_size,
                            lot_size, fills_i, fills_f, rq, st)
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
                    set_level(bid if is_bid else ask, bbo, is_bid, k, size[i], base)
                    (taken_bid if is_bid else taken_ask)[k] = 0
            if e & END_OF_MESSAGE:
                break
        i += 1
    if saw_clear:
        st[S_SYNCED] = 1 if saw_level else 0
    if (saw_clear or saw_level) and st[S_SYNCED] and st[S_EX_N] > 0:
        for s in (1, -1):
            _exch_cross(t, s, not saw_clear, bid, ask, taken_bid, taken_ask, bbo, base, ex,
                        fp, ip, tick_size, lot_size, fills_i, fills_f, rq, st)
    return i + 1


@borrowing
def exchange_command(cq, bid, ask, taken_bid, taken_ask, bbo, base, ex, fp, ip,
                     tick_size, lot_size, fills_i, fills_f, rq, st) -> None:
    r = st[S_CQ_HEAD] & (QUEUE_CAPACITY - 1)
    st[S_CQ_HEAD] += 1
    t, kind, oid = cq[r, 0], cq[r, 1], cq[r, 2]
    reply_t = t + ip[I_RESPONSE_NS]
    if kind == CMD_CANCEL:
        k = find_row(ex, st[S_EX_N], oid)
        if k >= 0:
            remove_row(ex, st, k, S_EX_N)
        push(rq, st, S_RQ_HEAD, S_RQ_TAIL, ERR_REPORTS, reply_t,
             REP_CANCELED if k >= 0 else REP_REFUSED, oid, -1, 0, 0)
        return
    side, p, qty = cq[r, 3], cq[r, 4], cq[r, 5]
    opp = ask if side > 0 else bid
    taken = taken_ask if side > 0 else taken_bid
    best = bbo[1] if side > 0 else bbo[0]
    if not st[S_SYNCED]:
        push(rq, st, S_RQ_HEAD, S_RQ_TAIL, ERR_REPORTS, reply_t, REP_REJECT, oid, -1, 0, 0)
        return
    ioc = kind == CMD_IOC
    if ip[I_POST_ONLY] and not ioc and best >= 0:
        level = best
        while (p - level) * side >= 0:
            if _at(opp, level, base) > _at(taken, level, base):
                push(rq, st, S_RQ_HEAD, S_RQ_TAIL, ERR_REPORTS, reply_t, REP_REJECT, oid,
                     -1, 0, 0)
                return
            level += side
    push(rq, st, S_RQ_HEAD, S_RQ_TAIL, ERR_REPORTS, reply_t, REP_ACK, oid, -1, 0, 0)
    if (ioc or not ip[I_POST_ONLY]) and best >= 0:
        level = best
        while qty > 0 and (p - level) * side >= 0:
            j = level - base
            if 0 <= j < opp.size and opp[j] > taken[j]:
                used = min(opp[j] - taken[j], qty)
                taken[j] += used
                qty -= used
                _fill(t, oid, side, level, used, False, ioc, fp, ip, tick_size, lot_size,
                      fills_i, fills_f, rq, st)
            level += side
        if qty == 0:
            return
    if ioc:  # what it could not take is cancelled
        push(rq, st, S_RQ_HEAD, S_RQ_TAIL, ERR_REPORTS, reply_t, REP_CANCELED, oid, -1, 0, 0)
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
        for c in range(ex.shape[1]):
            ex[k, c] = ex[k - 1, c]
    ex[slot, E_ID] = oid
    ex[slot, E_SIDE] = side
    ex[slot, E_PRICE] = p
    ex[slot, E_LEAVES] = qty
    visible = _at(bid if side > 0 else ask, p, base)
    ex[slot, E_AHEAD] = max(visible - _at(taken_bid if side > 0 else taken_ask, p, base), 0)
    ex[slot, E_CREDIT] = -1
    ex[slot, E_SEEN] = visible
    st[S_EX_N] = n + 1
