"""The durable journal: one SQLite file per session, appended before the engine acts.

Records are rows of :data:`~workbench.execution.journal.codec.RECORD_COLUMNS` in the table
``records``; ``seq`` (the primary key) counts from 1 without gaps. Each
:meth:`SqliteJournal.append_many` is one transaction: after a crash the file holds every
committed batch and nothing of the batch in flight. The file is in WAL mode, so readers
(:func:`read_records`, a notebook, ``sqlite3``) work while the session writes.

Durability follows SQLite's ``synchronous`` setting: ``"FULL"`` (the default) syncs the
WAL to disk at every commit, so a returned append survives a power loss; ``"NORMAL"``
survives a crash of the process but may lose the last commits on power loss.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from types import TracebackType

from workbench.core.errors import DataError, ValidationError, WorkbenchError
from workbench.execution.journal.codec import RECORD_COLUMNS, decode, encode
from workbench.execution.journal.records import JournalEntry, Record

#: ``PRAGMA user_version`` of the current layout.
SCHEMA_VERSION = 2
#: Columns each older layout lacks; opening such a file for writing adds them.
_ADDED_COLUMNS = {1: ("venue_order_id", "code")}

_SYNCHRONOUS = ("OFF", "NORMAL", "FULL", "EXTRA")
_COLUMNS = ", ".join(c.name for c in RECORD_COLUMNS)
_INSERT = (f"INSERT INTO records ({_COLUMNS}) "
           f"VALUES ({', '.join('?' * len(RECORD_COLUMNS))})")
_CREATE = ("CREATE TABLE records (seq INTEGER PRIMARY KEY, "
           + ", ".join(f"{c.name} {c.sql_type}" for c in RECORD_COLUMNS[1:]) + ")")


class SqliteJournal:
    """Append-only journal of one session in a SQLite file.

    Opening an existing journal (a restart after a crash) continues its sequence.

    Parameters
    ----------
    path : str or Path
        The session's file; created (with its folder) if absent.
    synchronous : {"FULL", "NORMAL", "EXTRA", "OFF"}
        SQLite's ``synchronous`` setting: what "durable" means when an append returns.
    wal : bool
        Write-ahead logging (the default); rollback journal otherwise.
    wall_clock_ns : callable
        Wall clock stamped on every record, integer ns since the epoch.

    Raises
    ------
    ValidationError
        On an unknown ``synchronous`` setting.
    DataError
        If ``path`` exists and is not a journal of this layout, or WAL cannot be enabled.
    """

    def __init__(self, path: str | Path, *, synchronous: str = "FULL", wal: bool = True,
                 wall_clock_ns: Callable[[], int] = time.time_ns) -> None:
        if synchronous.upper() not in _SYNCHRONOUS:
            raise ValidationError(f"synchronous must be one of {_SYNCHRONOUS}, "
                                  f"got {synchronous!r}")
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._wall_clock_ns = wall_clock_ns
        self._conn = sqlite3.connect(self.path, isolation_level=None)
        try:
            self._setup(synchronous.upper(), wal)
            self._next_seq = self._conn.execute(
                "SELECT coalesce(max(seq), 0) + 1 FROM records").fetchone()[0]
        except BaseException:
            self._conn.close()
            raise

    def _setup(self, synchronous: str, wal: bool) -> None:
        conn = self._conn
        try:
            mode = conn.execute(f"PRAGMA journal_mode={'WAL' if wal else 'DELETE'}").fetchone()
            conn.execute(f"PRAGMA synchronous={synchronous}")
            conn.execute("BEGIN IMMEDIATE")
            try:
                if not conn.execute("SELECT 1 FROM sqlite_master").fetchone():  # new file
                    conn.execute(_CREATE)
                    conn.execute(f"PRAGMA user_version={SCHEMA_VERSION}")
                else:
                    _upgrade(conn)
                conn.execute("COMMIT")
            except BaseException:
                conn.execute("ROLLBACK")
                raise
        except sqlite3.DatabaseError as exc:
            raise DataError(f"cannot open as a journal: {exc}", str(self.path)) from exc
        if wal and mode[0].lower() != "wal":
            raise DataError(f"WAL mode unavailable (got {mode[0]!r})", str(self.path))
        _check_version(conn, self.path)

    @property
    def synchronous(self) -> str:
        """SQLite's ``synchronous`` setting in force (OFF, NORMAL, FULL or EXTRA)."""
        return _SYNCHRONOUS[self._conn.execute("PRAGMA synchronous").fetchone()[0]]

    @property
    def last_seq(self) -> int:
        """Sequence number of the last committed record; 0 if none."""
        return self._next_seq - 1

    def append(self, record: Record) -> int:
        """Append one record durably (one transaction); returns its sequence number.

        Raises
        ------
        ValidationError
            If ``record`` cannot be journaled (see :func:`~.codec.encode`; also an
            integer beyond 64 bits); nothing is written.
        WorkbenchError
            As :meth:`append_many`.
        """
        return self.append_many((record,)).start

    def append_many(self, records: Iterable[Record]) -> range:
        """Append records in one transaction; returns their sequence numbers.

        The call returns once the transaction is committed: after a crash either all of
        ``records`` are in the file or none is.

        Raises
        ------
        ValidationError
            If any record cannot be journaled; nothing is written.
        WorkbenchError
            If another writer has appended to the file since it was opened (a session
            has one writer); nothing is written.
        """
        seq = self._next_seq
        wall_ns = self._wall_clock_ns()
        rows = [encode(seq + i, wall_ns, record) for i, record in enumerate(records)]
        if not rows:
            return range(seq, seq)
        conn = self._conn
        try:
            conn.execute("BEGIN IMMEDIATE")
            conn.executemany(_INSERT, rows)
            conn.execute("COMMIT")
        except BaseException as exc:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            if isinstance(exc, OverflowError):
                raise ValidationError(f"integer beyond 64 bits cannot be journaled: {exc}"
                                      ) from exc
            if isinstance(exc, sqlite3.IntegrityError):
                raise WorkbenchError(f"{self.path}: sequence number {seq} is taken: another "
                                     "writer appends to this journal") from exc
            raise
        self._next_seq = seq + len(rows)
        return range(seq, self._next_seq)

    def close(self) -> None:
        """Close the file; later appends raise ``sqlite3.ProgrammingError``."""
        self._conn.close()

    def __enter__(self) -> SqliteJournal:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()


def read_records(path: str | Path, since_seq: int | None = None) -> Iterator[JournalEntry]:
    """Decoded entries of a journal in sequence order, after ``since_seq`` if given.

    Reads what is committed, also while a session is still writing the file, and after a
    crash (SQLite discards an uncommitted transaction when it opens the file).

    Parameters
    ----------
    path : str or Path
        A journal file written by :class:`SqliteJournal`.
    since_seq : int, optional
        Yield only entries with ``seq > since_seq``.

    Raises
    ------
    DataError
        If the file is missing or not a journal (raised here, before iterating), or a row
        cannot be decoded (raised while iterating).
    """
    conn = connect_existing(path)
    cursor = conn.execute(f"SELECT {_COLUMNS} FROM records WHERE seq > ? ORDER BY seq",
                          (since_seq if since_seq is not None else 0,))
    return _entries(conn, cursor)


def _entries(conn: sqlite3.Connection, cursor: sqlite3.Cursor) -> Iterator[JournalEntry]:
    try:
        for row in cursor:
            yield decode(row)
    finally:
        conn.close()


def connect_existing(path: str | Path) -> sqlite3.Connection:
    """A connection to an existing journal file, its layout checked.

    Raises
    ------
    DataError
        If the file is missing or not a journal of this layout.
    """
    path = Path(path)
    if not path.is_file():
        raise DataError("no journal file", str(path))
    conn = sqlite3.connect(f"{path.absolute().as_uri()}?mode=rw", uri=True,
                           isolation_level=None)
    try:
        if not conn.execute("SELECT 1 FROM sqlite_master WHERE name = 'records'").fetchone():
            raise DataError("not a journal: no records table", str(path))
        _check_version(conn, path)
    except sqlite3.DatabaseError as exc:
        conn.close()
        raise DataError(f"not a journal: {exc}", str(path)) from exc
    except BaseException:
        conn.close()
        raise
    return conn


def _upgrade(conn: sqlite3.Connection) -> None:
    """Bring a journal of an older layout to the current one (columns are only added)."""
    version = conn.execute("PRAGMA user_version").fetchone()[0]
    types = {c.name: c.sql_type for c in RECORD_COLUMNS}
    while version in _ADDED_COLUMNS:
        for name in _ADDED_COLUMNS[version]:
            conn.execute(f"ALTER TABLE records ADD COLUMN {name} {types[name]}")
        version += 1
        conn.execute(f"PRAGMA user_version={version}")


def _check_version(conn: sqlite3.Connection, path: Path) -> None:
    version = conn.execute("PRAGMA user_version").fetchone()[0]
    if version != SCHEMA_VERSION:
        raise DataError(f"journal layout version {version}, expected {SCHEMA_VERSION}",
                        str(path))
