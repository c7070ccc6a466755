"""Estimators: fair mid, volatility, imbalance, toxicity; each streaming and vectorised."""
