"""A journal as one Parquet table for analysis: one row a record, typed columns.

The columns are :data:`~workbench.execution.journal.codec.RECORD_COLUMNS` with their
Arrow types (``side`` int8, ``transient``/``kept_priority`` bool, nullable where a record
type lacks the field), so DuckDB or pandas read it without parsing anything.
"""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from workbench.execution.journal.codec import RECORD_COLUMNS
from workbench.execution.journal.sqlite import connect_existing

#: Arrow schema of the exported table.
RECORD_SCHEMA = pa.schema([pa.field(c.name, pa.type_for_alias(c.arrow_type),
                                    nullable=c.name not in ("seq", "ts_ns", "wall_ns", "kind"))
                           for c in RECORD_COLUMNS])
_STORED = {"INTEGER": pa.int64(), "REAL": pa.float64(), "TEXT": pa.string()}


def export_parquet(journal_path: str | Path, out_path: str | Path,
                   batch_rows: int = 65_536) -> Path:
    """Write every committed record of a journal to a Parquet file, in sequence order.

    Parameters
    ----------
    journal_path : str or Path
        A journal written by :class:`~workbench.execution.journal.sqlite.SqliteJournal`
        (it may still be open for writing).
    out_path : str or Path
        The Parquet file to write; its folder is created.
    batch_rows : int
        Rows read and written at a time (one row group each).

    Returns
    -------
    Path
        ``out_path``.

    Raises
    ------
    DataError
        If ``journal_path`` is missing or not a journal.
    """
    out_path = Path(out_path)
    out_path.parent.mkdir(parents=True, exist_ok=True)
    conn = connect_existing(journal_path)
    try:
        cursor = conn.execute(
            f"SELECT {', '.join(c.name for c in RECORD_COLUMNS)} FROM records ORDER BY seq")
        with pq.ParquetWriter(out_path, RECORD_SCHEMA) as writer:
            while rows := cursor.fetchmany(batch_rows):
                writer.write_batch(_batch(rows))
    finally:
        conn.close()
    return out_path


def _batch(rows: list[tuple]) -> pa.RecordBatch:
    columns = list(zip(*rows))
    arrays = [pa.array(values, type=_STORED[spec.sql_type]).cast(field.type)
              for spec, field, values in zip(RECORD_COLUMNS, RECORD_SCHEMA, columns)]
    return pa.RecordBatch.from_arrays(arrays, schema=RECORD_SCHEMA)
