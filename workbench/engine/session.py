"""A running engine inside an asyncio loop (Jupyter's own), for paper and live modes.

:class:`Session` pulls market events from an async source, feeds a simulated venue
(paper) or a real one (live), steps the engine and submits its commands. It never
blocks the loop and never installs a loop policy: :meth:`Session.start` schedules a task
on the loop that is already running. Controls (pause, resume, stop, parameter changes)
are applied between two events, never in the middle of one, and the engine works the
same with or without anything watching it.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from workbench.core.clock import Clock, WallClock
from workbench.core.commands import Command
from workbench.core.errors import TransientError, WorkbenchError
from workbench.core.events import MarketEvent
from workbench.engine.protocols import EngineCore
from workbench.engine.replay_driver import Stepper
from workbench.execution.venue import Venue


class SessionState(StrEnum):
    """Lifecycle of a session."""

    CREATED = "created"
    RUNNING = "running"
    PAUSED = "paused"
    STOPPED = "stopped"
    FAILED = "failed"


@dataclass
class SessionStats:
    """Counters a panel can show; latencies in ns of wall time."""

    events: int = 0
    commands: int = 0
    reports: int = 0
    errors: list[str] = field(default_factory=list)
    last_step_ns: int = 0
    max_step_ns: int = 0


class Session:
    """Drive ``engine`` from ``source`` against ``venue`` as a task on the running loop.

    Parameters
    ----------
    engine : EngineCore
        The synchronous engine step.
    venue : Venue
        Where commands go; a simulated venue (paper) also sees every market event.
    source : async iterator of MarketEvent
        Live market data (or a recorded replay, for paper-on-replay).
    clock : Clock
        Wall clock by default; a :class:`SimulatedClock` runs on event time, which makes a
        paper run on recorded data give the backtest's fills.
    apply_params : callable, optional
        ``apply_params(name, value)`` applies one parameter change to the engine; called
        between events for every change queued with :meth:`set_param`. Defaults to the
        engine's own ``set_param(name, value, now_ns)`` when it has one.
    timer_interval_s : float
        How often the engine's timer runs when no event arrives.
    retry_base_s, max_retries : float, int
        A command refused with a :class:`TransientError` is sent again after
        ``retry_base_s * 2**attempt`` seconds, at most ``max_retries`` times; after that it
        is recorded as an error and the engine's order timeouts take over.
    """

    def __init__(self, engine: EngineCore, venue: Venue, source: AsyncIterator[MarketEvent],
                 clock: Clock | None = None,
                 apply_params: Callable[[str, Any], None] | None = None,
                 timer_interval_s: float = 0.1, retry_base_s: float = 0.05,
                 max_retries: int = 5) -> None:
        self.engine = engine
        self.venue = venue
        self.source = source
        self.clock = clock or WallClock()
        self.state = SessionState.CREATED
        self.stats = SessionStats()
        if apply_params is None and hasattr(engine, "set_param"):
            def apply_params(name: str, value: Any) -> None:
                engine.set_param(name, value, self.clock.now_ns())
        self._apply_params = apply_params
        self._pending_params: list[tuple[str, Any]] = []
        self._timer_s = timer_interval_s
        self._retry_base_ns = int(retry_base_s * 1e9)
        self._max_retries = max_retries
        self._retries: list[tuple[int, int, Command]] = []  # (due_ns, attempt, command)
        self._stepper = Stepper(engine, venue, self.clock, int(timer_interval_s * 1e9),
                                send=lambda command, now: self._send(command, now, 0))
        self._resume = asyncio.Event()
        self._resume.set()
        self._stop = False
        self._task: asyncio.Task | None = None

    # -- controls ------------------------------------------------------------------------
    def start(self) -> asyncio.Task:
        """Schedule the session on the running event loop and return its task.

        Raises
        ------
        RuntimeError
            If no loop is running (outside Jupyter use ``await session.run()``).
        """
        if self._task is not None:
            raise WorkbenchError("session already started")
        loop = asyncio.get_running_loop()
        self._task = loop.create_task(self.run(), name="workbench-session")
        return self._task

    def pause(self) -> None:
        """Stop stepping after the current event; market data is held, not dropped."""
        self._resume.clear()
        if self.state is SessionState.RUNNING:
            self.state = SessionState.PAUSED

    def resume(self) -> None:
        """Continue after :meth:`pause`."""
        if self.state is SessionState.PAUSED:
            self.state = SessionState.RUNNING
        self._resume.set()

    async def stop(self) -> None:
        """Stop after the current event and wait for the task to end."""
        self._stop = True
        self._resume.set()
        if self._task is not None:
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    def set_param(self, name: str, value: Any) -> None:
        """Queue a parameter change, applied between two events."""
        if self._apply_params is None:
            raise WorkbenchError("this session takes no parameter changes")
        self._pending_params.append((name, value))

    # -- the loop ------------------------------------------------------------------------
    async def run(self) -> None:
        """The session's body; returns when the source ends or :meth:`stop` is called."""
        self.state = SessionState.RUNNING
        source = aiter(self.source)
        pending: asyncio.Task | None = None
        stepper = self._stepper
        try:
            while not self._stop:
                await self._resume.wait()
                if self._stop:
                    break
                # The pending read survives a timer tick: cancelling it would close the
                # source (an async generator is finalised by a cancelled anext).
                if pending is None:
                    pending = asyncio.ensure_future(anext(source))
                done, _ = await asyncio.wait({pending}, timeout=self._timer_s)
                if not done:
                    self._between_events()
                    self._timed(stepper.timer)
                    continue
                read, pending = pending, None
                try:
                    event = read.result()
                except StopAsyncIteration:
                    break
                self._between_events()
                self._timed(lambda e=event: stepper.market(e))
                self.stats.events = stepper.events
            stepper.finish()
            self.stats.reports = stepper.reports
            self.state = SessionState.STOPPED
        except Exception as exc:
            self.state = SessionState.FAILED
            self.stats.errors.append(f"{type(exc).__name__}: {exc}")
            raise
        finally:
            if pending is not None:
                pending.cancel()

    def _between_events(self) -> None:
        while self._pending_params:
            name, value = self._pending_params.pop(0)
            try:
                self._apply_params(name, value)
            except (WorkbenchError, ValueError) as exc:
                self.stats.errors.append(f"parameter {name}={value!r} refused: {exc}")
        if self._retries:
            now = self.clock.now_ns()
            due = [r for r in self._retries if r[0] <= now]
            self._retries = [r for r in self._retries if r[0] > now]
            for _, attempt, command in due:
                self._send(command, now, attempt)

    def _timed(self, step: Callable[[], None]) -> None:
        started = time.perf_counter_ns()
        step()
        elapsed = time.perf_counter_ns() - started
        self.stats.last_step_ns = elapsed
        self.stats.max_step_ns = max(self.stats.max_step_ns, elapsed)

    def _send(self, command: Command, now_ns: int, attempt: int) -> None:
        try:
            self.venue.submit(command, now_ns)
            self.stats.commands += 1
        except TransientError as exc:
            if attempt >= self._max_retries:
                self.stats.errors.append(f"gave up after {attempt} retries: {exc}")
                return
            due = now_ns + self._retry_base_ns * 2**attempt
            self._retries.append((due, attempt + 1, command))
