"""The recorder: live feeds to raw files (and, for ccxt venues, the Parquet store).

Native Binance feeds hand over every line they parsed; the lines go to hourly gzip files
in the recorded-data format, which :func:`workbench.backtest` and ``workbench
book-replay`` read unchanged. A ccxt feed's normalised events go to the Parquet store
(:mod:`workbench.data.store`) every ``store_every_s`` and at the end; the websocket
messages ccxt received go, as ``<local_ts_ns> <JSON>`` lines, to one raw file per hour
and exchange beside them.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable, Iterable
from pathlib import Path

import numpy as np
import orjson

from workbench.connectors.ccxt_feed import CcxtFeed
from workbench.connectors.clock import ReceiveClock
from workbench.connectors.live import LiveSource
from workbench.core.events import BestBidOffer, BookDelta, BookSnapshot, EventKind, MarketEvent
from workbench.core.instruments import Instrument
from workbench.data.recorder import RawFileWriter
from workbench.data.store import write_table
from workbench.data.table import MESSAGE_COLUMNS, ROW_COLUMNS, EventTable


def events_table(venue: str, symbol: str, events: list[MarketEvent]) -> EventTable:
    """One stream's events in the columnar form the store writes."""
    msg: dict[str, list[int]] = {c: [] for c in MESSAGE_COLUMNS}
    side: list[np.ndarray] = []
    px: list[np.ndarray] = []
    sz: list[np.ndarray] = []
    row = 0
    for e in events:
        kind = type(e)
        if kind is BookDelta or kind is BookSnapshot:
            n_bid, n_ask = len(e.bid_ticks), len(e.ask_ticks)
            if n_bid + n_ask == 0:
                side.append(np.zeros(1, np.int8))
                px.append(np.zeros(1, np.int64))
                sz.append(np.zeros(1, np.int64))
                n = 1
            else:
                side.append(np.repeat(np.array([1, -1], np.int8), [n_bid, n_ask]))
                px.append(np.concatenate([e.bid_ticks, e.ask_ticks]))
                sz.append(np.concatenate([e.bid_lots, e.ask_lots]))
                n = n_bid + n_ask
            if kind is BookDelta:
                code, ids = EventKind.DELTA, (e.first_update_id, e.last_update_id,
                                              e.prev_update_id)
            else:
                code, ids = EventKind.SNAPSHOT, (e.last_update_id, e.last_update_id, -1)
        elif kind is BestBidOffer:
            side.append(np.array([1, -1], np.int8))
            px.append(np.array([e.bid_ticks, e.ask_ticks], np.int64))
            sz.append(np.array([e.bid_lots, e.ask_lots], np.int64))
            code, ids, n = EventKind.BBO, (e.update_id, e.update_id, -1), 2
        else:
            side.append(np.array([int(e.aggressor)], np.int8))
            px.append(np.array([e.price_ticks], np.int64))
            sz.append(np.array([e.size_lots], np.int64))
            code, ids, n = EventKind.TRADE, (e.trade_id, e.trade_id, -1), 1
        for col, value in zip(("kind", "local_ts_ns", "exch_ts_ns", "seq_first", "seq_last",
                               "seq_prev", "row_start", "n_rows"),
                              (int(code), e.local_ts_ns, e.exch_ts_ns, *ids, row, n)):
            msg[col].append(value)
        row += n
    messages = {c: np.array(v, dtype=MESSAGE_COLUMNS[c]) for c, v in msg.items()}

    def joined(parts, col):
        return np.concatenate(parts) if parts else np.zeros(0, ROW_COLUMNS[col])

    rows = {"side": joined(side, "side").astype(np.int8),
            "price_ticks": joined(px, "price_ticks"), "size_lots": joined(sz, "size_lots")}
    return EventTable(venue, symbol, messages, rows)


class ParquetSink:
    """Normalised events into the Parquet store, stream by stream, in parts."""

    def __init__(self, root: str | Path, instruments: Iterable[Instrument]) -> None:
        self.root = Path(root)
        self.instruments = {i.key: i for i in instruments}
        self._pending: dict[tuple[str, str], list[MarketEvent]] = {}
        self.files: list[Path] = []

    def on_event(self, event: MarketEvent) -> None:
        """Keep one event for the next write."""
        self._pending.setdefault((event.venue, event.symbol), []).append(event)

    def flush(self) -> None:
        """Write what was kept, one part per stream."""
        pending, self._pending = self._pending, {}
        for key, events in pending.items():
            self.files += write_table(events_table(*key, events), self.instruments[key],
                                      self.root)


def tap_raw_messages(exchange, on_line: Callable[[bytes], None], clock: ReceiveClock) -> None:
    """Hand every websocket message ``exchange`` receives to ``on_line`` as a raw line.

    Must be called before the exchange opens its first socket.
    """
    handle = exchange.handle_message
    dumps = orjson.dumps

    def tapped(client, message):
        on_line(b"%d %s" % (clock.now_ns(), dumps(message)))
        return handle(client, message)

    exchange.handle_message = tapped


class Recorder:
    """Runs feeds and writes what they receive until stopped.

    Parameters
    ----------
    source : LiveSource
        The feeds (native ones made with ``on_line=recorder.on_line``: build them with
        :meth:`native_line_sink`).
    writer : RawFileWriter
        The raw files.
    store : ParquetSink, optional
        Normalised events of the ccxt feeds.
    """

    def __init__(self, source: LiveSource, writer: RawFileWriter,
                 store: ParquetSink | None = None, store_every_s: float = 60.0) -> None:
        self.source = source
        self.writer = writer
        self.store = store
        self.store_every_s = store_every_s

    @staticmethod
    def native_line_sink(writer: RawFileWriter, venue: str) -> Callable[[str, bytes], None]:
        """``on_line`` for a native feed of ``venue`` writing to ``writer``."""
        def on_line(symbol: str, line: bytes) -> None:
            writer.write(venue, symbol, line)
        return on_line

    async def run(self, seconds: float | None = None,
                  status: Callable[[str], None] | None = None,
                  status_every_s: float = 1.0) -> None:
        """Record for ``seconds`` (until cancelled when None), printing a status line."""
        self.source.start()
        store_tick = 0.0
        elapsed = 0.0
        step = min(self.writer.flush_s, status_every_s)
        drain = asyncio.get_running_loop().create_task(self._drain())
        try:
            while seconds is None or elapsed < seconds:
                await asyncio.sleep(step)
                elapsed += step
                store_tick += step
                self.writer.flush()
                if self.store is not None and store_tick >= self.store_every_s:
                    self.store.flush()
                    store_tick = 0.0
                if status is not None:
                    status(self.status_line())
        finally:
            drain.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await drain
            await self.source.stop()
            self.writer.close()
            if self.store is not None:
                self.store.flush()

    async def _drain(self) -> None:
        async for event in self.source:
            if self.store is not None:
                self.store.on_event(event)

    def status_line(self) -> str:
        """The source's status with the raw files' sizes."""
        sizes = " ".join(f"{p.name} {size / 1e6:.2f} MB"
                         for p, size in self.writer.files().values())
        return f"{self.source.status_line()} | {sizes}"


def ccxt_raw_sink(writer: RawFileWriter, feed: CcxtFeed) -> Callable[[bytes], None]:
    """``on_line`` writing a ccxt exchange's raw messages to one file per hour."""
    name = f"ccxt-{feed.exchange.id}"

    def on_line(line: bytes) -> None:
        writer.write(name, "raw", line)
    return on_line
