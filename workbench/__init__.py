"""workbench: a market-making workbench for crypto (engine package, no Jupyter imports).

The public names are imported on first use, so that ``import workbench`` stays cheap:

- ``backtest`` (:func:`workbench.engine.backtest`);
- ``session``, ``session_summary``, ``SessionSpec``, ``replay_events``
  (:mod:`workbench.sessions`);
- the parameter types ``MakerParams``, ``GLFTParams``, ``ASParams``, ``InventoryParams``,
  ``LadderParams``, and the venue model's ``FeeSchedule``, ``ConstantLatency``,
  ``ConservativeQueue``, ``OrderManagerConfig``;
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
    "session": "workbench.sessions",
    "session_summary": "workbench.sessions",
    "SessionSpec": "workbench.sessions",
    "replay_events": "workbench.sessions",
    "MakerParams": "workbench.strategies.maker",
    "GLFTParams": "workbench.quoting.params",
    "ASParams": "workbench.quoting.params",
    "InventoryParams": "workbench.quoting.inventory",
    "LadderParams": "workbench.quoting.inventory",
    "FeeSchedule": "workbench.execution.sim",
    "ConstantLatency": "workbench.execution.sim",
    "ConservativeQueue": "workbench.execution.sim",
    "OrderManagerConfig": "workbench.execution.orders.config",
}

__version__ = "0.1.0"


def __getattr__(name: str):
    module = _LAZY.get(name)
    if module is not None:
        import importlib

        return getattr(importlib.import_module(module), name)
    raise AttributeError(f"module 'workbench' has no attribute {name!r}")
