"""Hedging a large inventory: a perpetual hedge in a delta band on the cheapest venue
against option protection priced from a fitted volatility surface.

:func:`hedge_study` simulates the underlying over a horizon (seeded geometric Brownian
paths without drift, at the surface's at-the-money volatility unless told) and runs each
policy over the same paths, in USD:

* ``unhedged``: the coin inventory ``Q`` held, ``Q·(S_T - S_0)``;
* ``perp``: at every step, where the net delta leaves the band, the hedger's rule
  (:func:`workbench.strategies.hedger.hedge`: ``hedge_ratio`` of the deviation, at most
  ``max_order_base``) trades on the venue cheapest for that side
  (:func:`~workbench.strategies.hedger.venue_cost_bps`: taker fee, half spread, funding
  over the horizon by side), in whole lots; linear perps make ``h·ΔS``, inverse
  (COIN-M) ones their coin PnL ``c·V·(1/S_j - 1/S_j+1)`` converted at ``S_j+1``; each trade
  pays its fee and half spread, each position its funding per step (longs pay a positive
  rate);
* ``option_<dynamics>``: at the start the protection of
  :func:`~workbench.options.hedger.choose_option_hedge` is bought at the chain's ask, the
  premium paid out of the coin inventory; at the horizon the coin-margined option is
  worth its Black-76 coin price at the surface's volatility (``sticky_strike`` or
  ``sticky_delta``, :mod:`workbench.options.surface`), the expiry's forward moving with
  the underlying (``F_t = S_t · F_0 / S_0``); an option expired by then pays its intrinsic
  value at the horizon's forward.

:class:`HedgeStudy` gives each policy's PnL distribution, its cost (the mean PnL given up
against holding unhedged) and its residual risk; :func:`recorded_week` replays the one
real path the recorded chains give (2020-05-14 → 2020-05-21) and sets the model's value
of the option against the venue's own mark a week later.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Sequence
from typing import NamedTuple

import numpy as np
import pandas as pd

from workbench.core import ValidationError
from workbench.core.events import Side
from workbench.core.instruments import Instrument, InstrumentKind
from workbench.data.binance.instruments import binance_instrument
from workbench.options.black76 import coin_price
from workbench.options.hedger import OptionHedge, OptionHedgeParams, choose_option_hedge
from workbench.options.surface import DYNAMICS, VolSurface
from workbench.strategies.hedger import HedgeParams, HedgeVenue, venue_cost_bps
from workbench.strategies.types import TopOfBook

HOURS_PER_YEAR = 365.0 * 24.0


class PerpVenue(NamedTuple):
    """A perpetual to hedge on: which, its taker fee, its spread and its funding.

    ``funding_bps_per_8h`` is what a long pays each 8 hours (positive: longs pay shorts).
    """

    venue: str
    symbol: str
    fee_bps: float
    half_spread_bps: float
    funding_bps_per_8h: float = 0.0


#: Binance USD-M and COIN-M BTC perpetuals: regular-tier taker fees, the mean half spreads
#: of the bundled sample (0.0096 and 0.014 bps), funding at the 0.01% per 8 h base rate.
DEFAULT_VENUES = (PerpVenue("binance-usdm", "BTCUSDT", 5.0, 0.01, 1.0),
                  PerpVenue("binance-coinm", "BTCUSD_PERP", 5.0, 0.015, 1.0))


#: The perp hedger's default: a band of 1 BTC, any size at once.
DEFAULT_PERP = HedgeParams(band_base=1.0, max_order_base=100.0)
#: The default protection: 25-delta puts (calls for a short) expiring 8 to 60 days out.
DEFAULT_OPTION = OptionHedgeParams(threshold_base=1.0, target_delta=0.25, min_days=8.0,
                                   max_days=60.0, premium_budget_coin=10.0)


@dataclasses.dataclass(frozen=True)
class HedgeStudyParams:
    """The inventory, the horizon, the paths and both policies' settings.

    Parameters
    ----------
    inventory_base : float
        Coin inventory to protect (positive long).
    horizon_days : float
        How long it is held, days; > 0.
    step_hours : float
        Simulation and rebalancing step, hours; > 0.
    n_paths, seed : int
        Number of paths and the seed of their draws.
    path_vol : float, optional
        Annualised volatility of the paths (default: the surface's at the money at the
        horizon).
    perp : HedgeParams
        The perp hedger's band and sizing (coin).
    venues : sequence of PerpVenue
    option : OptionHedgeParams
        What protection to buy (its expiry window should reach past the horizon).
    """

    inventory_base: float = 10.0
    horizon_days: float = 7.0
    step_hours: float = 1.0
    n_paths: int = 2000
    seed: int = 0
    path_vol: float | None = None
    perp: HedgeParams = dataclasses.field(default_factory=lambda: DEFAULT_PERP)
    venues: tuple[PerpVenue, ...] = DEFAULT_VENUES
    option: OptionHedgeParams = dataclasses.field(default_factory=lambda: DEFAULT_OPTION)

    def __post_init__(self) -> None:
        if not (math.isfinite(self.inventory_base) and self.horizon_days > 0
                and self.step_hours > 0 and self.n_paths >= 1):
            raise ValidationError("HedgeStudyParams needs a finite inventory, a positive "
                                  "horizon and step, and at least one path")
        if not self.venues:
            raise ValidationError("HedgeStudyParams needs at least one perp venue")

    @property
    def n_steps(self) -> int:
        """Steps over the horizon."""
        return max(1, round(self.horizon_days * 24.0 / self.step_hours))


def gbm_paths(s0: float, vol: float, n_paths: int, n_steps: int, step_years: float,
              seed: int) -> np.ndarray:
    """Driftless geometric Brownian paths, ``(n_paths, n_steps + 1)``, from ``s0``."""
    rng = np.random.default_rng(seed)
    z = rng.standard_normal((n_paths, n_steps))
    inc = vol * math.sqrt(step_years) * z - 0.5 * vol * vol * step_years
    return s0 * np.exp(np.concatenate([np.zeros((n_paths, 1)), np.cumsum(inc, axis=1)], 1))


def _venues(params: HedgeStudyParams, s0: float) -> tuple[list[Instrument], list[HedgeVenue]]:
    insts, hv = [], []
    funding_periods = params.horizon_days * 3.0  # 8-hour periods over the horizon
    for v in params.venues:
        inst = binance_instrument(v.venue, v.symbol)
        tick = inst.tick_size_float
        half = s0 * v.half_spread_bps * 1e-4
        top = TopOfBook(math.floor((s0 - half) / tick), 1, math.ceil((s0 + half) / tick), 1)
        insts.append(inst)
        hv.append(HedgeVenue(inst, top, v.fee_bps, v.funding_bps_per_8h * funding_periods))
    return insts, hv


def perp_policy(paths: np.ndarray, params: HedgeStudyParams) -> pd.DataFrame:
    """The perp hedge's PnL on every path: ``inventory, hedge, costs, funding, pnl`` (USD)
    and ``trades``, plus the venue it traded on first (``venue``)."""
    n, m = paths.shape[0], paths.shape[1] - 1
    insts, hv = _venues(params, float(paths[0, 0]))
    cheapest = {side: min(range(len(hv)), key=lambda i: venue_cost_bps(hv[i], side))
                for side in (Side.BUY, Side.SELL)}
    cost_bps = [v.fee_bps + v.half_spread_bps for v in params.venues]
    rate = [v.funding_bps_per_8h * 1e-4 * params.step_hours / 8.0 for v in params.venues]
    units = np.zeros((n, len(insts)))  # coin for linear venues, contracts for inverse ones
    q, p = params.inventory_base, params.perp
    hedge_pnl = np.zeros(n)
    costs = np.zeros(n)
    funding = np.zeros(n)
    trades = np.zeros(n, dtype=np.int64)
    first = np.full(n, -1)
    for j in range(m):
        s, s1 = paths[:, j], paths[:, j + 1]
        delta = np.zeros(n)
        for i, inst in enumerate(insts):
            delta += _coin_delta(inst, units[:, i], s)
        dev = q + delta - p.target_base
        act = np.abs(dev) > p.band_base
        want = np.minimum(p.hedge_ratio * np.abs(dev), p.max_order_base)
        for side, sign in ((Side.SELL, dev > 0), (Side.BUY, dev < 0)):
            i = cheapest[side]
            rows = act & sign
            lots = _base_to_lots(insts[i], want, s) * rows
            traded = lots * insts[i].lot_size_float * int(side)
            units[:, i] += traded
            notional = np.abs(_coin_delta(insts[i], traded, s)) * s
            costs += notional * cost_bps[i] * 1e-4
            trades += lots > 0
            first = np.where((first < 0) & (lots > 0), i, first)
        for i, inst in enumerate(insts):
            held = units[:, i]
            if inst.kind is InstrumentKind.INVERSE_PERP:
                coin = held * float(inst.contract_value) * (1.0 / s - 1.0 / s1)
                hedge_pnl += coin * s1
            else:
                hedge_pnl += held * (s1 - s)
            funding -= _coin_delta(inst, held, s) * s * rate[i]
    inventory = q * (paths[:, -1] - paths[:, 0])
    names = np.array([f"{i.venue} {i.symbol}" for i in insts] + ["none"], dtype=object)
    return pd.DataFrame({"inventory": inventory, "hedge": hedge_pnl, "costs": -costs,
                         "funding": funding, "pnl": inventory + hedge_pnl - costs + funding,
                         "trades": trades, "venue": names[first]})


def _coin_delta(inst: Instrument, units: np.ndarray, price: np.ndarray) -> np.ndarray:
    if inst.kind is InstrumentKind.INVERSE_PERP:
        return units * float(inst.contract_value) / price
    return units


def _base_to_lots(inst: Instrument, base: np.ndarray, price: np.ndarray) -> np.ndarray:
    """Vectorised :func:`workbench.strategies.hedger.base_to_lots`."""
    units = base * price / float(inst.contract_value) if (
        inst.kind is InstrumentKind.INVERSE_PERP) else base
    return np.floor(units / inst.lot_size_float + 1e-9)


def option_value_coin(forward, strike, t_years, is_call, surface: VolSurface,
                      dynamics: str, forward_at_fit) -> np.ndarray:
    """Coin price of a coin-margined option from the surface; intrinsic where expired
    (``t_years <= 0``): ``max(±(F - K), 0) / F``."""
    f = np.asarray(forward, dtype=np.float64)
    t = np.broadcast_to(np.asarray(t_years, dtype=np.float64), f.shape)
    intrinsic = np.maximum(np.where(is_call, f - strike, strike - f), 0.0) / f
    if not (t > 0).any():
        return intrinsic
    live = np.where(t > 0, t, 1.0)
    vol = surface.vol(strike, live, f, dynamics, forward_at_fit=forward_at_fit)
    return np.where(t > 0, coin_price(f, strike, live, vol, is_call), intrinsic)


def option_policy(paths: np.ndarray, chain: pd.DataFrame, surface: VolSurface,
                  params: HedgeStudyParams, dynamics: str
                  ) -> tuple[pd.DataFrame, OptionHedge]:
    """The option hedge's PnL on every path: ``inventory, option, premium, pnl`` (USD).

    Raises
    ------
    ValidationError
        If no protection can be bought (the reason of
        :func:`~workbench.options.hedger.choose_option_hedge`).
    """
    hedge, reason = choose_option_hedge(params.inventory_base, chain, params.option)
    if hedge is None:
        raise ValidationError(f"no option hedge: {reason}")
    row = chain[chain["instrument_name"] == hedge.instrument_name].iloc[0]
    s0 = float(paths[0, 0])
    f_ratio = float(row["forward"]) / float(chain["index_price"].median())
    s_h = paths[:, -1]
    t_left = float(row["t_years"]) - params.horizon_days / 365.0
    value = option_value_coin(s_h * f_ratio, float(row["strike"]), t_left,
                              bool(row["is_call"]), surface, dynamics, float(row["forward"]))
    q = params.inventory_base
    inventory = q * (s_h - s0)
    premium = -hedge.premium_coin * s_h  # coin paid away, valued at the horizon
    option = hedge.contracts * value * s_h
    return pd.DataFrame({"inventory": inventory, "option": option, "premium": premium,
                         "pnl": inventory + option + premium}), hedge


@dataclasses.dataclass(frozen=True)
class HedgeStudy:
    """Every policy's PnL on the same paths.

    Attributes
    ----------
    pnl : DataFrame
        One column per policy (``unhedged``, ``perp``, ``option_sticky_strike``,
        ``option_sticky_delta``), one row per path, USD.
    perp : DataFrame
        The perp policy's parts per path (:func:`perp_policy`).
    options : dict of str to DataFrame
        The option policy's parts per path, by dynamics.
    option_hedge : OptionHedge
        The protection bought.
    paths : ndarray
        The underlying's paths.
    params : HedgeStudyParams
    """

    pnl: pd.DataFrame
    perp: pd.DataFrame
    options: dict
    option_hedge: OptionHedge
    paths: np.ndarray
    params: HedgeStudyParams

    def summary(self) -> pd.DataFrame:
        """Per policy: mean, sd, 5% quantile and expected shortfall of the PnL (USD); the
        cost (mean PnL given up against unhedged, on the same paths) with its standard
        error, and the share of the unhedged sd removed."""
        base = self.pnl["unhedged"].to_numpy()
        base_sd = base.std(ddof=1) if len(base) > 1 else 0.0
        rows = {}
        for name in self.pnl.columns:
            x = self.pnl[name].to_numpy()
            q05 = float(np.quantile(x, 0.05))
            sd = x.std(ddof=1) if len(x) > 1 else 0.0
            rows[name] = {"mean_usd": x.mean(), "sd_usd": sd,
                          "p05_usd": q05, "es05_usd": float(x[x <= q05].mean()),
                          "cost_usd": float(base.mean() - x.mean()),
                          "cost_se_usd": (float((base - x).std(ddof=1) / np.sqrt(len(x)))
                                          if len(x) > 1 else float("nan")),
                          "risk_removed": 1.0 - sd / base_sd if base_sd > 0 else float("nan")}
        return pd.DataFrame.from_dict(rows, orient="index")

    def plot(self):
        """Histograms of each policy's PnL on one bokeh figure."""
        from workbench.analytics.distribution_plot import plot_distributions

        return plot_distributions(self.pnl, "PnL over the horizon by policy (USD)")


def hedge_study(chain: pd.DataFrame, params: HedgeStudyParams | None = None,
                surface: VolSurface | None = None, paths: np.ndarray | None = None
                ) -> HedgeStudy:
    """Run the perp and option hedges of ``params.inventory_base`` over the same paths.

    Parameters
    ----------
    chain : DataFrame
        A loaded option chain (:func:`~workbench.options.chain.load_deribit_chain`); its
        index price is the start.
    params : HedgeStudyParams, optional
    surface : VolSurface, optional
        Default: fitted to ``chain``.
    paths : ndarray, optional
        The underlying's paths, ``(n, steps + 1)`` from the index price (default:
        :func:`gbm_paths`).

    Returns
    -------
    HedgeStudy

    Raises
    ------
    ValidationError
        If no option protection can be bought, or ``paths`` do not start at one price.
    """
    p = params or HedgeStudyParams()
    surface = surface or VolSurface.fit(chain)
    s0 = float(chain["index_price"].median())
    if paths is None:
        horizon = p.horizon_days / 365.0
        vol = p.path_vol or float(surface.vol(s0, horizon, s0, "sticky_delta"))
        paths = gbm_paths(s0, vol, p.n_paths, p.n_steps, p.step_hours / HOURS_PER_YEAR,
                          p.seed)
    elif paths.ndim != 2 or paths.shape[1] < 2 or np.ptp(paths[:, 0]) > 0:
        raise ValidationError("paths must be (n, steps + 1) and start at one price")
    perp = perp_policy(paths, p)
    pnl = {"unhedged": p.inventory_base * (paths[:, -1] - paths[:, 0]), "perp": perp["pnl"]}
    options = {}
    hedge = None
    for d in DYNAMICS:
        options[d], hedge = option_policy(paths, chain, surface, p, d)
        pnl[f"option_{d}"] = options[d]["pnl"]
    return HedgeStudy(pd.DataFrame(pnl), perp, options, hedge, paths, p)


def recorded_week(chain0: pd.DataFrame, chain1: pd.DataFrame,
                  params: HedgeStudyParams | None = None,
                  dynamics: Sequence[str] = DYNAMICS) -> pd.DataFrame:
    """The one real path of two recorded chains: each policy's PnL from the first
    snapshot to the second, and the option valued by the model against the venue's mark.

    The perp hedge is the first step of :func:`perp_policy` held to the end (no path in
    between to rebalance on); the option is the one bought on ``chain0``, valued at
    ``chain1``'s recorded mark, bid and ask, and by the surface fitted to ``chain0``
    moved to ``chain1``'s forward under each dynamics.

    Returns
    -------
    pandas.DataFrame
        One row per policy or valuation: ``pnl_usd`` and, for the option rows,
        ``option_coin`` (the value of one contract, coin).

    Raises
    ------
    ValidationError
        If the option bought on ``chain0`` is not in ``chain1``.
    """
    p = params or HedgeStudyParams()
    s0 = float(chain0["index_price"].median())
    s1 = float(chain1["index_price"].median())
    days = float(chain1["ts_ns"].median() - chain0["ts_ns"].median()) / 86_400e9
    p = dataclasses.replace(p, horizon_days=days, step_hours=days * 24.0, n_paths=1)
    path = np.array([[s0, s1]])
    perp = perp_policy(path, p)
    hedge, reason = choose_option_hedge(p.inventory_base, chain0, p.option)
    if hedge is None:
        raise ValidationError(f"no option hedge: {reason}")
    later = chain1[chain1["instrument_name"] == hedge.instrument_name]
    if later.empty:
        raise ValidationError(f"{hedge.instrument_name} is not in the later chain")
    row0 = chain0[chain0["instrument_name"] == hedge.instrument_name].iloc[0]
    row1 = later.iloc[0]
    q = p.inventory_base
    base = q * (s1 - s0) - hedge.premium_coin * s1
    out = {"unhedged": {"pnl_usd": q * (s1 - s0)},
           "perp": {"pnl_usd": float(perp["pnl"].iloc[0])}}
    surface = VolSurface.fit(chain0)
    values = {"option at the venue's mark": float(row1["mark_price_coin"]),
              "option at the venue's bid": float(row1["best_bid_coin"])}
    for d in dynamics:
        values[f"option by the model, {d}"] = float(option_value_coin(
            np.array([row1["forward"]]), float(row0["strike"]), float(row1["t_years"]),
            bool(row0["is_call"]), surface, d, float(row0["forward"]))[0])
    for name, v in values.items():
        out[name] = {"pnl_usd": base + hedge.contracts * v * s1, "option_coin": v}
    return pd.DataFrame.from_dict(out, orient="index")
