"""Calibrate the quoting models on recorded data: fill intensity, volatility, risk aversion.

Where each model parameter comes from:

* ``A`` and ``k`` of the fill intensity ``λ(δ) = A·exp(-k·δ)``: aggressive orders are
  rebuilt from the venue's trade prints (prints with the same exchange time and
  aggressor side are one order sweeping the book) and each is given the depth
  ``δ = side·(price - mid)`` its deepest print reached, measured from the mid of the last
  best bid/offer published *before* the order (exchange time). A quote of one unit
  resting at ``δ`` would have been filled by every order that traded at least a unit at
  depth ``δ`` or beyond. The counts of orders by depth, in bins of one tick from one tick
  beyond the touch (at the touch queue priority, not distance, decides the fill) to
  ``max_depth_price``, are Poisson with means ``T·A·(e^{-k·lo} - e^{-k·hi})`` over the two
  sides: a Poisson regression (Newton on the exact likelihood) gives ``A`` per side and
  ``k``, with standard errors from the Fisher information.
* ``σ``: realised variance of the log mid sampled every ``grid_s`` seconds (last
  published best bid/offer at each grid time), summed over the recordings and divided by
  their total length; ``σ_price = σ · mean mid``.
* ``γ``: not in the data; it states how much inventory the maker carries. It is set so
  that at the position limit ``Q = limit_lots / unit_lots`` the model's skew equals its
  half-spread, i.e. a maker long to its limit offers at the fair mid (and quotes no
  bid). One lot then moves the quotes by ``1/Q`` of the half-spread.

Units and ``unit_lots``: the models count inventory in quote units of ``unit_lots`` lots.
``γ`` is per quote currency per unit: for a fixed risk aversion per unit of base asset it
grows linearly with ``unit_lots``. Under the skew rule above it grows linearly for
Avellaneda–Stoikov (``Q`` falls by ``unit_lots``, the skew per unit is ``γσ²τ``) and as
``unit_lots² · A(unit)/A(1 lot)`` for GLFT (its skew step ``ξ`` goes as ``√(γ/A)``). ``A``
is the rate of fills of a *whole* unit: only orders that traded at least ``unit_lots`` at
the depth count, so ``A`` falls as ``unit_lots`` grows (0.896/s for one lot of BTCUSDT,
0.797/s for five); ``k`` is the book's depth profile and barely moves. On inverse
(COIN-M) contracts lots are contracts of a fixed quote value; the same counts apply, and
the maker values inventory in coin (see :func:`workbench.strategies.maker.inventory_units`
and ``MakerParams.unit_base``).

``python -m workbench.quoting.calibration [DATA_DIR]`` recomputes the defaults of
:class:`~workbench.quoting.params.ASParams` and :class:`~workbench.quoting.params.GLFTParams`
from the recorded Binance USD-M BTCUSDT files.
"""

from __future__ import annotations

import math
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from scipy.optimize import brentq

from workbench.core import DataError, Instrument, ValidationError
from workbench.core.events import EventKind
from workbench.data.table import EventTable
from workbench.quoting.glft import approx_scale_price, base_offset_price
from workbench.quoting.params import ASParams, GLFTParams

#: The recordings the defaults are calibrated on (``binance-multivenue-l2`` folder).
DEFAULT_FILES = (
    ("usdm/btcusdt_20240718.gz", "usdm/btcusdt_20240719.gz"),
    ("usdm/btcusdt_20240808.gz",),
)
#: Deepest bin of the fill-intensity fit, quote currency (USD on BTC).
DEFAULT_MAX_DEPTH_PRICE = 5.0
#: Sampling step of the realised variance, seconds.
DEFAULT_GRID_S = 1.0
#: Position limit the risk aversion is set for (``InventoryParams.max_long_lots``).
DEFAULT_LIMIT_LOTS = 100


@dataclass(frozen=True)
class AggressorOrders:
    """Aggressive orders rebuilt from trade prints.

    Attributes
    ----------
    exch_ts_ns : numpy.ndarray
        Exchange time of each order.
    side : numpy.ndarray
        +1 buy, -1 sell (the aggressor's side).
    depth_price : numpy.ndarray
        Deepest distance from the prior mid at which the order traded at least one unit,
        quote currency (negative: it traded on the near side of a stale mid).
    duration_s : float
        Time from the first to the last print, seconds.
    """

    exch_ts_ns: np.ndarray
    side: np.ndarray
    depth_price: np.ndarray
    duration_s: float


def aggressor_orders(table: EventTable, instrument: Instrument,
                     unit_lots: int = 1) -> AggressorOrders:
    """The aggressive orders of one stream and the depth at which each filled a unit.

    Parameters
    ----------
    table : EventTable
        One stream with trades and best bid/offer messages carrying exchange times
        (Binance futures ``bookTicker``).
    instrument : Instrument
        The stream's instrument (tick size).
    unit_lots : int
        Size of one quote unit, lots; orders that traded less in all are left out.

    Raises
    ------
    DataError
        If the stream has no trades or no best bid/offer with exchange times, or no trade
        after an uncrossed one.
    ValidationError
        If ``unit_lots < 1``.
    """
    if isinstance(unit_lots, bool) or not isinstance(unit_lots, int) or unit_lots < 1:
        raise ValidationError(f"unit_lots must be an int >= 1: {unit_lots!r}")
    m, r = table.messages, table.rows
    kind, start = m["kind"], m["row_start"]
    bbo = (kind == EventKind.BBO) & (m["exch_ts_ns"] > 0)
    trade = kind == EventKind.TRADE
    if not bbo.any() or not trade.any():
        raise DataError(f"{table.venue} {table.symbol}: needs trades and best bid/offer "
                        "messages with exchange times")
    bbo_ts = m["exch_ts_ns"][bbo]
    if np.any(np.diff(bbo_ts) < 0):
        raise DataError(f"{table.venue} {table.symbol}: best bid/offer exchange times "
                        "go backwards")
    bid = r["price_ticks"][start[bbo]]
    ask = r["price_ticks"][start[bbo] + 1]
    ts = m["exch_ts_ns"][trade]
    rows = start[trade]
    j = np.searchsorted(bbo_ts, ts, side="left") - 1  # strictly before the print
    ok = j >= 0
    ok[ok] = bid[j[ok]] < ask[j[ok]]
    ts, rows, j = ts[ok], rows[ok], j[ok]
    if ts.size == 0:
        raise DataError(f"{table.venue} {table.symbol}: no trade after an uncrossed best "
                        "bid/offer")
    side = r["side"][rows].astype(np.int64)
    size = r["size_lots"][rows]
    mid2 = bid[j] + ask[j]
    depth = side * (2 * r["price_ticks"][rows] - mid2) * (0.5 * instrument.tick_size_float)
    new = np.ones(ts.size, dtype=bool)
    new[1:] = (ts[1:] != ts[:-1]) | (side[1:] != side[:-1])
    order_id = np.cumsum(new) - 1
    # Deepest prints first within each order; the unit is filled at the print where the
    # size traded at that depth or beyond first reaches unit_lots.
    by = np.lexsort((-depth, order_id))
    depth, size, order_id = depth[by], size[by], order_id[by]
    cum = np.cumsum(size)
    first = np.searchsorted(order_id, np.arange(order_id[-1] + 1))
    cum_in_order = cum - (cum[first] - size[first])[order_id]
    reached = cum_in_order >= unit_lots
    hit = np.zeros(order_id[-1] + 1, dtype=np.int64) - 1
    idx = np.nonzero(reached)[0]
    hit_order, where = np.unique(order_id[idx], return_index=True)
    hit[hit_order] = idx[where]
    keep = hit >= 0
    return AggressorOrders(ts[new][keep], side[new][keep], depth[hit[keep]],
                           (ts[-1] - ts[0]) * 1e-9)


@dataclass(frozen=True)
class FillIntensityFit:
    """``λ(δ) = A·exp(-k·δ)`` per side, fitted by Poisson regression on binned depths.

    Attributes
    ----------
    a_per_s, k_per_price : float
        Intensity at zero distance per side (fills/s) and its decay per unit of price.
    a_se, k_se : float
        Their standard errors (Fisher information, delta method for ``A``).
    bin_lo_price : numpy.ndarray
        Lower edge of each depth bin.
    counts, expected : numpy.ndarray
        Orders observed in each bin (both sides), and the fit's expectation.
    width_price, duration_s : float
        Bin width and observed time.
    """

    a_per_s: float
    k_per_price: float
    a_se: float
    k_se: float
    bin_lo_price: np.ndarray
    counts: np.ndarray
    expected: np.ndarray
    width_price: float
    duration_s: float


def fit_fill_intensity(depth_price: np.ndarray, duration_s: float, min_depth_price: float,
                       max_depth_price: float, width_price: float) -> FillIntensityFit:
    """Poisson regression of order counts by depth: ``A`` per side and ``k``.

    Bins ``[lo, lo + width)`` from ``min_depth_price`` up to ``max_depth_price`` hold
    ``Poisson(T·2A·(e^{-k·lo} - e^{-k·(lo + width)}))`` orders of the two sides together;
    the likelihood is maximised by Newton's method on ``(ln(T·2A·(1 - e^{-k·w})), k)``.

    Parameters
    ----------
    depth_price : numpy.ndarray
        Depth of each order (both sides), price units.
    duration_s : float
        Observed time, seconds, > 0.
    min_depth_price, max_depth_price, width_price : float
        The bins; ``0 < width`` and at least two bins.

    Raises
    ------
    ValidationError
        On bad bins or duration, or fewer than two non-empty bins.
    """
    if not (duration_s > 0 and width_price > 0 and max_depth_price >= min_depth_price
            + width_price):
        raise ValidationError("fill fit needs a positive duration and at least two bins")
    n_bins = math.floor((max_depth_price - min_depth_price) / width_price + 1e-9) + 1
    lo = min_depth_price + width_price * np.arange(n_bins)
    idx = np.floor((np.asarray(depth_price) - min_depth_price) / width_price + 1e-9)
    idx = idx[(idx >= 0) & (idx < n_bins)].astype(np.int64)
    counts = np.bincount(idx, minlength=n_bins).astype(np.float64)
    if np.count_nonzero(counts) < 2:
        raise ValidationError("fill fit needs orders in at least two depth bins")
    x = lo - lo[0]
    slope = np.polyfit(x[counts > 0], np.log(counts[counts > 0]), 1)[0]
    theta = np.array([math.log(counts.sum() / n_bins), max(-slope, 1e-3)])
    for _ in range(100):
        mu = np.exp(theta[0] - theta[1] * x)
        grad = np.array([(counts - mu).sum(), -((counts - mu) * x).sum()])
        info = np.array([[mu.sum(), -(mu * x).sum()], [-(mu * x).sum(), (mu * x * x).sum()]])
        step = np.linalg.solve(info, grad)
        theta += step
        if np.max(np.abs(step)) < 1e-12:
            break
    c, k = theta
    mu = np.exp(c - k * x)
    info = np.array([[mu.sum(), -(mu * x).sum()], [-(mu * x).sum(), (mu * x * x).sum()]])
    cov = np.linalg.inv(info)
    # A per side: e^c = T·2A·e^{-k·lo_0}·(1 - e^{-k·w})
    scale = 2.0 * duration_s * math.exp(-k * lo[0]) * -math.expm1(-k * width_price)
    a = math.exp(c) / scale
    dlna_dk = lo[0] - width_price * math.exp(-k * width_price) / -math.expm1(-k * width_price)
    grad_a = a * np.array([1.0, dlna_dk])
    return FillIntensityFit(a, float(k), float(math.sqrt(grad_a @ cov @ grad_a)),
                            float(math.sqrt(cov[1, 1])), lo, counts, mu, width_price,
                            duration_s)


def realised_variance(table: EventTable, instrument: Instrument,
                      grid_s: float) -> tuple[float, float, float]:
    """``(Σ r², duration_s, mean mid price)`` of the log best bid/offer mid on a time grid.

    Raises
    ------
    DataError
        If the stream has no best bid/offer with exchange times, or is shorter than one
        step.
    """
    m, r = table.messages, table.rows
    bbo = (m["kind"] == EventKind.BBO) & (m["exch_ts_ns"] > 0)
    if np.count_nonzero(bbo) < 2:
        raise DataError(f"{table.venue} {table.symbol}: no best bid/offer to sample")
    ts = m["exch_ts_ns"][bbo]
    mid = 0.5 * (r["price_ticks"][m["row_start"][bbo]]
                 + r["price_ticks"][m["row_start"][bbo] + 1]).astype(np.float64)
    step = round(grid_s * 1e9)
    grid = np.arange(ts[0], ts[-1] + 1, step)
    if grid.size < 2:
        raise DataError(f"{table.venue} {table.symbol}: shorter than one {grid_s} s step")
    sampled = np.log(mid[np.searchsorted(ts, grid, side="right") - 1])
    returns = np.diff(sampled)
    return (float(returns @ returns), (grid[-1] - grid[0]) * 1e-9,
            float(mid.mean()) * instrument.tick_size_float)


def gamma_for_limit_skew(model: str, k_per_price: float, a_per_s: float,
                         sigma_price_per_sqrt_s: float, limit_units: float,
                         horizon_s: float = 60.0) -> float:
    """Risk aversion at which the skew at ``limit_units`` equals the half-spread.

    Avellaneda–Stoikov (rolling ``horizon_s``): ``Q·γσ²τ = ln(1 + γ/k)/γ + γσ²τ/2``;
    GLFT (Guéant's closed form): ``Q·ξ(γ) = ln(1 + γ/k)/γ + ξ(γ)/2``.

    Raises
    ------
    ValidationError
        If ``model`` is unknown or ``limit_units <= 1/2``.
    """
    if limit_units <= 0.5:
        raise ValidationError(f"limit_units must exceed 1/2: {limit_units!r}")
    s2 = sigma_price_per_sqrt_s**2

    def gap(log_gamma: float) -> float:
        g = math.exp(log_gamma)
        if model == "as":
            skew = g * s2 * horizon_s
        elif model == "glft":
            skew = approx_scale_price(g, k_per_price, a_per_s, sigma_price_per_sqrt_s)
        else:
            raise ValidationError(f"unknown model {model!r}")
        return (limit_units - 0.5) * skew - base_offset_price(g, k_per_price)

    return math.exp(brentq(gap, math.log(1e-12), math.log(1e3), xtol=1e-14))


@dataclass(frozen=True)
class QuoteCalibration:
    """Model parameters of one instrument and unit size, and the evidence behind them.

    Attributes
    ----------
    fill : FillIntensityFit
        ``A`` (per side, per unit) and ``k``.
    sigma_per_sqrt_s, sigma_price_per_sqrt_s : float
        Realised volatility of log returns, and in price units at the mean mid.
    mid_price : float
        Mean mid of the recordings.
    unit_lots, limit_units : float
        Quote unit and the position limit in units that set ``γ``.
    gamma_as, gamma_glft : float
        Risk aversion of each model (per quote currency per unit).
    horizon_s : float
        Rolling horizon of Avellaneda–Stoikov.
    """

    fill: FillIntensityFit
    sigma_per_sqrt_s: float
    sigma_price_per_sqrt_s: float
    mid_price: float
    unit_lots: int
    limit_units: float
    gamma_as: float
    gamma_glft: float
    horizon_s: float

    def as_params(self) -> ASParams:
        """Avellaneda–Stoikov parameters (stationary, rolling ``horizon_s``)."""
        return ASParams(gamma=self.gamma_as, k_per_price=self.fill.k_per_price,
                        a_per_s=self.fill.a_per_s, horizon_s=self.horizon_s)

    def glft_params(self) -> GLFTParams:
        """GLFT parameters; the inventory bound is the position limit in units."""
        return GLFTParams(gamma=self.gamma_glft, k_per_price=self.fill.k_per_price,
                          a_per_s=self.fill.a_per_s,
                          sigma_price_per_sqrt_s=self.sigma_price_per_sqrt_s,
                          max_inventory_units=max(1, round(self.limit_units)))

    def summary(self) -> dict[str, float]:
        """The figures, for a report."""
        f = self.fill
        return {"a_per_s": f.a_per_s, "a_se": f.a_se, "k_per_price": f.k_per_price,
                "k_se": f.k_se, "orders_fitted": float(f.counts.sum()),
                "duration_s": f.duration_s, "sigma_per_sqrt_s": self.sigma_per_sqrt_s,
                "sigma_annualised": self.sigma_per_sqrt_s * math.sqrt(365 * 86_400),
                "sigma_price_per_sqrt_s": self.sigma_price_per_sqrt_s,
                "mid_price": self.mid_price, "gamma_as": self.gamma_as,
                "gamma_glft": self.gamma_glft, "unit_lots": float(self.unit_lots),
                "limit_units": self.limit_units}


def calibrate(tables: Sequence[EventTable], instrument: Instrument, *, unit_lots: int = 1,
              limit_lots: int = DEFAULT_LIMIT_LOTS,
              max_depth_price: float = DEFAULT_MAX_DEPTH_PRICE,
              grid_s: float = DEFAULT_GRID_S, horizon_s: float = 60.0) -> QuoteCalibration:
    """Calibrate both models on recordings of one instrument (pooled over ``tables``).

    Parameters
    ----------
    tables : sequence of EventTable
        Recordings of the instrument (each continuous; e.g. one per day).
    instrument : Instrument
        Its tick grid.
    unit_lots : int
        Lots in one quote unit.
    limit_lots : int
        Position limit, lots: sets ``γ`` (see the module docstring).
    max_depth_price : float
        Deepest bin of the fill fit, price units.
    grid_s : float
        Sampling step of the realised variance, seconds.
    horizon_s : float
        Rolling horizon of Avellaneda–Stoikov, seconds.

    Raises
    ------
    DataError, ValidationError
        As :func:`aggressor_orders` and :func:`fit_fill_intensity`.
    """
    if not tables:
        raise ValidationError("calibrate needs at least one recording")
    orders = [aggressor_orders(t, instrument, unit_lots) for t in tables]
    tick = instrument.tick_size_float
    fill = fit_fill_intensity(np.concatenate([o.depth_price for o in orders]),
                              sum(o.duration_s for o in orders), 1.5 * tick, max_depth_price,
                              tick)
    rv = [realised_variance(t, instrument, grid_s) for t in tables]
    sigma = math.sqrt(sum(x[0] for x in rv) / sum(x[1] for x in rv))
    mid = sum(x[2] * x[1] for x in rv) / sum(x[1] for x in rv)
    sigma_price = sigma * mid
    limit_units = limit_lots / unit_lots
    return QuoteCalibration(
        fill, sigma, sigma_price, mid, unit_lots, limit_units,
        gamma_for_limit_skew("as", fill.k_per_price, fill.a_per_s, sigma_price, limit_units,
                             horizon_s),
        gamma_for_limit_skew("glft", fill.k_per_price, fill.a_per_s, sigma_price,
                             limit_units),
        horizon_s)


def calibrate_recorded(data_dir: str | Path, unit_lots: int = 1) -> QuoteCalibration:
    """:func:`calibrate` on the recordings the defaults come from (:data:`DEFAULT_FILES`
    under ``data_dir``, a ``binance-multivenue-l2`` folder)."""
    from workbench.data.binance.feed import read_raw_feed
    from workbench.data.binance.instruments import USDM, binance_instrument

    key = (USDM, "BTCUSDT")
    tables = [read_raw_feed([Path(data_dir) / f for f in files], workers=1).streams[key]
              for files in DEFAULT_FILES]
    return calibrate(tables, binance_instrument(*key), unit_lots=unit_lots)


def main(argv: Sequence[str] | None = None) -> int:
    """Print the calibration of the recorded data (default: ``../shared/data/...``)."""
    args = list(sys.argv[1:] if argv is None else argv)
    root = Path(args[0]) if args else (Path(__file__).resolve().parents[3] / "shared" / "data"
                                       / "binance-multivenue-l2")
    for name, value in calibrate_recorded(root).summary().items():
        print(f"{name:>24}  {value:.6g}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
