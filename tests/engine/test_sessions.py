"""``workbench.session``: one call to a replay or paper session; live is refused.

The replay session is checked against an independent run of the same events: a
backtest through :func:`workbench.backtest` (the synchronous replay driver) with the same
parameters and seed gives the same fills, so the session's pacing, its task and its
controls change nothing about what the engine decides.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import math

import numpy as np
import pytest

import workbench
from workbench.core import Side, Trade, ValidationError, WorkbenchError
from workbench.data.binance.feed import replay_streams
from workbench.data.binance.instruments import binance_instrument
from workbench.engine import replay_source
from workbench.engine.demo import DEMO_FEES, DEMO_MAKER, DEMO_ORDERS
from workbench.engine.replay_source import ReplaySource
from workbench.execution.sim import ConservativeQueue, ConstantLatency

N_EVENTS = 25_000


def run(session):
    async def main():
        session.start()
        await session._task
    asyncio.run(main())
    return session


def test_replay_session_gives_the_backtests_fills(sample_files):
    s = run(workbench.session("replay", speed=math.inf, max_events=N_EVENTS))
    assert s.state.value == "stopped" and s.stats.events == N_EVENTS
    keys = [i.key for i in s.spec.instruments]
    ref = workbench.backtest(list(itertools.islice(replay_streams(sample_files), N_EVENTS)),
                             s.spec.quote, DEMO_MAKER,
                             instruments=[binance_instrument(*k) for k in keys],
                             fees=DEMO_FEES, latency=ConstantLatency(5_000_000, 5_000_000),
                             queue=ConservativeQueue(), orders=DEMO_ORDERS, seed=7)
    got = s.spec.recorder.fills_frame()
    assert len(ref.fills) > 10
    cols = ["ts_ns", "side", "price_ticks", "size_lots"]
    assert got[cols].to_numpy().tolist() == ref.fills[cols].to_numpy().tolist()
    summary = workbench.session_summary(s)
    assert summary["fills"] == len(ref.fills) and summary["state"] == "stopped"
    assert s.snapshot().open_orders == 0  # the end of the data cancels everything


def test_live_mode_is_refused_and_bad_arguments_are_named():
    with pytest.raises(WorkbenchError, match="live mode is not available"):
        workbench.session("live", venue="binanceusdm", symbol="BTC/USDT:USDT")
    with pytest.raises(ValidationError, match="mode must be one of"):
        workbench.session("backtest")
    with pytest.raises(ValidationError, match="strategy must be one of"):
        workbench.session(strategy="momentum")
    for bad in (0, -1.0, float("nan"), "fast"):
        with pytest.raises(ValidationError, match="replay speed"):
            workbench.session(speed=bad)
    with pytest.raises(ValidationError, match="not among the data's streams"):
        workbench.session(symbol="ETHUSDT")
    with pytest.raises(ValidationError, match="unknown risk limits"):
        workbench.session(risk={"max_los_quote": 1.0})
    with pytest.raises(ValidationError, match="risk limits refused"):
        workbench.session(risk={"max_loss_quote": -5.0})
    with pytest.raises(ValidationError, match="paper mode needs"):
        workbench.session("paper")


def test_parameter_file_and_risk_overrides_reach_the_engine(tmp_path):
    path = workbench.write_params_file(tmp_path / "p.yaml", {"glft_params.gamma": 0.25,
                                                             "ladder.levels": 3})
    s = workbench.session(params=path, risk={"max_loss_quote": 40.0, "max_position_lots": 30})
    assert s.engine.params.glft_params.gamma == 0.25 and s.engine.params.ladder.levels == 3
    limits = s.engine.config.risk
    assert limits.max_loss_quote == 40.0
    assert limits.instruments[s.spec.quote].max_position_lots == 30
    assert s.spec.params_path == str(path) and s.spec.mode == "replay"


def _trades(n, step_ns):
    return [Trade(i * step_ns, i * step_ns, "v", "S", 100, 1, Side.BUY, i) for i in range(n)]


class _WallClock:
    """A wall clock that moves only when the replay sleeps, by what it asked for."""

    def __init__(self) -> None:
        self.now_s = 100.0

    def monotonic(self) -> float:
        return self.now_s

    async def sleep(self, seconds: float) -> None:
        self.now_s += seconds
        await asyncio.sleep(0)


def test_replay_source_paces_at_its_speed_and_takes_a_new_speed_at_once(monkeypatch):
    clock = _WallClock()
    monkeypatch.setattr(replay_source, "time", clock)
    monkeypatch.setattr(replay_source, "asyncio", clock)

    async def main():
        src = ReplaySource(_trades(41, 10_000_000), speed=2.0)  # 0.4 s of events
        stamps = []
        async for event in src:
            stamps.append(clock.monotonic() - 100.0)
            if event.trade_id == 20:  # 0.2 s of event time at 2x: 0.1 s of wall time
                src.set_speed(0.5)   # the next 0.2 s at half speed: 0.4 s
        return np.asarray(stamps)
    stamps = asyncio.run(main())
    assert stamps[20] == pytest.approx(0.1, abs=1e-9)
    assert stamps[40] - stamps[20] == pytest.approx(0.4, abs=1e-9)
    assert np.all(np.diff(stamps[:21]) == pytest.approx(0.005, abs=1e-9))


def test_set_speed_is_checked_at_once_and_refused_without_a_replay():
    s = workbench.session()
    with pytest.raises(ValidationError):
        s.set_speed(0)
    s.set_speed(math.inf)
    assert s.source.speed == math.inf

    class Live:
        def __aiter__(self):
            return self
    s.source = Live()
    with pytest.raises(WorkbenchError, match="no replay speed"):
        s.set_speed(2.0)


def test_paper_session_is_built_over_live_feeds_without_connecting():
    s = workbench.session("paper", venue="binanceusdm", symbol="BTC/USDT:USDT",
                          also=["binance:BTC/USDT"])
    assert s.state.value == "created" and s.mode == "paper" and s.spec.venue == "paper"
    assert [i.key for i in s.spec.instruments] == [("binance-usdm", "BTCUSDT"),
                                                    ("binance-spot", "BTCUSDT")]
    assert type(s.source).__name__ == "LiveSource" and not s.source._tasks
    with pytest.raises(WorkbenchError, match="no replay speed"):
        s.set_speed(2.0)
    with pytest.raises(ValidationError, match="venue:symbol"):
        workbench.session("paper", venue="binanceusdm", symbol="BTC/USDT:USDT",
                          also=["BTC/USDT"])


@pytest.mark.parametrize("interrupt", ["keyboard", "cancel"])
def test_an_interrupt_inside_a_step_stops_the_session_with_no_order_left(interrupt):
    s = workbench.session(speed=math.inf)
    market, calls = s.engine.on_market, {"n": 0}

    def step(event):
        calls["n"] += 1
        if calls["n"] == 15_000 and interrupt == "keyboard":
            raise KeyboardInterrupt
        return market(event)
    s.engine.on_market = step

    async def main():
        task = s.start()
        while s.snapshot().open_orders == 0 or calls["n"] < 12_000:
            await asyncio.sleep(0.001)
        if interrupt == "cancel":
            task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
    asyncio.run(main())
    assert s.state.value == "stopped" and s.stats.errors[-1].startswith("interrupted")
    assert s.snapshot().open_orders == 0 and not list(s.venue.open_orders())
