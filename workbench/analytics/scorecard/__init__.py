"""The scorecard: out-of-sample skill of each estimator against its single-source baselines.

:func:`run_scorecard` reads the recorded Binance days, calibrates each estimator on one
part of the data and scores it on another (:mod:`.data` says which and why), and returns
a :class:`Scorecard`: a tidy table, one row per (family, asset, split, estimator,
baseline, metric, horizon), with 95% Newey–West intervals.

* ``fair_mid`` (:mod:`.fair_mid`): squared error of forecasting the quoted venue's mid
  at +100 ms, +1 s, +5 s; the calibrated led fair mid against the quoted venue's own
  mid, its size-weighted mid, its micro-price and the equal-weight fusion;
* ``volatility`` (:mod:`.volatility`): QLIKE and squared error of forecasting the next
  minute's realised variance; the fused volatility against the single-venue EWMA and
  the single-venue realised variance;
* ``flow`` (:mod:`.flow`): information coefficients at 1 s and 5 s of book imbalance,
  OFI and trade flow over several venues against the quoted venue's own;
* ``toxicity`` (:mod:`.toxicity`): how often the guard acts, and the markouts of the
  trades it flags against those it does not.

For a loss row ``diff = baseline - estimator`` (positive: the estimator is better) and
``skill = diff / baseline``; for an IC row ``diff = |IC| - |IC_baseline|``.

Examples
--------
>>> card = run_scorecard("../shared/data/binance-multivenue-l2")  # doctest: +SKIP
>>> card.summary()  # doctest: +SKIP
>>> card.plot()  # doctest: +SKIP
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from workbench.analytics.scorecard.data import DAYS, load_days
from workbench.analytics.scorecard.fair_mid import fair_mid_rows, has_quotes
from workbench.analytics.scorecard.flow import flow_rows
from workbench.analytics.scorecard.rows import COLUMNS
from workbench.analytics.scorecard.toxicity import toxicity_rows
from workbench.analytics.scorecard.volatility import volatility_rows

__all__ = ["COLUMNS", "Scorecard", "run_scorecard"]

#: Columns of :meth:`Scorecard.summary`.
SUMMARY_COLUMNS = ("family", "asset", "split", "estimator", "baseline", "metric",
                   "horizon_s", "n", "value", "baseline_value", "skill", "skill_low",
                   "skill_high", "better")


@dataclass(frozen=True)
class Scorecard:
    """The scorecard's rows and what was calibrated on the way.

    Attributes
    ----------
    table : pandas.DataFrame
        Every row (:data:`~workbench.analytics.scorecard.rows.COLUMNS`).
    calibration : dict
        ``lead_weights`` (per asset, quoted venue and split), ``vol_half_life_s``,
        ``toxicity`` (stack parameters) and ``guard_cooldown_ns`` per asset and
        calibration day.
    """

    table: pd.DataFrame
    calibration: dict = field(default_factory=dict)

    def rows(self, family: str, **where) -> pd.DataFrame:
        """The rows of one family, filtered by column values (``asset="btc"``...)."""
        t = self.table[self.table["family"] == family]
        for col, val in where.items():
            t = t[t[col] == val]
        return t.reset_index(drop=True)

    def summary(self) -> pd.DataFrame:
        """The headline rows: fair mid pooled over both halves, every other row.

        ``skill`` is ``diff / baseline_value`` for losses (the relative improvement,
        with its interval) and ``diff`` itself for the other metrics.
        """
        t = self.table
        keep = (t["family"] != "fair_mid") | t["split"].str.contains(" both ")
        out = t[keep].copy()
        loss = out["metric"].isin(["mse_bps2", "qlike", "mse_bps4"])
        scale = np.where(loss, out["baseline_value"], 1.0)
        out["skill"] = out["diff"] / scale
        out["skill_low"] = out["diff_low"] / scale
        out["skill_high"] = out["diff_high"] / scale
        return out[list(SUMMARY_COLUMNS)].reset_index(drop=True)

    def __repr__(self) -> str:
        s = self.summary()
        return f"Scorecard({len(self.table)} rows)\n" + s.to_string(
            index=False, float_format=lambda x: f"{x:.4g}")

    def plot(self):
        """A bokeh figure of every summary row's skill with its 95% interval.

        Raises
        ------
        ImportError
            If bokeh is not installed (it is imported here only).
        """
        from bokeh.models import ColumnDataSource, Whisker
        from bokeh.palettes import Category10_4
        from bokeh.plotting import figure

        s = self.summary()
        s = s[np.isfinite(s["skill"])].reset_index(drop=True)
        labels = [f"{r.family} {r.asset} {r.estimator} vs {r.baseline} {r.metric} "
                  f"{r.horizon_s:g}s {r.split}" for r in s.itertuples()]
        colors = dict(zip(("fair_mid", "volatility", "flow", "toxicity"), Category10_4))
        src = ColumnDataSource({
            "label": labels, "skill": s["skill"],
            "low": s["skill_low"].fillna(s["skill"]), "high": s["skill_high"].fillna(s["skill"]),
            "color": [colors[f] for f in s["family"]],
        })
        fig = figure(y_range=labels[::-1], width=900, height=max(300, 16 * len(labels)),
                     title="Scorecard: out-of-sample skill (> 0: better than the baseline)",
                     x_axis_label="skill (loss: 1 - L / L_baseline; IC: |IC| - |IC_baseline|)")
        fig.scatter("skill", "label", source=src, color="color", size=7)
        fig.add_layout(Whisker(source=src, base="label", lower="low", upper="high",
                               dimension="width"))
        fig.ray(x=[0], y=[0], length=0, angle=np.pi / 2, color="gray")
        return fig


def run_scorecard(root: str | Path, assets=("btc", "eth"), quote: str = "binance-usdm"
                  ) -> Scorecard:
    """Calibrate and score every estimator on the recorded days.

    Parameters
    ----------
    root : path
        The ``binance-multivenue-l2`` folder of the recorded data.
    assets : sequence of str
        ``"btc"`` and/or ``"eth"``.
    quote : str
        The quoted venue (every family is scored on it).

    Returns
    -------
    Scorecard

    Raises
    ------
    FileNotFoundError
        If a recorded file is missing.
    """
    days = load_days(Path(root), assets)
    rows: list[dict] = []
    cal: dict = {"lead_weights": {}, "vol_half_life_s": {}, "toxicity": {},
                 "guard_cooldown_ns": {}}
    for asset in assets:
        multi = days[(asset, "0808")]
        if has_quotes(multi, quote):
            rows += fair_mid_rows(multi, quote, cal["lead_weights"])
            rows += flow_rows(multi, quote)
        for a, b in (DAYS, DAYS[::-1]):
            first, second = days[(asset, a)], days[(asset, b)]
            rows += volatility_rows(first, second, quote, cal["vol_half_life_s"])
            rows += toxicity_rows(first, second, quote, cal["toxicity"],
                                  cal["guard_cooldown_ns"])
    table = pd.DataFrame(rows, columns=list(COLUMNS))
    return Scorecard(table, cal)
