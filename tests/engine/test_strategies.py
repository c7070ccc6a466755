"""The engine runs the maker, the taker or both: in backtests, in paper, with the PnL of
each strategy accounted apart (net of its own fees) and adding up to the portfolio's."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from tests.engine.drive import run_in_session
from workbench.core import ValidationError
from workbench.data.binance.feed import replay_streams
from workbench.data.binance.instruments import SYNC_RULES, binance_instrument
from workbench.engine import Engine, EngineConfig, backtest, default_risk_limits
from workbench.engine.attribution import StrategyRecorder, strategy_of
from workbench.engine.demo import DEMO_FEES, DEMO_ORDERS, DEMO_QUOTE
from workbench.execution.sim import ConservativeQueue, ConstantLatency
from workbench.strategies import MakerParams, TakerParams

N_EVENTS = 30_000
KEYS = (("binance-spot", "BTCUSDT"), ("binance-usdm", "BTCUSDT"), ("binance-coinm", "BTCUSD_PERP"))
INSTRUMENTS = tuple(binance_instrument(*k) for k in KEYS)
LATENCY = ConstantLatency(5_000_000, 5_000_000)
MAKER = MakerParams(model="glft")
TAKER = TakerParams(fee_bps=5.0, margin_bps=0.5)


@pytest.fixture(scope="module")
def events(sample_files):
    return list(itertools.islice(replay_streams(sample_files), N_EVENTS))


def run(events, strategy):
    return backtest(events, DEMO_QUOTE, MAKER, instruments=INSTRUMENTS, fees=DEMO_FEES,
                    latency=LATENCY, queue=ConservativeQueue(), orders=DEMO_ORDERS, seed=3,
                    strategy=strategy, taker=TAKER)


@pytest.fixture(scope="module")
def runs(events):
    return {s: run(events, s) for s in ("maker", "taker", "both")}


def _labels(result):
    reasons = result.recorder.place_reasons
    return np.array([strategy_of(reasons[i]) for i in result.fills["order_id"]])


def test_the_taker_alone_only_crosses_the_spread(runs):
    r = runs["taker"]
    f = r.fills
    assert len(f) >= 5
    assert set(f["liquidity"]) == {"taker"}
    assert all(reason.startswith("take:") for reason in r.recorder.place_reasons.values())
    notional = f["price"] * f["size"]
    np.testing.assert_allclose(f["fee"], notional * DEMO_FEES.taker_bps * 1e-4, rtol=1e-12)
    path = np.cumsum(f["side"] * f["size_lots"])
    assert np.abs(path).max() <= TAKER.max_long_lots
    s = r.summary()
    assert s["strategy"] == "taker" and s["taker_thresholds"] == TAKER.to_dict()
    assert s["pnl_by_strategy"]["taker"]["pnl_quote"] == pytest.approx(s["equity_quote"],
                                                                         abs=1e-9)
    assert s["pnl_by_strategy"]["maker"]["fills"] == 0


def test_both_quote_and_take_on_the_same_signals(runs):
    r = runs["both"]
    labels = _labels(r)
    assert np.count_nonzero(labels == "maker") > 20 and np.count_nonzero(labels == "taker") >= 5
    f = r.fills
    assert set(f["liquidity"][labels == "maker"]) == {"maker"}
    assert set(f["liquidity"][labels == "taker"]) == {"taker"}
    # every taker order of the combined run is one the taker alone would send on the same
    # snapshot: its reasons are taker reasons, its sizes within the taker's cap
    assert f["size_lots"][labels == "taker"].max() <= TAKER.max_size_lots
    assert runs["maker"].summary()["taker_thresholds"] is None


@pytest.mark.parametrize("strategy", ["maker", "taker", "both"])
def test_strategy_pnl_adds_up_to_the_portfolio_and_to_a_cash_flow_count(runs, strategy):
    r = runs[strategy]
    table = r.strategy_pnl()
    assert table["pnl_quote"].sum() == pytest.approx(r.engine.portfolio.equity_quote, abs=1e-6)
    assert table["fees_quote"].sum() == pytest.approx(r.fills["fee"].sum(), rel=1e-12)
    mark = r.engine.portfolio.mark_price(DEMO_QUOTE)
    labels = _labels(r)
    f = r.fills
    for group in ("maker", "taker"):
        g = f[labels == group]
        cash = float(-(g["side"] * g["price"] * g["size"]).sum() - g["fee"].sum())
        held = float((g["side"] * g["size"]).sum())
        assert table.loc[group, "pnl_quote"] == pytest.approx(cash + held * mark, abs=1e-6)
        assert table.loc[group, "fills"] == len(g)


def test_paper_session_runs_both_strategies_as_the_backtest_does(events, runs):
    quoted = binance_instrument(*DEMO_QUOTE)
    config = EngineConfig(INSTRUMENTS, DEMO_QUOTE, MAKER,
                          default_risk_limits(quoted, MAKER, taker=TAKER), SYNC_RULES,
                          orders=DEMO_ORDERS, strategy="both", taker=TAKER)
    recorder = StrategyRecorder(quoted)
    engine = Engine(config, recorder=recorder)
    run_in_session(engine, events, INSTRUMENTS, LATENCY)
    assert recorder.fills_frame().equals(runs["both"].fills)
    # The same orders for the same reasons; the backtest may place a few more in its last
    # moments, which a session that ends pulls instead.
    assert recorder.place_reasons.items() <= runs["both"].recorder.place_reasons.items()
    assert len(recorder.place_reasons) >= len(runs["both"].recorder.place_reasons) - 10


def test_an_unknown_strategy_is_refused():
    quoted = binance_instrument(*DEMO_QUOTE)
    with pytest.raises(ValidationError, match="strategy"):
        EngineConfig(INSTRUMENTS, DEMO_QUOTE, MAKER, default_risk_limits(quoted, MAKER),
                     SYNC_RULES, strategy="arbitrage")
