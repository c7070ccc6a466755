"""Fair-mid rows: forecasting the quoted venue's mid at +100 ms, +1 s, +5 s.

At every 100 ms of the scoring half (where the quoted venue has a usable quote), each
forecast of the quoted mid at ``t + h`` is scored by its squared error in bps²:

* ``fair_mid``: the reference-led fair mid with lead weights and the imbalance term
  calibrated on the other half (:func:`~workbench.estimators.calibrate_fair_mid`);
* ``own_mid``: the quoted venue's mid (the martingale forecast);
* ``size_weighted``: its size-weighted mid ``(b q_a + a q_b) / (q_b + q_a)``;
* ``micro_price``: its Stoikov micro-price fitted on the other half (clamped);
* ``equal_weight``: the freshness-weighted average of every venue's basis-corrected
  size-weighted mid (the fall-back average, and the fair mid before the lead weights).
"""

from __future__ import annotations

import dataclasses

import numpy as np

from workbench.analytics.scorecard.data import Day, as_of, quote_mid
from workbench.analytics.scorecard.rows import loss_row
from workbench.core.events import EventKind
from workbench.estimators.decay import NS_PER_S
from workbench.estimators.fair_mid import FairMidParams, fair_mid_frame, fair_mid_terms
from workbench.estimators.fair_mid_calibration import fit_lead_weights, grid_terms, term_columns
from workbench.estimators.microprice import fit_stoikov

HORIZONS_S = (0.1, 1.0, 5.0)
GRID_S = 0.1
BASELINES = ("own_mid", "size_weighted", "micro_price", "equal_weight")


def fair_mid_rows(day: Day, quote: str, fits: dict | None = None) -> list[dict]:
    """Rows of one day and quoted venue: each half scored with the other's calibration.

    ``fits``, when given, receives the lead weights fitted on each half.
    """
    arrays = day.arrays
    base = FairMidParams(reference=quote)
    grid = grid_terms(fair_mid_terms(arrays, base), GRID_S)
    t = grid["ts_ns"].to_numpy()
    led = grid["led"].to_numpy()
    x = grid[term_columns(grid)].to_numpy(dtype=np.float64)
    qts, qmid, qk = quote_mid(arrays, quote)
    own = as_of(qts, qmid, t)
    tick = arrays.streams.tick_sizes[arrays.streams.names.index(quote)]
    b, qb = arrays.bid_ticks[qk], arrays.bid_lots[qk]
    a, qa = arrays.ask_ticks[qk], arrays.ask_lots[qk]
    sized = as_of(qts, np.log((b * qa + a * qb) / (qb + qa) * tick), t)
    avg = fair_mid_frame(arrays, dataclasses.replace(base, reference_led=False))["fair_mid"]
    avg = avg.to_numpy()
    log_avg = np.log(np.where(avg > 0, avg, np.nan))
    equal = as_of(np.maximum.accumulate(arrays.ts_ns), log_avg, t)
    halves = day.halves(quote)
    h_max = int(max(HORIZONS_S) * NS_PER_S)
    losses: dict[tuple[str, float], list[tuple[np.ndarray, np.ndarray]]] = {}
    for (c0, c1), (s0, s1), split in ((halves[0], halves[1], "A->B"),
                                      (halves[1], halves[0], "B->A")):
        cal = (t >= c0) & (t + h_max <= c1)
        coef = fit_lead_weights(grid, HORIZONS_S, GRID_S, rows=cal)
        if fits is not None:
            fits[(day.asset, quote, split)] = dict(zip(term_columns(grid), coef.tolist()))
        fair = grid["log_mid"].to_numpy() + (x @ coef) * 1e-4
        in_cal = (qts >= c0) & (qts <= c1)
        table = fit_stoikov(b[in_cal], qb[in_cal], a[in_cal], qa[in_cal])
        stoikov = as_of(qts, np.log(table.price_ticks(b, qb, a, qa) * tick), t)
        forecasts = {"own_mid": own, "size_weighted": sized, "micro_price": stoikov,
                     "equal_weight": equal}
        for h in HORIZONS_S:
            hn = round(h * NS_PER_S)
            score = (t >= s0) & (t + hn <= s1) & led
            target = as_of(qts, qmid, t + hn)
            e_fair = ((target - fair) * 1e4) ** 2
            for name, f in forecasts.items():
                e_base = ((target - f) * 1e4) ** 2
                pair = (np.where(score, e_fair, np.nan), np.where(score, e_base, np.nan))
                losses.setdefault((name, h), []).append(pair)
    rows = []
    for (name, h), pairs in losses.items():
        overlap = max(round(h / GRID_S), 1)
        for split, (le, lb) in zip(("A->B", "B->A"), pairs):
            rows.append(loss_row("fair_mid", day.asset, f"{day.day} {split} {quote}", "fair_mid",
                                 name, "mse_bps2", h, le, lb, overlap))
        le = np.concatenate([p[0] for p in pairs])
        lb = np.concatenate([p[1] for p in pairs])
        rows.append(loss_row("fair_mid", day.asset, f"{day.day} both {quote}", "fair_mid",
                             name, "mse_bps2", h, le, lb, overlap))
    return rows


def has_quotes(day: Day, venue: str) -> bool:
    """True when the day has quotes of ``venue``."""
    names = day.arrays.streams.names
    return venue in names and bool(np.any(
        (day.arrays.stream == names.index(venue)) & (day.arrays.kind == EventKind.BBO)))
