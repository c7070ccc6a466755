"""Estimators: fair mid, volatility, imbalance, toxicity; each streaming and vectorised.

Every streaming estimator takes events (or the plain values the :class:`SignalStack`
hands it) and keeps plain floats; its vectorised twin (``*_frame``) computes the same
series over :class:`EventArrays` for research, and the tests hold the two equal on the
recorded data.
"""

from workbench.estimators.arrays import EventArrays, StreamSet, trade_notional
from workbench.estimators.bursts import BurstParams, BurstSweepDetector, burst_sweep_frame
from workbench.estimators.decay import decayed_cumsum
from workbench.estimators.depth import (
    DepthImbalance,
    DepthParams,
    DepthRecords,
    depth_imbalance_frame,
    depth_records,
)
from workbench.estimators.fair_mid import (
    SOURCE_STATES,
    FairMidFusion,
    FairMidParams,
    fair_mid_frame,
    fair_mid_terms,
)
from workbench.estimators.fair_mid_calibration import calibrate_fair_mid
from workbench.estimators.imbalance import (
    ImbalanceParams,
    OrderFlowImbalance,
    TopOfBookImbalance,
    TradeFlowImbalance,
    imbalance_frame,
    ofi_increments,
)
from workbench.estimators.kalman import KalmanFairMid, KalmanParams, kalman_fair_mid_series
from workbench.estimators.markout import Markout, MarkoutParams, markout_frame
from workbench.estimators.microprice import (
    StoikovTable,
    fit_stoikov,
    microprice_ticks,
    mid_ticks,
)
from workbench.estimators.realized import (
    bipower_variation,
    garman_klass_variance,
    ohlc_bars,
    parkinson_variance,
    realized_variance,
    signature_plot,
    tsrv_noise,
    two_scale_realized_variance,
)
from workbench.estimators.signals import Signals
from workbench.estimators.stack import SignalStack, StackParams, signals_frame
from workbench.estimators.toxicity import ToxicityParams
from workbench.estimators.toxicity_calibration import calibrate_toxicity, choose_cooldown
from workbench.estimators.volatility import (
    SECONDS_PER_YEAR,
    EwmaVolatility,
    FusedVolatility,
    VolParams,
    annualise,
    ewma_variance_grid,
    volatility_frame,
)
from workbench.estimators.vpin import Vpin, VpinParams, vpin_frame

__all__ = [
    "SECONDS_PER_YEAR",
    "SOURCE_STATES",
    "BurstParams",
    "BurstSweepDetector",
    "DepthImbalance",
    "DepthParams",
    "DepthRecords",
    "EventArrays",
    "EwmaVolatility",
    "FairMidFusion",
    "FairMidParams",
    "FusedVolatility",
    "ImbalanceParams",
    "KalmanFairMid",
    "KalmanParams",
    "Markout",
    "MarkoutParams",
    "OrderFlowImbalance",
    "SignalStack",
    "Signals",
    "StackParams",
    "StoikovTable",
    "StreamSet",
    "TopOfBookImbalance",
    "ToxicityParams",
    "TradeFlowImbalance",
    "VolParams",
    "Vpin",
    "VpinParams",
    "annualise",
    "bipower_variation",
    "burst_sweep_frame",
    "calibrate_fair_mid",
    "calibrate_toxicity",
    "choose_cooldown",
    "decayed_cumsum",
    "depth_imbalance_frame",
    "depth_records",
    "ewma_variance_grid",
    "fair_mid_frame",
    "fair_mid_terms",
    "fit_stoikov",
    "garman_klass_variance",
    "imbalance_frame",
    "kalman_fair_mid_series",
    "markout_frame",
    "microprice_ticks",
    "mid_ticks",
    "ofi_increments",
    "ohlc_bars",
    "parkinson_variance",
    "realized_variance",
    "signals_frame",
    "signature_plot",
    "trade_notional",
    "tsrv_noise",
    "two_scale_realized_variance",
    "volatility_frame",
    "vpin_frame",
]
