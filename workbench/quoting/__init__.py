"""Quoting models: Avellaneda–Stoikov, Guéant–Lehalle–Fernandez-Tapia, inventory policies.

Pure functions on floats and small typed parameter objects; the paper's Monte Carlo lives
in :mod:`workbench.quoting.simulation`. Imports only ``workbench.core``, numpy, scipy,
pandas (and yaml lazily for parameter files).
"""

from workbench.quoting.avellaneda_stoikov import (
    finite_horizon_quotes,
    optimal_quotes,
    optimal_spread,
    quotes_to_ticks,
    reservation_price,
    stationary_quotes,
    time_to_horizon_s,
)
from workbench.quoting.glft import (
    GLFTTable,
    approx_offsets,
    approx_scale_price,
    base_offset_price,
    exact_table,
    generator_matrix,
    log_v_exact,
    offsets_from_theta,
)
from workbench.quoting.inventory import (
    SKEW_MODES,
    InventoryParams,
    LadderParams,
    dead_band_units,
    ladder,
    saturating_skew_price,
    side_permissions,
    spacing_ticks_from_bps,
)
from workbench.quoting.params import ASParams, GLFTParams, PaperSimParams, ParamsIO
from workbench.quoting.simulation import (
    STRATEGIES,
    PaperSimResult,
    paper_comparison,
    paper_exact_moments,
    paper_spread,
    simulate_as_paper,
)

__all__ = [
    "SKEW_MODES",
    "STRATEGIES",
    "ASParams",
    "GLFTParams",
    "GLFTTable",
    "InventoryParams",
    "LadderParams",
    "PaperSimParams",
    "PaperSimResult",
    "ParamsIO",
    "approx_offsets",
    "approx_scale_price",
    "base_offset_price",
    "dead_band_units",
    "exact_table",
    "finite_horizon_quotes",
    "generator_matrix",
    "ladder",
    "log_v_exact",
    "offsets_from_theta",
    "optimal_quotes",
    "optimal_spread",
    "paper_comparison",
    "paper_exact_moments",
    "paper_spread",
    "quotes_to_ticks",
    "reservation_price",
    "saturating_skew_price",
    "side_permissions",
    "simulate_as_paper",
    "spacing_ticks_from_bps",
    "stationary_quotes",
    "time_to_horizon_s",
]
