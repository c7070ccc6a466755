"""One reader of a session's snapshots for every panel: throttled, bounded, shared.

Widgets never own trading state. A :class:`Pump` reads the session at most
``1 / interval_s`` times a second (4 Hz by default, under the 5 Hz the charts allow),
turns the snapshot into a :class:`View` (plain numbers in price units) and hands it to
every panel that listens. It keeps a bounded history of the views' chart rows and of the
fills it has seen, so a chart opened late starts with what it missed; when the pump itself
starts late, that history is seeded from the session's own run recorder. All panels of one
session share one pump (:func:`pump_for`), and the session runs the same with none.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import time
import weakref
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

#: Chart rows and fills kept for late views (the charts' rollover).
HISTORY_ROWS = 2000
#: Levels a side of the depth ladder.
DEPTH_LEVELS = 12
_ENDED = ("stopped", "failed")
#: Shortest time between two refreshes (5 Hz), and the delay of one after a command.
MIN_INTERVAL_S = 0.2
SOON_S = 0.015


@dataclass(frozen=True)
class View:
    """What the panels show at one refresh, in price units of the quoted instrument.

    ``row`` is the chart sample (``t_ms`` event time; ``fair``, ``bid``, ``ask``, one
    ``mid_<i>`` per instrument, ``inventory`` (lots), ``pnl`` (quote currency),
    ``vol_bps`` (per √s), ``imbalance``, ``tox_bid``, ``tox_ask``, ``guard_bid`` and
    ``guard_ask`` (0 keep, 1 widen, 2 pull, 3 join), ``params_rev`` (parameter changes
    the row's quotes were decided with)); ``new_fills`` the fills since the
    previous view, as dicts; ``depth`` the book's best levels (price, lots) and our
    working orders (price, lots, side).
    """

    session: Any
    engine: Any
    row: dict[str, float]
    new_fills: list[dict[str, Any]]
    depth: dict[str, list]
    wall_s: float = field(default_factory=time.monotonic)


class Pump:
    """Refreshes the listeners of one session from its snapshots.

    Parameters
    ----------
    session : Session
        A session built by :func:`workbench.session` (its ``spec`` names the instruments).
    interval_s : float
        Time between two refreshes while the session runs.
    """

    def __init__(self, session: Any, interval_s: float = 0.25) -> None:
        self.session = session
        self.interval_s = interval_s
        spec = session.spec
        self.quoted = spec.quoted
        self.keys = [i.key for i in spec.instruments]
        self.tick = self.quoted.tick_size_float
        self.lot = self.quoted.lot_size_float
        self.rows: deque[dict[str, float]] = deque(maxlen=HISTORY_ROWS)
        self.fills: deque[dict[str, Any]] = deque(maxlen=HISTORY_ROWS)
        self._seen_fills: set[tuple[int, int]] = set()
        self._listeners: list[Callable[[View], None]] = []
        self._task: asyncio.Task | None = None
        self._soon = asyncio.Event()
        self._last_refresh = 0.0
        self.last: View | None = None
        self.refreshes = 0
        self._seed_from_recorder()

    # -- listeners -----------------------------------------------------------------------
    def listen(self, callback: Callable[[View], None], first: bool = False) -> None:
        """Call ``callback(view)`` at every refresh (and once now, if a view exists);
        start refreshing on the running loop if there is one. ``first`` puts it before
        the others (the charts: their messages leave first)."""
        if first:
            self._listeners.insert(0, callback)
        else:
            self._listeners.append(callback)
        if self.last is not None:
            callback(self.last)
        self.ensure_running()

    def ensure_running(self) -> None:
        """Start the refresh task on the running loop (Jupyter's), once; outside a loop
        (tests, scripts) call :meth:`refresh` yourself."""
        if self._task is not None and not self._task.done():
            return
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return
        self._task = loop.create_task(self._run(), name="workbench-widgets")

    async def _run(self) -> None:
        ended_once = False
        while True:
            self.refresh()
            state = self.session.state.value
            if state in _ENDED:
                if ended_once:  # one more refresh after the end: the final state shown
                    return
                ended_once = True
            self._soon.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._soon.wait(), self.interval_s)
            if self._soon.is_set():  # a command was sent: show its effect shortly,
                # never sooner than MIN_INTERVAL_S after the last refresh
                since = time.monotonic() - self._last_refresh
                await asyncio.sleep(max(SOON_S, MIN_INTERVAL_S - since))

    def soon(self) -> None:
        """A command was sent: refresh shortly (within ``SOON_S``, at most 5 Hz) so its
        effect shows without waiting a whole interval."""
        self._soon.set()

    def close(self) -> None:
        """Stop refreshing (the session is not touched)."""
        if self._task is not None:
            self._task.cancel()
            self._task = None

    # -- one refresh ---------------------------------------------------------------------
    def refresh(self) -> View:
        """Read the session once and tell every listener."""
        view = self._view()
        self._last_refresh = time.monotonic()
        self.last = view
        self.refreshes += 1
        for callback in list(self._listeners):
            with contextlib.suppress(Exception):  # a broken panel never stops the others
                callback(view)
        return view

    def _view(self) -> View:
        session = self.session
        snap = session.snapshot()
        engine = snap.engine
        row = self._row(engine)
        if row is not None:
            stats = snap.stats
            applied = stats.params_applied
            row["params_rev"] = float(applied if stats.events > stats.events_at_param
                                      else max(applied - 1, 0))
        if row is not None and (not self.rows or row["t_ms"] > self.rows[-1]["t_ms"]):
            self.rows.append(row)
        new_fills = []
        for f in engine.recent_fills if engine is not None else ():
            key = (f.order_id, f.fill_id)
            if key in self._seen_fills or (f.venue, f.symbol) != self.quoted.key:
                continue
            self._seen_fills.add(key)
            fill = {"t_ms": f.ts_ns / 1e6, "price": f.price_ticks * self.tick,
                    "size": f.size_lots, "side": int(f.side), "order_id": f.order_id,
                    "liquidity": str(getattr(f.liquidity, "value", f.liquidity))}
            new_fills.append(fill)
            self.fills.append(fill)
        if engine is not None and len(self._seen_fills) > 4 * HISTORY_ROWS:
            # only the engine's recent fills can come again
            self._seen_fills = {(f.order_id, f.fill_id) for f in engine.recent_fills}
        return View(snap, engine, row or {}, new_fills, self._depth(engine))

    def _row(self, engine: Any) -> dict[str, float] | None:
        if engine is None or engine.signals is None:
            return None
        sig, targets, tick = engine.signals, engine.targets, self.tick
        nan = math.nan
        row = {"t_ms": engine.ts_ns / 1e6,
               "fair": sig.fair_mid if sig.fair_mid_ok else nan,
               "bid": targets.bids[0][0] * tick if targets.bids else nan,
               "ask": targets.asks[0][0] * tick if targets.asks else nan}
        syncs = self.session.engine.syncs
        for i, key in enumerate(self.keys):
            book = syncs[key].book
            b, a = book.best_bid_ticks, book.best_ask_ticks
            inst_tick = self.session.spec.instruments[i].tick_size_float
            row[f"mid_{i}"] = (b + a) / 2 * inst_tick if b > 0 and a > 0 else nan
        position = next((p for p in engine.positions
                         if (p.venue, p.symbol) == self.quoted.key), None)
        row["inventory"] = float(position.size_lots) if position is not None else 0.0
        row["pnl"] = engine.equity_quote
        row["vol_bps"] = sig.vol_per_sqrt_s * 1e4
        row["imbalance"] = sig.book_imbalance
        row["tox_bid"] = sig.toxicity_bid
        row["tox_ask"] = sig.toxicity_ask
        row["guard_bid"], row["guard_ask"] = _guard_levels(targets.reasons)
        return row

    def _depth(self, engine: Any) -> dict[str, list]:
        book = self.session.engine.syncs[self.quoted.key].book
        bt, bl, at, al = book.top(DEPTH_LEVELS)
        tick = self.tick
        ours = [o for o in engine.orders if (o.venue, o.symbol) == self.quoted.key] \
            if engine is not None else []
        return {"bid_price": (bt * tick).tolist(), "bid_lots": bl.tolist(),
                "ask_price": (at * tick).tolist(), "ask_lots": al.tolist(),
                "our_price": [o.price_ticks * tick for o in ours],
                "our_lots": [o.size_lots - o.filled_lots for o in ours],
                "our_side": [int(o.side) for o in ours]}

    def _seed_from_recorder(self) -> None:
        recorder = getattr(self.session.spec, "recorder", None)
        if recorder is None:
            return
        series = recorder.series().tail(HISTORY_ROWS)
        nan = math.nan
        for r in series.itertuples(index=False):
            row = {"t_ms": r.ts_ns / 1e6, "fair": r.mid, "bid": r.bid, "ask": r.ask,
                   **{f"mid_{i}": nan for i in range(len(self.keys))},
                   "inventory": r.inventory / self.lot if self.lot else nan,
                   "pnl": r.equity, "vol_bps": r.vol_per_sqrt_s * 1e4, "imbalance": nan,
                   "tox_bid": r.toxicity_bid, "tox_ask": r.toxicity_ask,
                   "guard_bid": nan, "guard_ask": nan, "params_rev": 0.0}
            self.rows.append(row)
        fills = recorder.fills_frame()
        fills = fills[fills["role"] == "quoted"].tail(HISTORY_ROWS)
        for f in fills.itertuples(index=False):
            self._seen_fills.add((int(f.order_id), int(f.fill_id)))
            self.fills.append({"t_ms": f.ts_ns / 1e6, "price": float(f.price),
                               "size": int(f.size_lots), "side": int(f.side),
                               "order_id": int(f.order_id), "liquidity": str(f.liquidity)})

    def columns(self) -> dict[str, np.ndarray]:
        """The history as columns (for a chart's data source)."""
        names = self.row_names()
        return {n: np.array([r.get(n, math.nan) for r in self.rows], dtype=float)
                for n in names}

    def row_names(self) -> list[str]:
        """Column names of a chart row."""
        return ["t_ms", "fair", "bid", "ask", *(f"mid_{i}" for i in range(len(self.keys))),
                "inventory", "pnl", "vol_bps", "imbalance", "tox_bid", "tox_ask",
                "guard_bid", "guard_ask", "params_rev"]


def _guard_levels(reasons: tuple[str, ...]) -> tuple[float, float]:
    """Each side's guard action from the maker's reasons: 0 keep, 1 widen, 2 pull, 3 join."""
    levels = {"bid": 0.0, "ask": 0.0}
    for reason in reasons:
        text = reason.lower()
        action = (3.0 if "join" in text else 2.0 if "pull" in text
                  else 1.0 if "widen" in text else 0.0)
        if not action:
            continue
        for side in ("bid", "ask"):
            if side in text:
                levels[side] = max(levels[side], action)
    return levels["bid"], levels["ask"]


_PUMPS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def pump_for(session: Any) -> Pump:
    """The shared pump of ``session`` (made on first use)."""
    pump = _PUMPS.get(session)
    if pump is None:
        pump = Pump(session)
        _PUMPS[session] = pump
    return pump
