"""Raw Binance messages, stamped on receipt, into events: the recorded files' own path.

A message becomes the line a recording would hold (``<local_ts_ns> <raw JSON>``), and
batches of lines go through :func:`~workbench.data.binance.parse.parse_lines` (the parser
of the recorded files, its level lists' numbers read by the compiled
:mod:`~workbench.data.binance.decimals` reader, which gives the same doubles) and each
book through :class:`~workbench.book.sync.BookSync` (the sync of the replays). Whatever
arrived while the previous batch was processed is the next batch, so the parser's
per-call cost is spread over more messages the faster they come. Each book takes a
batch's diffs as one run (:meth:`~workbench.book.sync.BookSync.on_deltas`: every diff
checked in turn, their levels put in the book once). A malformed line is counted, logged
and dropped (the diff it carried shows up as a gap, and the book resyncs); it never stops
the feed.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable, Iterable, Mapping

from workbench.book.sync import BookSync
from workbench.connectors.ccxt_book import gap_marker
from workbench.connectors.status import FeedStatus
from workbench.core.errors import DataError
from workbench.core.events import BookDelta, BookSnapshot, MarketEvent
from workbench.core.instruments import Instrument
from workbench.data.binance import decimals
from workbench.data.binance.instruments import SYNC_RULES
from workbench.data.binance.parse import parse_lines

_STREAM = b'{"stream":"'


def stream_symbol(body: bytes) -> bytes | None:
    """The lower-case symbol of a combined-stream message, or None for anything else."""
    if not body.startswith(_STREAM):
        return None
    at = body.find(b"@", 11, 64)
    return body[11:at] if at > 11 else None


class LinePath:
    """One Binance venue's streams: lines in, events out, books kept in sync.

    Parameters
    ----------
    venue : str
        ``binance-spot``, ``binance-usdm`` or ``binance-coinm``.
    symbols : iterable of str
        The venue's symbols (``BTCUSDT``).
    status : FeedStatus
        Where counts go.
    instruments : mapping, optional
        Instruments outside the known set, as for the parser.
    on_line : callable, optional
        ``on_line(symbol, line)`` for every line that parsed (the recorder).
    """

    def __init__(self, venue: str, symbols: Iterable[str], status: FeedStatus,
                 instruments: Mapping[tuple[str, str], Instrument] | None = None,
                 on_line: Callable[[str, bytes], None] | None = None) -> None:
        self.venue = venue
        self.symbols = {s.lower().encode(): s.upper() for s in symbols}
        self.status = status
        self.instruments = dict(instruments) if instruments else None
        self.on_line = on_line
        rule = SYNC_RULES[venue]
        self.syncs = {sym: BookSync(rule, venue, sym) for sym in self.symbols.values()}
        self.streams = {sym: status.stream(venue, sym) for sym in self.symbols.values()}
        self._gaps = dict.fromkeys(self.symbols.values(), 0)
        self.compiled_numbers = decimals.load()

    def process(self, batch: list[tuple[str, int, bytes]]) -> list[MarketEvent]:
        """``(symbol, local_ts_ns, body)`` entries in arrival order → events, same order.

        A body of ``b""`` is a break in the stream (a dropped socket): the book goes
        unsynced with a :func:`~workbench.connectors.ccxt_book.gap_marker`.
        """
        per_symbol: dict[str, list[bytes]] = {}
        markers: list[tuple[int, str]] = []
        for sym, ts, body in batch:
            if body:
                per_symbol.setdefault(sym, []).append(b"%d %s" % (ts, body))
            else:
                markers.append((ts, sym))
        sources = [self._parse(sym, lines) for sym, lines in per_symbol.items()]
        if markers:
            sources.append([gap_marker(self.venue, sym, ts) for ts, sym in markers])
        events = list(heapq.merge(*sources, key=_local_ts)) if len(sources) > 1 else (
            sources[0] if sources else [])
        run: list[BookDelta] = []
        for event in events:
            if type(event) is BookDelta:
                if run and run[0].symbol != event.symbol:
                    self._deltas(run)
                    run = []
                run.append(event)
            elif type(event) is BookSnapshot:
                if run:
                    self._deltas(run)
                    run = []
                self.streams[event.symbol].snapshots += 1
                self.syncs[event.symbol].on_snapshot(event)
                self._track(event.symbol, event.local_ts_ns)
        if run:
            self._deltas(run)
        return events

    def _parse(self, sym: str, lines: list[bytes]) -> list[MarketEvent]:
        st = self.streams[sym]
        st.messages += len(lines)
        while lines:
            try:
                tables, report = parse_lines(lines, f"{self.venue} {sym} live", self.venue,
                                             self.instruments, symbol=sym,
                                             compiled_numbers=self.compiled_numbers)
            except DataError as exc:
                bad = (exc.line or 1) - 1
                st.bad_messages += 1
                self.status.error(f"{sym}: malformed message dropped", exc.reason)
                del lines[bad]
                continue
            if report.unknown_streams:
                st.unknown_messages += sum(report.unknown_streams.values())
            if self.on_line is not None:
                for line in lines:
                    self.on_line(sym, line)
            return [e for t in tables for e in t.events()]
        return []

    def _deltas(self, run: list[BookDelta]) -> None:
        """A run of one symbol's diffs into its book at once (the book is read after the
        batch only), the stream's state as after each of them."""
        sym = run[0].symbol
        sync = self.syncs[sym]
        gaps = sync.stats.gap_count
        sync.on_deltas(run)
        self._track(sym, sync.stats.gaps[-1].local_ts_ns if sync.stats.gap_count != gaps
                    else run[0].local_ts_ns)

    def _track(self, sym: str, ts: int) -> None:
        """The stream's status after its book took events; ``ts``: when it went unsynced
        if it did."""
        sync, st = self.syncs[sym], self.streams[sym]
        gaps = sync.stats.gap_count
        if gaps != self._gaps[sym]:
            st.gaps += gaps - self._gaps[sym]
            self._gaps[sym] = gaps
        if sync.synced:
            if not st.synced:
                st.on_synced(ts)
        elif st.synced or not st.unsynced_since_ns:
            st.on_unsynced(ts)

    def needs_snapshot(self) -> list[str]:
        """Symbols whose book waits for a snapshot."""
        return [sym for sym, sync in self.syncs.items() if not sync.synced]


def _local_ts(event: MarketEvent) -> int:
    return event.local_ts_ns
