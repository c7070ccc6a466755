"""Foundation figures: raw feed parsing, book updates, the book replay and the demo.

Each is a ratio to the plainest version of the same work, interleaved in this run
(:mod:`interleave`):

* ``feed_parse_vs_bare_json``: :func:`read_raw_feed` (one process) over the recorded
  BTC files of 2024-08-08 against a bare ``gzip`` + ``json.loads`` of the same lines;
* ``book_update_vs_bare_dict``: diffs and snapshots applied by :class:`BookSync` (best
  bid and ask read after each) against the same levels stored in a bare dict per side;
* ``book_replay_vs_bare_parse``: ``workbench book-replay usdm/btcusdt_20240808.gz`` as a
  whole process from the shell, start-up included, against a process that decompresses
  the file and ``json.loads`` its lines;
* ``demo_vs_sample_parse``: the demo's backtest of the bundled sample against reading
  the same sample into events.

Run: ``python benchmarks/bench_data.py``.
"""

from __future__ import annotations

import gzip
import json
import subprocess
import sys
from pathlib import Path

from common import shared_files
from interleave import QUICK, Figure, info, interleave, report_pairs, wall

from workbench.book import BookSync
from workbench.core.events import BookDelta, BookSnapshot
from workbench.data.binance.feed import read_raw_feed
from workbench.data.binance.instruments import SYNC_RULES
from workbench.data.sample import sample_paths

FIGURES = {
    "parse": Figure("feed_parse_vs_bare_json", "gzip + json.loads of the same lines, "
                    "one process", "<=", 1.5),
    "book": Figure("book_update_vs_bare_dict", "the same levels set in a bare dict per "
                   "side", "<=", 4.0),
    "replay": Figure("book_replay_vs_bare_parse", "a process that gunzips the file and "
                     "json.loads each line", "<=", 1.5),
    "demo": Figure("demo_vs_sample_parse", "reading the bundled sample into events", "<=",
                   15.0),
}
RECORDED = ("spot/btcusdt_20240808.gz", "usdm/btcusdt_20240808.gz",
            "cm/btcusd_perp_20240808.gz")
REPLAYED = "usdm/btcusdt_20240808.gz"
#: The reference of the book replay, run as ``python -c BARE_PARSE <file>``.
BARE_PARSE = """
import gzip, json, sys
for line in gzip.decompress(open(sys.argv[1], "rb").read()).split(b"\\n"):
    if line:
        json.loads(line[line.index(b" ") + 1:])
"""


def bare_parse(files: list[Path]) -> int:
    """Decompress ``files`` and ``json.loads`` each line's message; lines read."""
    n = 0
    for path in files:
        for line in gzip.decompress(path.read_bytes()).split(b"\n"):
            if line:
                json.loads(line[line.index(b" ") + 1:])
                n += 1
    return n


def bench_parse(files: list[Path]) -> None:
    lines = bare_parse(files)
    pairs = interleave(wall(lambda: read_raw_feed(files, workers=1)),
                       wall(lambda: bare_parse(files)))
    report_pairs(FIGURES["parse"], pairs)
    info("feed_parse_rate", lines / min(pairs.ours), "msgs/s", f"{len(files)} files, one core")


def book_events(files: list[Path]) -> list[tuple[tuple[str, str], list]]:
    """Each stream's snapshots and diffs, as event objects."""
    feed = read_raw_feed(files)
    return [(key, [e for e in t.events() if isinstance(e, (BookDelta, BookSnapshot))])
            for key, t in feed.streams.items()]


def book_pass(streams) -> None:
    for key, events in streams:
        sync = BookSync(SYNC_RULES[key[0]], *key)
        for e in events:
            if type(e) is BookDelta:
                sync.on_delta(e)
                sync.book.best_bid_ticks  # noqa: B018 - keep the best price current
                sync.book.best_ask_ticks  # noqa: B018
            else:
                sync.on_snapshot(e)


def bare_book_pass(streams) -> None:
    for _, events in streams:
        bids: dict[int, int] = {}
        asks: dict[int, int] = {}
        for e in events:
            if type(e) is BookSnapshot:
                bids.clear()
                asks.clear()
            for side, ticks, lots in ((bids, e.bid_ticks, e.bid_lots),
                                      (asks, e.ask_ticks, e.ask_lots)):
                for t, q in zip(ticks.tolist(), lots.tolist()):
                    if q:
                        side[t] = q
                    else:
                        side.pop(t, None)


def bench_book(files: list[Path]) -> None:
    streams = book_events(files)
    levels = sum(len(e.bid_ticks) + len(e.ask_ticks) for _, ev in streams for e in ev)
    pairs = interleave(wall(lambda: book_pass(streams)), wall(lambda: bare_book_pass(streams)))
    report_pairs(FIGURES["book"], pairs)
    info("book_update_rate", levels / min(pairs.ours), "updates/s")


def bench_replay(path: Path) -> None:
    exe = Path(sys.executable).with_name("workbench")
    ours = [str(exe)] if exe.exists() else [sys.executable, "-m", "workbench.cli"]

    def run(argv: list[str]) -> None:
        subprocess.run(argv, check=True, stdout=subprocess.DEVNULL)

    pairs = interleave(wall(lambda: run([*ours, "book-replay", str(path)])),
                       wall(lambda: run([sys.executable, "-c", BARE_PARSE, str(path)])),
                       warmup=not QUICK)  # quick: the median of the pairs absorbs a cold first
    report_pairs(FIGURES["replay"], pairs)
    info("book_replay_s", min(pairs.ours), "s", f"{path.parent.name}/{path.name}, whole process")


def bench_demo() -> None:
    from workbench.engine.demo import run_demo_once

    paths = sample_paths()
    pairs = interleave(wall(run_demo_once), wall(lambda: read_raw_feed(paths, workers=1)),
                       warmup=False)
    report_pairs(FIGURES["demo"], pairs)
    info("demo_run_time", min(pairs.ours), "s")


def main() -> None:
    shared = shared_files(RECORDED)
    usdm = [p for p in sample_paths() if p.parent.name == "usdm"]
    files = shared if shared and not QUICK else usdm
    bench_parse(files)
    bench_book(files)
    replayed = shared_files((REPLAYED,))
    bench_replay(replayed[0] if replayed else usdm[0])
    if not QUICK:
        bench_demo()


if __name__ == "__main__":
    main()
