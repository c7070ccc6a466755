"""Shared by the benchmark scripts: where the data is, and the one-line BENCH format."""

from __future__ import annotations

import operator
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
BINANCE = REPO.parent / "shared" / "data" / "binance-multivenue-l2"

_OPS = {">=": operator.ge, "<=": operator.le}


def report(name: str, value: float, unit: str, op: str, target: float) -> bool:
    """Print ``BENCH <name> <value> <unit> target <op> <target> PASS|MISS``; True on PASS."""
    ok = _OPS[op](value, target)
    shown = f"{value:.0f}" if abs(value) >= 1000 else f"{value:.3g}"
    print(f"BENCH {name} {shown} {unit} target {op} {target:g} {'PASS' if ok else 'MISS'}",
          flush=True)
    return ok


def binance_files() -> list[Path]:
    """Every recorded Binance file, or the bundled sample where ../shared is absent."""
    files = sorted(BINANCE.glob("*/*.gz"))
    if files:
        return files
    from workbench.data.sample import sample_paths

    return sample_paths()
