"""workbench: a market-making workbench for crypto (engine package, no Jupyter imports)."""

__version__ = "0.1.0"
