"""Parameters of the compiled backtest: model, volatility, skew, ladder, limits, venue.

One frozen, validated object (with the JSON/YAML round trips of
:class:`~workbench.quoting.params.ParamsIO`) that both the numba kernel and its Python
twin read. The kernel receives it flattened into one float and one int array
(:meth:`FastParams.packed`), so that changing a parameter never recompiles.
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np

from workbench.core.errors import ValidationError
from workbench.quoting.params import (
    ParamsIO,
    check_choice,
    check_non_negative,
    check_positive,
)

MODELS = ("glft", "as")
STRATEGIES = ("maker", "taker", "both")
#: Most ladder levels a side.
MAX_LEVELS = 64
VOL_MODES = ("constant", "ewma")
SKEW_MODES = ("linear", "capped")

# Slots of the packed arrays (compile-time constants inside the kernel).
F_GAMMA, F_K, F_A, F_HORIZON_S, F_SIGMA, F_VOL_GRID_S, F_VOL_LAM, F_CAP = range(8)
F_MAKER_BPS, F_TAKER_BPS, F_DRIFT = 8, 9, 10
F_TAKE_IMBALANCE_BPS, F_TAKE_MARGIN_BPS, F_TAKE_EDGE_BPS, F_FLOW_RATE = 11, 12, 13, 14
N_FLOAT = 15
(I_MODEL, I_VOL_MODE, I_VOL_GRID_NS, I_VOL_MIN_RETURNS, I_SKEW_MODE, I_UNIT_LOTS, I_LEVELS,
 I_SPACING, I_SIZE, I_MAX_LONG, I_MAX_SHORT, I_ENTRY_NS, I_RESPONSE_NS, I_POST_ONLY,
 I_RECORD_NS, I_STRATEGY, I_TAKE_AGREE, I_TAKE_BASE, I_TAKE_MAX) = range(19)
N_INT = 19


@dataclasses.dataclass(frozen=True)
class FastParams(ParamsIO):
    """Everything the fast backtest needs besides the events and the instrument.

    The model defaults are the calibrated GLFT ones of
    :class:`~workbench.quoting.params.GLFTParams` (Binance USD-M BTCUSDT, one lot a
    unit, ``γ`` for the 100-lot limit), with the recorded 49% a year as the constant
    volatility.

    Parameters
    ----------
    model : {"glft", "as"}
        Guéant's closed-form GLFT approximation, or stationary Avellaneda–Stoikov
        (rolling window ``horizon_s``).
    gamma : float
        Risk aversion, per quote currency per quote unit; > 0.
    k_per_price : float
        Fill-intensity decay per unit of price distance; > 0.
    a_per_s : float
        Fill intensity at zero distance, per second (GLFT); > 0.
    horizon_s : float
        Rolling time to the horizon ``T - t`` of Avellaneda–Stoikov, seconds; > 0.
    drift_price_per_s : float
        Drift ``μ`` of the mid in price units per second, for GLFT (its quotes lean by
        ``μ/(γσ²)`` units of inventory; Avellaneda–Stoikov has none); finite.
    sigma_per_sqrt_s : float
        Volatility of the mid's log returns per square root of a second; the value used
        with ``vol_mode="constant"`` and until the EWMA is warm; > 0. The models get it in
        price units, ``mid_price * sigma_per_sqrt_s``.
    vol_mode : {"constant", "ewma"}
        Constant volatility, or the EWMA of mid log returns on a time grid (the rule of
        :class:`~workbench.estimators.volatility.EwmaVolatility`).
    vol_grid_s, vol_half_life_s : float
        Grid step and half-life of the EWMA, seconds; > 0.
    vol_min_returns : int
        Grid returns before the EWMA replaces ``sigma_per_sqrt_s``; >= 1.
    skew_mode : {"linear", "capped"}
        The model's inventory skew as it is, or ``c·h·tanh(s / (c·h))`` with ``c`` the
        ``cap_fraction`` and ``h`` the half-spread.
    cap_fraction : float
        In (0, 1].
    unit_lots : int
        Lots in one model quote unit: the model's inventory is ``position / unit_lots``.
    levels, spacing_ticks, size_lots : int
        Ladder: levels a side (at most :data:`MAX_LEVELS`), ticks between them, lots
        each; all >= 1.
    max_long_lots, max_short_lots : int
        Position limits, lots, > 0 (see the kernel's docstring for how they bind).
    entry_latency_ns, response_latency_ns : int
        Constant order entry and response latencies, ns; >= 0.
    maker_fee_bps, taker_fee_bps : float
        Fees in basis points of notional; negative is a rebate.
    post_only : bool
        Orders that would cross on arrival are rejected (True) or take what is visible
        through their price and cancel the rest (False).
    record_every_ns : int
        Record the state after every local message (0) or after the first message at or
        past each multiple of this; >= 0.
    book_window_bps : float
        The books keep prices within this distance of the traded range (see
        :func:`~workbench.engine.fast.backtest.book_window`); > 0.
    strategy : {"maker", "taker", "both"}
        Who trades: the maker's quotes, the taker's IOC orders, or both (see the
        kernel's docstring for the taker's rule).
    take_imbalance_bps : float
        The taker's predicted move, bps of the mid, for a mean of book and trade-flow
        imbalance of 1; >= 0 (the ``imbalance_bps`` of
        :class:`~workbench.strategies.taker.TakerParams`).
    take_margin_bps : float
        Edge the taker wants beyond ``taker_fee_bps`` and the half spread; >= 0.
    take_require_agreement : bool
        Take only when book and trade-flow imbalance point the same way.
    take_base_size_lots, take_edge_per_size_bps, take_max_size_lots : int, float, int
        Take ``take_base_size_lots`` per ``take_edge_per_size_bps`` of edge beyond the
        cost, at most ``take_max_size_lots`` (the rule of
        :func:`~workbench.strategies.taker.take_size_lots`).
    take_flow_half_life_s : float
        Half-life of the decayed buy and sell volumes of the trade-flow imbalance; > 0.
    """

    model: str = "glft"
    gamma: float = 3.06e-6
    k_per_price: float = 0.708
    a_per_s: float = 0.896
    horizon_s: float = 60.0
    drift_price_per_s: float = 0.0
    sigma_per_sqrt_s: float = 8.80e-5
    vol_mode: str = "constant"
    vol_grid_s: float = 1.0
    vol_half_life_s: float = 60.0
    vol_min_returns: int = 30
    skew_mode: str = "linear"
    cap_fraction: float = 0.8
    unit_lots: int = 1
    levels: int = 1
    spacing_ticks: int = 1
    size_lots: int = 1
    max_long_lots: int = 100
    max_short_lots: int = 100
    entry_latency_ns: int = 10_000_000
    response_latency_ns: int = 10_000_000
    maker_fee_bps: float = 0.0
    taker_fee_bps: float = 0.0
    post_only: bool = True
    record_every_ns: int = 0
    book_window_bps: float = 1000.0
    strategy: str = "maker"
    take_imbalance_bps: float = 5.0
    take_margin_bps: float = 1.0
    take_require_agreement: bool = True
    take_base_size_lots: int = 1
    take_edge_per_size_bps: float = 2.0
    take_max_size_lots: int = 5
    take_flow_half_life_s: float = 10.0

    def __post_init__(self) -> None:
        check_choice(self, "model", MODELS)
        check_choice(self, "strategy", STRATEGIES)
        check_non_negative(self, "take_imbalance_bps", "take_margin_bps")
        check_positive(self, "take_base_size_lots", "take_edge_per_size_bps",
                       "take_max_size_lots", "take_flow_half_life_s")
        check_choice(self, "vol_mode", VOL_MODES)
        check_choice(self, "skew_mode", SKEW_MODES)
        check_positive(self, "gamma", "k_per_price", "a_per_s", "horizon_s",
                       "sigma_per_sqrt_s", "vol_grid_s", "vol_half_life_s", "cap_fraction",
                       "unit_lots", "levels", "spacing_ticks", "size_lots", "max_long_lots",
                       "max_short_lots", "vol_min_returns", "book_window_bps")
        check_non_negative(self, "entry_latency_ns", "response_latency_ns", "record_every_ns")
        for name in ("maker_fee_bps", "taker_fee_bps", "drift_price_per_s"):
            value = getattr(self, name)
            if not isinstance(value, (int, float)) or not np.isfinite(value):
                raise ValidationError(f"FastParams.{name} must be finite: {value!r}")
        if self.levels > MAX_LEVELS:
            raise ValidationError(f"FastParams.levels must be <= {MAX_LEVELS}: {self.levels!r}")
        if self.cap_fraction > 1:
            raise ValidationError(f"FastParams.cap_fraction must be <= 1: {self.cap_fraction!r}")
        for name in ("unit_lots", "levels", "spacing_ticks", "size_lots", "max_long_lots",
                     "max_short_lots", "vol_min_returns", "entry_latency_ns",
                     "response_latency_ns", "record_every_ns", "take_base_size_lots",
                     "take_max_size_lots"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
                raise ValidationError(f"FastParams.{name} must be an int: {value!r}")
        for name in ("post_only", "take_require_agreement"):
            if not isinstance(getattr(self, name), bool):
                raise ValidationError(f"FastParams.{name} must be a bool: "
                                      f"{getattr(self, name)!r}")
        if round(self.vol_grid_s * 1e9) < 1:
            raise ValidationError(f"FastParams.vol_grid_s is below 1 ns: {self.vol_grid_s!r}")

    @property
    def vol_grid_ns(self) -> int:
        """EWMA grid step, ns."""
        return round(self.vol_grid_s * 1e9)

    @property
    def vol_lam(self) -> float:
        """EWMA weight of the previous variance per grid step, ``2^(-grid/half-life)``."""
        return 2.0 ** (-self.vol_grid_s / self.vol_half_life_s)

    @property
    def flow_rate_per_ns(self) -> float:
        """Decay rate of the trade-flow volumes, ``ln 2 / half-life`` per ns."""
        return math.log(2.0) / (self.take_flow_half_life_s * 1e9)

    def packed(self) -> tuple[np.ndarray, np.ndarray]:
        """``(floats, ints)``: the parameters in the kernel's slots."""
        f = np.zeros(N_FLOAT)
        f[[F_GAMMA, F_K, F_A, F_HORIZON_S, F_SIGMA, F_VOL_GRID_S, F_VOL_LAM, F_CAP,
           F_MAKER_BPS, F_TAKER_BPS, F_DRIFT, F_TAKE_IMBALANCE_BPS, F_TAKE_MARGIN_BPS,
           F_TAKE_EDGE_BPS, F_FLOW_RATE]] = (
            self.gamma, self.k_per_price, self.a_per_s, self.horizon_s,
            self.sigma_per_sqrt_s, self.vol_grid_s, self.vol_lam, self.cap_fraction,
            self.maker_fee_bps, self.taker_fee_bps, self.drift_price_per_s,
            self.take_imbalance_bps, self.take_margin_bps, self.take_edge_per_size_bps,
            self.flow_rate_per_ns)
        i = np.zeros(N_INT, dtype=np.int64)
        i[[I_MODEL, I_VOL_MODE, I_VOL_GRID_NS, I_VOL_MIN_RETURNS, I_SKEW_MODE, I_UNIT_LOTS,
           I_LEVELS, I_SPACING, I_SIZE, I_MAX_LONG, I_MAX_SHORT, I_ENTRY_NS, I_RESPONSE_NS,
           I_POST_ONLY, I_RECORD_NS, I_STRATEGY, I_TAKE_AGREE, I_TAKE_BASE, I_TAKE_MAX]] = (
            MODELS.index(self.model), VOL_MODES.index(self.vol_mode), self.vol_grid_ns,
            self.vol_min_returns, SKEW_MODES.index(self.skew_mode), self.unit_lots,
            self.levels, self.spacing_ticks, self.size_lots, self.max_long_lots,
            self.max_short_lots, self.entry_latency_ns, self.response_latency_ns,
            int(self.post_only), self.record_every_ns, STRATEGIES.index(self.strategy),
            int(self.take_require_agreement), self.take_base_size_lots,
            self.take_max_size_lots)
        return f, i
