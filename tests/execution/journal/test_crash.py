"""A writer killed with SIGKILL mid-stream: the journal holds exactly the committed batches.

Each round runs ``tests.execution.journal.writer`` on a seeded stream and kills it at a
seeded random moment inside a batch, or (``big``) lets it kill itself while a batch too
big for SQLite's page cache is half spilled into the WAL. The test then counts the
committed rows with plain SQL and checks the decoded records and the recovered state
against exactly that many records of the stream, folded by the reference.
"""

from __future__ import annotations

import os
import random
import signal
import sqlite3
import struct
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.execution.journal.flow import order_flow
from tests.execution.journal.reference import reference_state, summary
from tests.execution.journal.writer import batch_ends
from workbench.execution.journal import read_records, recover

REPO = Path(__file__).resolve().parents[3]
RECORDS_PER_S = 80_000  # roughly how fast the writer appends, to aim the kill


def frames_after_last_commit(wal: Path) -> int:
    """Frames of the current WAL generation after its last commit frame.

    Reads the WAL format of https://www.sqlite.org/fileformat.html#the_write_ahead_log: a
    32-byte header (page size at 8, salts at 16), then frames of a 24-byte header (the
    database size after a commit at 4, zero otherwise; the salts at 8) and one page.
    """
    data = wal.read_bytes()
    page_size, salts = struct.unpack(">I", data[8:12])[0], data[16:24]
    commits, offset = [], 32
    while offset + 24 + page_size <= len(data) and data[offset + 8:offset + 16] == salts:
        commits.append(struct.unpack(">I", data[offset + 4:offset + 8])[0] != 0)
        offset += 24 + page_size
    return len(commits) - (max(i for i, c in enumerate(commits) if c) + 1 if any(commits)
                           else 0)


def run_writer(path: Path, seed: int, n_records: int, big: bool) -> list[int]:
    """Run the writer until it dies; returns the record counts it reported committed.

    Without ``big`` it is killed at a random moment between the start of a random batch
    and a little after that batch's expected end.
    """
    rng = random.Random(seed)
    ends = batch_ends(seed, n_records, big)
    batch = rng.randrange(len(ends) - 1)
    child = subprocess.Popen(
        [sys.executable, "-m", "tests.execution.journal.writer", str(path), str(seed),
         str(n_records), "1" if big else "0"], cwd=REPO, stdout=subprocess.PIPE, text=True)
    lines = []
    try:
        if not big:
            while (line := child.stdout.readline()) != f"begin {ends[batch + 1]}\n":
                assert line, "the writer ended before the batch to kill"
                lines.append(line)
            time.sleep(rng.uniform(0.0, 1.2 * (ends[batch + 1] - ends[batch]) / RECORDS_PER_S))
            os.kill(child.pid, signal.SIGKILL)
        child.wait(timeout=20)
        lines += child.stdout.read().splitlines()
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
        child.stdout.close()
    assert child.returncode == -signal.SIGKILL
    return [0] + [int(line) for line in lines if not line.startswith("begin")]


@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs SIGKILL")
@pytest.mark.parametrize(("seed", "n_records", "big"),
                         [(101, 12_000, False), (202, 12_000, False), (303, 52_000, True)])
def test_a_killed_writer_leaves_the_committed_batches_and_recovery_matches(
        tmp_path, seed, n_records, big):
    path = tmp_path / "session.db"
    acknowledged = run_writer(path, seed, n_records, big)
    ends = batch_ends(seed, n_records, big)
    torn_frames = frames_after_last_commit(tmp_path / "session.db-wal")  # before opening
    with sqlite3.connect(path) as conn:
        count, last = conn.execute("SELECT count(*), coalesce(max(seq), 0) FROM records"
                                   ).fetchone()
    assert count == last  # gapless from 1
    assert count in ends  # a whole number of batches
    # Every acknowledged batch is there, and at most the batch in flight besides.
    assert acknowledged[-1] <= count <= ends[ends.index(acknowledged[-1]) + 1]
    if big:  # the big batch was partly in the WAL when the writer died; none of it counts
        assert torn_frames > 0
        assert count == acknowledged[-1]

    stream = order_flow(seed, n_records)
    assert [e.record for e in read_records(path)] == stream[:count]
    assert summary(recover(path)) == reference_state(stream[:count])
