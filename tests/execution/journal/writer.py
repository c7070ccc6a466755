"""Writer process of the crash test: journal a seeded stream in seeded batches.

``python -m tests.execution.journal.writer PATH SEED N_RECORDS BIG`` appends
``order_flow(SEED, N_RECORDS)`` in the batches of :func:`batch_ends` (one transaction
each). It prints ``begin END`` before a batch and ``END`` once it is committed (``END``
the number of records committed then); at the end it waits to be killed.

With ``BIG=1`` one batch is bigger than SQLite's page cache (2 MiB by default), so
SQLite spills it into the WAL before the commit; the writer kills itself with SIGKILL
once the WAL has grown by a seeded number of bytes during that batch, leaving a torn
transaction in the file.
"""

from __future__ import annotations

import itertools
import os
import random
import signal
import sys
import threading
import time
from pathlib import Path

from tests.execution.journal.flow import order_flow
from workbench.execution.journal import SqliteJournal

#: Size range of the big batch, records (SQLite starts spilling near 29,000 of them).
BIG_BATCH = (45_000, 50_000)
#: The WAL growth after which the writer kills itself, bytes (the spill is ~1 MB).
KILL_AFTER_BYTES = (1, 300_000)


def batch_ends(seed: int, n_records: int, big: bool) -> list[int]:
    """Cumulative record counts at the end of each batch (0 first).

    Batches of 1 to 1,500 records; with ``big``, the second to fourth batch is a big one.
    """
    rng = random.Random(seed + 1)
    big_at = rng.randint(2, 4) if big else -1
    ends = [0]
    while ends[-1] < n_records:
        size = rng.randint(*BIG_BATCH) if len(ends) == big_at else rng.randint(1, 1_500)
        ends.append(min(ends[-1] + size, n_records))
    return ends


def _kill_when_grown(wal: Path, by_bytes: int) -> None:
    start = wal.stat().st_size
    while wal.stat().st_size < start + by_bytes:
        time.sleep(0.0002)
    os.kill(os.getpid(), signal.SIGKILL)


def main(path: str, seed: int, n_records: int, big: bool) -> None:
    records = order_flow(seed, n_records)
    ends = batch_ends(seed, n_records, big)
    with SqliteJournal(path) as journal:
        for start, end in itertools.pairwise(ends):
            if end - start >= BIG_BATCH[0]:
                grow = random.Random(seed + 2).randint(*KILL_AFTER_BYTES)
                threading.Thread(target=_kill_when_grown,
                                 args=(Path(f"{path}-wal"), grow), daemon=True).start()
            print("begin", end, flush=True)
            journal.append_many(records[start:end])
            print(end, flush=True)
        time.sleep(60)


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4] == "1")
