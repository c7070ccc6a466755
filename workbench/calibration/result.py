"""What a calibration returns: the parameters, their evidence, and the parameter file.

A result that is not good enough (too few orders, a fit that did not converge, a window
too short) has no parameters: :meth:`CalibrationResult.write` then writes the diagnostic
beside the requested path (``<name>.diagnostic.json``) and raises
:class:`CalibrationError`, and the parameter file is never written.
"""

from __future__ import annotations

import json
import math
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from workbench.core.errors import WorkbenchError


class CalibrationError(WorkbenchError):
    """A calibration that is not good enough to write parameters; ``reasons`` say why."""

    def __init__(self, message: str, reasons: list[str] | None = None) -> None:
        super().__init__(message)
        self.reasons = list(reasons or [])


def diagnostic_path(path: str | Path) -> Path:
    """Where the diagnostic of a refused calibration for ``path`` is written."""
    path = Path(path)
    return path.with_name(f"{path.stem}.diagnostic.json")


@dataclass
class CalibrationResult:
    """Parameters of one market and day, with the fits behind them.

    Attributes
    ----------
    params : dict
        Dotted :class:`~workbench.strategies.maker.MakerParams` path -> value (empty when
        the calibration is refused).
    units : dict
        Dotted path -> unit.
    standard_errors : dict
        Dotted path -> standard error, where the fit gives one.
    strategy : str
        The quoting model the parameters are for.
    meta : dict
        Data window, fit diagnostics (JSON-ready).
    reasons : list of str
        Why the calibration is refused (empty when it is good).
    intensity, volatility, signals, gamma_sweep :
        The fits (:class:`IntensityFit`, :class:`VolatilityFit`, a DataFrame of signal
        coefficients, :class:`GammaSweep` or None).
    """

    params: dict[str, Any]
    units: dict[str, str]
    standard_errors: dict[str, float]
    strategy: str
    meta: dict[str, Any]
    reasons: list[str] = field(default_factory=list)
    intensity: Any = None
    volatility: Any = None
    signals: pd.DataFrame | None = None
    gamma_sweep: Any = None

    @property
    def ok(self) -> bool:
        """Whether the parameters are good enough to write."""
        return not self.reasons

    @property
    def diagnostics(self) -> dict[str, Any]:
        """Fit diagnostics (also in the parameter file's ``meta``)."""
        return {**self.meta.get("diagnostics", {}), "reasons": list(self.reasons)}

    def write(self, path: str | Path) -> Path:
        """Write the parameter file (``workbench.params/1``, atomically).

        Raises
        ------
        CalibrationError
            If the calibration is refused; its diagnostic is written to
            :func:`diagnostic_path` and no parameter file is.
        """
        from workbench.engine.params_file import write_params_file

        if not self.ok:
            where = diagnostic_path(path)
            _atomic_text(where, json.dumps(_jsonable({"reasons": self.reasons,
                                                      **self.meta}), indent=2) + "\n")
            raise CalibrationError(f"calibration refused, no parameters written to {path} "
                                   f"(diagnostic: {where}): " + "; ".join(self.reasons),
                                   self.reasons)
        meta = _jsonable({**self.meta, "standard_errors": self.standard_errors})
        return write_params_file(path, self.params, strategy=self.strategy, units=self.units,
                                 meta=meta)

    def summary(self) -> pd.DataFrame:
        """Each parameter with its unit and standard error."""
        return pd.DataFrame([{"parameter": k, "value": v, "unit": self.units.get(k, ""),
                              "se": self.standard_errors.get(k, float("nan"))}
                             for k, v in self.params.items()])

    def plot_intensity(self):
        """Intensity by depth with the fit (a bokeh figure)."""
        from workbench.analytics.calibration_plot import plot_intensity

        return plot_intensity(self.intensity)

    def plot_volatility(self):
        """The volatility signature with the figure used (a bokeh figure)."""
        from workbench.analytics.calibration_plot import plot_volatility_term

        return plot_volatility_term(self.volatility)

    def plot_gamma_sweep(self):
        """The γ sweep's objective, PnL and largest position (bokeh), or None without one."""
        from workbench.analytics.calibration_plot import plot_gamma_sweep

        if self.gamma_sweep is None:
            return None
        return plot_gamma_sweep(self.gamma_sweep,
                                self.params.get(f"{self.strategy}_params.gamma"))

    def __repr__(self) -> str:
        state = "ok" if self.ok else "refused: " + "; ".join(self.reasons)
        window = self.meta.get("window", {})
        return (f"CalibrationResult({window.get('venue')} {window.get('symbol')} "
                f"{window.get('date')}, {len(self.params)} parameters, {state})")


def _atomic_text(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "w") as fh:
            fh.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _jsonable(value: Any) -> Any:
    """Plain JSON types: numpy scalars and arrays, frames as records, NaN as None."""
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, pd.DataFrame):
        return _jsonable(value.to_dict(orient="records"))
    if isinstance(value, np.ndarray):
        return _jsonable(value.tolist())
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value
