"""workbench: a market-making workbench for crypto (engine package, no Jupyter imports).

The public names are imported on first use, so that ``import workbench`` stays cheap:

- ``backtest`` (:func:`workbench.engine.backtest`);
- ``read_params_file``, ``write_params_file``, ``ParamsFile``
  (:mod:`workbench.engine.params_file`);
- ``calibrate``, ``CalibrationResult``, ``CalibrationError`` (:mod:`workbench.calibration`);
- ``post_trade`` (:func:`workbench.engine.post_trade.post_trade`).
"""

_LAZY = {
    "backtest": "workbench.engine.backtest",
    "read_params_file": "workbench.engine.params_file",
    "write_params_file": "workbench.engine.params_file",
    "ParamsFile": "workbench.engine.params_file",
    "calibrate": "workbench.calibration",
    "CalibrationResult": "workbench.calibration",
    "CalibrationError": "workbench.calibration",
    "post_trade": "workbench.engine.post_trade",
}

__version__ = "0.1.0"


def __getattr__(name: str):
    module = _LAZY.get(name)
    if module is not None:
        import importlib

        return getattr(importlib.import_module(module), name)
    raise AttributeError(f"module 'workbench' has no attribute {name!r}")
