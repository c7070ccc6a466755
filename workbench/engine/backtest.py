"""``workbench.backtest``: recorded data through the engine and the simulated exchange."""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from workbench.core.clock import SimulatedClock
from workbench.core.events import MarketEvent
from workbench.core.instruments import Instrument
from workbench.data.binance.feed import group_streams, replay_streams
from workbench.data.binance.instruments import SYNC_RULES, binance_instrument
from workbench.engine.attribution import StrategyRecorder, strategy_pnl
from workbench.engine.config import EngineConfig
from workbench.engine.core import Engine
from workbench.engine.replay_driver import run_replay
from workbench.estimators.stack import StackParams
from workbench.execution.journal import SqliteJournal
from workbench.execution.orders.config import OrderManagerConfig
from workbench.execution.risk import InstrumentLimits, RiskLimits
from workbench.execution.sim import (
    ConservativeQueue,
    ConstantLatency,
    FeedLatency,
    FeeSchedule,
    LatencyModel,
    QueueModel,
    SimExchange,
)
from workbench.strategies.hedger import HedgeParams
from workbench.strategies.maker import MakerParams
from workbench.strategies.taker import TakerParams

#: A limit in quote currency no research run reaches (limits must be finite).
UNBOUNDED_QUOTE = 1e18


def default_risk_limits(instrument: Instrument, maker: MakerParams,
                        hedge_on: Sequence[Instrument] = (),
                        taker: TakerParams | None = None) -> RiskLimits:
    """Limits that let ``maker`` (and ``taker``) work as configured and stop them beyond.

    Hedge instruments get the same position limit in base units, converted to their lots
    one for one (lots of another size: pass your own limits).

    Position: the maker's hard inventory limit (or the taker's larger limit); order
    size: the ladder, join or take size; open orders: both ladders twice over (requotes
    in flight); band: 500 bps; notional, loss and drawdown: :data:`UNBOUNDED_QUOTE`, i.e.
    no limit for research (set your own for paper and live).
    """
    ladder = maker.ladder
    max_order = max(ladder.size_lots, maker.guard.join_max_lots)
    max_position = maker.inventory.hard_limit_lots
    if taker is not None:
        max_order = max(max_order, taker.max_size_lots)
        max_position = max(max_position, taker.max_long_lots, taker.max_short_lots)
    per_instrument = InstrumentLimits(
        max_position_lots=max_position,
        max_notional_quote=UNBOUNDED_QUOTE,
        max_order_lots=max_order,
        price_band_bps=500.0,
        max_open_orders=4 * ladder.levels + 2,
    )
    limits = {instrument.key: per_instrument}
    for other in hedge_on:
        limits[other.key] = dataclasses.replace(
            per_instrument, max_position_lots=1_000_000, max_order_lots=1_000_000)
    return RiskLimits(limits,
                      max_total_notional_quote=UNBOUNDED_QUOTE,
                      max_loss_quote=UNBOUNDED_QUOTE, max_drawdown_quote=UNBOUNDED_QUOTE,
                      orders_per_s=1e6, order_burst=1_000_000)


@dataclass
class BacktestResult:
    """What a backtest did.

    Attributes
    ----------
    fills : DataFrame
        One row a fill (see :meth:`RunRecorder.fills_frame`).
    series : DataFrame
        Sampled time series: mid, our best quotes, inventory, equity, volatility,
        toxicity.
    engine : Engine
        The engine at the end (orders, portfolio, kill switch, anomalies).
    events : int
        Events replayed.
    journal_path : Path or None
        The run's journal (SQLite, same format as paper and live).
    """

    fills: pd.DataFrame
    series: pd.DataFrame
    engine: Engine
    recorder: StrategyRecorder
    events: int
    journal_path: Path | None

    def strategy_pnl(self) -> pd.DataFrame:
        """Fills, volume, fees and PnL net of fees of each strategy that placed orders
        (maker quotes, the maker's joins, the taker, the hedger), quote currency; see
        :mod:`workbench.engine.attribution`."""
        e = self.engine
        return strategy_pnl(self.recorder, {i.key: i for i in e.config.instruments},
                            e.portfolio.marks)

    def summary(self) -> dict:
        """Key figures: activity, fill realism, PnL (in all and by strategy, with the
        taker's thresholds when it ran), risk (quote currency)."""
        e, r = self.engine, self.recorder
        inst = e.instrument
        f = self.fills[self.fills["role"] == "quoted"]
        h = self.fills[self.fills["role"] == "hedge"]
        pos = e.portfolio.position(inst.key)
        ages = np.asarray(r.fill_ages_ns, dtype=np.float64) / 1e9
        snap = e.snapshot()
        return {
            "events": self.events,
            "orders_placed": r.commands["place"],
            "cancels": r.commands["cancel"],
            "amends": r.commands["amend"],
            "rejections": sum(r.rejections.values()),
            "rejections_by_reason": dict(r.rejections),
            "fills": len(f),
            "maker_fills": int((f["liquidity"] == "maker").sum()),
            "volume_base": float(f["notional_base"].sum()),
            "volume_quote": float(f["notional_quote"].sum()),
            "hedge_fills": len(h),
            "hedge_volume_base": float(h["notional_base"].sum()),
            "hedge_volume_quote": float(h["notional_quote"].sum()),
            "fees_quote": e.portfolio.fees_quote,
            "inventory_base": pos.size,
            "realised_pnl_quote": e.portfolio.realised_pnl_quote,
            "equity_quote": e.portfolio.equity_quote,
            "max_drawdown_quote": float((self.series["equity"].cummax()
                                         - self.series["equity"]).max())
            if len(self.series) else 0.0,
            "order_age_at_fill_p50_s": float(np.median(ages)) if len(ages) else math.nan,
            "order_age_at_fill_p90_s": (float(np.percentile(ages, 90)) if len(ages)
                                        else math.nan),
            "engine_compute_p50_us": snap.compute_p50_ns / 1e3,
            "engine_compute_p99_us": snap.compute_p99_ns / 1e3,
            "anomalies": snap.anomalies,
            "strategy": e.config.strategy,
            "pnl_by_strategy": self.strategy_pnl().to_dict(orient="index"),
            "taker_thresholds": (e.config.taker.to_dict() if e.config.strategy != "maker"
                                 else None),
        }

    def plot(self, title: str | None = None):
        """A bokeh layout: price with our quotes and fills, inventory, equity."""
        from workbench.analytics.backtest_plot import plot_run

        inst = self.engine.instrument
        return plot_run(self.series, self.fills, title or f"{inst.venue} {inst.symbol}")


def backtest(
    data: Sequence[str | Path] | Iterable[MarketEvent],
    quote: tuple[str, str],
    maker: MakerParams | None = None,
    *,
    instruments: Sequence[Instrument] | None = None,
    risk: RiskLimits | None = None,
    fees: FeeSchedule | None = None,
    latency: LatencyModel | None = None,
    queue: QueueModel | None = None,
    orders: OrderManagerConfig | None = None,
    stack: StackParams | None = None,
    seed: int = 0,
    journal_path: str | Path | None = None,
    sample_ms: float = 100.0,
    hedge: HedgeParams | None = None,
    hedge_on: Sequence[tuple[str, str]] = (),
    strategy: str = "maker",
    taker: TakerParams | None = None,
) -> BacktestResult:
    """Backtest a maker, a taker or both on recorded data, through the same engine as
    paper and live.

    Parameters
    ----------
    data : paths of raw feed files, or an iterable of events in local-time order
        Files are grouped into streams and merged lazily (every stream's books feed the
        fair mid); events need ``instruments``.
    quote : (venue, symbol)
        The instrument to quote.
    maker : MakerParams, optional
        Maker parameters (default: ``MakerParams()``, stationary Avellaneda–Stoikov with
        the defaults calibrated on the recorded BTCUSDT data).
    instruments : sequence of Instrument, optional
        Every stream's instrument (default: looked up from the files).
    risk : RiskLimits, optional
        Default :func:`default_risk_limits`.
    fees : FeeSchedule, optional
        Fees of the quoted instrument (default: 2 bps maker, 5 bps taker).
    latency, queue : optional
        Venue model (default: 5 ms each way for orders and reports, the recorded feed
        latency for market data (``FeedLatency()``: the venue sees each message at its
        exchange time, the engine at its receive time put on the venue's clock),
        conservative queue). With a feed latency the venue keeps books of its own, for
        the instruments the engine may trade (the quoted one and ``hedge_on``); without
        one (``latency.feed`` None) it sees each message when the engine does and shares
        the engine's books.
    orders, stack : optional
        Order manager and estimator settings.
    seed : int
        Seed of the venue's random draws; same data and seed give the same fills.
    journal_path : path, optional
        Write the run's journal (SQLite) there.
    sample_ms : float
        Sampling step of the result's time series.
    hedge, hedge_on : optional
        Keep the net delta inside a band by taking liquidity on the cheapest of
        ``hedge_on`` (see :class:`EngineConfig`).
    strategy : {"maker", "taker", "both"}
        Who trades (see :mod:`workbench.strategies.combined`).
    taker : TakerParams, optional
        The taker's thresholds (default ``TakerParams()``).

    Returns
    -------
    BacktestResult
    """
    maker = maker or MakerParams()
    taker = taker or TakerParams()
    is_files = isinstance(data, Sequence) and all(isinstance(p, (str, Path)) for p in data)
    if instruments is None:
        if not is_files:
            raise TypeError("pass instruments= when data is not a list of files")
        instruments = [binance_instrument(*key) for key in group_streams(data)]
    events = replay_streams(data) if is_files else data
    instruments = tuple(instruments)
    quoted = next((i for i in instruments if i.key == quote), None)
    if quoted is None:
        raise ValueError(f"{quote} is not among the data's streams "
                         f"{[i.key for i in instruments]}")
    hedge_instruments = [i for i in instruments if i.key in set(hedge_on)]
    limits = risk or default_risk_limits(quoted, maker, hedge_instruments,
                                         taker if strategy != "maker" else None)
    config = EngineConfig(instruments, quote, maker, limits, SYNC_RULES,
                          stack or StackParams(), orders or OrderManagerConfig(),
                          hedge=hedge, hedge_on=tuple(hedge_on), strategy=strategy,
                          taker=taker)
    recorder = StrategyRecorder(quoted, sample_ns=int(sample_ms * 1e6),
                                instruments=instruments)
    journal = None
    if journal_path is not None:
        journal = SqliteJournal(journal_path, synchronous="OFF")
    engine = Engine(config, journal, recorder)
    fee = fees or FeeSchedule(maker_bps=2.0, taker_bps=5.0)
    latency = latency or ConstantLatency(5_000_000, 5_000_000, feed=FeedLatency())
    if getattr(latency, "feed", None) is None:
        traded, books = instruments, engine.syncs
    else:
        traded, books = (quoted, *hedge_instruments), None
    venue = SimExchange(traded, {i.key: fee for i in traded}, latency,
                        queue or ConservativeQueue(), SYNC_RULES, seed, books=books)
    clock = SimulatedClock()
    try:
        engine.start("backtest", 0)
        n = run_replay(engine, venue, events, clock, config.timer_interval_ns)
        engine.stop("backtest", clock.now_ns())
    finally:
        if journal is not None:
            journal.close()
    return BacktestResult(recorder.fills_frame(), recorder.series(), engine, recorder, n,
                          Path(journal_path) if journal_path is not None else None)
