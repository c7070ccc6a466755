"""``make demo``: the GLFT maker through the engine on the bundled sample, and a summary."""

from __future__ import annotations

import time
from pathlib import Path

from workbench.data.binance.instruments import USDM
from workbench.data.sample import sample_paths
from workbench.engine.backtest import BacktestResult, backtest
from workbench.execution.orders.config import OrderManagerConfig
from workbench.execution.sim import ConservativeQueue, ConstantLatency, FeedLatency, FeeSchedule
from workbench.quoting import GLFTParams, InventoryParams, LadderParams
from workbench.quoting.calibration import gamma_for_limit_skew
from workbench.strategies.maker import MakerParams

#: What the demo quotes.
DEMO_QUOTE = (USDM, "BTCUSDT")
#: Binance USD-M regular-tier fees when the sample was recorded.
DEMO_FEES = FeeSchedule(maker_bps=2.0, taker_bps=5.0)
#: Inventory either way, lots (0.02 BTC).
DEMO_LIMIT_LOTS = 20
_CALIBRATED = GLFTParams()
#: GLFT (closed form, live volatility) with the fill intensity calibrated on the recorded
#: BTCUSDT data, and the risk aversion the calibration's rule gives for the demo's limit
#: (at 20 lots the skew reaches the half-spread); two levels a side of 0.002 BTC, capped
#: skew.
DEMO_MAKER = MakerParams(
    model="glft",
    glft_params=GLFTParams(gamma=gamma_for_limit_skew(
        "glft", _CALIBRATED.k_per_price, _CALIBRATED.a_per_s,
        _CALIBRATED.sigma_price_per_sqrt_s, DEMO_LIMIT_LOTS)),
    ladder=LadderParams(levels=2, spacing_ticks=2, size_lots=2),
    inventory=InventoryParams(max_long_lots=DEMO_LIMIT_LOTS, max_short_lots=DEMO_LIMIT_LOTS,
                              hard_limit_lots=2 * DEMO_LIMIT_LOTS, skew_mode="capped"),
)
#: Keep queue priority: no requote within 2 ticks of target or before 250 ms.
DEMO_ORDERS = OrderManagerConfig(tolerance_ticks=2, min_age_ns=250_000_000)


def run_demo_once(journal_path: str | Path | None = None) -> BacktestResult:
    """The demo's run: spot, USD-M and COIN-M BTC merged; quoting USD-M BTCUSDT with 5 ms
    order latency each way, the recorded feed latency and a conservative queue."""
    return backtest(sample_paths(), DEMO_QUOTE, DEMO_MAKER, fees=DEMO_FEES,
                    latency=ConstantLatency(5_000_000, 5_000_000, feed=FeedLatency()),
                    queue=ConservativeQueue(),
                    orders=DEMO_ORDERS, seed=7, journal_path=journal_path)


def format_summary(result: BacktestResult) -> str:
    """The summary as aligned text lines."""
    s = result.summary()
    inst = result.engine.instrument
    base, quote = inst.base, inst.quote
    p = DEMO_MAKER
    reject_text = ", ".join(f"{k} {v}" for k, v in sorted(s["rejections_by_reason"].items()))
    lines = [
        ("data", f"{s['events']:,} events from 3 venues (spot, USD-M, COIN-M BTC), 150 s"),
        ("quoting", f"{inst.venue} {inst.symbol}: {p.model.upper()} maker, {p.ladder.levels} "
                    f"levels a side of {p.ladder.size_lots} lots"),
        ("quotes", _quote_width(result, quote)),
        ("orders", f"{s['orders_placed']:,} placed, {s['cancels']:,} cancelled, "
                   f"{s['rejections']:,} rejected ({reject_text or 'none'})"),
        ("fills", f"{s['fills']:,} ({s['maker_fills']:,} as maker); order age at fill p50 "
                  f"{s['order_age_at_fill_p50_s']:.3f} s, p90 "
                  f"{s['order_age_at_fill_p90_s']:.3f} s"),
        ("volume", f"{s['volume_base']:.6g} {base} = {s['volume_quote']:,.2f} {quote}"),
        ("fees", f"{s['fees_quote']:,.4f} {quote}"),
        ("inventory", f"{s['inventory_base']:+.6g} {base}"),
        ("PnL", f"realised {s['realised_pnl_quote']:+,.4f} {quote}, marked "
                f"{s['equity_quote']:+,.4f} {quote} (net of fees), max drawdown "
                f"{s['max_drawdown_quote']:,.4f}"),
        ("by origin", ", ".join(f"{name} {row['pnl_quote']:+,.4f} ({row['fills']} fills)"
                                for name, row in s["pnl_by_strategy"].items() if row["fills"])),
        ("compute", f"engine compute per event p50 {s['engine_compute_p50_us']:.0f} us, "
                    f"p99 {s['engine_compute_p99_us']:.0f} us"),
    ]
    return "\n".join(f"{k:>10}  {v}" for k, v in lines)


def _quote_width(result: BacktestResult, currency: str) -> str:
    """Median half-distance between our best bid and ask, and the spread in bps."""
    series = result.series.dropna(subset=["mid", "bid", "ask"])
    if series.empty:
        return "never two-sided"
    half = float(((series["ask"] - series["bid"]) / 2).median())
    bps = 2 * half / float(series["mid"].median()) * 1e4
    return f"median {half:.2f} {currency} either side of the mid (a spread of {bps:.2f} bps)"


def run_demo(out_dir: str | Path = "runs") -> BacktestResult:
    """Run the demo, journal it to ``<out_dir>/demo/journal.sqlite``, print the summary."""
    started = time.perf_counter()
    journal = Path(out_dir) / "demo" / "journal.sqlite"
    for stale in journal.parent.glob("journal.sqlite*"):
        stale.unlink()
    result = run_demo_once(journal)
    parquet = journal.with_suffix(".parquet")
    from workbench.execution.journal import export_parquet

    export_parquet(journal, parquet)
    print("workbench demo: backtest on the bundled Binance sample (no network, no keys)")
    print(format_summary(result))
    print(f"{'journal':>10}  {journal} (SQLite), {parquet} (Parquet)")
    print(f"{'run time':>10}  {time.perf_counter() - started:.1f} s")
    return result
