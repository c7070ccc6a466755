"""Options hedger: offset a large coin inventory with protective puts (or calls).

When ``|inventory| > threshold_base``, a long inventory is protected with puts and a
short one with calls. Candidates are the chain's options of that type whose expiry lies
in ``[min_days, max_days]``, whose mark IV is valid and which have an ask; the one with
Black-76 delta closest to ``target_delta`` (by absolute value) is bought. The number of
contracts offsets ``hedge_fraction`` of the inventory's delta, capped by the premium
budget and rounded down to the venue's contract step.

Delta accounting for coin-margined options paid in coin: each contract adds its forward
delta and removes the coin actually paid for it. The hedge buys at the best ask, so the
per-contract coin delta is ``delta - best_ask_coin`` (not ``delta - mark_coin``, the
holder's delta of :func:`workbench.options.black76.coin_delta`, which assumes the premium
was paid at the mark): size, budget and the resulting portfolio delta all use the price
paid. Delta, gamma (per USD) and vega (USD per vol point) are Deribit-convention greeks
at the mark IV.
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pandas as pd

from workbench.core import ValidationError
from workbench.options.black76 import deribit_greeks

NS_PER_DAY = 86_400 * 10**9


@dataclasses.dataclass(frozen=True)
class OptionHedgeParams:
    """When and how to buy option protection (``dataclasses.asdict`` and
    ``OptionHedgeParams(**mapping)`` round-trip it; validation runs on construction).

    Parameters
    ----------
    threshold_base : float
        Inventory (coin) above which to hedge, > 0.
    target_delta : float
        Wanted absolute delta of the option, in (0, 1).
    min_days, max_days : float
        Expiry window, days from the snapshot; ``0 <= min_days < max_days``.
    premium_budget_coin : float
        Most premium to spend, coin, > 0.
    hedge_fraction : float
        Fraction of the inventory delta to offset, in (0, 1].
    contract_step : float
        Smallest contract increment (0.1 BTC on Deribit), > 0.
    """

    threshold_base: float = 1.0
    target_delta: float = 0.25
    min_days: float = 2.0
    max_days: float = 45.0
    premium_budget_coin: float = 1.0
    hedge_fraction: float = 1.0
    contract_step: float = 0.1

    def __post_init__(self) -> None:
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            if not isinstance(value, (int, float)) or not math.isfinite(value) or value < 0:
                raise ValidationError(f"OptionHedgeParams.{f.name} must be finite and >= 0")
            if value == 0 and f.name != "min_days":
                raise ValidationError(f"OptionHedgeParams.{f.name} must be > 0")
        if not self.target_delta < 1 or self.hedge_fraction > 1:
            raise ValidationError("need target_delta < 1 and hedge_fraction <= 1")
        if self.min_days >= self.max_days:
            raise ValidationError("need min_days < max_days")


@dataclasses.dataclass(frozen=True)
class OptionHedge:
    """The chosen protection and the resulting portfolio greeks.

    Attributes
    ----------
    instrument_name : str
        The option bought.
    contracts : float
        Number of contracts (coin notional).
    premium_coin : float
        Premium paid at the best ask, coin.
    option_delta : float
        Per-contract coin delta as bought (``delta - best_ask_coin``).
    portfolio_delta_base, portfolio_gamma_per_usd, portfolio_vega_usd : float
        Inventory plus options: delta in coin, gamma per USD, vega in USD per vol point.
    reason : str
        Why this option and this size.
    """

    instrument_name: str
    contracts: float
    premium_coin: float
    option_delta: float
    portfolio_delta_base: float
    portfolio_gamma_per_usd: float
    portfolio_vega_usd: float
    reason: str


def choose_option_hedge(
    inventory_base: float, chain: pd.DataFrame, params: OptionHedgeParams
) -> tuple[OptionHedge | None, str]:
    """Pick the option protection for ``inventory_base`` from a loaded chain.

    Parameters
    ----------
    inventory_base : float
        Coin inventory (positive long).
    chain : pandas.DataFrame
        As returned by :func:`workbench.options.chain.load_deribit_chain`.
    params : OptionHedgeParams
        Thresholds and budget.

    Returns
    -------
    (hedge, reason) : tuple
        ``hedge`` is None below the threshold, with no usable option, or when the budget
        buys less than one contract step; ``reason`` says which. Never raises on bad
        chain rows (zero or missing IVs and asks are skipped).
    """
    if not math.isfinite(inventory_base):
        return None, "no-hedge:inventory not finite"
    if abs(inventory_base) <= params.threshold_base:
        return None, "no-hedge:inventory below threshold"
    want_call = inventory_base < 0
    days = (chain["expiry_ns"] - chain["ts_ns"]) / NS_PER_DAY
    ok = (
        (chain["is_call"] == want_call)
        & days.between(params.min_days, params.max_days)
        & (chain["mark_iv"] > 0)
        & np.isfinite(chain["mark_iv"])
        & (chain["best_ask_coin"] > 0)
    )
    cands = chain[ok]
    if cands.empty:
        return None, "no-hedge:no option in the expiry window with a valid IV and an ask"
    args = (cands["forward"], cands["strike"], cands["t_years"], cands["mark_iv"], cands["is_call"])
    greeks = deribit_greeks(*args)
    i = int(np.argmin(np.abs(np.abs(greeks.delta) - params.target_delta)))
    row = cands.iloc[i]
    ask_coin = float(row["best_ask_coin"])
    delta_coin = float(greeks.delta[i]) - ask_coin
    if delta_coin * inventory_base >= 0:
        return None, f"no-hedge:{row.instrument_name} at its ask does not offset the inventory"
    needed = params.hedge_fraction * abs(inventory_base) / abs(delta_coin)
    affordable = params.premium_budget_coin / ask_coin
    steps = math.floor(min(needed, affordable) / params.contract_step + 1e-9)
    contracts = round(steps * params.contract_step, 12)
    if contracts <= 0:
        return (
            None,
            f"no-hedge:budget buys less than {params.contract_step} of {row.instrument_name}",
        )
    limited = "budget" if affordable < needed else "delta"
    reason = (
        f"hedge:buy {contracts:g} {row.instrument_name} (delta {greeks.delta[i]:+.3f}), "
        f"size limited by {limited}"
    )
    hedge = OptionHedge(
        instrument_name=str(row.instrument_name),
        contracts=contracts,
        premium_coin=contracts * ask_coin,
        option_delta=delta_coin,
        portfolio_delta_base=inventory_base + contracts * delta_coin,
        portfolio_gamma_per_usd=contracts * float(greeks.gamma[i]),
        portfolio_vega_usd=contracts * float(greeks.vega[i]),
        reason=reason,
    )
    return hedge, reason
