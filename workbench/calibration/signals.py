"""Signal coefficients: forward fair-mid returns regressed on the imbalance and flow signals.

For each signal and horizon: the slope (bps of forward return per unit of signal) with
its Newey–West t-statistic and the Spearman information coefficient with its HAC
interval (:func:`workbench.analytics.predictive.predictive_power` on
:func:`workbench.estimators.signals_frame`). Forward returns over ``h`` sampled every
``sample_s`` overlap, so the errors use at least ``h / sample_s`` Bartlett lags.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from workbench.analytics.predictive import predictive_power
from workbench.estimators import EventArrays, signals_frame

#: Signals whose coefficients are fitted (columns of ``signals_frame``).
SIGNALS = ("ofi", "trade_imbalance")
#: Forward horizons, seconds.
HORIZONS_S = (1.0, 5.0, 30.0)


def fit_signal_coefficients(arrays: EventArrays, *, signals: Sequence[str] = SIGNALS,
                            horizons_s: Sequence[float] = HORIZONS_S,
                            sample_s: float = 1.0) -> pd.DataFrame:
    """Coefficients of forward fair-mid returns on each signal, with HAC errors.

    Returns
    -------
    pandas.DataFrame
        One row per (signal, horizon): ``beta_bps``, ``t_stat`` (Newey–West), ``se_bps``,
        ``ic_spearman`` and its interval, ``r2``, ``n``, ``lags``. Horizons longer than
        a third of the data are left out.
    """
    frame = signals_frame(arrays)
    span_s = (frame["ts_ns"].iloc[-1] - frame["ts_ns"].iloc[0]) * 1e-9
    horizons = [h for h in horizons_s if h * 3 <= span_s]
    if not horizons:
        return pd.DataFrame()
    table = predictive_power(frame, list(signals), horizons, sample_s)
    table["se_bps"] = table["beta_bps"] / table["t_stat"]
    return table
