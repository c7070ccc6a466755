"""How long one batch's journal commit holds the event loop, with the engine's group commit.

The engine journals the reports that reached it together in one transaction before it
acts on any of them (:mod:`workbench.engine.core`), so the loop pays one commit per
batch. ``journal_commit_p99_us`` is the p99 over many batches of the time
:meth:`SqliteJournal.append_many` takes for one batch (eight reports: four acks, two
cancel confirmations, two fills), with ``synchronous=NORMAL`` and WAL as a paper session
opens it, on a file in the system's temporary folder. Beside it, as information and
interleaved with it (:mod:`interleave`: five pairs, median of per-pair ratios), the same
reports committed one transaction each: ``journal_commit_per_report_vs_group``.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

import numpy as np
from interleave import QUICK, Figure, info, interleave_metrics, report, spread

from workbench.core import Accepted, Canceled, Filled, Liquidity, Side
from workbench.execution.journal import SqliteJournal

FIGURES = {
    "group": Figure("journal_commit_p99_us", "the same reports committed one transaction "
                    "each (journal_commit_per_report_vs_group)", "<=", 25_000.0, unit="us"),
}
BATCHES = 100 if QUICK else 300


def batch(k: int) -> list:
    """Eight reports of one batch, ids and times unique to ``k``."""
    base, ts = 100 * k, 1_000_000 * k
    acks = [Accepted(base + i, ts, f"v{base + i}") for i in range(4)]
    cancels = [Canceled(base + 4 + i, ts) for i in range(2)]
    fills = [Filled(base + i, 10 * k + i, "binance-usdm", "BTCUSDT", Side.BUY, 600_000, 1, 0,
                    Liquidity.MAKER, 0.0012, ts) for i in range(2)]
    return acks + cancels + fills


def commit_us(journal: SqliteJournal, group: bool, start: int) -> tuple[float, float]:
    """p99 and p50 microseconds of committing each of ``BATCHES`` batches."""
    clock = time.perf_counter_ns
    out = np.empty(BATCHES)
    for n in range(BATCHES):
        reports = batch(start + n)
        t0 = clock()
        if group:
            journal.append_many(reports)
        else:
            for r in reports:
                journal.append(r)
        out[n] = clock() - t0
    return float(np.percentile(out, 99)) / 1e3, float(np.percentile(out, 50)) / 1e3


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        group = SqliteJournal(Path(tmp) / "group.sqlite", synchronous="NORMAL")
        single = SqliteJournal(Path(tmp) / "single.sqlite", synchronous="NORMAL")
        runs = iter(range(1, 1_000_000, BATCHES))
        pairs, p50 = interleave_metrics(lambda: commit_us(single, False, next(runs)),
                                        lambda: commit_us(group, True, next(runs)))
        group.close()
        single.close()
    report(FIGURES["group"], float(np.median(pairs.reference)),
           f"{BATCHES} batches of 8 reports a run, median p99 of {len(pairs.ours)} runs")
    ratios = pairs.ratios(speed=False)
    info("journal_commit_per_report_vs_group", float(np.median(ratios)), "x",
         f"spread ±{spread(ratios):.3g} over {len(ratios)} pairs; per report "
         f"{np.median(pairs.ours):.0f} us, group {np.median(pairs.reference):.0f} us (p99)")
    info("journal_commit_p50_us", float(np.median(p50.reference)), "us",
         f"per report {np.median(p50.ours):.0f} us")


if __name__ == "__main__":
    main()
