"""``calibrate``: one market and day, from the recorded files to a parameter file.

Steps: locate and read the day's files; rebuild the aggressive orders and fit the fill
intensity; measure the volatility per venue and fused; regress forward fair-mid returns
on the signals; set ``γ`` (limit-skew rule, target half-life, or the fast-path sweep);
check the fit is good enough; package the parameters with units, standard errors and
the evidence.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from workbench.calibration.data import DEFAULT_DATA_DIR, locate, parse_date, read_window
from workbench.calibration.depths import trade_depths
from workbench.calibration.gamma import (
    gamma_for_half_life,
    inventory_half_life_s,
    sweep_gamma,
)
from workbench.calibration.intensity import fit_market_intensity
from workbench.calibration.result import CalibrationResult
from workbench.calibration.volatility import fit_volatility
from workbench.core import InstrumentKind, ValidationError
from workbench.quoting.calibration import gamma_for_limit_skew

GAMMA_METHODS = ("limit", "half_life", "sweep")
#: Fewest aggressive orders in the fitted bins for parameters to be written.
MIN_ORDERS = 50
#: Shortest window that is fitted, seconds.
MIN_DURATION_S = 60.0


def calibrate(venue: str = "binance-usdm", symbol: str = "BTCUSDT",
              date: str | dt.date = "2024-08-08", *, data_dir: str | Path | None = None,
              files: Sequence[str | Path] | None = None, model: str = "glft",
              unit_lots: int = 1, limit_lots: int = 100, gamma_method: str = "limit",
              half_life_s: float | None = None,
              sweep_gammas: Sequence[float] | int | None = None,
              objective: str = "sharpe", risk_aversion: float = 0.0,
              max_depth_price: float = 5.0, grid_s: float = 1.0,
              depth_grid_s: float | None = None, horizon_s: float = 60.0,
              min_orders: int = MIN_ORDERS, min_duration_s: float = MIN_DURATION_S,
              start_ns: int | None = None, end_ns: int | None = None,
              signals: bool = True, journal: str | Path | None = None, client=None,
              max_iter: int = 100) -> CalibrationResult:
    """Calibrate the quoting model of one market on one day of recorded data.

    Parameters
    ----------
    venue, symbol : str
        The quoted market, e.g. ``"binance-usdm", "BTCUSDT"``.
    date : str or datetime.date
        ``YYYY-MM-DD``; the file ``<venue folder>/<symbol>_<YYYYMMDD>.gz`` under
        ``data_dir`` (and the same date's files of the other venues of the base asset).
    data_dir : path, optional
        Default: the bundled sample.
    files : sequence of path, optional
        Read these instead of locating by date (e.g. a day and its continuation).
    model : {"glft", "as"}
        The model the parameter file selects (both models' parameters are written).
    unit_lots, limit_lots : int
        Quote unit and position limit, lots (the limit sets ``γ`` by the limit-skew rule).
    gamma_method : {"limit", "half_life", "sweep"}
        How ``γ`` is set (see :mod:`workbench.calibration.gamma`).
    half_life_s : float, optional
        Target inventory half-life, seconds (``gamma_method="half_life"``).
    sweep_gammas : sequence of float or int, optional
        Grid of the fast-path sweep, or a number of points from a tenth to ten times the
        limit-skew ``γ`` (default 9); the sweep runs when given (0: never) or when
        ``gamma_method="sweep"``.
    objective, risk_aversion :
        Ranking of the sweep (``"sharpe"`` or ``"utility"``) and the utility's risk
        aversion per quote currency.
    max_depth_price, depth_grid_s :
        Deepest bin of the intensity fit (price units; bins of one tick from 1.5 ticks),
        and the grid the depths are measured at (default: the mid before each order).
    grid_s, horizon_s : float
        Volatility sampling step and the Avellaneda–Stoikov horizon, seconds.
    min_orders, min_duration_s :
        Below these the calibration is refused.
    start_ns, end_ns : int, optional
        Local-time window within the files.
    signals : bool
        Fit the signal coefficients.
    journal : path, optional
        A session's journal on this market: ``A`` and ``k`` from our own quotes and
        fills are reported beside the market's (``diagnostics["own_fills"]``).
    client : distributed.Client, optional
        Run the sweep on a Dask cluster.
    max_iter : int
        Iterations of the intensity fit.

    Returns
    -------
    CalibrationResult
        ``.params``, ``.diagnostics``, ``.write(path)``; refused (``ok`` false, no
        parameters) when the data are too few or the fit does not converge.

    Raises
    ------
    DataError
        If the date has no data or a file is malformed.
    ValidationError
        On a bad parameter (unknown venue, model or method, a half-life method without
        ``half_life_s``).
    """
    if model not in ("glft", "as"):
        raise ValidationError(f"model must be 'glft' or 'as': {model!r}")
    if gamma_method not in GAMMA_METHODS:
        raise ValidationError(f"gamma_method must be one of {GAMMA_METHODS}: "
                              f"{gamma_method!r}")
    if gamma_method == "half_life" and half_life_s is None:
        raise ValidationError("gamma_method='half_life' needs half_life_s")
    key = (venue, symbol.upper())
    day = parse_date(date)
    paths = ([Path(f) for f in files] if files is not None
             else locate(data_dir or DEFAULT_DATA_DIR, venue, key[1], day))
    window = read_window(paths, key, start_ns, end_ns)
    inst = window.instruments[key]
    meta = {"window": {"venue": venue, "symbol": key[1], "date": day.isoformat(),
                       "start_ns": window.start_ns, "end_ns": window.end_ns,
                       "duration_s": window.duration_s,
                       "files": ["/".join(Path(f).parts[-2:]) for f in window.files]},
            "settings": {"model": model, "unit_lots": unit_lots, "limit_lots": limit_lots,
                         "gamma_method": gamma_method, "half_life_s": half_life_s,
                         "max_depth_price": max_depth_price, "grid_s": grid_s,
                         "depth_grid_s": depth_grid_s, "horizon_s": horizon_s}}
    reasons: list[str] = []
    if window.duration_s < min_duration_s:
        reasons.append(f"window too short: {window.duration_s:.1f} s < {min_duration_s} s")
        return CalibrationResult({}, {}, {}, model, meta, reasons)

    table = window.tables[key]
    depths = trade_depths(table, inst, unit_lots=unit_lots, grid_s=depth_grid_s)
    tick = inst.tick_size_float
    fill = fit_market_intensity(depths.depth_price, depths.duration_s,
                                min_depth_price=1.5 * tick, max_depth_price=max_depth_price,
                                width_price=tick, max_iter=max_iter)
    arrays = _arrays(window) if signals else None
    vol = fit_volatility(window.tables, window.instruments, key, grid_s=grid_s, arrays=arrays)
    if fill.n_observed < min_orders:
        reasons.append(f"too few orders: {fill.n_observed} in the fitted depths "
                       f"< {min_orders}")
    if not fill.converged:
        reasons.append(f"the intensity fit did not converge in {fill.iterations} "
                       f"iterations (k = {fill.k_per_price:.4g})")
    meta["diagnostics"] = {"intensity": fill.summary(), "volatility": vol.summary(),
                           "orders": len(depths.depth_price),
                           "trades": depths.n_trades}
    if journal is not None:
        from workbench.calibration.fills import fit_own_fills

        meta["diagnostics"]["own_fills"] = fit_own_fills(journal, table, inst).summary()
    if reasons:
        return CalibrationResult({}, {}, {}, model, meta, reasons, fill, vol)

    a, k, sigma_price = fill.a_per_s, fill.k_per_price, vol.sigma_price_per_sqrt_s
    limit_units = limit_lots / unit_lots
    gammas = {"as": gamma_for_limit_skew("as", k, a, sigma_price, limit_units, horizon_s),
              "glft": gamma_for_limit_skew("glft", k, a, sigma_price, limit_units)}
    if gamma_method == "half_life":
        gammas = {m: gamma_for_half_life(m, half_life_s, k, a, sigma_price, horizon_s)
                  for m in gammas}
    sweep = None
    if isinstance(sweep_gammas, int) and not isinstance(sweep_gammas, bool):
        sweep_gammas = list(gammas[model] * np.logspace(-1, 1, sweep_gammas)) \
            if sweep_gammas > 0 else None
    if gamma_method == "sweep" or sweep_gammas is not None:
        sweep = _sweep(window, key, model, gammas[model], a, k, vol, unit_lots, limit_lots,
                       horizon_s, sweep_gammas, objective, risk_aversion, client, reasons,
                       gamma_method)
        if sweep is not None:
            meta["diagnostics"]["gamma_sweep"] = sweep.table
            if gamma_method == "sweep":
                gammas[model] = sweep.best_gamma
    meta["diagnostics"]["gamma"] = {
        "method": gamma_method, "objective": objective if sweep is not None else None,
        **{f"gamma_{m}": g for m, g in gammas.items()},
        **{f"half_life_s_{m}": inventory_half_life_s(m, g, k, a, sigma_price, horizon_s)
           for m, g in gammas.items()}}
    sig_table = None
    if arrays is not None:
        from workbench.calibration.signals import fit_signal_coefficients

        sig_table = fit_signal_coefficients(arrays)
        meta["diagnostics"]["signals"] = sig_table
    if reasons:
        return CalibrationResult({}, {}, {}, model, meta, reasons, fill, vol, sig_table, sweep)
    quote = inst.quote
    params = {"unit_lots": unit_lots,
              "glft_params.gamma": gammas["glft"], "glft_params.k_per_price": k,
              "glft_params.a_per_s": a, "glft_params.sigma_price_per_sqrt_s": sigma_price,
              "glft_params.max_inventory_units": max(1, round(limit_units)),
              "as_params.gamma": gammas["as"], "as_params.k_per_price": k,
              "as_params.a_per_s": a, "as_params.horizon_s": horizon_s}
    units = {"unit_lots": "lots", "glft_params.gamma": f"1/({quote}·unit)",
             "glft_params.k_per_price": f"1/{quote}", "glft_params.a_per_s": "1/s",
             "glft_params.sigma_price_per_sqrt_s": f"{quote}/√s",
             "glft_params.max_inventory_units": "units",
             "as_params.gamma": f"1/({quote}·unit)", "as_params.k_per_price": f"1/{quote}",
             "as_params.a_per_s": "1/s", "as_params.horizon_s": "s"}
    ses = {f"{m}_params.{p}": se for m in ("glft", "as")
           for p, se in (("k_per_price", fill.k_se), ("a_per_s", fill.a_se))}
    ses["glft_params.sigma_price_per_sqrt_s"] = _sigma_se(vol)
    return CalibrationResult(params, units, ses, model, meta, reasons, fill, vol, sig_table,
                             sweep)


def _sigma_se(vol) -> float:
    """Standard error of a realised volatility from ``n`` grid returns: ``σ/√(2n)``."""
    n = vol.duration_s / vol.grid_s
    return vol.sigma_price_per_sqrt_s / math.sqrt(2.0 * n) if n > 0 else float("nan")


def _arrays(window):
    from workbench.data.binance.feed import RawFeed
    from workbench.estimators import EventArrays

    return EventArrays.from_frame(RawFeed(window.tables).to_frame())


def _sweep(window, key, model, gamma0, a, k, vol, unit_lots, limit_lots, horizon_s,
           gammas, objective, risk_aversion, client, reasons, gamma_method):
    from workbench.engine.fast.events import event_array
    from workbench.engine.fast.params import FastParams

    inst = window.instruments[key]
    if inst.kind is InstrumentKind.INVERSE_PERP:
        note = "the fast-path sweep accounts linear instruments only"
        if gamma_method == "sweep":
            reasons.append(note)
        return None
    if gammas is None:
        gammas = gamma0 * np.logspace(-1, 1, 9)
    base = FastParams(model=model, k_per_price=k, a_per_s=a, horizon_s=horizon_s,
                      sigma_per_sqrt_s=vol.sigma_per_sqrt_s, unit_lots=unit_lots,
                      max_long_lots=limit_lots, max_short_lots=limit_lots,
                      record_every_ns=100_000_000)
    events = event_array(window.tables[key])
    return sweep_gamma(events, inst, base, [float(g) for g in gammas], objective=objective,
                       risk_aversion=risk_aversion, client=client)
