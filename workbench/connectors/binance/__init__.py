"""Binance's own wire protocol, read natively: raw messages through the recorded-file parser."""
