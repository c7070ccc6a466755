"""export_parquet(): one typed row per record, equal to what SQLite holds."""

from __future__ import annotations

import sqlite3

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from tests.execution.journal.flow import order_flow
from tests.execution.journal.reference import reference_state
from workbench.core.errors import DataError
from workbench.execution.journal import SqliteJournal, export_parquet


def test_the_table_holds_every_row_with_typed_columns(tmp_path):
    path = tmp_path / "j.db"
    records = order_flow(5, 3_000)
    with SqliteJournal(path, synchronous="OFF") as journal:
        journal.append_many(records)
        out = export_parquet(path, tmp_path / "out" / "j.parquet", batch_rows=700)
    table = pq.read_table(out)
    assert table.num_rows == 3_000
    types = dict(zip(table.schema.names, table.schema.types))
    assert types["side"] == pa.int8()
    assert types["transient"] == pa.bool_() and types["kept_priority"] == pa.bool_()
    assert types["fee"] == pa.float64() and types["kind"] == pa.string()

    conn = sqlite3.connect(path)
    names = table.schema.names
    raw = conn.execute(f"SELECT {', '.join(names)} FROM records ORDER BY seq").fetchall()
    exported = [tuple(row[n] for n in names) for row in table.to_pylist()]
    bools = [names.index("transient"), names.index("kept_priority")]
    assert exported == [tuple(bool(v) if i in bools and v is not None else v
                              for i, v in enumerate(row)) for row in raw]

    # Analysis straight from the file: positions from the fills, as the reference has them.
    ref = reference_state(records)
    positions = duckdb.sql(f"""
        WITH first AS (SELECT venue, symbol, side, size_lots, kind, seq,
                              row_number() OVER (PARTITION BY venue, fill_id ORDER BY seq) AS n
                       FROM '{out}' WHERE kind = 'filled'),
             events AS (SELECT venue, symbol, seq, side * size_lots AS lots, 0 AS reset
                        FROM first WHERE n = 1
                        UNION ALL
                        SELECT venue, symbol, seq, size_lots, 1 FROM '{out}'
                        WHERE kind = 'position'),
             last_reset AS (SELECT venue, symbol, max(seq) AS seq FROM events WHERE reset = 1
                            GROUP BY ALL)
        SELECT e.venue, e.symbol, sum(e.lots)::BIGINT FROM events e
        LEFT JOIN last_reset r USING (venue, symbol)
        WHERE e.seq >= coalesce(r.seq, 0) GROUP BY ALL""").fetchall()
    assert {(v, s): lots for v, s, lots in positions} == ref["positions"]


def test_an_empty_journal_exports_an_empty_table(tmp_path):
    SqliteJournal(tmp_path / "j.db").close()
    table = pq.read_table(export_parquet(tmp_path / "j.db", tmp_path / "j.parquet"))
    assert table.num_rows == 0
    assert "value_json" in table.schema.names


def test_exporting_a_missing_journal_fails(tmp_path):
    with pytest.raises(DataError, match="no journal file"):
        export_parquet(tmp_path / "nope.db", tmp_path / "j.parquet")
