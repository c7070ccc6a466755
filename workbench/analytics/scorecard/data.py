"""The recorded days the scorecard calibrates and scores on, and how they are split.

The recorded Binance data holds two sessions per asset (BTC, ETH):

* ``0718``: 2024-07-18 23:57 → 07-19 00:05, USD-M only (8 minutes);
* ``0808``: 2024-08-08 23:54 → 08-09 00:05, spot and COIN-M for 11 minutes, USD-M for
  the first 6 (its 08-09 file could not be recorded).

So only ``0808`` has several venues. Estimators of one venue (the volatility forecast's
half-life, the toxicity score's distributions and weights) are calibrated on one day and
scored on the other, both ways. Estimators that fuse venues (the fair mid's lead
weights) can only be calibrated and scored within ``0808``: the quoted venue's span is
cut in two halves in time, separated by an embargo longer than the longest horizon;
the weights fitted on one half are scored on the other, both ways. The quoted venue is
USD-M, the most traded, unless asked otherwise.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from workbench.core.events import EventKind
from workbench.estimators.arrays import EventArrays, StreamSet
from workbench.estimators.decay import NS_PER_S

#: Files of each (asset, day), relative to the ``binance-multivenue-l2`` folder.
FILES = {
    ("btc", "0718"): ("usdm/btcusdt_20240718.gz", "usdm/btcusdt_20240719.gz"),
    ("eth", "0718"): ("usdm/ethusdt_20240718.gz", "usdm/ethusdt_20240719.gz"),
    ("btc", "0808"): ("spot/btcusdt_20240808.gz", "spot/btcusdt_20240809.gz",
                      "usdm/btcusdt_20240808.gz", "cm/btcusd_perp_20240808.gz",
                      "cm/btcusd_perp_20240809.gz"),
    ("eth", "0808"): ("spot/ethusdt_20240808.gz", "spot/ethusdt_20240809.gz",
                      "usdm/ethusdt_20240808.gz", "cm/ethusd_perp_20240808.gz",
                      "cm/ethusd_perp_20240809.gz"),
}
DAYS = ("0718", "0808")
#: Gap between the two halves of a day, seconds (longer than every horizon scored).
EMBARGO_S = 10.0


@dataclass(frozen=True)
class Day:
    """One recorded session of one asset."""

    asset: str
    day: str
    arrays: EventArrays

    def venue(self, name: str) -> EventArrays:
        """The events of one venue alone, as a one-stream set."""
        i = self.arrays.streams.names.index(name)
        a = self.arrays.take(self.arrays.stream == i)
        return EventArrays(StreamSet((self.arrays.streams.instruments[i],)), a.ts_ns,
                           np.zeros(len(a), np.int64), a.kind, a.bid_ticks, a.bid_lots,
                           a.ask_ticks, a.ask_lots, a.price_ticks, a.size_lots, a.side)

    def span_ns(self, name: str) -> tuple[int, int]:
        """First and last quote time of a venue."""
        i = self.arrays.streams.names.index(name)
        ts = self.arrays.ts_ns[(self.arrays.stream == i) & (self.arrays.kind == EventKind.BBO)]
        return int(ts[0]), int(ts[-1])

    def halves(self, name: str) -> tuple[tuple[int, int], tuple[int, int]]:
        """The two halves of a venue's span, with the embargo between them."""
        t0, t1 = self.span_ns(name)
        mid, gap = (t0 + t1) // 2, int(EMBARGO_S * NS_PER_S / 2)
        return (t0, mid - gap), (mid + gap, t1)


def load_days(root: Path, assets=("btc", "eth")) -> dict[tuple[str, str], Day]:
    """Parse every recorded day of the assets.

    Raises
    ------
    FileNotFoundError
        If a file is missing under ``root``.
    """
    from workbench.data.binance.feed import read_raw_feed

    out = {}
    for asset in assets:
        for day in DAYS:
            paths = [Path(root) / f for f in FILES[(asset, day)]]
            missing = [str(p) for p in paths if not p.exists()]
            if missing:
                raise FileNotFoundError(f"recorded files missing: {missing}")
            arrays = EventArrays.from_frame(read_raw_feed(paths).to_frame())
            out[(asset, day)] = Day(asset, day, arrays)
    return out


def quote_mid(arrays: EventArrays, name: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A venue's valid quotes: times, log mids, and the event index of each."""
    i = arrays.streams.names.index(name)
    b, a = arrays.bid_ticks, arrays.ask_ticks
    k = np.flatnonzero((arrays.kind == EventKind.BBO) & (arrays.stream == i) & (b > 0)
                       & (a > b) & (arrays.bid_lots > 0) & (arrays.ask_lots > 0))
    tick = arrays.streams.tick_sizes[i]
    return arrays.ts_ns[k], np.log((b[k] + a[k]) * 0.5 * tick), k


def as_of(ts: np.ndarray, values: np.ndarray, at: np.ndarray, strict: bool = False
          ) -> np.ndarray:
    """``values`` as of each time in ``at`` (the last at or, if ``strict``, before it);
    NaN before the first."""
    j = np.searchsorted(ts, at, side="left" if strict else "right") - 1
    return np.where(j >= 0, values[np.maximum(j, 0)], np.nan)
