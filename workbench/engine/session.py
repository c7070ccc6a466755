"""A running engine inside an asyncio loop (Jupyter's own), for paper and live modes.

:class:`Session` pulls market events from an async source, feeds a simulated venue
(paper) or a real one (live), steps the engine and submits its commands. It never
installs a loop policy: :meth:`Session.start` schedules a task on the loop that is
already running. Controls (pause, resume, stop, kill switch, parameter changes, a
cancel) are applied between two events, never in the middle of one, and the engine works
the same with or without anything watching it.

A session never abandons its quotes:

* :meth:`Session.stop` (and the source running out) cancels every working order and
  waits, bounded by ``stop_timeout_s``, for the venue's answers;
* an exception inside the engine does the same before the state becomes FAILED;
* :meth:`Session.pause` stops quoting (pulling the quotes by default) but keeps applying
  market data, reports, timers, order timeouts, the stale-data pull and the kill switch.

The loop wakes on whichever comes first: a market event, a control, a venue report (a
venue that has a ``reports_ready`` :class:`asyncio.Event` sets it when reports arrive; a
simulated venue on the wall clock says when its next report is due) or the timer.
Events that have already arrived are taken in a batch, the loop yielding to others every
``yield_every`` events, so a fast source does not pay a wake-up per event and a slow one
is handled at once.
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import time
from collections import deque
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import Any

from workbench.core.clock import Clock, WallClock
from workbench.core.commands import Amend, Cancel, Command, CommandKind, Place, Rejected
from workbench.core.errors import TransientError, WorkbenchError
from workbench.core.events import MarketEvent
from workbench.engine.replay_driver import Stepper
from workbench.execution.venue import Venue

_END = object()  # the source ran out
_QUEUE_SIZE = 4096


class SessionState(StrEnum):
    """Lifecycle of a session."""

    CREATED = "created"
    RUNNING = "running"
    PAUSED = "paused"
    STOPPING = "stopping"
    STOPPED = "stopped"
    FAILED = "failed"


@dataclass
class SessionStats:
    """Counters a panel can show; step times in ns of wall time."""

    events: int = 0
    commands: int = 0
    reports: int = 0
    errors: list[str] = field(default_factory=list)
    last_step_ns: int = 0
    max_step_ns: int = 0
    step_ns_total: int = 0
    steps: int = 0
    params_applied: int = 0  # parameter changes applied so far
    events_at_param: int = 0  # ``events`` when the last one was applied (later events
    # were decided with it: a panel can tell when a change reached the quotes)


@dataclass(frozen=True)
class SessionSnapshot:
    """A session as plain data, for panels and logs.

    ``events_per_s`` is measured over the last second or so of wall time;
    ``last_event_age_s`` maps each ``"venue symbol"`` to the wall time since its last
    event; ``engine`` is the engine's own snapshot (None for an engine that has none).
    """

    state: SessionState
    error: str | None
    stats: SessionStats
    events_per_s: float
    mean_step_us: float
    last_event_age_s: dict[str, float]
    open_orders: int
    engine: Any


class Session:
    """Drive ``engine`` from ``source`` against ``venue`` as a task on the running loop.

    Parameters
    ----------
    engine : Engine
        The engine (:class:`~workbench.engine.core.Engine`, or anything with its step
        and control methods).
    venue : Venue
        Where commands go; a simulated venue (paper) also sees every market event.
    source : async iterator of MarketEvent
        Live market data (or a recorded replay, for paper-on-replay).
    clock : Clock
        Wall clock by default; a :class:`SimulatedClock` runs on event time, which makes a
        paper run on recorded data give the backtest's fills (no idle timer then: time
        passes only with events).
    mode : str
        Written in the journal's session markers (``paper``, ``live``, ...).
    timer_interval_s : float
        How often the engine's timer runs when no event arrives (wall clock only).
    retry_base_s, max_retries : float, int
        A command refused with a :class:`TransientError` is sent again, with the same
        order id, after ``retry_base_s * 2**attempt`` seconds, at most ``max_retries``
        times; after that it is recorded as an error and the engine's order timeouts
        take over. A place or amend is not sent again once the kill switch has tripped.
    stop_timeout_s : float
        How long a stop (or a failure) waits for the venue to answer its cancels, in the
        session clock's time.
    yield_every : int
        Events handled before the loop yields to other tasks (panels, controls).
    resync_lookback_s : float
        How far back a resync asks the venue for fills, seconds.
    spec : object, optional
        What the session trades and how it was built (:func:`workbench.session` sets a
        :class:`~workbench.sessions.SessionSpec`), for panels; the session never reads it.

    Attributes
    ----------
    state : SessionState
    stats : SessionStats
    error : str or None
        Why the session failed.
    """

    def __init__(self, engine: Any, venue: Venue, source: AsyncIterator[MarketEvent],
                 clock: Clock | None = None, mode: str = "paper",
                 timer_interval_s: float = 0.1, retry_base_s: float = 0.05,
                 max_retries: int = 5, stop_timeout_s: float = 5.0,
                 yield_every: int = 256, resync_lookback_s: float = 600.0,
                 spec: Any = None) -> None:
        self.engine = engine
        self.spec = spec
        self.venue = venue
        self.source = source
        self.clock = clock or WallClock()
        self.mode = mode
        self.state = SessionState.CREATED
        self.stats = SessionStats()
        self.error: str | None = None
        self._simulated = hasattr(self.clock, "advance_to")
        self._timer_ns = int(timer_interval_s * 1e9)
        self._retry_base_ns = int(retry_base_s * 1e9)
        self._max_retries = max_retries
        self._stop_timeout_ns = int(stop_timeout_s * 1e9)
        self._yield_every = max(1, yield_every)
        self._retries: list[tuple[int, int, Command]] = []  # (due_ns, attempt, command)
        self._stepper = Stepper(engine, venue, self.clock, self._timer_ns,
                                send=lambda command, now: self._send(command, now, 0))
        self._controls: deque[tuple[str, Callable[[int], list[Command]]]] = deque()
        self._wake = asyncio.Event()
        self._stop = False
        self._task: asyncio.Task | None = None
        self._last_event_wall: dict[str, int] = {}
        self._rate: deque[tuple[int, int]] = deque(maxlen=64)  # (wall_ns, events)
        self._next_timer_ns = 0  # the idle timer's next run (wall clock)
        self._resyncs: list[str] = []
        self._lookback_ns = int(resync_lookback_s * 1e9)
        if hasattr(venue, "resync_listener"):
            venue.resync_listener = self.request_resync

    # -- controls ------------------------------------------------------------------------
    def start(self) -> asyncio.Task:
        """Schedule the session on the running event loop and return its task.

        Raises
        ------
        RuntimeError
            If no loop is running (outside Jupyter use ``await session.run()``).
        WorkbenchError
            If the session was started before.
        """
        if self._task is not None or self.state is not SessionState.CREATED:
            raise WorkbenchError(f"session already started (state {self.state.value})")
        loop = asyncio.get_running_loop()
        self._task = loop.create_task(self.run(), name="workbench-session")
        return self._task

    def pause(self, pull_quotes: bool = True) -> None:
        """Stop quoting, between two events: pull the quotes (default) or hold them.

        Market data, reports, timers, order timeouts, the stale-data pull and the kill
        switch keep working while paused.
        """
        if self.state not in (SessionState.CREATED, SessionState.RUNNING,
                              SessionState.PAUSED):
            return
        self.state = SessionState.PAUSED
        if pull_quotes:
            self._control("pause", lambda now: self.engine.pull_quotes("paused", now))
        else:
            self._control("pause", lambda now: self.engine.hold_quotes("paused", now))

    def resume(self) -> None:
        """Quote again after :meth:`pause`."""
        if self.state is SessionState.PAUSED:
            self.state = SessionState.RUNNING
            self._control("resume", self.engine.resume_quoting)

    async def stop(self, timeout_s: float | None = None) -> None:
        """Cancel every working order, wait for the answers, end the task.

        ``timeout_s`` bounds the wait for the venue's answers (default: the session's
        ``stop_timeout_s``). Stopping a session that has ended does nothing.
        """
        self.request_stop(timeout_s)
        if self._task is not None:
            with contextlib.suppress(asyncio.CancelledError):
                await asyncio.shield(self._task)

    def request_stop(self, timeout_s: float | None = None) -> None:
        """Ask the session to stop after the current event, without waiting for it (for
        callbacks that cannot await, such as a button's); :meth:`stop` waits."""
        if timeout_s is not None:
            self._stop_timeout_ns = int(timeout_s * 1e9)
        self._stop = True
        self._wake.set()

    def request_resync(self, reason: str) -> None:
        """The venue's link was lost and is back: pull quotes, fetch the venue's open
        orders, positions and recent fills, square the engine with them, quote again.
        Done between events; a venue calls it through its ``resync_listener``."""
        self._resyncs.append(reason)
        self._wake.set()

    def kill(self, reason: str = "manual", flatten: bool = False) -> None:
        """Trip the kill switch between events: cancel everything (and flatten if asked),
        refuse new orders until :meth:`rearm`."""
        self._control("kill", lambda now: self.engine.trip_kill_switch(reason, now, flatten))

    def rearm(self) -> None:
        """Allow trading again after a trip (an explicit action, never automatic)."""
        def rearm(now: int) -> list[Command]:
            self.engine.rearm(now)
            return []
        self._control("rearm", rearm)

    def cancel(self, order_id: int) -> None:
        """Cancel one order between events (the maker may quote it again)."""
        self._control("cancel", lambda now: self.engine.cancel_order(order_id, now))

    def set_speed(self, speed: float) -> None:
        """Change the replay speed at once (event seconds per wall second; ``inf`` for
        full speed).

        Raises
        ------
        WorkbenchError
            If the source is not a replay (live data has no speed).
        ValidationError
            If ``speed`` is not > 0.
        """
        set_speed = getattr(self.source, "set_speed", None)
        if set_speed is None:
            raise WorkbenchError(f"a {self.mode} session's data has no replay speed")
        set_speed(speed)

    def set_param(self, name: str, value: Any) -> None:
        """Check a parameter change now and apply it between two events.

        Raises
        ------
        ValidationError
            If the engine refuses the value (its message says why); nothing is queued.
        """
        self.engine.check_param(name, value)

        def apply(now: int) -> list[Command]:
            self.engine.set_param(name, value, now)
            self.stats.params_applied += 1
            self.stats.events_at_param = self.stats.events
            return []
        self._control(f"parameter {name}={value!r}", apply)

    def _control(self, name: str, action: Callable[[int], list[Command]]) -> None:
        self._controls.append((name, action))
        self._wake.set()

    # -- inspection ----------------------------------------------------------------------
    def snapshot(self) -> SessionSnapshot:
        """The session and its engine as plain data."""
        wall = time.time_ns()
        ages = {k: (wall - t) / 1e9 for k, t in self._last_event_wall.items()}
        snap = getattr(self.engine, "snapshot", None)
        orders = getattr(self.engine, "orders", None)
        stats = self.stats
        mean = stats.step_ns_total / stats.steps / 1e3 if stats.steps else float("nan")
        return SessionSnapshot(self.state, self.error, replace(stats, errors=list(stats.errors)),
                               self._events_per_s(), mean, ages,
                               orders.open_orders if orders is not None else 0,
                               snap() if snap is not None else None)

    def _events_per_s(self) -> float:
        rate = self._rate
        if len(rate) < 2:
            return 0.0
        (t0, n0), (t1, n1) = rate[0], rate[-1]
        return (n1 - n0) / ((t1 - t0) / 1e9) if t1 > t0 else 0.0

    # -- the loop ------------------------------------------------------------------------
    async def run(self) -> None:
        """The session's body; returns when the source ends or :meth:`stop` is called.

        A ``KeyboardInterrupt`` raised inside a step (a kernel interrupt) or a cancel of the
        task stops the session the same way as :meth:`stop` (orders cancelled, state
        STOPPED, the interrupt recorded in ``stats.errors``); a cancel is raised again.

        Raises
        ------
        Exception
            Whatever the engine, the venue or the source raised; the session has then
            cancelled its orders (as far as the venue answered) and is FAILED.
        """
        if self.state is SessionState.CREATED:
            self.state = SessionState.RUNNING
        queue: asyncio.Queue = asyncio.Queue(_QUEUE_SIZE)
        reader = asyncio.ensure_future(self._read(queue))
        relay = self._relay_reports()
        try:
            self._next_timer_ns = self.clock.now_ns() + self._timer_ns
            self._engine_call("start", self.mode, self.clock.now_ns())
            await self._loop(queue)
            await self._wind_down("stopping", "")
            self.state = SessionState.STOPPED
        except Exception as exc:
            self.error = f"{type(exc).__name__}: {exc}"
            self.stats.errors.append(self.error)
            await self._wind_down(f"failure: {self.error}", self.error)
            self.state = SessionState.FAILED
            raise
        except (KeyboardInterrupt, asyncio.CancelledError) as exc:
            # a kernel interrupt that landed in a step, or the task cancelled: a stop
            self.stats.errors.append(f"interrupted ({type(exc).__name__}): stopped")
            await self._wind_down("interrupted", "")
            self.state = SessionState.STOPPED
            if isinstance(exc, asyncio.CancelledError):
                raise
        finally:
            reader.cancel()
            if relay is not None:
                relay.cancel()
            closer = getattr(self.source, "stop", None)  # live feeds: close the sockets
            if closer is not None and inspect.iscoroutinefunction(closer):
                with contextlib.suppress(Exception):
                    await closer()

    async def _read(self, queue: asyncio.Queue) -> None:
        """Move the source's events into ``queue``; an end or an error goes last."""
        try:
            async for event in self.source:
                await queue.put(event)
                self._wake.set()
            await queue.put(_END)
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # handed to the loop, which fails the session with it
            await queue.put(exc)
        self._wake.set()

    def _relay_reports(self) -> asyncio.Task | None:
        ready = getattr(self.venue, "reports_ready", None)
        if not isinstance(ready, asyncio.Event):
            return None

        async def relay() -> None:
            while True:
                await ready.wait()
                ready.clear()
                self._wake.set()
        return asyncio.ensure_future(relay())

    async def _loop(self, queue: asyncio.Queue) -> None:
        stepper, stats = self._stepper, self.stats
        while not self._stop:
            if self._resyncs:
                await self._resync()
            self._between_events()
            handled = 0
            while not queue.empty() and not self._stop:
                item = queue.get_nowait()
                if item is _END:
                    return
                if isinstance(item, Exception):
                    raise item
                self._step(stepper.market, item)
                stats.events = stepper.events
                self._last_event_wall[f"{item.venue} {item.symbol}"] = time.time_ns()
                self._between_events()
                handled += 1
                if handled >= self._yield_every:
                    break
            self._rate.append((time.time_ns(), stats.events))
            if handled >= self._yield_every:
                await asyncio.sleep(0)
                continue
            if self._stop:
                return
            timeout = self._idle_timeout_s()
            if timeout is None:
                await self._wake.wait()
            else:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), timeout)
            self._wake.clear()
            if not self._simulated and queue.empty() and not self._controls:
                now = self.clock.now_ns()
                if now >= self._next_timer_ns:  # idle for a timer interval
                    self._next_timer_ns = now + self._timer_ns
                    self._step(stepper.timer)
                else:  # woken by a report (or a retry): hand over what has arrived
                    self._step(stepper.deliver_until, now)

    def _idle_timeout_s(self) -> float | None:
        """How long to wait for a wake-up: until the timer or the next due report (wall
        clock); forever on a simulated clock, where time passes only with events."""
        if self._simulated:
            return None
        now = self.clock.now_ns()
        wait_ns = max(self._next_timer_ns - now, 0)
        due = self.venue.next_report_ns()
        if due is not None:
            wait_ns = min(wait_ns, max(due - now, 0))
        if self._retries:
            wait_ns = min(wait_ns, max(min(r[0] for r in self._retries) - now, 0))
        return wait_ns / 1e9

    def _between_events(self) -> None:
        controls = self._controls
        while controls:
            name, action = controls.popleft()
            now = self.clock.now_ns()
            try:
                commands = action(now)
            except (WorkbenchError, ValueError) as exc:
                self.stats.errors.append(f"{name} refused: {exc}")
                continue
            self._stepper.submit(commands, now)
        if self._retries:
            now = self.clock.now_ns()
            due = [r for r in self._retries if r[0] <= now]
            self._retries = [r for r in self._retries if r[0] > now]
            for _, attempt, command in due:
                self._send(command, now, attempt)

    def _step(self, step: Callable[..., None], *args: Any) -> None:
        started = time.perf_counter_ns()
        step(*args)
        elapsed = time.perf_counter_ns() - started
        stats = self.stats
        stats.last_step_ns = elapsed
        stats.step_ns_total += elapsed
        stats.steps += 1
        if elapsed > stats.max_step_ns:
            stats.max_step_ns = elapsed
        stats.reports = self._stepper.reports

    async def _resync(self) -> None:
        reason = "; ".join(self._resyncs)
        self._resyncs.clear()
        engine, venue, stepper = self.engine, self.venue, self._stepper
        now = self.clock.now_ns()
        stepper.submit(engine.begin_resync(reason, now), now)
        open_orders = await _answer(venue.open_orders())
        positions = await _answer(venue.positions())
        fills = await _answer(venue.fills_since(now - self._lookback_ns))
        now = self.clock.now_ns()
        stepper.submit(engine.finish_resync(open_orders, positions, fills, now), now)

    # -- winding down --------------------------------------------------------------------
    async def _wind_down(self, reason: str, failure: str) -> None:
        """Cancel everything and wait (bounded) for the venue's answers."""
        self.state = SessionState.STOPPING
        now = self.clock.now_ns()
        self._retries = [r for r in self._retries if type(r[2]) is Cancel]
        self._submit_safely(self._cancels_for_stop(reason, now, failure), now)
        deadline = now + self._stop_timeout_ns
        while self._live_orders() and not self._gave_up(deadline):
            if self._simulated:
                due = self.venue.next_report_ns()
                if due is None or due > deadline:
                    break
                if not self._safely(self._stepper.deliver_until, due):
                    break
            else:
                due = self.venue.next_report_ns()
                wait_ns = min(self._timer_ns, max(deadline - self.clock.now_ns(), 0))
                if due is not None:
                    wait_ns = min(wait_ns, max(due - self.clock.now_ns(), 0))
                self._wake.clear()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), wait_ns / 1e9)
                if not self._safely(self._stepper.timer):
                    break
            self._between_events()
        left = self._live_orders()
        if left:
            self.stats.errors.append(
                f"{reason}: {len(left)} order(s) still live after "
                f"{self._stop_timeout_ns / 1e9:g} s: {sorted(left)}")
        self.stats.reports = self._stepper.reports
        with contextlib.suppress(Exception):
            self._engine_call("stop", self.mode, self.clock.now_ns(), failure)

    def _gave_up(self, deadline_ns: int) -> bool:
        return self.clock.now_ns() >= deadline_ns

    def _cancels_for_stop(self, reason: str, now: int, failure: str) -> list[Command]:
        """The engine's own stop (pull everything); failing that, its order manager's
        cancels, built without its decision logic."""
        engine = self.engine
        if not failure:
            return self.engine.pull_quotes(reason, now, everything=True)
        for attempt in (lambda: engine.pull_quotes(reason, now, everything=True),
                        lambda: engine.cancel_everything(now, reason)):
            try:
                return attempt()
            except Exception as exc:  # the engine is failing: try a plainer way
                self.stats.errors.append(f"{reason}: cancel-all raised {exc!r}")
        orders = getattr(engine, "orders", None)
        if orders is None:
            return []
        return [Cancel(o.order_id, o.venue, o.symbol, now, reason)
                for o in orders.live_orders() if o.in_flight is None]

    def _live_orders(self) -> list[int]:
        orders = getattr(self.engine, "orders", None)
        return [o.order_id for o in orders.live_orders()] if orders is not None else []

    def _submit_safely(self, commands: list[Command], now: int) -> None:
        for command in commands:
            try:
                self._send(command, now, 0)
            except Exception as exc:  # keep cancelling the others
                self.stats.errors.append(f"cancel of {command.order_id} raised {exc!r}")

    def _safely(self, step: Callable[..., None], *args: Any) -> bool:
        try:
            step(*args)
            return True
        except Exception as exc:  # winding down: record it, stop waiting
            self.stats.errors.append(f"while stopping: {type(exc).__name__}: {exc}")
            return False

    def _engine_call(self, name: str, *args: Any) -> None:
        method = getattr(self.engine, name, None)
        if method is not None:
            method(*args)

    # -- sending -------------------------------------------------------------------------
    def _send(self, command: Command, now_ns: int, attempt: int) -> None:
        if attempt and type(command) in (Place, Amend) and self._halted():
            kind = CommandKind.PLACE if type(command) is Place else CommandKind.AMEND
            reason = "halted: retry not sent, the kill switch tripped"
            self._stepper.submit(self.engine.on_reports(
                [Rejected(command.order_id, kind, reason, now_ns)], now_ns), now_ns)
            return
        try:
            self.venue.submit(command, now_ns)
            self.stats.commands += 1
        except TransientError as exc:
            if attempt >= self._max_retries:
                self.stats.errors.append(f"gave up after {attempt} retries: {exc}")
                return
            due = now_ns + self._retry_base_ns * 2**attempt
            self._retries.append((due, attempt + 1, command))
            self._wake.set()

    def _halted(self) -> bool:
        ks = getattr(self.engine, "kill_switch", None)
        return ks is not None and ks.halted


async def _answer(value: Any) -> Any:
    """``value``, awaited if it is awaitable (a connector's view over the network)."""
    return await value if inspect.isawaitable(value) else value
