"""SqliteJournal: exact round trips, sequence numbers, atomic batches, durability settings."""

from __future__ import annotations

import sqlite3
from dataclasses import astuple

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.execution.journal.flow import order_flow
from workbench.core.commands import (
    Accepted,
    Amend,
    Amended,
    Cancel,
    Canceled,
    CommandKind,
    Filled,
    Place,
    Rejected,
    TimeInForce,
)
from workbench.core.errors import DataError, ValidationError, WorkbenchError
from workbench.core.events import Side
from workbench.core.orders import Liquidity
from workbench.execution.journal import (
    KINDS,
    ParamChange,
    PositionCorrected,
    RiskEvent,
    RiskEventKind,
    SessionEvent,
    SessionMarker,
    SqliteJournal,
    read_records,
)

I64 = st.integers(-(2**63), 2**63 - 1)
TEXT = st.text(max_size=12)
JSON = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**53), 2**53) | TEXT
    | st.floats(allow_nan=False, allow_infinity=False),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(TEXT, inner, max_size=3),
    max_leaves=6)

RECORDS = st.one_of(
    st.builds(Place, I64, TEXT, TEXT, st.sampled_from(Side), I64, I64,
              st.sampled_from(TimeInForce), I64, TEXT),
    st.builds(Cancel, I64, TEXT, TEXT, I64, TEXT),
    st.builds(Amend, I64, TEXT, TEXT, I64, I64, I64, TEXT),
    st.builds(Accepted, I64, I64),
    st.builds(Rejected, I64, st.sampled_from(CommandKind), TEXT, I64, st.booleans()),
    st.builds(Canceled, I64, I64, TEXT),
    st.builds(Amended, I64, I64, I64, I64, st.booleans()),
    st.builds(Filled, I64, I64, TEXT, TEXT, st.sampled_from(Side), I64, I64, I64,
              st.sampled_from(Liquidity), st.floats(allow_nan=False), I64),
    st.builds(ParamChange.of, TEXT, JSON, I64),
    st.builds(RiskEvent, st.sampled_from(RiskEventKind), TEXT, I64, st.none() | I64),
    st.builds(SessionMarker, st.sampled_from(SessionEvent), TEXT, I64),
    st.builds(PositionCorrected, TEXT, TEXT, I64, I64, I64, TEXT),
)


def test_every_record_type_round_trips_exactly(tmp_path):
    journal = SqliteJournal(tmp_path / "j.db", synchronous="OFF")

    @settings(max_examples=150, deadline=None,
              suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(st.lists(RECORDS, min_size=1, max_size=6))
    def check(records):
        before = journal.last_seq
        seqs = journal.append_many(records)
        assert list(seqs) == list(range(before + 1, before + 1 + len(records)))
        back = list(read_records(journal.path, since_seq=before))
        assert [e.seq for e in back] == list(seqs)
        for entry, record in zip(back, records, strict=True):
            assert entry.record == record
            assert [type(v) for v in astuple(entry.record)] == [type(v) for v in astuple(record)]

    check()
    journal.close()
    stored = {row[0] for row in sqlite3.connect(journal.path).execute(
        "SELECT DISTINCT kind FROM records")}
    assert stored == set(KINDS.values())  # the strategy reached every record type


def test_sequence_is_gapless_and_continues_after_reopening(tmp_path):
    path = tmp_path / "session" / "j.db"
    records = order_flow(7, 40)
    with SqliteJournal(path) as journal:
        assert journal.last_seq == 0
        assert journal.append(records[0]) == 1
        assert journal.append_many(records[1:25]) == range(2, 26)
        assert journal.append_many([]) == range(26, 26)
    with SqliteJournal(path) as journal:
        assert journal.last_seq == 25
        assert journal.append_many(records[25:]) == range(26, 41)
    raw = sqlite3.connect(path).execute("SELECT seq, ts_ns, kind FROM records ORDER BY seq")
    rows = raw.fetchall()
    assert [r[0] for r in rows] == list(range(1, 41))
    assert [r[1] for r in rows] == [r.ts_ns for r in records]
    assert [r[2] for r in rows] == [KINDS[type(r)] for r in records]
    assert [e.record for e in read_records(path)] == records
    assert [e.seq for e in read_records(path, since_seq=38)] == [39, 40]


def test_wall_clock_is_stamped_once_per_batch(tmp_path):
    ticks = iter([111, 222])
    with SqliteJournal(tmp_path / "j.db", wall_clock_ns=lambda: next(ticks)) as journal:
        journal.append_many(order_flow(1, 3))
        journal.append(Accepted(1, 5))
    assert [e.wall_ns for e in read_records(tmp_path / "j.db")] == [111, 111, 111, 222]


@pytest.mark.parametrize("bad", [
    Filled(1, 1, "v", "s", Side.BUY, 100, 1, 0, Liquidity.MAKER, float("nan"), 1),
    Accepted(np.int64(3), 1),
    Accepted(2**63, 1),
    "not a record",
])
def test_a_bad_record_fails_the_whole_batch_and_writes_nothing(tmp_path, bad):
    with SqliteJournal(tmp_path / "j.db") as journal:
        journal.append(Accepted(1, 1))
        with pytest.raises(ValidationError):
            journal.append_many([Accepted(2, 2), bad, Accepted(3, 3)])
        assert journal.last_seq == 1
        assert journal.append(Accepted(4, 4)) == 2
    assert [e.record for e in read_records(tmp_path / "j.db")] == [Accepted(1, 1),
                                                                   Accepted(4, 4)]


def test_param_change_refuses_values_that_are_not_json():
    with pytest.raises(ValidationError, match="gamma"):
        ParamChange.of("gamma", float("nan"), 1)
    with pytest.raises(ValidationError, match="gamma"):
        ParamChange.of("gamma", {1, 2}, 1)
    with pytest.raises(ValidationError, match="not JSON"):
        ParamChange("gamma", "{oops", 1)
    assert ParamChange.of("ladder", {"b": [1, 2.5], "a": None}, 1).value == {
        "a": None, "b": [1, 2.5]}


def test_wal_mode_and_synchronous_setting(tmp_path):
    with SqliteJournal(tmp_path / "a.db") as journal:
        assert journal.synchronous == "FULL"
    with SqliteJournal(tmp_path / "b.db", synchronous="normal") as journal:
        assert journal.synchronous == "NORMAL"
    with SqliteJournal(tmp_path / "c.db", wal=False) as journal:
        journal.append(Accepted(1, 1))
    modes = {name: sqlite3.connect(tmp_path / name).execute("PRAGMA journal_mode").fetchone()[0]
             for name in ("a.db", "c.db")}
    assert modes == {"a.db": "wal", "c.db": "delete"}
    with pytest.raises(ValidationError, match="synchronous"):
        SqliteJournal(tmp_path / "d.db", synchronous="SOMETIMES")


def test_readers_see_committed_records_while_the_session_writes(tmp_path):
    path = tmp_path / "j.db"
    with SqliteJournal(path) as journal:
        journal.append_many(order_flow(3, 10))
        assert [e.seq for e in read_records(path)] == list(range(1, 11))
        journal.append(Accepted(9, 9))
        assert [e.record for e in read_records(path, since_seq=10)] == [Accepted(9, 9)]


def test_files_that_are_not_journals_are_refused(tmp_path):
    with pytest.raises(DataError, match="no journal file"):
        read_records(tmp_path / "missing.db")
    text = tmp_path / "notes.txt"
    text.write_text("not a database, just words " * 100)
    with pytest.raises(DataError, match=r"notes\.txt"):
        read_records(text)
    with pytest.raises(DataError, match=r"notes\.txt"):
        SqliteJournal(text)
    other = tmp_path / "other.db"
    sqlite3.connect(other).execute("CREATE TABLE things (x)")
    with pytest.raises(DataError, match="no records table"):
        read_records(other)
    with pytest.raises(DataError, match="version 0"):
        SqliteJournal(other)


def test_an_unknown_kind_is_reported_with_its_sequence_number(tmp_path):
    path = tmp_path / "j.db"
    with SqliteJournal(path) as journal:
        journal.append(Accepted(1, 1))
    with sqlite3.connect(path) as conn:
        conn.execute("INSERT INTO records (seq, ts_ns, wall_ns, kind) VALUES (2, 5, 5, 'gift')")
        conn.execute("INSERT INTO records (seq, ts_ns, wall_ns, kind, order_id, side, "
                     "price_ticks, size_lots, venue, symbol, tif) "
                     "VALUES (3, 5, 5, 'place', 1, 2, 1, 1, 'v', 's', 'gtc')")
    entries = read_records(path)
    assert next(entries).record == Accepted(1, 1)
    with pytest.raises(DataError, match=r"seq=2.*'gift'"):
        next(entries)
    with pytest.raises(DataError, match=r"seq=3 \(place\)"):
        list(read_records(path, since_seq=2))


def test_a_second_writer_is_refused_without_writing(tmp_path):
    path = tmp_path / "j.db"
    with SqliteJournal(path) as first, SqliteJournal(path) as second:
        first.append(Accepted(1, 1))
        with pytest.raises(WorkbenchError, match="another writer"):
            second.append(Accepted(2, 2))
        assert first.append(Accepted(3, 3)) == 2
    assert [e.record for e in read_records(path)] == [Accepted(1, 1), Accepted(3, 3)]
