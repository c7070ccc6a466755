"""The market around our fills: fair mid, toxicity and every venue's mid, as of any time.

A :class:`MarketTape` is built once from the recorded (or live-recorded) market data of a
session by the vectorised twin of the engine's estimator stack
(:func:`~workbench.estimators.stack.signals_frame`), fused in the quoted venue's price
units as the engine fuses it. Lookups are as-of: the last value at or before a time (or
strictly before, for the state a fill met), NaN before the first.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from workbench.core.errors import ValidationError
from workbench.core.events import EventKind
from workbench.data.binance.feed import read_raw_feed
from workbench.estimators.arrays import EventArrays
from workbench.estimators.stack import StackParams, signals_frame

Key = tuple[str, str]


def _as_of(ts: np.ndarray, values: np.ndarray, at: np.ndarray, strict: bool) -> np.ndarray:
    j = np.searchsorted(ts, at, side="left" if strict else "right") - 1
    out = values[np.maximum(j, 0)] if len(values) else np.full(len(at), np.nan)
    return np.where(j >= 0, out, np.nan)


@dataclass(frozen=True)
class MarketTape:
    """Fair mid, toxicity by side and each stream's mid, on the events' local times.

    Attributes
    ----------
    quote : (venue, symbol)
        The quoted instrument, in whose price units the fair mid is.
    ts_ns : ndarray of int64
        Local time of each row of ``fair_mid`` and the toxicities.
    fair_mid : ndarray of float
        Fair mid (quote currency per base unit), NaN where the stack flags it not ok.
    toxicity_bid, toxicity_ask : ndarray of float
        Toxicity scores in [0, 1] facing our bid (sellers) and our ask (buyers).
    mids : dict of (venue, symbol) to (ts_ns, mid)
        Each stream's valid top-of-book mids, quote currency.
    """

    quote: Key
    ts_ns: np.ndarray
    fair_mid: np.ndarray
    toxicity_bid: np.ndarray
    toxicity_ask: np.ndarray
    mids: dict[Key, tuple[np.ndarray, np.ndarray]]

    @staticmethod
    def from_arrays(arrays: EventArrays, quote: Key, stack: StackParams | None = None
                    ) -> MarketTape:
        """The tape of ``arrays`` with the fair mid fused in ``quote``'s venue units.

        Raises
        ------
        ValidationError
            If ``quote`` is not among the streams or there are no events.
        """
        if len(arrays) == 0:
            raise ValidationError("no market events: the tape is empty")
        keys = [i.key for i in arrays.streams.instruments]
        if quote not in keys:
            raise ValidationError(f"quoted instrument {quote} not in the market data {keys}")
        p = stack or StackParams()
        if p.fair.reference is None:  # as the engine: fuse in the quoted venue's units
            p = dataclasses.replace(p, fair=dataclasses.replace(p.fair, reference=quote[0]))
        s = signals_frame(arrays, p)
        fair = np.where(s["fair_mid_ok"].to_numpy(), s["fair_mid"].to_numpy(), np.nan)
        mids = {}
        b, a = arrays.bid_ticks, arrays.ask_ticks
        valid = (arrays.kind == EventKind.BBO) & (b > 0) & (a > b)
        for i, inst in enumerate(arrays.streams.instruments):
            k = np.flatnonzero(valid & (arrays.stream == i))
            mids[inst.key] = (arrays.ts_ns[k], (b[k] + a[k]) * 0.5 * inst.tick_size_float)
        return MarketTape(quote, arrays.ts_ns, fair, s["toxicity_bid"].to_numpy(),
                          s["toxicity_ask"].to_numpy(), mids)

    @staticmethod
    def from_paths(paths: Iterable[str | Path], quote: Key, stack: StackParams | None = None
                   ) -> MarketTape:
        """The tape of recorded raw feed files (the files a backtest replayed, or those a
        paper or live session recorded)."""
        frame = read_raw_feed(list(paths)).to_frame()
        if frame.empty:
            raise ValidationError("no market events in the given files")
        return MarketTape.from_arrays(EventArrays.from_frame(frame), quote, stack)

    @property
    def end_ns(self) -> int:
        """Time of the last event."""
        return int(self.ts_ns[-1])

    def fair_at(self, at_ns: np.ndarray, strict: bool = False) -> np.ndarray:
        """Fair mid as of each time (NaN where not ok or before the first event)."""
        ok = np.isfinite(self.fair_mid)
        return _as_of(self.ts_ns[ok], self.fair_mid[ok], np.asarray(at_ns), strict)

    def mid_at(self, key: Key, at_ns: np.ndarray, strict: bool = False) -> np.ndarray:
        """``key``'s top-of-book mid as of each time (NaN before its first quote).

        Raises
        ------
        ValidationError
            If ``key`` has no stream in the tape.
        """
        if key not in self.mids:
            raise ValidationError(f"no market data for {key}: streams are {list(self.mids)}")
        ts, mid = self.mids[key]
        return _as_of(ts, mid, np.asarray(at_ns), strict)

    def toxicity_at(self, side: np.ndarray, at_ns: np.ndarray) -> np.ndarray:
        """Toxicity facing the filled order just before each time: the bid's for a buy
        (side +1), the ask's for a sell."""
        at = np.asarray(at_ns)
        bid = _as_of(self.ts_ns, self.toxicity_bid, at, True)
        ask = _as_of(self.ts_ns, self.toxicity_ask, at, True)
        return np.where(np.asarray(side) > 0, bid, ask)

    def marks(self, keys: Sequence[Key], at_ns: int | None = None) -> dict[Key, float]:
        """Marks as the engine takes them at ``at_ns`` (default: the end): the fair mid for
        the quoted instrument, the top-of-book mid for the others."""
        at = np.asarray([self.end_ns if at_ns is None else at_ns])
        return {k: float((self.fair_at(at) if k == self.quote else self.mid_at(k, at))[0])
                for k in keys}
