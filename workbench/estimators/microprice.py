"""Per-venue price of a top of book: mid, size-weighted microprice, Stoikov micro-price.

* mid ``(b + a) / 2``;
* size-weighted microprice ``(b q_a + a q_b) / (q_b + q_a)`` (leans towards the thinner
  side, where the next trade is likelier to move the price);
* Stoikov's micro-price (Stoikov 2018, "The micro-price"): ``mid + g(I, S)``, the limit of
  expected future mids given the imbalance ``I = q_b / (q_b + q_a)`` and the spread ``S``,
  from a Markov chain of (imbalance bucket, spread) fitted on recorded quotes by
  :func:`fit_stoikov`. The micro-price is clamped inside the spread; where the fitted
  ``|g|`` exceeds half the spread the premise (expected future mids converge within
  the current touch, the mid a martingale at that scale) fails, and the table says so
  (:attr:`StoikovTable.beyond_touch`, :attr:`StoikovTable.premise_holds`). On USD-M
  BTC, whose 1-tick spread is refilled faster than it moves, it fails at the extreme
  imbalance buckets.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

PRICE_KINDS = ("mid", "micro", "stoikov")


def mid_ticks(bid_ticks, ask_ticks):
    """Mid in ticks (scalars or arrays)."""
    return (bid_ticks + ask_ticks) * 0.5


def microprice_ticks(bid_ticks, bid_lots, ask_ticks, ask_lots):
    """Size-weighted microprice in ticks: ``(b q_a + a q_b) / (q_b + q_a)``.

    Works on scalars and arrays; sizes must be positive (the caller checks the quote).
    """
    return (bid_ticks * ask_lots + ask_ticks * bid_lots) / (bid_lots + ask_lots)


@dataclass(frozen=True)
class StoikovTable:
    """Micro-price adjustment ``g`` in ticks by spread (ticks) and imbalance bucket.

    Attributes
    ----------
    adjust_ticks : numpy.ndarray, shape (n_spreads, n_buckets)
        ``g`` for spreads ``1..n_spreads`` ticks; wider spreads use the last row.
    """

    adjust_ticks: np.ndarray

    @property
    def n_buckets(self) -> int:
        """Number of imbalance buckets."""
        return self.adjust_ticks.shape[1]

    @property
    def beyond_touch(self) -> np.ndarray:
        """Cells where ``|g|`` exceeds half the spread (row ``s`` has spread ``s + 1``
        ticks): there the unclamped micro-price would lie outside the quote."""
        half = (np.arange(1, self.adjust_ticks.shape[0] + 1) * 0.5)[:, None]
        return np.abs(self.adjust_ticks) > half

    @property
    def premise_holds(self) -> bool:
        """False when any cell's micro-price falls beyond the touch (see the module)."""
        return not bool(self.beyond_touch.any())

    def price_ticks(self, bid_ticks, bid_lots, ask_ticks, ask_lots):
        """Micro-price in ticks, ``mid + g(I, S)`` clamped to ``[bid, ask]`` (scalars or
        arrays)."""
        spread = np.clip(np.asarray(ask_ticks - bid_ticks, dtype=np.int64), 1,
                         self.adjust_ticks.shape[0])
        imb = bid_lots / (bid_lots + ask_lots)
        bucket = np.minimum((np.asarray(imb) * self.n_buckets).astype(np.int64),
                            self.n_buckets - 1)
        g = self.adjust_ticks[spread - 1, bucket]
        raw = (bid_ticks + ask_ticks) * 0.5 + (g if np.ndim(g) else float(g))
        out = np.minimum(np.maximum(raw, bid_ticks), ask_ticks)
        return out if np.ndim(out) else float(out)


def fit_stoikov(bid_ticks: np.ndarray, bid_lots: np.ndarray, ask_ticks: np.ndarray,
                ask_lots: np.ndarray, n_buckets: int = 10, n_spreads: int = 2,
                max_move_ticks: float = 1.0, iterations: int = 12) -> StoikovTable:
    """Fit Stoikov's micro-price on one venue's consecutive valid quotes.

    The quotes are symmetrised (each transition also enters mirrored: imbalance
    ``1 - I``, mid move negated), so ``g(I) = -g(1 - I)``. Mid moves larger than
    ``max_move_ticks`` are clipped to it; states with spreads above ``n_spreads`` ticks
    are merged into the widest.

    Parameters
    ----------
    bid_ticks, bid_lots, ask_ticks, ask_lots : numpy.ndarray
        Consecutive valid quotes (positive sizes, bid below ask), in time order.
    n_buckets : int
        Imbalance buckets of equal width on [0, 1].
    n_spreads : int
        Spread states, 1..n_spreads ticks.
    max_move_ticks : float
        Clip of one mid move, ticks.
    iterations : int
        Terms of the series ``g = sum_k B^k G1``.

    Returns
    -------
    StoikovTable
    """
    spread = np.clip(ask_ticks - bid_ticks, 1, n_spreads).astype(np.int64)
    imb = bid_lots / (bid_lots + ask_lots)
    mid2 = (bid_ticks + ask_ticks).astype(np.int64)  # twice the mid, in ticks
    n_states = n_buckets * n_spreads

    bucket = np.minimum((imb * n_buckets).astype(np.int64), n_buckets - 1)
    x_fwd = (spread - 1) * n_buckets + bucket
    x_mir = (spread - 1) * n_buckets + (n_buckets - 1 - bucket)
    dm = np.clip(np.diff(mid2) * 0.5, -max_move_ticks, max_move_ticks)
    moves = np.arange(-2 * max_move_ticks, 2 * max_move_ticks + 1) * 0.5
    moves = moves[moves != 0.0]
    a = np.concatenate([x_fwd[:-1], x_mir[:-1]])
    b = np.concatenate([x_fwd[1:], x_mir[1:]])
    d = np.concatenate([dm, -dm])
    keep = (a != b) | (d != 0.0)
    a, b, d = a[keep], b[keep], d[keep]
    counts = np.maximum(np.bincount(a, minlength=n_states), 1).astype(np.float64)
    still = d == 0.0
    q = np.zeros((n_states, n_states))
    np.add.at(q, (a[still], b[still]), 1.0)
    t = np.zeros((n_states, n_states))
    np.add.at(t, (a[~still], b[~still]), 1.0)
    r = np.zeros((n_states, len(moves)))
    move_idx = np.searchsorted(moves, d[~still])
    np.add.at(r, (a[~still], move_idx), 1.0)
    q, t, r = q / counts[:, None], t / counts[:, None], r / counts[:, None]
    inv = np.linalg.pinv(np.eye(n_states) - q)
    g1 = inv @ r @ moves
    bmat = inv @ t
    g, term = g1.copy(), g1
    for _ in range(iterations):
        term = bmat @ term
        g += term
    return StoikovTable(g.reshape(n_spreads, n_buckets))
