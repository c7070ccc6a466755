"""Volatility in the model's time unit (per square root of a second), per venue and fused.

Per venue: the realised variance of the log mid on a ``grid_s`` grid divided by the
recording's length (the documented rule of :mod:`workbench.quoting.calibration`). Fused:
the rule of :class:`~workbench.estimators.volatility.FusedVolatility` applied to the
day's figures: the quoted venue's own volatility when it has one, else the median over
the venues. Beside them, the day's median of the fused streaming EWMA the engine quotes
with (:func:`~workbench.estimators.volatility.volatility_frame`) and the volatility
signature of the quoted venue (:func:`~workbench.estimators.realized.signature_plot`),
which shows whether ``grid_s`` is past the microstructure noise.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from workbench.calibration.depths import bbo_mids
from workbench.core import DataError, Instrument
from workbench.data.table import EventTable
from workbench.estimators import EventArrays, StreamSet, signature_plot, volatility_frame
from workbench.quoting.calibration import realised_variance

#: Sampling steps of the volatility signature, seconds.
TERM_STEPS_S = (1.0, 2.0, 5.0, 10.0, 30.0, 60.0)


@dataclass(frozen=True)
class VolatilityFit:
    """The day's volatility.

    Attributes
    ----------
    sigma_per_sqrt_s : float
        Fused volatility of log returns per square root of a second.
    sigma_price_per_sqrt_s : float
        The same in price units at the quoted venue's mean mid.
    mid_price : float
        Mean mid of the quoted venue.
    per_venue : dict
        Venue -> volatility per square root of a second.
    skipped : dict
        Venue -> why it has no figure (e.g. no best bid/offer with exchange times).
    source : str
        The venue the fused figure comes from, or ``"median"``.
    ewma_median_per_sqrt_s : float
        Median over the day of the engine's fused EWMA (NaN where not computed).
    term : pandas.DataFrame
        ``step_s, rv_per_s, sigma_per_sqrt_s, returns`` of the quoted venue.
    grid_s, duration_s : float
    """

    sigma_per_sqrt_s: float
    sigma_price_per_sqrt_s: float
    mid_price: float
    per_venue: dict[str, float]
    source: str
    ewma_median_per_sqrt_s: float
    term: pd.DataFrame
    grid_s: float
    duration_s: float
    skipped: dict[str, str]

    def summary(self) -> dict:
        """The figures, for a report or a parameter file's ``meta``."""
        return {"sigma_per_sqrt_s": self.sigma_per_sqrt_s,
                "sigma_annualised": self.sigma_per_sqrt_s * math.sqrt(365 * 86_400),
                "sigma_price_per_sqrt_s": self.sigma_price_per_sqrt_s,
                "mid_price": self.mid_price, "source": self.source,
                "per_venue": dict(self.per_venue), "skipped": dict(self.skipped),
                "ewma_median_per_sqrt_s": self.ewma_median_per_sqrt_s,
                "grid_s": self.grid_s, "duration_s": self.duration_s}


def fit_volatility(tables: Mapping[tuple[str, str], EventTable],
                   instruments: Mapping[tuple[str, str], Instrument],
                   reference: tuple[str, str], *, grid_s: float = 1.0,
                   arrays: EventArrays | None = None,
                   term_steps_s: Sequence[float] = TERM_STEPS_S) -> VolatilityFit:
    """Volatility of each stream and fused (see the module docstring).

    Parameters
    ----------
    tables, instruments : mapping
        Streams by ``(venue, symbol)`` and their instruments.
    reference : tuple
        The quoted stream.
    grid_s : float
        Sampling step, seconds.
    arrays : EventArrays, optional
        The merged events, for the streaming EWMA's median.

    Raises
    ------
    DataError
        If the reference stream is missing or too short to sample.
    """
    if reference not in tables:
        raise DataError(f"no data for {reference[0]} {reference[1]}")
    per_venue, durations, mids, skipped = {}, {}, {}, {}
    for key, table in tables.items():
        try:
            rv, dur, mid = realised_variance(table, instruments[key], grid_s)
        except DataError as exc:
            if key == reference:
                raise
            skipped[key[0]] = str(exc)
            continue
        per_venue[key[0]] = math.sqrt(rv / dur)
        durations[key[0]], mids[key[0]] = dur, mid
    ref_venue = reference[0]
    sigma, source = per_venue[ref_venue], ref_venue
    ts, mid = bbo_mids(tables[reference], instruments[reference])
    term = signature_plot(ts, mid, [s for s in term_steps_s if s * 1e9 < ts[-1] - ts[0]])
    term["sigma_per_sqrt_s"] = np.sqrt(term["rv_per_s"])
    ewma = float("nan")
    if arrays is not None:
        streams = arrays.streams
        ref_index = streams.index().get(reference)
        frame = volatility_frame(arrays, reference=ref_index)
        ok = frame["ok"].to_numpy()
        if ok.any():
            ewma = float(np.median(frame["vol_per_sqrt_s"].to_numpy()[ok]))
    return VolatilityFit(sigma, sigma * mids[ref_venue], mids[ref_venue], per_venue, source,
                         ewma, term[["step_s", "rv_per_s", "sigma_per_sqrt_s", "returns"]],
                         grid_s, durations[ref_venue], skipped)


def stream_set(instruments: Sequence[Instrument]) -> StreamSet:
    """The streams of a calibration, quoted one first."""
    return StreamSet(tuple(instruments))
