"""Shared by the benchmark scripts: where the recorded data is."""

from __future__ import annotations

from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
BINANCE = REPO.parent / "shared" / "data" / "binance-multivenue-l2"


def binance_files() -> list[Path]:
    """Every recorded Binance file, or the bundled sample where ../shared is absent."""
    files = sorted(BINANCE.glob("*/*.gz"))
    if files:
        return files
    from workbench.data.sample import sample_paths

    return sample_paths()


def shared_files(names: tuple[str, ...]) -> list[Path] | None:
    """``names`` under ../shared's recorded Binance data, or None where any is absent."""
    paths = [BINANCE / n for n in names]
    return paths if all(p.exists() for p in paths) else None
