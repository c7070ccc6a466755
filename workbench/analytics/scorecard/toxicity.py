"""Toxicity rows: how often the score flags a side, and how adverse the flagged flow is.

The toxicity score is calibrated (:func:`~workbench.estimators.toxicity_calibration.
calibrate_toxicity`) on one day of the quoted venue alone, with VPIN buckets of 5 s of
that day's traded notional: component distributions, signed weights and the threshold,
which flags either side on 10% of that day's events. The stack, with those parameters,
is run over the other day. A side is *flagged* while its score is at least ``WIDEN_ON``
(0.5, the toxic-flow guard's default threshold to widen; pulling and joining need
higher scores), which is when the guard starts to act on it (its hold and cool-down, a
strategy matter, then lengthen each episode by up to 2 s).

* ``share_flagged``: share of events with either side flagged (target: at most 15%);
* ``markout_bps``: mean adverse markout (quoted mid, 1 s and 5 s) of the trades that hit
  a side flagged just before them, against the others, with HAC intervals;
  ``markout_ratio``: flagged over unflagged (target: at least 2).
"""

from __future__ import annotations

import dataclasses

import numpy as np

from workbench.analytics.scorecard.data import Day
from workbench.analytics.scorecard.rows import mean_ci, row
from workbench.estimators.arrays import trade_notional
from workbench.estimators.stack import StackParams, signals_frame
from workbench.estimators.toxicity_calibration import calibrate_toxicity, trade_markouts
from workbench.estimators.vpin import VpinParams

HORIZONS_S = (1.0, 5.0)
SHARE_TARGET = 0.15
RATIO_TARGET = 2.0
#: Score from which a side is flagged (the guard's default ``widen_on``).
WIDEN_ON = 0.5


def toxicity_rows(cal: Day, score: Day, quote: str, fitted: dict | None = None) -> list[dict]:
    """Rows of ``score`` with the toxicity score calibrated on ``cal`` (quoted venue only).

    VPIN's buckets are 5 s of the calibration day's traded notional on the quoted venue.
    """
    cal_arrays = cal.venue(quote)
    _, notional = trade_notional(cal_arrays)
    stack = StackParams(vpin=VpinParams.from_volume(notional.sum() / _span_s(cal_arrays)))
    tox = calibrate_toxicity(cal_arrays, stack, flag_score=WIDEN_ON)
    stack = dataclasses.replace(stack, toxicity=tox)
    if fitted is not None:
        fitted[(score.asset, cal.day)] = stack
    arrays = score.venue(quote)
    frame = signals_frame(arrays, stack)
    acting = np.column_stack([frame["toxicity_bid"].to_numpy() >= WIDEN_ON,
                              frame["toxicity_ask"].to_numpy() >= WIDEN_ON])
    split = f"{cal.day}->{score.day} {quote}"
    share = float(np.mean(acting.any(axis=1)))
    rows = [row("toxicity", score.asset, split, "score", "target", "share_flagged", 0.0,
                len(frame), share, SHARE_TARGET, diff=SHARE_TARGET - share)]
    mid = frame["fair_mid"].to_numpy()  # the quoted venue's mid: one venue, led by it
    for h in HORIZONS_S:
        marks = trade_markouts(arrays, mid, h)
        before = np.maximum(marks["event"].to_numpy() - 1, 0)
        hit = np.where(marks["side"].to_numpy() > 0, acting[before, 1], acting[before, 0])
        adverse = marks["adverse_bps"].to_numpy()
        trades_per_h = max(int(len(marks) * h / max(_span_s(arrays), 1.0)), 1)
        flagged, f_ci = mean_ci(adverse[hit], trades_per_h)
        other, o_ci = mean_ci(adverse[~hit], trades_per_h)
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
