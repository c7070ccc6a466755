"""The plainest signals: one book's mid and a constant volatility.

For parity tests with the compiled fast path (which quotes around its own book's mid)
and for strategies that want no estimation at all. No toxicity, no imbalance.
"""

from __future__ import annotations

from workbench.book.l2 import L2Book
from workbench.core.events import MarketEvent
from workbench.core.instruments import Instrument
from workbench.estimators.signals import Signals

_new = tuple.__new__


class BookMidSignals:
    """Signals from one book: the mid as fair price, a fixed volatility.

    Same interface as :class:`~workbench.estimators.stack.SignalStack` (``update`` and
    ``signals``), reading a book the caller keeps in sync.

    Parameters
    ----------
    instrument : Instrument
        The book's instrument (for its tick size).
    book : L2Book
        The book, updated by the caller before each :meth:`update`.
    vol_per_sqrt_s : float
        Volatility of log returns per square root of a second, reported as ready.
    """

    __slots__ = ("_book", "_last", "_name", "_rest", "_t", "_tick", "_vol")

    def __init__(self, instrument: Instrument, book: L2Book, vol_per_sqrt_s: float) -> None:
        self._book = book
        self._tick = instrument.tick_size_float
        self._vol = float(vol_per_sqrt_s)
        self._name = (instrument.venue,)
        self._t = 0
        self._last: tuple[int, int, int, Signals] | None = None  # (t, bid, ask, answer)
        # The fields after (ts_ns, fair_mid, fair_mid_ok) of a snapshot with and without
        # a mid, so that one is built as a tuple, without a call.
        self._rest = (Signals(0, 0.0, False, self._vol, True)[3:],
                      Signals(0, 0.0, True, self._vol, True, sources=self._name)[3:])

    def update(self, event: MarketEvent) -> None:
        """Note the event's time (the book itself is the caller's)."""
        t = event.local_ts_ns
        if t > self._t:
            self._t = t

    def signals(self) -> Signals:
        """Mid of the book (not ok when a side is missing or the book is crossed).

        Asked again at the same time with the same best prices, the answer is the same
        (immutable) object.
        """
        book = self._book
        bid, ask = book.best_bid_ticks, book.best_ask_ticks
        t = self._t
        last = self._last
        if last is not None and last[0] == t and last[1] == bid and last[2] == ask:
            return last[3]
        if 0 < bid < ask:
            signals = _new(Signals, (t, (bid + ask) * 0.5 * self._tick, True) + self._rest[1])
        else:
            signals = _new(Signals, (t, 0.0, False) + self._rest[0])
        self._last = (t, bid, ask, signals)
        return signals
