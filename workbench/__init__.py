"""workbench: a market-making workbench for crypto (engine package, no Jupyter imports).

``workbench.backtest(...)`` is :func:`workbench.engine.backtest`, imported on first use so
that ``import workbench`` stays cheap; so is ``workbench.post_trade(...)``
(:func:`workbench.engine.post_trade.post_trade`).
"""

__version__ = "0.1.0"


def __getattr__(name: str):
    if name == "backtest":
        from workbench.engine.backtest import backtest

        return backtest
    if name == "post_trade":
        from workbench.engine.post_trade import post_trade

        return post_trade
    raise AttributeError(f"module 'workbench' has no attribute {name!r}")
