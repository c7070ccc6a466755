"""Fixtures over the recorded BTC set (spot + USD-M + COIN-M, 2024-08-08/09)."""

from __future__ import annotations

from pathlib import Path

import pytest

DATA = Path(__file__).resolve().parents[2].parent / "shared" / "data"
BTC_FILES = ("spot/btcusdt_20240808.gz", "spot/btcusdt_20240809.gz", "usdm/btcusdt_20240808.gz",
             "cm/btcusd_perp_20240808.gz", "cm/btcusd_perp_20240809.gz")


@pytest.fixture(scope="session")
def btc_feed():
    """The recorded BTC feed of three venues, parsed once."""
    root = DATA / "binance-multivenue-l2"
    paths = [root / f for f in BTC_FILES]
    if not all(p.exists() for p in paths):
        pytest.skip(f"shared recorded data not found under {root}")
    from workbench.data.binance.feed import read_raw_feed

    return read_raw_feed(paths)


@pytest.fixture(scope="session")
def btc_events(btc_feed):
    """Every event of the BTC set, in replay order."""
    return list(btc_feed.events())


@pytest.fixture(scope="session")
def btc_arrays(btc_feed):
    """The BTC set as EventArrays (same order as ``btc_events``)."""
    from workbench.estimators import EventArrays

    return EventArrays.from_frame(btc_feed.to_frame())
