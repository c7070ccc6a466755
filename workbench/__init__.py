"""workbench: a market-making workbench for crypto (engine package, no Jupyter imports).

The public names are imported on first use, so that ``import workbench`` stays cheap:

- ``backtest`` (:func:`workbench.engine.backtest`);
- ``session``, ``session_summary``, ``SessionSpec`` (:mod:`workbench.sessions`);
- ``read_params_file``, ``write_params_file``, ``ParamsFile``
  (:mod:`workbench.engine.params_file`).
"""

_LAZY = {
    "backtest": "workbench.engine.backtest",
    "read_params_file": "workbench.engine.params_file",
    "write_params_file": "workbench.engine.params_file",
    "ParamsFile": "workbench.engine.params_file",
    "session": "workbench.sessions",
    "session_summary": "workbench.sessions",
    "SessionSpec": "workbench.sessions",
}

__version__ = "0.1.0"


def __getattr__(name: str):
    module = _LAZY.get(name)
    if module is not None:
        import importlib

        return getattr(importlib.import_module(module), name)
    raise AttributeError(f"module 'workbench' has no attribute {name!r}")
