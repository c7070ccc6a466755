"""Columnar events for the vectorised twins, and the stream set both twins share.

:class:`StreamSet` numbers the streams (venue, symbol) an estimator follows and holds the
float scales it needs (tick size, notional per lot). :class:`EventArrays` is the message
level view of a long event frame (:meth:`workbench.data.binance.feed.RawFeed.to_frame`):
one entry per event, in the order :meth:`RawFeed.events` yields them, with the top of
book of ``bbo`` messages and the price, size and aggressor of trades.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from workbench.core.events import EventKind
from workbench.core.instruments import Instrument, InstrumentKind
from workbench.data.binance.instruments import binance_instrument

StreamKey = tuple[str, str]


@dataclass(frozen=True)
class StreamSet:
    """The streams an estimator follows, numbered in a fixed order.

    Parameters
    ----------
    instruments : sequence of Instrument
        One per stream; the order numbers the streams.
    """

    instruments: tuple[Instrument, ...]

    @staticmethod
    def of(keys: Iterable[StreamKey | Instrument]) -> StreamSet:
        """A set from instruments or ``(venue, symbol)`` keys of known Binance instruments."""
        insts = tuple(k if isinstance(k, Instrument) else binance_instrument(*k) for k in keys)
        if not insts:
            raise ValueError("a stream set needs at least one stream")
        if len({i.key for i in insts}) != len(insts):
            raise ValueError("duplicate streams")
        return StreamSet(insts)

    def __len__(self) -> int:
        return len(self.instruments)

    @property
    def keys(self) -> tuple[StreamKey, ...]:
        """``(venue, symbol)`` of each stream."""
        return tuple(i.key for i in self.instruments)

    @property
    def names(self) -> tuple[str, ...]:
        """Venue of each stream (the name reported in ``sources`` and reasons)."""
        return tuple(i.venue for i in self.instruments)

    def index(self) -> dict[StreamKey, int]:
        """``(venue, symbol) -> stream number``."""
        return {k: n for n, k in enumerate(self.keys)}

    @property
    def tick_sizes(self) -> tuple[float, ...]:
        """Tick size of each stream, quote currency."""
        return tuple(i.tick_size_float for i in self.instruments)

    @property
    def inverse(self) -> tuple[bool, ...]:
        """True where sizes are contracts of fixed quote value (COIN-M)."""
        return tuple(i.kind is InstrumentKind.INVERSE_PERP for i in self.instruments)

    @property
    def notional_per_lot(self) -> tuple[float, ...]:
        """Quote value of one lot: per unit of price (linear) or fixed (inverse)."""
        return tuple(
            i.lot_size_float * float(i.contract_value) if inv else i.lot_size_float
            for i, inv in zip(self.instruments, self.inverse)
        )


@dataclass(frozen=True)
class EventArrays:
    """One entry per event: time, stream, kind, top of book (bbo) and trade fields.

    Fields that do not apply to an event's kind are 0. ``ts_ns`` is the local receive
    time, the event time of every estimator.
    """

    streams: StreamSet
    ts_ns: np.ndarray
    stream: np.ndarray
    kind: np.ndarray
    bid_ticks: np.ndarray
    bid_lots: np.ndarray
    ask_ticks: np.ndarray
    ask_lots: np.ndarray
    price_ticks: np.ndarray
    size_lots: np.ndarray
    side: np.ndarray

    def __len__(self) -> int:
        return len(self.ts_ns)

    @staticmethod
    def from_frame(frame: pd.DataFrame, streams: StreamSet | None = None) -> EventArrays:
        """Build from the long frame of :meth:`RawFeed.to_frame`.

        Parameters
        ----------
        frame : pandas.DataFrame
            Rows grouped by message, messages in replay order (as ``to_frame`` writes).
        streams : StreamSet, optional
            Streams to number; events of other streams are dropped. Default: every
            stream of the frame, in order of first appearance.
        """
        venue = pd.Categorical(frame["venue"])
        symbol = pd.Categorical(frame["symbol"])
        msg = frame["msg"].to_numpy()
        n_sym = max(len(symbol.categories), 1)
        pair = venue.codes.astype(np.int64) * n_sym + symbol.codes
        codes, uniq = pd.factorize(pair)
        keys = [(str(venue.categories[u // n_sym]), str(symbol.categories[u % n_sym]))
                for u in uniq]
        if streams is None:
            streams = StreamSet.of(keys)
        index = streams.index()
        code_to_stream = np.array([index.get(k, -1) for k in keys], dtype=np.int64)
        n = len(msg)
        new = np.ones(n, dtype=bool)
        if n:
            new[1:] = (msg[1:] != msg[:-1]) | (codes[1:] != codes[:-1])
        starts = np.flatnonzero(new)
        stream = code_to_stream[codes[starts]] if n else np.zeros(0, np.int64)
        starts = starts[stream >= 0]
        stream = stream[stream >= 0]
        kind_names = frame["kind"].astype(str).to_numpy()[starts]
        kind = np.zeros(len(starts), dtype=np.uint8)
        for k in EventKind:
            kind[kind_names == k.name.lower()] = k.value
        px = frame["price_ticks"].to_numpy()
        sz = frame["size_lots"].to_numpy()
        sd = frame["side"].to_numpy()
        is_bbo = kind == EventKind.BBO
        is_trade = kind == EventKind.TRADE
        nxt = np.minimum(starts + 1, max(n - 1, 0))
        zero = np.zeros(len(starts), dtype=np.int64)
        return EventArrays(
            streams=streams,
            ts_ns=frame["local_ts_ns"].to_numpy()[starts].astype(np.int64),
            stream=stream.astype(np.int64),
            kind=kind,
            bid_ticks=np.where(is_bbo, px[starts], zero),
            bid_lots=np.where(is_bbo, sz[starts], zero),
            ask_ticks=np.where(is_bbo, px[nxt], zero),
            ask_lots=np.where(is_bbo, sz[nxt], zero),
            price_ticks=np.where(is_trade, px[starts], zero),
            size_lots=np.where(is_trade, sz[starts], zero),
            side=np.where(is_trade, sd[starts], 0).astype(np.int64),
        )

    def take(self, mask: np.ndarray) -> EventArrays:
        """The events where ``mask`` is true."""
        return EventArrays(self.streams, *(getattr(self, f)[mask] for f in _FIELDS))

    def with_values(self, **columns: np.ndarray) -> EventArrays:
        """A copy with some columns replaced (for injecting bad input in tests)."""
        return EventArrays(self.streams, *(columns.get(f, getattr(self, f)) for f in _FIELDS))


_FIELDS: Sequence[str] = ("ts_ns", "stream", "kind", "bid_ticks", "bid_lots", "ask_ticks",
                          "ask_lots", "price_ticks", "size_lots", "side")


def trade_notional(arrays: EventArrays) -> tuple[np.ndarray, np.ndarray]:
    """Indices of the valid trades (positive price and size) and their notionals.

    Notional is in quote currency: lots times lot size times price on linear contracts,
    lots times the contract value on inverse ones.
    """
    k = np.flatnonzero((arrays.kind == EventKind.TRADE) & (arrays.price_ticks > 0)
                       & (arrays.size_lots > 0))
    st = arrays.stream[k]
    npl = np.array(arrays.streams.notional_per_lot)[st]
    tick = np.array(arrays.streams.tick_sizes)[st]
    inv = np.array(arrays.streams.inverse)[st]
    sz, px = arrays.size_lots[k], arrays.price_ticks[k]
    return k, np.where(inv, sz * npl, sz * npl * px * tick)
