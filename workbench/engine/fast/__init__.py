"""The compiled fast path: flat event arrays, a numba maker and taker backtest, its Python
twin.

* :mod:`~workbench.engine.fast.events`: EventTables to one flat array per stream, and to
  hftbacktest's input format;
* :mod:`~workbench.engine.fast.kernel`: the numba kernel's loop and its rules, with its
  exchange side (:mod:`~workbench.engine.fast.exchange`), its maker and order manager
  (:mod:`~workbench.engine.fast.maker`), its taker (:mod:`~workbench.engine.fast.taker`)
  and its memory (:mod:`~workbench.engine.fast.tables`);
  :func:`run_fast` runs it, :func:`run_reference` runs the plain-Python twin
  (:mod:`~workbench.engine.fast.reference`);
* :mod:`~workbench.engine.fast.synthetic`: a seeded BTCUSDT-like stream;
* :func:`sweep`: many parameter settings over the same events; :func:`engine_check` runs
  one of them on the Python engine as well.
"""

from workbench.engine.fast.backtest import book_window, run_fast
from workbench.engine.fast.check import EngineCheck, engine_check, maker_params_for
from workbench.engine.fast.events import (
    CLEAR,
    DEPTH,
    END_OF_MESSAGE,
    EVENT_DTYPE,
    EXCH_EVENT,
    HFTBACKTEST_EVENT_DTYPE,
    LOCAL_EVENT,
    SHOWN,
    SNAPSHOT,
    TRADE,
    event_array,
    event_arrays,
    order_rows,
    save_hftbacktest_npz,
    to_hftbacktest,
)
from workbench.engine.fast.params import FastParams
from workbench.engine.fast.reference import run_reference
from workbench.engine.fast.result import FILL_DTYPE, RECORD_DTYPE, FastResult
from workbench.engine.fast.sweep import grid_params, sweep
from workbench.engine.fast.synthetic import SYNTHETIC_INSTRUMENT, synthetic_events

__all__ = [
    "CLEAR",
    "DEPTH",
    "END_OF_MESSAGE",
    "EVENT_DTYPE",
    "EXCH_EVENT",
    "FILL_DTYPE",
    "HFTBACKTEST_EVENT_DTYPE",
    "LOCAL_EVENT",
    "RECORD_DTYPE",
    "SHOWN",
    "SNAPSHOT",
    "SYNTHETIC_INSTRUMENT",
    "TRADE",
    "EngineCheck",
    "FastParams",
    "FastResult",
    "book_window",
    "engine_check",
    "event_array",
    "event_arrays",
    "grid_params",
    "maker_params_for",
    "order_rows",
    "run_fast",
    "run_reference",
    "save_hftbacktest_npz",
    "sweep",
    "synthetic_events",
    "to_hftbacktest",
]
