"""Daily calibration of the quoting models: fill intensity, volatility, signals, ``γ``.

:func:`calibrate` reads one market's day and returns a :class:`CalibrationResult` whose
:meth:`~CalibrationResult.write` produces a ``workbench.params/1`` parameter file (the
format of :mod:`workbench.engine.params_file`). The fits are separate functions:
:func:`fit_market_intensity`, :func:`fit_exposure_intensity` and :func:`fit_own_fills`
(Poisson maximum likelihood, from market trades or our own journal),
:func:`fit_volatility`, :func:`fit_signal_coefficients`, :func:`gamma_for_half_life` and
:func:`sweep_gamma`.
"""

from workbench.calibration.api import calibrate
from workbench.calibration.data import locate
from workbench.calibration.depths import TradeDepths, trade_depths
from workbench.calibration.fills import fit_own_fills, journal_quotes
from workbench.calibration.gamma import (
    GammaSweep,
    gamma_for_half_life,
    inventory_half_life_s,
    risk_summary,
    sweep_gamma,
)
from workbench.calibration.intensity import (
    IntensityFit,
    fit_exposure_intensity,
    fit_market_intensity,
)
from workbench.calibration.result import CalibrationError, CalibrationResult, diagnostic_path
from workbench.calibration.signals import fit_signal_coefficients
from workbench.calibration.volatility import VolatilityFit, fit_volatility

__all__ = [
    "CalibrationError",
    "CalibrationResult",
    "GammaSweep",
    "IntensityFit",
    "TradeDepths",
    "VolatilityFit",
    "calibrate",
    "diagnostic_path",
    "fit_exposure_intensity",
    "fit_market_intensity",
    "fit_own_fills",
    "fit_signal_coefficients",
    "fit_volatility",
    "gamma_for_half_life",
    "inventory_half_life_s",
    "journal_quotes",
    "locate",
    "risk_summary",
    "sweep_gamma",
    "trade_depths",
]
