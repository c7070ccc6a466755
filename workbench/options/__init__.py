"""Options: Black-76 (linear and coin-margined), implied volatility, Deribit chains, hedging.

Imports only ``workbench.core``, numpy, scipy and pandas.
"""

from workbench.options.black76 import (
    DeribitGreeks,
    Greeks,
    coin_delta,
    coin_price,
    deribit_greeks,
    greeks,
    price,
)
from workbench.options.chain import EMPTY_BOOK_IVS, load_deribit_chain
from workbench.options.hedger import OptionHedge, OptionHedgeParams, choose_option_hedge
from workbench.options.implied_vol import SIGMA_MAX, SIGMA_MIN, implied_vol, implied_vol_coin

__all__ = [
    "EMPTY_BOOK_IVS",
    "SIGMA_MAX",
    "SIGMA_MIN",
    "DeribitGreeks",
    "Greeks",
    "OptionHedge",
    "OptionHedgeParams",
    "choose_option_hedge",
    "coin_delta",
    "coin_price",
    "deribit_greeks",
    "greeks",
    "implied_vol",
    "implied_vol_coin",
    "load_deribit_chain",
    "price",
]
