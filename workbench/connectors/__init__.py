"""Live market data: every ccxt venue, a native Binance feed, the recorder and paper trading.

Nothing here is imported by the package root and nothing connects at import: venues are
looked up by their ccxt id in :mod:`workbench.connectors.registry` and built when asked.
Every feed turns what it receives into the normalised events of
:mod:`workbench.core.events`, the same objects a recorded replay produces.
"""
