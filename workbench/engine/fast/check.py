"""A point of a sweep checked on the Python engine: the same settings, the same data.

The fast path and the engine agree fill for fill where their rules coincide (one stream,
the book's own mid, constant volatility, the conservative queue, post-only quotes, one
clock; ``tests/engine/test_parity_fast.py`` holds them equal). :func:`engine_check` runs a
:class:`FastParams` setting both ways on one recorded stream under those rules and
reports both runs' figures side by side, the PnL of each marked at the same last mid.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from workbench.core.clock import SimulatedClock
from workbench.core.errors import ValidationError
from workbench.core.events import BestBidOffer, BookDelta
from workbench.data.binance.instruments import SYNC_RULES, binance_instrument
from workbench.data.table import EventTable
from workbench.engine.backtest import default_risk_limits
from workbench.engine.config import EngineConfig
from workbench.engine.core import Engine
from workbench.engine.fast.backtest import run_fast
from workbench.engine.fast.events import event_array
from workbench.engine.fast.params import FastParams
from workbench.engine.recorder import RunRecorder
from workbench.engine.replay_driver import run_replay
from workbench.execution.sim import ConservativeQueue, ConstantLatency, FeeSchedule, SimExchange
from workbench.quoting import GLFTParams, InventoryParams, LadderParams
from workbench.strategies.maker import MakerParams

#: Columns of :attr:`EngineCheck.fills` (one row a fill, both runs).
FILL_FIELDS = ("ts_ns", "side", "price_ticks", "size_lots", "maker", "fee")


@dataclass(frozen=True)
class EngineCheck:
    """Both runs of one setting.

    Attributes
    ----------
    figures : DataFrame
        ``fills, volume_lots, position_lots, fees, pnl`` (rows) for ``fast`` and
        ``engine`` (columns), PnL marked at the fast run's last local mid.
    fast_fills, engine_fills : DataFrame
        Each run's fills (:data:`FILL_FIELDS`), up to the last event.
    """

    figures: pd.DataFrame
    fast_fills: pd.DataFrame
    engine_fills: pd.DataFrame

    @property
    def fills_equal(self) -> bool:
        """Whether both runs made the same fills (time, side, price, size, liquidity)."""
        cols = list(FILL_FIELDS[:-1])
        return (len(self.fast_fills) == len(self.engine_fills)
                and (self.fast_fills[cols].to_numpy() == self.engine_fills[cols].to_numpy()
                     ).all())


def maker_params_for(params: FastParams) -> MakerParams:
    """The engine's maker for a fast-path GLFT setting (capped skew, constant volatility).

    Raises
    ------
    ValidationError
        If the setting uses what only one of the two has (Avellaneda–Stoikov's rolling
        horizon, the EWMA volatility, linear skew, the taker, orders that may cross,
        several lots a unit).
    """
    unsupported = {"model": (params.model, "glft"), "vol_mode": (params.vol_mode, "constant"),
                   "skew_mode": (params.skew_mode, "capped"),
                   "strategy": (params.strategy, "maker"), "post_only": (params.post_only, True),
                   "unit_lots": (params.unit_lots, 1)}
    bad = [f"{k}={v!r} (needs {want!r})" for k, (v, want) in unsupported.items() if v != want]
    if bad:
        raise ValidationError("the engine check covers the settings both paths share: "
                              + ", ".join(bad))
    limit = max(params.max_long_lots, params.max_short_lots)
    return MakerParams(
        model="glft",
        glft_params=GLFTParams(gamma=params.gamma, k_per_price=params.k_per_price,
                               a_per_s=params.a_per_s,
                               drift_price_per_s=params.drift_price_per_s),
        ladder=LadderParams(levels=params.levels, spacing_ticks=params.spacing_ticks,
                            size_lots=params.size_lots),
        inventory=InventoryParams(max_long_lots=params.max_long_lots,
                                  max_short_lots=params.max_short_lots,
                                  hard_limit_lots=limit, skew_mode="capped",
                                  cap_fraction=params.cap_fraction))


def engine_check(table: EventTable, params: FastParams) -> EngineCheck:
    """Run ``params`` on the fast path and on the Python engine over one stream.

    Parameters
    ----------
    table : EventTable
        One recorded stream (its depth diffs and trades are used; bookTicker is not,
        as the fast path has none).
    params : FastParams
        A setting of the shared subset (see :func:`maker_params_for`).

    Returns
    -------
    EngineCheck

    Raises
    ------
    ValidationError
        As :func:`maker_params_for`, or if the stream has no event.
    """
    maker = maker_params_for(params)
    inst = binance_instrument(table.venue, table.symbol)
    events = [e for e in table.events() if not isinstance(e, BestBidOffer)
              and not (isinstance(e, BookDelta) and len(e.bid_ticks) + len(e.ask_ticks) == 0)]
    if not events:
        raise ValidationError("the stream has no event to replay")
    end = events[-1].local_ts_ns
    fast = run_fast(event_array(table, local_offset_ns=0, exchange_clock="local"), inst, params)
    f = fast.fills[fast.fills["exch_ts_ns"] <= end]
    fast_fills = pd.DataFrame({"ts_ns": f["exch_ts_ns"], "side": f["side"].astype(int),
                               "price_ticks": f["price_ticks"], "size_lots": f["size_lots"],
                               "maker": f["maker"], "fee": f["fee"]})
    config = EngineConfig((inst,), inst.key, maker, default_risk_limits(inst, maker),
                          SYNC_RULES, constant_vol_per_sqrt_s=params.sigma_per_sqrt_s)
    recorder = RunRecorder(inst)
    venue = SimExchange([inst], {inst.key: FeeSchedule(params.maker_fee_bps,
                                                       params.taker_fee_bps)},
                        ConstantLatency(params.entry_latency_ns, params.response_latency_ns),
                        ConservativeQueue(), SYNC_RULES, seed=0)
    run_replay(Engine(config, recorder=recorder), venue, events, SimulatedClock())
    engine_fills = pd.DataFrame(
        [(r.ts_ns, int(r.side), r.price_ticks, r.size_lots, r.liquidity.value == "maker", r.fee)
         for r in recorder.fills if r.ts_ns <= end], columns=list(FILL_FIELDS))
    rec = fast.records
    valid = (rec["best_bid_ticks"] >= 0) & (rec["best_ask_ticks"] >= 0)
    last_mid = float((rec["best_bid_ticks"][valid][-1] + rec["best_ask_ticks"][valid][-1])
                     * 0.5 * inst.tick_size_float)
    figures = pd.DataFrame({name: _figures(fills, inst.tick_size_float, inst.lot_size_float,
                                           last_mid)
                            for name, fills in (("fast", fast_fills), ("engine", engine_fills))})
    return EngineCheck(figures, fast_fills, engine_fills)


def _figures(fills: pd.DataFrame, tick: float, lot: float, last_mid: float) -> pd.Series:
    s = fills["side"].to_numpy(np.int64) * fills["size_lots"].to_numpy(np.int64)
    notional = fills["price_ticks"].to_numpy() * tick * (np.abs(s) * lot)
    fees = float(fills["fee"].sum())
    cash = float(-(np.sign(s) * notional).sum()) - fees
    return pd.Series({"fills": len(fills), "volume_lots": int(np.abs(s).sum()),
                      "position_lots": int(s.sum()), "fees": fees,
                      "pnl": cash + int(s.sum()) * lot * last_mid})
