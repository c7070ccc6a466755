"""Benchmark the post-trade report.

Prints lines ``BENCH <name> <value> <unit> target <op> <value> PASS|MISS``:

* ``post_trade_report_s``: wall time of ``workbench.post_trade`` on the demo's journal and
  the bundled sample (journal read, tape built, every figure), median of three runs,
  seconds; target 5 s.
* ``post_trade_report_1m_fills_s``: the same on a journal of 1,000,000 fills (each with
  its place) spread over the sample's 150 seconds, the tape built once beforehand;
  target 60 s. The journal is written straight into the journal's table (same columns,
  as :class:`SqliteJournal` writes them) so that setting it up stays short.
"""

from __future__ import annotations

import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from interleave import Figure, report

FIGURES = {
    "demo": Figure("post_trade_report_s", "absolute: wall seconds, median of three runs "
                   "(the issue's own target)", "<=", 5.0, unit="s"),
    "big": Figure("post_trade_report_1m_fills_s", "absolute: wall seconds of one run "
                  "(the issue's own target)", "<=", 60.0, unit="s"),
}
KEY = ("binance-usdm", "BTCUSDT")
N_FILLS = 1_000_000


def _demo_report_s(tmp: Path) -> float:
    import workbench
    from workbench.data.sample import sample_paths
    from workbench.engine.demo import run_demo_once

    journal = tmp / "demo" / "journal.sqlite"
    run_demo_once(journal)
    times = []
    for _ in range(3):
        t0 = time.perf_counter()
        workbench.post_trade(journal, sample_paths())
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def _big_journal(path: Path, n: int) -> None:
    from workbench.execution.journal import RECORD_COLUMNS, SqliteJournal

    SqliteJournal(path, synchronous="OFF").close()  # the file, its table and version
    rng = np.random.default_rng(0)
    t0 = 1_723_161_255_000_000_000
    ts = np.sort(rng.integers(t0, t0 + 145_000_000_000, n))
    side = rng.choice([1, -1], n)
    px = rng.integers(616_000, 618_000, n)
    lots = rng.integers(1, 5, n)
    fee = px * lots * 1e-4 * 2e-4
    names = [c.name for c in RECORD_COLUMNS]
    place = ["seq", "ts_ns", "wall_ns", "kind", "order_id", "venue", "symbol", "side",
             "price_ticks", "size_lots", "tif", "reason"]
    fill = ["seq", "ts_ns", "wall_ns", "kind", "order_id", "venue", "symbol", "side",
            "price_ticks", "size_lots", "remaining_lots", "fill_id", "fee", "liquidity",
            "venue_order_id"]
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA synchronous=OFF")
    for cols, rows in (
        (place, ((2 * i + 1, int(ts[i]) - 1000, 0, "place", i, *KEY, int(side[i]),
                  int(px[i]), int(lots[i]), "post_only", "quote") for i in range(n))),
        (fill, ((2 * i + 2, int(ts[i]), 0, "filled", i, *KEY, int(side[i]), int(px[i]),
                 int(lots[i]), 0, i, float(fee[i]), "maker", "") for i in range(n))),
    ):
        assert set(cols) <= set(names)
        conn.executemany(f"INSERT INTO records ({', '.join(cols)}) "
                         f"VALUES ({', '.join('?' * len(cols))})", rows)
        conn.commit()
    conn.close()


def _big_report_s(tmp: Path) -> float:
    import workbench
    from workbench.analytics.post_trade import MarketTape
    from workbench.data.sample import sample_paths

    path = tmp / "big.sqlite"
    _big_journal(path, N_FILLS)
    tape = MarketTape.from_paths(sample_paths(), KEY)
    t0 = time.perf_counter()
    out = workbench.post_trade(path, tape, quote=KEY)
    elapsed = time.perf_counter() - t0
    assert len(out.fills) == N_FILLS
    return elapsed


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        report(FIGURES["demo"], _demo_report_s(Path(tmp)))
        report(FIGURES["big"], _big_report_s(Path(tmp)))


if __name__ == "__main__":
    main()
