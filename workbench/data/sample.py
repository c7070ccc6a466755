"""The bundled sample: the first minutes of the recorded Binance BTC feeds.

The sample is a line-exact prefix of three files of the MIT-licensed Binance set
(spot BTCUSDT, USD-M BTCUSDT, COIN-M BTCUSD_PERP, 2024-08-08 from 23:54 UTC), small
enough to ship in the repository so that the demo and a core subset of the tests run
with no network and without the full data. See ``data/sample/README.md``.
"""

from __future__ import annotations

import gzip
from pathlib import Path

#: Where the sample lives in a checkout.
SAMPLE_ROOT = Path(__file__).resolve().parents[2] / "data" / "sample" / "binance-multivenue-l2"

#: The files of the sample, relative to a ``binance-multivenue-l2`` folder.
SAMPLE_FILES = (
    "spot/btcusdt_20240808.gz",
    "usdm/btcusdt_20240808.gz",
    "cm/btcusd_perp_20240808.gz",
)

#: Length of the sample after the first line of each file.
SAMPLE_SECONDS = 150


def sample_paths() -> list[Path]:
    """Paths of the bundled sample files.

    Raises
    ------
    FileNotFoundError
        If the sample is missing (a checkout without ``data/sample``).
    """
    paths = [SAMPLE_ROOT / rel for rel in SAMPLE_FILES]
    missing = [str(p) for p in paths if not p.exists()]
    if missing:
        raise FileNotFoundError(f"bundled sample missing: {missing}")
    return paths


def cut_prefix(src: Path, dst: Path, seconds: float) -> int:
    """Copy the lines of ``src`` whose local timestamp is within ``seconds`` of its first.

    Returns the number of lines written. Used to make the sample from the full data.
    """
    with gzip.open(src, "rb") as fh:
        lines = fh.read().split(b"\n")
    first = int(lines[0].split(b" ", 1)[0])
    limit = first + int(seconds * 1e9)
    keep = [ln for ln in lines if ln and int(ln.split(b" ", 1)[0]) < limit]
    dst.parent.mkdir(parents=True, exist_ok=True)
    with gzip.GzipFile(dst, "wb", mtime=0) as out:
        out.write(b"\n".join(keep) + b"\n")
    return len(keep)
