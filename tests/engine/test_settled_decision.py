"""A settled decision answered again from what it read equals the decision worked out
afresh: same commands at the same times, same reports, fills and recorded rows."""

from __future__ import annotations

import itertools

import pytest

from workbench.core import SimulatedClock
from workbench.core.commands import Cancel
from workbench.core.events import Side, Trade
from workbench.data.binance.feed import replay_streams
from workbench.data.binance.instruments import SYNC_RULES, binance_instrument
from workbench.engine import Engine, EngineConfig, default_risk_limits
from workbench.engine.demo import DEMO_FEES, DEMO_MAKER, DEMO_ORDERS, DEMO_QUOTE
from workbench.engine.recorder import RunRecorder
from workbench.engine.replay_driver import run_replay
from workbench.execution.sim import ConservativeQueue, ConstantLatency, SimExchange

KEYS = (("binance-spot", "BTCUSDT"), ("binance-usdm", "BTCUSDT"), ("binance-coinm", "BTCUSD_PERP"))
INSTRUMENTS = tuple(binance_instrument(*k) for k in KEYS)
QUOTED = binance_instrument(*DEMO_QUOTE)
LATENCY = ConstantLatency(5_000_000, 5_000_000)


class Counted(Engine):
    """An engine counting the decisions answered from the settled one; ``afresh`` works
    every decision out again."""

    def __init__(self, config: EngineConfig, afresh: bool) -> None:
        super().__init__(config, recorder=RunRecorder(QUOTED, instruments=INSTRUMENTS))
        if afresh:
            self._may_settle = False
        self.answered_again = 0

    def _decide(self, now):
        before = self._settled
        commands = super()._decide(now)
        self.answered_again += before is not None and self._settled is before
        return commands


def replay(events, afresh: bool, book_mid: bool):
    """Run the events; returns the engine and what passed between it and the venue."""
    config = EngineConfig(INSTRUMENTS, DEMO_QUOTE, DEMO_MAKER,
                          default_risk_limits(QUOTED, DEMO_MAKER), SYNC_RULES,
                          orders=DEMO_ORDERS,
                          constant_vol_per_sqrt_s=2e-5 if book_mid else None)
    engine = Counted(config, afresh)
    venue = SimExchange(INSTRUMENTS, {i.key: DEMO_FEES for i in INSTRUMENTS}, LATENCY,
                        ConservativeQueue(), SYNC_RULES, seed=3, books=engine.syncs)
    wire = []
    poll = venue.poll

    def polled(now_ns):
        reports = poll(now_ns)
        wire.append(("reports", now_ns, tuple(reports)))
        return reports

    venue.poll = polled
    run_replay(engine, venue, events, SimulatedClock(),
               on_commands=lambda commands, now: wire.append(("commands", now, tuple(commands))))
    return engine, wire


@pytest.fixture(scope="module")
def events(sample_files):
    return list(itertools.islice(replay_streams(sample_files), 30_000))


@pytest.mark.parametrize("book_mid", [True, False], ids=["book-mid", "stack"])
def test_answering_a_settled_decision_again_changes_nothing(events, book_mid):
    fresh, fresh_wire = replay(events, afresh=True, book_mid=book_mid)
    again, again_wire = replay(events, afresh=False, book_mid=book_mid)
    assert fresh.answered_again == 0
    assert again.answered_again > (len(events) // 3 if book_mid else 0)
    assert len(fresh.recorder.fills) > 5
    assert again_wire == fresh_wire
    assert again.recorder.fills == fresh.recorder.fills
    assert again.recorder.series().equals(fresh.recorder.series())
    assert again.portfolio.equity_quote == fresh.portfolio.equity_quote
    assert again.targets == fresh.targets


def test_quotes_are_pulled_when_the_book_goes_stale_under_trades_alone(events):
    """Trades change nothing a book-mid decision reads but the time: the stale-data pull
    must still come once the quoted book is older than ``stale_after_ns``."""
    head = events[:10_000]
    engine, _ = replay(head, afresh=False, book_mid=True)
    last_ns = engine.ctx.markets[DEMO_QUOTE].last_update_ns
    stale_ns = engine.gate.limits.stale_after_ns
    book = engine.syncs[DEMO_QUOTE].book
    far_ticks = book.best_ask_ticks + 10_000  # a sell printing above every bid: no fill
    start_ns = head[-1].local_ts_ns
    prints = [Trade(t, t, *DEMO_QUOTE, far_ticks, 1, Side.SELL, 10**9 + i)
              for i, t in enumerate(range(start_ns + 1, last_ns + 2 * stale_ns, stale_ns // 50))]
    _, fresh_wire = replay(head + prints, afresh=True, book_mid=True)
    again, again_wire = replay(head + prints, afresh=False, book_mid=True)
    assert again.answered_again > 40  # the prints before the book goes stale
    assert again_wire == fresh_wire
    first_stale_ns = next(p.local_ts_ns for p in prints if p.local_ts_ns > last_ns + stale_ns)
    cancelled_ns = {now for kind, now, batch in again_wire if kind == "commands"
                    for c in batch if isinstance(c, Cancel)}
    assert first_stale_ns in cancelled_ns  # pulled at the first print past the limit
    assert again.pull_reasons and again.pull_reasons[0].startswith("stale")
    assert not list(again.orders.live_orders())
