"""The compiled backtest: a GLFT / Avellaneda–Stoikov maker and a taker over an event array.

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
rows; among exchange rows of one time, trades first (see
:func:`~workbench.engine.fast.events.order_rows`). With the default
:class:`~workbench.execution.sim.FeedLatency` this is the timeline of
:class:`~workbench.execution.sim.SimExchange` driven by
:func:`~workbench.engine.replay_driver.run_replay`. Rows are taken a whole venue message at
a time. Commands and reports in flight when both feeds end are dropped.

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
  A trade flagged ``SHOWN`` (a diff of a venue time not before its own came first) first
  gives each of our orders at its price its credit back, up to ``V``, skips the orders
  that have no credit yet, and after it ``ahead`` is cut to the level's size.
* After each book message with a synchronised book, for bids then asks: ``ahead`` is cut
  to the level's size; an order's *credit* becomes what a diff that changed its level cut
  (-1 from its joining until a diff changes the level, 0 after a snapshot); if the
  opposite best reached our best price, our orders at prices
  the opposite best reached get ``ahead = 0`` and fill, best first, from the opposite
  levels up to their price (each level's size minus what we took there). Liquidity we
  take is remembered per level until a message updates that level (a clear forgets all).
* An IOC order takes what it reaches like a GTC order (whatever ``post_only``), and
  what it could not take is cancelled at once (reported after its fills).
* A cancel removes the order if still resting, else it is refused. Passive fills are
  maker fills at our price. Fees are ``notional * bps / 1e4``, notional
  ``price_ticks * size_lots * tick_size * lot_size`` (linear instruments only).

**Strategy** (after every local message, and after the reports arriving at one time when
they change one of our orders; it knows only reported fills). With both local sides present and
uncrossed: mid ``m = (best_bid + best_ask) / 2 * tick_size``, volatility ``σ``
(constant, or :class:`~workbench.estimators.volatility.EwmaVolatility` of ``log m`` once
it has ``vol_min_returns`` grid returns, ``sqrt(variance / grid_s)``), ``σ_p = m·σ``,
``q = position / unit_lots``, ``b = ln(1 + γ/k)/γ``. GLFT:
``ξ = sqrt(σ_p²·γ/(2kA)·(1 + γ/k)^(1 + k/γ))``, ``skew = (q - μ/(γσ_p²))·ξ`` with the
drift ``μ`` (price per second), ``half = b + ξ/2``; AS:
``skew = q·γσ_p²τ``, ``half = b + γσ_p²τ/2``; ``capped`` uses
``c·half·tanh(skew/(c·half))``. The top prices are
:func:`~workbench.quoting.quotes_to_ticks` of ``m - skew ∓ half``; each side is
:func:`~workbench.quoting.ladder` from its top with room ``max_long_lots - position``
(bids) or ``max_short_lots + position`` (asks), and none at all at or beyond the limit.
No valid book, or a non-finite model: no quotes. With ``strategy="taker"`` the maker
quotes nothing.

**Taker** (``strategy`` ``"taker"`` or ``"both"``; after every local message, once the
maker's orders are reconciled). Its signals are those of the one stream: the local book's
top-of-book imbalance ``b = (q_bid - q_ask) / (q_bid + q_ask)`` at the best prices, and
the trade-flow imbalance ``f = (B - S) / (B + S)`` of the buy and sell aggressor volumes
(lots) of the local trade rows, each decayed with half-life ``take_flow_half_life_s``.
The predicted move is ``take_imbalance_bps·(b + f)/2`` bps; with both sides of the book
present the taker trades when ``|move|`` exceeds ``taker_fee_bps`` plus the half spread in
bps of the mid plus ``take_margin_bps`` (and, with ``take_require_agreement``, ``b`` and
``f`` both point the move's way), unless an IOC of its own on that side is still live.
Size: :func:`~workbench.strategies.taker.take_size_lots` of the edge beyond that cost;
none if the position plus every live order on that side plus the size would pass the
side's limit. It sends an IOC at the opposite local best.

**Orders** (:class:`OrderManager`, tolerance 0, no minimum age, cancel-and-replace). Each
side's orders that are pending new or working (not being cancelled, not the taker's IOCs)
are matched to the target levels: a level keeps the first order (best price first, then
oldest) at its price whose remaining size equals the level's size. Unmatched orders and
levels are paired best first: a pair cancels the order and places the level, unless the
order's place is still unanswered (then both wait). Levels left over are placed; orders
left over are cancelled unless their place is unanswered. Cancels go first, then places;
order ids count up from 0 in the order places are made. The risk gate's check: if
``position`` plus the remaining size of every live buy order (being cancelled included,
this round's places included) exceeds ``max_long_lots``, none of this round's buy places
is sent (sells mirrored), so the limits hold at the exchange whatever fills. After a
local message the diff runs only when the top prices changed (else it would find nothing
to do); after a report it always runs. The volatility EWMA takes the mid of every local
message with a valid book; decisions after reports read it without adding a price.
"""


from __future__ import annotations

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
from workbench.engine.fast.exchange import exchange_command, exchange_message, next_row, set_level
from workbench.engine.fast.maker import local_report, model_constants, on_mid, requote, targets
from workbench.engine.fast.params import (
    I_RECORD_NS,
    I_SIZE,
    I_STRATEGY,
    I_TAKE_MAX,
    MAX_LEVELS,
)
from workbench.engine.fast.tables import (
    N_EXCHANGE_COLUMNS,
    N_STATE,
    N_VALUES,
    NS_MAX,
    ORDER_CAPACITY,
    QUEUE_CAPACITY,
    S_CQ_HEAD,
    S_CQ_TAIL,
    S_DIRTY,
    S_ERROR,
    S_EX_N,
    S_N_FILLS,
    S_NEXT_OID,
    S_POSITION,
    S_RQ_HEAD,
    S_RQ_TAIL,
    S_V_NEXT,
    V_CASH,
    grow,
)
from workbench.engine.fast.taker import on_trade, take


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
    # exchange bid, ask, bid taken by us, ask taken by us; local bid, ask (one view each,
    # made once: a view made in the loop costs a reference count each time)
    books = np.zeros((6, n_ticks), np.int64)
    ex_bid, ex_ask, ex_bid_taken, ex_ask_taken = books[0], books[1], books[2], books[3]
    lo_bid, lo_ask = books[4], books[5]
    ex_bbo = np.zeros(2, np.int64) - 1
    lo_bbo = np.zeros(2, np.int64) - 1
    ex = np.zeros((ORDER_CAPACITY, N_EXCHANGE_COLUMNS), np.int64)
    lo = np.zeros((ORDER_CAPACITY, 7), np.int64)
    cq = np.zeros((QUEUE_CAPACITY, 6), np.int64)
    rq = np.zeros((QUEUE_CAPACITY, 4), np.int64)
    fills_i = np.zeros((1024, 8), np.int64)
    fills_f = np.zeros((1024, 1))
    rec_i = np.zeros((1024, 6), np.int64)
    rec_f = np.zeros((1024, 3))
    st = np.zeros(N_STATE, np.int64)
    st[S_V_NEXT] = -1
    qc = model_constants(fp)
    scratch = np.zeros((2 * MAX_LEVELS + 2 * ORDER_CAPACITY, 3), np.int64)
    vs = np.zeros(N_VALUES)
    n_rec = 0
    last_bid = last_ask = -2
    next_record = -1
    every = ip[I_RECORD_NS]
    i_ex = next_row(ev, 0, EXCH_EVENT)
    i_lo = next_row(ev, 0, LOCAL_EVENT)
    while (i_ex < n or i_lo < n) and st[S_ERROR] == 0:
        t_feed_ex = exch_ts[i_ex] if i_ex < n else NS_MAX
        t_cmd = cq[st[S_CQ_HEAD] & (QUEUE_CAPACITY - 1), 0] \
            if st[S_CQ_HEAD] < st[S_CQ_TAIL] else NS_MAX
        t_feed_lo = local_ts[i_lo] if i_lo < n else NS_MAX
        t_rep = rq[st[S_RQ_HEAD] & (QUEUE_CAPACITY - 1), 0] \
            if st[S_RQ_HEAD] < st[S_RQ_TAIL] else NS_MAX
        if min(t_feed_ex, t_cmd) <= min(t_feed_lo, t_rep):
            while fills_i.shape[0] - st[S_N_FILLS] < st[S_EX_N] + ip[I_SIZE] + ip[I_TAKE_MAX] + 1:
                fills_i = grow(fills_i)
                fills_f = grow(fills_f)
            if t_feed_ex <= t_cmd:
                i_ex = exchange_message(i_ex, ev, exch_ts, price, size, side, ex_bid, ex_ask,
                                        ex_bid_taken, ex_ask_taken, ex_bbo, base, ex, fp,
                                        ip, tick_size, lot_size, fills_i, fills_f, rq, st)
                i_ex = next_row(ev, i_ex, EXCH_EVENT)
            else:
                exchange_command(cq, ex_bid, ex_ask, ex_bid_taken, ex_ask_taken, ex_bbo, base, ex,
                                 fp, ip, tick_size, lot_size, fills_i, fills_f, rq, st)
            continue
        if t_rep <= t_feed_lo:
            # Every report arriving at t_rep, then one decision if our orders changed.
            while True:
                local_report(rq, lo, fills_i, fills_f, vs, tick_size, lot_size, st)
                if st[S_RQ_HEAD] == st[S_RQ_TAIL] or \
                        rq[st[S_RQ_HEAD] & (QUEUE_CAPACITY - 1), 0] != t_rep:
                    break
            if st[S_DIRTY]:  # our orders changed: decide again now
                bid, ask, _, _ = targets(lo_bbo, vs, st, qc, fp, ip, tick_size)
                requote(t_rep, bid, ask, lo, cq, st, ip, scratch)
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
                        lo_bid[k] = 0
                        lo_ask[k] = 0
                    lo_bbo[0] = -1
                    lo_bbo[1] = -1
                elif kind == TRADE:
                    on_trade(t, side[i_lo], size[i_lo], vs, st, fp)
                else:
                    k = price[i_lo] - base
                    if 0 <= k < n_ticks:
                        if side[i_lo] > 0:
                            set_level(lo_bid, lo_bbo, True, k, size[i_lo], base)
                        else:
                            set_level(lo_ask, lo_bbo, False, k, size[i_lo], base)
                if e & END_OF_MESSAGE:
                    break
            i_lo += 1
        i_lo = next_row(ev, i_lo + 1, LOCAL_EVENT)
        on_mid(t, lo_bbo, vs, st, fp, ip, tick_size)
        bid, ask, sigma, mid = targets(lo_bbo, vs, st, qc, fp, ip, tick_size)
        if bid != last_bid or ask != last_ask:
            requote(t, bid, ask, lo, cq, st, ip, scratch)
            last_bid, last_ask = bid, ask
        if ip[I_STRATEGY] != 0:
            take(t, lo_bbo, lo_bid, lo_ask, base, vs, st, fp, ip, lo, cq)
        if t >= next_record:
            if n_rec == rec_i.shape[0]:
                rec_i = grow(rec_i)
                rec_f = grow(rec_f)
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
