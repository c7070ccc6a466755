"""A seeded synthetic BTCUSDT-like stream: an L2 diff feed and trades, as an event array.

The book starts from a snapshot of ``depth_levels`` levels a side around 60,000.0 (tick
0.1, lot 0.001, one tick wide) and then evolves message by message, in the proportions of
the recorded Binance USD-M feed: about 60 % of messages are single trades, the rest are
depth diffs of a few to a few dozen levels.

* A trade hits the best level of the side opposite its aggressor; usually it takes a part
  of that level, sometimes (``sweep_prob``) all of it, and the next diff deletes or
  shrinks the level. Sweeps move the best price away, so the mid is a random walk.
* A diff sets absolute sizes: the levels trades touched, then levels at a geometric
  distance from each side's best (a few deletes among them, never the last level near
  the best), and now and then a new level inside the spread, which moves the best back.

The book is never crossed, every message has a distinct exchange time (exponential gaps
of ``mean_gap_ns``) and the local time is the exchange time plus ``feed_latency_ns``.
"""

from __future__ import annotations

from decimal import Decimal

import numpy as np

from workbench.core.instruments import Instrument, InstrumentKind
from workbench.engine.fast.events import (
    CLEAR,
    DEPTH,
    END_OF_MESSAGE,
    EVENT_DTYPE,
    SNAPSHOT,
    TRADE,
    order_rows,
)

#: The instrument of the synthetic stream (Binance USD-M BTCUSDT's grid).
SYNTHETIC_INSTRUMENT = Instrument("synthetic", "BTCUSDT", InstrumentKind.LINEAR_PERP, "BTC",
                                  "USDT", Decimal("0.1"), Decimal("0.001"))
_START_TICKS = 600_000
_SPAN = 400_000  # ticks kept either side of the start


def synthetic_events(n_rows: int, seed: int, *, depth_levels: int = 200,
                     trade_share: float = 0.6, mean_diff_rows: float = 20.0,
                     sweep_prob: float = 0.12, improve_prob: float = 0.5,
                     mean_gap_ns: int = 1_000_000, feed_latency_ns: int = 2_000_000,
                     start_ns: int = 1_723_161_600_000_000_000) -> np.ndarray:
    """About ``n_rows`` rows (a whole last message more at most) of the synthetic stream.

    Parameters
    ----------
    n_rows : int
        Rows wanted, > 2 * ``depth_levels`` (the snapshot).
    seed : int
        Seed of :func:`numpy.random.default_rng`; the same seed gives the same array.
    depth_levels : int
        Levels a side in the initial snapshot.
    trade_share : float
        Share of messages that are trades.
    mean_diff_rows : float
        Mean number of level rows in a diff.
    sweep_prob : float
        Chance that a trade takes the whole best level.
    improve_prob : float
        Chance that a diff adds a level inside a spread wider than one tick.
    mean_gap_ns, feed_latency_ns, start_ns : int
        Mean time between messages, local minus exchange time, first exchange time.

    Returns
    -------
    numpy.ndarray of EVENT_DTYPE
    """
    rng = np.random.default_rng(seed)
    bid = np.zeros(2 * _SPAN + 1, np.int64)
    ask = np.zeros(2 * _SPAN + 1, np.int64)
    b0 = _SPAN  # index of the best bid; prices are index + _START_TICKS - _SPAN
    bid[b0 - depth_levels + 1:b0 + 1] = _level_sizes(rng, depth_levels)
    ask[b0 + 1:b0 + 1 + depth_levels] = _level_sizes(rng, depth_levels)
    best = [b0, b0 + 1]  # best bid index, best ask index
    # rows: (kind, message number, side, index, size)
    kinds, msgs, sides, idx, sizes = [CLEAR], [0], [0], [0], [0]
    for s, book in ((1, bid), (-1, ask)):
        where = np.flatnonzero(book)
        kinds += [SNAPSHOT] * len(where)
        msgs += [0] * len(where)
        sides += [s] * len(where)
        idx += where.tolist()
        sizes += book[where].tolist()
    pending: dict[tuple[int, int], int] = {}  # levels trades changed, for the next diff
    msg = 0
    block = 4096
    while len(kinds) < n_rows:
        u = rng.random((block, 4))
        n_diff = rng.geometric(1.0 / mean_diff_rows, block)
        trade_lots = np.maximum(1, rng.lognormal(2.5, 1.4, block).astype(np.int64))
        for j in range(block):
            msg += 1
            if u[j, 0] < trade_share:
                aggressor = 1 if u[j, 1] < 0.5 else -1
                book, k = (ask, best[1]) if aggressor > 0 else (bid, best[0])
                level = book[k]
                qty = level if u[j, 2] < sweep_prob else min(int(trade_lots[j]), level)
                book[k] = level - qty
                pending[(-aggressor, k)] = book[k]
                kinds.append(TRADE)
                msgs.append(msg)
                sides.append(aggressor)
                idx.append(k)
                sizes.append(qty)
                if book[k] == 0:
                    _move_best(bid, ask, best, -aggressor)
            else:
                _diff(rng, bid, ask, best, pending, int(n_diff[j]), u[j, 3] < improve_prob,
                      msg, kinds, msgs, sides, idx, sizes)
            if len(kinds) >= n_rows:
                break
    out = np.empty(len(kinds), dtype=EVENT_DTYPE)
    msg_no = np.asarray(msgs, dtype=np.int64)
    end = np.ones(len(out), dtype=bool)
    end[:-1] = msg_no[1:] != msg_no[:-1]
    out["ev"] = np.asarray(kinds, dtype=np.uint64) | np.where(end, np.uint64(END_OF_MESSAGE),
                                                              np.uint64(0))
    gaps = rng.exponential(mean_gap_ns, msg + 1).astype(np.int64) + 1
    exch = start_ns + np.cumsum(gaps)
    out["exch_ts_ns"] = exch[msg_no]
    out["local_ts_ns"] = exch[msg_no] + feed_latency_ns
    out["price_ticks"] = np.where(np.asarray(kinds) == CLEAR, 0,
                                  np.asarray(idx, dtype=np.int64) + _START_TICKS - _SPAN)
    out["size_lots"] = sizes
    out["side"] = sides
    return order_rows(out)


def _level_sizes(rng: np.random.Generator, n: int) -> np.ndarray:
    return np.maximum(1, rng.lognormal(5.5, 1.2, n).astype(np.int64))


def _move_best(bid: np.ndarray, ask: np.ndarray, best: list[int], side: int) -> None:
    """Find the next best level of one side after its best emptied."""
    if side > 0:
        k = best[0]
        while k > 0 and bid[k] == 0:
            k -= 1
        best[0] = k
    else:
        k = best[1]
        while k < ask.size - 1 and ask[k] == 0:
            k += 1
        best[1] = k


def _diff(rng, bid, ask, best, pending, n_rows, improve, msg, kinds, msgs, sides, idx,
          sizes) -> None:
    """One depth diff: the levels trades touched, random levels, maybe an improvement."""
    rows: dict[tuple[int, int], int] = dict(pending)
    pending.clear()
    dist = rng.geometric(0.08, n_rows) - 1
    side = np.where(rng.random(n_rows) < 0.5, 1, -1)
    new = _level_sizes(rng, n_rows)
    delete = rng.random(n_rows) < 0.2
    for d, s, q, gone in zip(dist.tolist(), side.tolist(), new.tolist(), delete.tolist()):
        k = best[0] - d if s > 0 else best[1] + d
        if not 0 < k < bid.size - 1:
            continue
        book = bid if s > 0 else ask
        rows[(s, k)] = 0 if gone and d > 2 and book[k] else q
    if improve and best[1] - best[0] > 1:
        s = 1 if rng.random() < 0.5 else -1
        rows[(s, best[0] + 1 if s > 0 else best[1] - 1)] = int(_level_sizes(rng, 1)[0])
    for (s, k), q in sorted(rows.items(), key=lambda r: (-r[0][0], r[0][1])):
        book = bid if s > 0 else ask
        book[k] = q
        if s > 0 and q and k > best[0]:
            best[0] = k
        elif s < 0 and q and k < best[1]:
            best[1] = k
        kinds.append(DEPTH)
        msgs.append(msg)
        sides.append(s)
        idx.append(k)
        sizes.append(q)
    for s in (1, -1):
        if (bid if s > 0 else ask)[best[0] if s > 0 else best[1]] == 0:
            _move_best(bid, ask, best, s)
