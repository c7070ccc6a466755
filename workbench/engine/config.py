"""Everything an engine is built from, in one typed, validated object."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from workbench.book.sync import SyncRule
from workbench.core.errors import ValidationError
from workbench.core.instruments import Instrument
from workbench.estimators.stack import StackParams
from workbench.execution.orders.config import OrderManagerConfig
from workbench.execution.risk.limits import RiskLimits
from workbench.strategies.combined import STRATEGIES
from workbench.strategies.hedger import HedgeParams
from workbench.strategies.maker import MakerParams
from workbench.strategies.taker import TakerParams


@dataclass(frozen=True)
class EngineConfig:
    """What one engine trades and how.

    Parameters
    ----------
    instruments : tuple of Instrument
        Every stream the engine follows (its books feed the fair mid and the other
        signals), the quoted one included.
    quote : (venue, symbol)
        The instrument the maker quotes.
    maker : MakerParams
        Quoting model, inventory policy, toxic-flow guard and ladder.
    risk : RiskLimits
        Limits of the risk gate and the kill switch.
    sync_rules : mapping of venue to SyncRule
        Book sync rule of each venue.
    stack : StackParams
        Estimator parameters.
    orders : OrderManagerConfig
        Requote tolerance, minimum order age, amend support, ack timeout.
    timer_interval_ns : int
        How often order timeouts and stale data are checked when no event comes.
    hedge : HedgeParams, optional
        When set, the engine keeps the net delta (quoted inventory plus hedges, in base
        asset) inside the band by sending IOC orders on the cheapest of ``hedge_on``.
    hedge_on : tuple of (venue, symbol)
        Instruments to hedge on (each must be among ``instruments`` and have risk limits).
    hedge_fee_bps : float
        Taker fee assumed when choosing the hedge venue, bps.
    constant_vol_per_sqrt_s : float, optional
        When set, the signals are the quoted book's own mid and this fixed volatility
        (:class:`~workbench.estimators.book_mid.BookMidSignals`) instead of the estimator
        stack: what the compiled fast path quotes on.
    strategy : {"maker", "taker", "both"}
        Who trades the quoted instrument (:mod:`workbench.strategies.combined`): the
        maker's quotes, the taker's marketable orders, or both on the same signals.
    taker : TakerParams
        The taker's thresholds and sizes, when ``strategy`` is ``"taker"`` or ``"both"``.

    Raises
    ------
    ValidationError
        If the quoted instrument is not among ``instruments``, a venue has no sync rule,
        the risk limits do not cover the quoted instrument, or ``strategy`` is unknown.
    """

    instruments: tuple[Instrument, ...]
    quote: tuple[str, str]
    maker: MakerParams
    risk: RiskLimits
    sync_rules: Mapping[str, SyncRule]
    stack: StackParams = field(default_factory=StackParams)
    orders: OrderManagerConfig = field(default_factory=OrderManagerConfig)
    timer_interval_ns: int = 100_000_000
    hedge: HedgeParams | None = None
    hedge_on: tuple[tuple[str, str], ...] = ()
    hedge_fee_bps: float = 5.0
    constant_vol_per_sqrt_s: float | None = None
    strategy: str = "maker"
    taker: TakerParams = field(default_factory=TakerParams)

    def __post_init__(self) -> None:
        if self.strategy not in STRATEGIES:
            raise ValidationError(f"strategy must be one of {STRATEGIES}: {self.strategy!r}")
        keys = [i.key for i in self.instruments]
        if len(set(keys)) != len(keys):
            raise ValidationError("an instrument is listed twice")
        if self.quote not in keys:
            raise ValidationError(f"quoted instrument {self.quote} is not among the instruments")
        missing = {i.venue for i in self.instruments} - set(self.sync_rules)
        if missing:
            raise ValidationError(f"no book sync rule for venue(s) {sorted(missing)}")
        if self.quote not in self.risk.instruments:
            raise ValidationError(f"risk limits do not cover the quoted instrument {self.quote}")
        if self.timer_interval_ns <= 0:
            raise ValidationError("timer_interval_ns must be positive")
        if self.hedge is not None and not self.hedge_on:
            raise ValidationError("hedge needs at least one instrument in hedge_on")
        for key in self.hedge_on:
            if key not in keys or key == self.quote:
                raise ValidationError(f"hedge instrument {key} must be another of the "
                                      "instruments")
            if key not in self.risk.instruments:
                raise ValidationError(f"risk limits do not cover the hedge instrument {key}")

    @property
    def quoted(self) -> Instrument:
        """The quoted instrument."""
        return next(i for i in self.instruments if i.key == self.quote)
