"""One toxicity score per side from VPIN, markouts, bursts, sweeps and the touch, calibrated.

Every component of a side has its own scale and distribution (a one-sided VPIN near
0.1, a markout in bps, burst and sweep scores mostly 0, the queue imbalance at the
quoted venue's touch in [-1, 1], the hit side's thinness a log ratio; the last two in
:mod:`workbench.estimators.touch`), so none is combined raw:

1. each component ``x_c`` is mapped through its calibrated empirical distribution,
   ``u_c = F_c(x_c)`` (mid-ranks on ``knots``: a tie with many calibration values, such
   as the zero burst of a quiet market, maps to the middle of its ranks); VPIN before its
   window is full (its first ``n_buckets`` buckets) is unknown, not low: it maps to 1/2;
2. the percentiles are combined with signed weights that follow each component's
   measured predictive direction (its rank correlation with the markout of the fills
   of the next orders on that side): ``z = sum_c w_c (u_c - 1/2)``, ``sum |w_c| = 1``,
   so a component that predicts *favourable* flow counts against toxicity; a component
   whose direction differs between the two halves of the calibration day weighs 0;
3. ``z`` goes through its own calibrated distribution, and the score is the part above
   the quiet quantile ``q0``: ``score = max(0, (F_z(z) - q0) / (1 - q0))``.

``q0`` is the flag threshold, chosen on the calibration day: the guard starts to act on
a side when its score reaches ``widen_on`` (0.5), and the calibration sets ``q0`` so
that the guard, replayed with its hysteresis and cool-down, acts on ``flag_share``
(10%) of the calibration events. ``toxicity_bid`` uses the sell-aggressor components
(flow that hits our bid), ``toxicity_ask`` the buy-aggressor ones. A component with a
positive weight whose percentile is at least ``reason_quantile`` is named in the
reasons of a side scoring above 0, e.g. ``"sweep:binance-usdm:sell"``.

The defaults come from :func:`workbench.estimators.toxicity_calibration.calibrate_toxicity`
on BTC USD-M, 2024-07-18/19 (see :mod:`workbench.estimators.toxicity_defaults`).
"""

from __future__ import annotations

import itertools
from bisect import bisect_left, bisect_right
from dataclasses import dataclass

import numpy as np

from workbench.estimators.toxicity_defaults import (
    DEFAULT_COMBINED_KNOTS,
    DEFAULT_KNOTS,
    DEFAULT_QUIET_QUANTILE,
    DEFAULT_WEIGHTS,
)

#: Component names, in the order of ``knots`` and ``weights``.
COMPONENTS = ("vpin", "markout", "burst", "sweep", "queue", "touch")


@dataclass(frozen=True)
class ToxicityParams:
    """How components map to scores.

    Parameters
    ----------
    markout_horizon_s : float
        Which markout horizon is the markout component (one of the markout horizons).
    knots : tuple of 6 tuples of float
        Calibration quantiles of each component (:data:`COMPONENTS` order), ascending.
    weights : tuple of 6 float
        Signed weight of each component's centred percentile; ``sum |w| = 1``.
    combined_knots : tuple of float
        Calibration quantiles of the combined statistic ``z``, ascending.
    quiet_quantile : float
        ``q0``: a side scores above 0 where ``F_z(z) > q0``; the calibration chooses it
        for the share of events flagged.
    reason_quantile : float
        Component percentile from which it is reported as a reason.
    """

    markout_horizon_s: float = 5.0
    knots: tuple[tuple[float, ...], ...] = DEFAULT_KNOTS
    weights: tuple[float, ...] = DEFAULT_WEIGHTS
    combined_knots: tuple[float, ...] = DEFAULT_COMBINED_KNOTS
    quiet_quantile: float = DEFAULT_QUIET_QUANTILE
    reason_quantile: float = 0.9

    def __post_init__(self) -> None:
        if len(self.knots) != len(COMPONENTS) or len(self.weights) != len(COMPONENTS):
            raise ValueError(f"knots and weights need one entry per component {COMPONENTS}")
        for k in (*self.knots, self.combined_knots):
            if len(k) < 2 or any(b < a for a, b in itertools.pairwise(k)):
                raise ValueError("knots must be ascending, at least two each")
        if not 0.0 <= self.quiet_quantile < 1.0:
            raise ValueError("quiet_quantile must be in [0, 1)")


def percentile(x: float, knots: tuple[float, ...]) -> float:
    """Mid-rank empirical distribution of ``x`` on calibration quantiles, in [0, 1]."""
    return (bisect_left(knots, x) + bisect_right(knots, x)) / (2.0 * len(knots))


def percentile_array(x: np.ndarray, knots: tuple[float, ...]) -> np.ndarray:
    """Vectorised :func:`percentile`."""
    k = np.asarray(knots, dtype=np.float64)
    return (np.searchsorted(k, x, side="left") + np.searchsorted(k, x, side="right")) / (
        2.0 * len(k))


def tail_score(q: float | np.ndarray, quiet_quantile: float) -> float | np.ndarray:
    """``max(0, (q - q0) / (1 - q0))``: the score of a combined percentile."""
    return np.maximum(0.0, (q - quiet_quantile) / (1.0 - quiet_quantile))


def score_arrays(x: tuple[np.ndarray, ...], p: ToxicityParams,
                 vpin_ready: np.ndarray | None = None) -> tuple[np.ndarray, ...]:
    """Percentiles of the raw component arrays and the side's score, vectorised.

    Parameters
    ----------
    x : tuple of 6 numpy.ndarray
        Raw components, :data:`COMPONENTS` order.
    p : ToxicityParams
    vpin_ready : numpy.ndarray of bool, optional
        Where VPIN's window is full; elsewhere its percentile is 1/2 (default: everywhere).

    Returns
    -------
    (u_vpin, u_markout, u_burst, u_sweep, u_queue, u_touch, score) : tuple of numpy.ndarray
    """
    u = tuple(percentile_array(xc, kc) for xc, kc in zip(x, p.knots))
    if vpin_ready is not None:
        u = (np.where(vpin_ready, u[0], 0.5), *u[1:])
    z = sum(w * (uc - 0.5) for w, uc in zip(p.weights, u))
    return (*u, tail_score(percentile_array(z, p.combined_knots), p.quiet_quantile))


def reason_labels(side: str, markout_horizon_s: float, sweep_venue: str) -> tuple[str, ...]:
    """Labels of the components of one side, in :data:`COMPONENTS` order."""
    return (f"vpin:{side}", f"markout:{side}:{markout_horizon_s:g}s", f"burst:{side}",
            f"sweep:{sweep_venue}:{side}", f"queue:{side}", f"touch:{side}")
