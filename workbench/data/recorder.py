"""Write a raw feed to disk in the recorded-data format, safely against a kill.

A stream's lines (``<local_ts_ns> <raw JSON>``) go to
``<root>/<folder>/<symbol>_<YYYYMMDD>T<HH>.gz``, one file per UTC hour of the stamps,
in the folder layout the readers take the venue from (``spot``, ``usdm``, ``cm``). Lines
are kept in memory and written every ``flush_s`` as one complete gzip member in a single
``write``; a gzip file is a sequence of members, so the file on disk is always whole:
a kill loses at most the lines of the last ``flush_s``, never a file. A file left with
a torn last member (a crash inside the write, a full disk) is cut back to its last whole
member before more is appended (:func:`repair`).
"""

from __future__ import annotations

import os
import time
import zlib
from dataclasses import dataclass, field
from pathlib import Path

from workbench.core.errors import DataError

_NS_PER_HOUR = 3_600 * 1_000_000_000
#: Folder of each Binance venue, as :func:`~workbench.data.binance.parse.venue_from_path`
#: reads it back.
VENUE_FOLDERS = {"binance-spot": "spot", "binance-usdm": "usdm", "binance-coinm": "cm"}


def hour_path(root: str | Path, venue: str, symbol: str, local_ts_ns: int) -> Path:
    """The file of the UTC hour of ``local_ts_ns`` for one stream."""
    folder = VENUE_FOLDERS.get(venue, venue)
    stamp = time.strftime("%Y%m%dT%H", time.gmtime(local_ts_ns // 1_000_000_000))
    return Path(root) / folder / f"{symbol.lower()}_{stamp}.gz"


def gzip_member(data: bytes, level: int = 6) -> bytes:
    """``data`` as one complete gzip member."""
    comp = zlib.compressobj(level, zlib.DEFLATED, 31)
    return comp.compress(data) + comp.flush()


def repair(path: str | Path) -> int:
    """Cut a gzip file back to its last complete member; returns the bytes removed.

    Raises
    ------
    DataError
        If the file does not start as gzip.
    """
    path = Path(path)
    raw = path.read_bytes()
    if not raw:
        return 0
    if raw[:2] != b"\x1f\x8b":
        raise DataError("not a gzip file", str(path))
    good = 0
    pos = 0
    while pos < len(raw):
        d = zlib.decompressobj(31)
        try:
            d.decompress(raw[pos:])
        except zlib.error:
            break
        if not d.eof:
            break
        pos = len(raw) - len(d.unused_data)
        good = pos
    if good < len(raw):
        with open(path, "r+b") as fh:
            fh.truncate(good)
    return len(raw) - good


@dataclass
class _Open:
    path: Path
    hour: int
    fd: int
    pending: list[bytes] = field(default_factory=list)
    lines: int = 0


class RawFileWriter:
    """Lines of several streams into hourly gzip files, flushed every ``flush_s``.

    Parameters
    ----------
    root : path
        Where the venue folders go.
    flush_s : float
        At most this much is lost on a kill.
    on_roll : callable, optional
        ``on_roll(venue, symbol)`` when a stream starts a new hour's file (a feed then
        asks for a fresh depth snapshot, so each file replays on its own).
    """

    def __init__(self, root: str | Path, flush_s: float = 1.0, on_roll=None) -> None:
        self.root = Path(root)
        self.flush_s = flush_s
        self.on_roll = on_roll
        self._open: dict[tuple[str, str], _Open] = {}
        self._last_flush = time.monotonic()
        self.lines_written = 0
        self.bytes_written = 0

    def write(self, venue: str, symbol: str, line: bytes) -> None:
        """Queue one line (its stamp decides the hour); flushes when ``flush_s`` passed."""
        ts = int(line[:line.index(b" ")])
        key = (venue, symbol)
        f = self._open.get(key)
        hour = ts // _NS_PER_HOUR
        if f is None or hour != f.hour:
            if f is not None:
                self._flush_one(f)
                os.close(f.fd)
            f = self._open[key] = self._start(venue, symbol, ts, hour)
            if self.on_roll is not None:
                self.on_roll(venue, symbol)
        f.pending.append(line)
        if time.monotonic() - self._last_flush >= self.flush_s:
            self.flush()

    def _start(self, venue: str, symbol: str, ts: int, hour: int) -> _Open:
        path = hour_path(self.root, venue, symbol, ts)
        path.parent.mkdir(parents=True, exist_ok=True)
        if path.exists():
            repair(path)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
        return _Open(path, hour, fd)

    def _flush_one(self, f: _Open) -> None:
        if not f.pending:
            return
        data = b"\n".join(f.pending) + b"\n"
        member = gzip_member(data)
        view = memoryview(member)
        while view:
            n = os.write(f.fd, view)
            view = view[n:]
        f.lines += len(f.pending)
        self.lines_written += len(f.pending)
        self.bytes_written += len(member)
        f.pending.clear()

    def flush(self) -> None:
        """Write every queued line now."""
        for f in self._open.values():
            self._flush_one(f)
        self._last_flush = time.monotonic()

    def close(self) -> None:
        """Flush and close every file."""
        self.flush()
        for f in self._open.values():
            os.close(f.fd)
        self._open.clear()

    def files(self) -> dict[tuple[str, str], tuple[Path, int]]:
        """Each stream's current file and its size on disk, bytes."""
        return {k: (f.path, f.path.stat().st_size if f.path.exists() else 0)
                for k, f in self._open.items()}
