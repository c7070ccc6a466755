"""Toxicity rows: how often the guard acts, and how adverse the flow it acts on is.

The toxicity score is calibrated (:func:`~workbench.estimators.toxicity_calibration.
calibrate_toxicity`) on one day of the quoted venue alone, with VPIN buckets of 5 s of
that day's traded notional: component distributions, signed weights and the threshold,
placed so that the guard acts on 10% of that day's events, and the guard's cool-down
(:func:`~workbench.estimators.toxicity_calibration.choose_cooldown`). The stack, with
those parameters, is run over the other day, and the toxic-flow guard is replayed over
its scores with its hysteresis and the calibrated cool-down (:func:`~workbench.
estimators.toxicity_calibration.guard_acting`, the guard's default thresholds; no depth
records, so its book-imbalance input is 0): a side is *flagged* while the guard widens
or pulls it.

* ``share_flagged``: share of events with either side flagged (target: at most 15%);
* ``markout_bps``: mean markout (the quoted venue's own mid, 1 s and 5 s) of the fill
  each aggressive order gave a maker resting at the touch, signed against that maker
  (:func:`~workbench.estimators.toxicity_calibration.order_markouts`), for the orders
  that met a flagged side (as of the event before the order) against the others, with
  HAC intervals; ``markout_ratio``: flagged over unflagged (target: at least 2).

One fill per order, not per print: the prints of one order arrive microseconds apart
and no guard can act between them, and a maker at the touch is filled once by an order,
at its first print (later prints fill deeper makers at prices better for them).
"""

from __future__ import annotations

import dataclasses

import numpy as np

from workbench.analytics.scorecard.data import Day
from workbench.analytics.scorecard.rows import mean_ci, row
from workbench.estimators.arrays import trade_notional
from workbench.estimators.guard_replay import GuardThresholds
from workbench.estimators.stack import StackParams, signals_frame
from workbench.estimators.toxicity_calibration import (
    choose_cooldown,
    guard_acting,
    order_markouts,
    venue_mid,
)
from workbench.estimators.vpin import VpinParams

HORIZONS_S = (1.0, 5.0)
SHARE_TARGET = 0.15
RATIO_TARGET = 2.0


def toxicity_rows(cal: Day, score: Day, quote: str, fitted: dict | None = None,
                  cooldowns: dict | None = None) -> list[dict]:
    """Rows of ``score`` with the toxicity score calibrated on ``cal`` (quoted venue only).

    VPIN's buckets are 5 s of the calibration day's traded notional on the quoted venue.
    The guard's cool-down is chosen on ``cal`` too (:func:`~workbench.estimators.
    toxicity_calibration.choose_cooldown`), and the guard is replayed over ``score``
    with it. ``fitted`` and ``cooldowns``, when given, receive the calibrated stack and
    the cool-down (ns) under ``(asset, calibration day)``.
    """
    cal_arrays = cal.venue(quote)
    _, notional = trade_notional(cal_arrays)
    stack = StackParams(vpin=VpinParams.from_volume(notional.sum() / _span_s(cal_arrays)))
    cooldown_ns, tox, _ = choose_cooldown(cal_arrays, stack)
    stack = dataclasses.replace(stack, toxicity=tox)
    guard = dataclasses.replace(GuardThresholds(), cooldown_ns=cooldown_ns)
    if fitted is not None:
        fitted[(score.asset, cal.day)] = stack
    if cooldowns is not None:
        cooldowns[(score.asset, cal.day)] = cooldown_ns
    arrays = score.venue(quote)
    frame = signals_frame(arrays, stack)
    acting = guard_acting(frame, guard)
    split = f"{cal.day}->{score.day} {quote}"
    share = float(np.mean(acting.any(axis=1)))
    rows = [row("toxicity", score.asset, split, "score", "target", "share_flagged", 0.0,
                len(frame), share, SHARE_TARGET, diff=SHARE_TARGET - share)]
    mid = venue_mid(arrays, 0)  # the quoted venue's own mid, not our estimate
    for h in HORIZONS_S:
        marks = order_markouts(arrays, mid, h)
        before = marks["before"].to_numpy()
        hit = np.where(marks["side"].to_numpy() > 0, acting[before, 1], acting[before, 0])
        adverse = marks["adverse_bps"].to_numpy()
        orders_per_h = max(int(len(marks) * h / max(_span_s(arrays), 1.0)), 1)
        flagged, f_ci = mean_ci(adverse[hit], orders_per_h)
        other, o_ci = mean_ci(adverse[~hit], orders_per_h)
        rows.append(row("toxicity", score.asset, split, "flagged", "unflagged",
                        "markout_bps", h, len(marks), flagged, other, diff=flagged - other,
                        value_ci=f_ci, baseline_ci=o_ci))
        ratio = flagged / other if other > 0 else float("nan")
        rows.append(row("toxicity", score.asset, split, "flagged", "target",
                        "markout_ratio", h, int(hit.sum()), ratio, RATIO_TARGET,
                        diff=ratio - RATIO_TARGET))
    return rows


def _span_s(arrays) -> float:
    return float(arrays.ts_ns[-1] - arrays.ts_ns[0]) / 1e9
