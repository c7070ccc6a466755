"""workbench: a market-making workbench for crypto (engine package, no Jupyter imports).

``workbench.backtest(...)`` is :func:`workbench.engine.backtest`, imported on first use so
that ``import workbench`` stays cheap.
"""

__version__ = "0.1.0"


def __getattr__(name: str):
    if name == "backtest":
        from workbench.engine.backtest import backtest

        return backtest
    raise AttributeError(f"module 'workbench' has no attribute {name!r}")
