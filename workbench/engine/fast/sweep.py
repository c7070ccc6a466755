"""Run the fast backtest over a grid of parameter settings: serially, on a process pool, or
on a Dask cluster (the events are scattered to every worker once, one task a setting)."""

from __future__ import annotations

import dataclasses
import itertools
import multiprocessing as mp
import os
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor

import numpy as np
import pandas as pd

from workbench.core.errors import ValidationError
from workbench.core.instruments import Instrument
from workbench.engine.fast.backtest import run_fast
from workbench.engine.fast.params import FastParams

# What the pool's workers share, set in the parent before forking (never pickled).
_SHARED: dict[str, object] = {}


def grid_params(base: FastParams, grid: Mapping[str, Sequence]) -> list[FastParams]:
    """Every combination of ``grid``'s values applied to ``base``, in ``grid``'s order.

    Raises
    ------
    ValidationError
        If a name is not a :class:`FastParams` field, a value list is empty, or a
        combination is invalid.
    """
    names = list(grid)
    fields = {f.name for f in dataclasses.fields(FastParams)}
    unknown = [n for n in names if n not in fields]
    if unknown:
        raise ValidationError(f"not FastParams fields: {unknown}")
    if any(len(grid[n]) == 0 for n in names):
        raise ValidationError("every grid entry needs at least one value")
    return [dataclasses.replace(base, **dict(zip(names, values)))
            for values in itertools.product(*(grid[n] for n in names))]


def _run_one(i: int) -> dict[str, float]:
    events, inst, settings = _SHARED["events"], _SHARED["instrument"], _SHARED["settings"]
    return _summarise(events, inst, settings[i], _SHARED["summarise"])


def _summarise(events: np.ndarray, instrument: Instrument, params: FastParams,
               summarise: Callable | None) -> dict[str, float]:
    result = run_fast(events, instrument, params)
    return result.summary() if summarise is None else summarise(result)


def _dask_rows(client, events: np.ndarray, instrument: Instrument,
               settings: list[FastParams], summarise: Callable | None) -> list[dict]:
    shared = client.scatter(events, broadcast=True)
    futures = [client.submit(_summarise, shared, instrument, s, summarise, pure=False)
               for s in settings]
    return client.gather(futures)


def sweep(events: np.ndarray, instrument: Instrument, base: FastParams,
          grid: Mapping[str, Sequence], workers: int = 1, *, client=None,
          summarise: Callable | None = None) -> pd.DataFrame:
    """Backtest every combination of ``grid`` over the same events.

    Parameters
    ----------
    events : numpy.ndarray of EVENT_DTYPE
        One stream (see :func:`~workbench.engine.fast.events.event_array`).
    instrument : Instrument
        Its tick and lot grid.
    base : FastParams
        The settings the grid varies.
    grid : mapping of str to sequence
        Field name -> values, e.g. ``{"gamma": [0.05, 0.1], "k_per_price": [1, 5]}``.
    workers : int
        1 runs serially here; more forks a process pool (the events are shared with the
        workers through the fork, not copied by pickling; each worker loads the compiled
        kernel from numba's cache).
    client : distributed.Client, optional
        Spread the grid over a Dask cluster's workers instead (``workers`` is then
        ignored); the table is the same as a local run's.
    summarise : callable, optional
        ``FastResult -> dict`` of the figures each row reports (a module-level function,
        so that it pickles); default :meth:`FastResult.summary`.

    Returns
    -------
    pandas.DataFrame
        One row per combination: the grid's values, then
        :meth:`~workbench.engine.fast.result.FastResult.summary`.

    Raises
    ------
    ValidationError
        As :func:`grid_params`, or if ``workers < 1``.
    """
    if workers < 1:
        raise ValidationError(f"workers must be >= 1: {workers!r}")
    settings = grid_params(base, grid)
    if client is not None:
        rows = _dask_rows(client, events, instrument, settings, summarise)
        return _table(grid, settings, rows)
    _SHARED.update(events=events, instrument=instrument, settings=settings,
                   summarise=summarise)
    try:
        n_workers = min(workers, len(settings), os.cpu_count() or 1)
        if n_workers <= 1:
            rows = [_run_one(i) for i in range(len(settings))]
        else:
            with ProcessPoolExecutor(n_workers, mp_context=mp.get_context("fork")) as pool:
                rows = list(pool.map(_run_one, range(len(settings))))
    finally:
        _SHARED.clear()
    return _table(grid, settings, rows)


def _table(grid: Mapping[str, Sequence], settings: list[FastParams],
           rows: list[dict]) -> pd.DataFrame:
    names = list(grid)
    return pd.DataFrame([{**{n: getattr(s, n) for n in names}, **row}
                         for s, row in zip(settings, rows)])
