"""Test infrastructure that speaks real wire protocols on 127.0.0.1.

- :mod:`workbench.testing.exchange`: a local Binance (spot and USD-M) over recorded
  market data and the simulated exchange's matching rules, with fault injection.

Nothing else in :mod:`workbench` imports this package (the command line aside).
"""
