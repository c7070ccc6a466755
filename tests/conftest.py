"""Shared fixtures: where the recorded data is, and the bundled sample."""

from __future__ import annotations

from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED_DATA = REPO.parent / "shared" / "data"
BINANCE = SHARED_DATA / "binance-multivenue-l2"

#: The recorded Binance file sets, one stream each (a day split across two files).
BINANCE_SETS = {
    "spot-btc": ["spot/btcusdt_20240808.gz", "spot/btcusdt_20240809.gz"],
    "spot-eth": ["spot/ethusdt_20240808.gz", "spot/ethusdt_20240809.gz"],
    "usdm-btc-0808": ["usdm/btcusdt_20240808.gz"],
    "usdm-eth-0808": ["usdm/ethusdt_20240808.gz"],
    "usdm-btc-0718": ["usdm/btcusdt_20240718.gz", "usdm/btcusdt_20240719.gz"],
    "usdm-eth-0718": ["usdm/ethusdt_20240718.gz", "usdm/ethusdt_20240719.gz"],
    "cm-btc": ["cm/btcusd_perp_20240808.gz", "cm/btcusd_perp_20240809.gz"],
    "cm-eth": ["cm/ethusd_perp_20240808.gz", "cm/ethusd_perp_20240809.gz"],
}


@pytest.fixture(scope="session")
def binance_dir() -> Path:
    """The full recorded Binance set; skips the test where ../shared/data is absent."""
    if not BINANCE.is_dir():
        pytest.skip(f"recorded data not found at {BINANCE} (../shared/data is absent)")
    return BINANCE


@pytest.fixture(scope="session")
def sample_files() -> list[Path]:
    """The bundled sample's three files."""
    from workbench.data.sample import sample_paths

    return sample_paths()
