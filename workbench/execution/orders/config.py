"""How the order manager requotes: tolerance, minimum age, amend support, timeouts."""

from __future__ import annotations

import math
from dataclasses import dataclass

from workbench.core.commands import TimeInForce
from workbench.core.errors import ValidationError


@dataclass(frozen=True, slots=True)
class OrderManagerConfig:
    """Parameters of :class:`~workbench.execution.orders.OrderManager`.

    Parameters
    ----------
    tolerance_ticks : int
        A working order within this many ticks of its target price (and of the target's
        size) is kept rather than replaced.
    tolerance_bps : float
        The same tolerance in basis points of the target price; the larger of the two
        applies (an order within either is kept).
    min_age_ns : int
        An order is not replaced (amended or cancelled to requote) before it has rested
        this long since its price or size was last sent. Orders no longer wanted at all
        are cancelled at once.
    ack_timeout_ns : int
        A command unanswered for longer than this makes its order UNKNOWN and is
        followed by a cancel.
    unknown_retry_ns : int
        An UNKNOWN order with nothing in flight is cancelled again this long after the
        previous attempt (a venue that answers "unknown order" is not asked at once again).
    unknown_timeout_ns : int
        An order UNKNOWN this long with no sign of life (ack, fill, amend) is presumed
        gone: CANCELED, but brought back should a report show it live after all. It must
        exceed the longest time a command can take to reach the venue.
    keep_partial : bool
        A partially filled order whose price is on target keeps its queue place: it is
        not cancelled and replaced to restore the target size (True), or it is (False,
        every level exactly at its target size).
    amend_supported : bool
        Whether the venue takes :class:`~workbench.core.Amend`; otherwise a requote is a
        cancel plus a new place.
    resting_tif : TimeInForce
        Time in force of quotes (``POST_ONLY`` or ``GTC``).
    retain_done : int
        How many finished orders are remembered, to book late fills and recognise late
        or duplicate reports.
    first_order_id : int
        First id the manager's allocator hands out.

    Raises
    ------
    ValidationError
        On a negative tolerance or age, a non-positive timeout, retry interval or
        retention, an unknown timeout not above the retry interval, or an IOC resting time
        in force.
    """

    tolerance_ticks: int = 0
    tolerance_bps: float = 0.0
    min_age_ns: int = 0
    ack_timeout_ns: int = 5_000_000_000
    unknown_retry_ns: int = 1_000_000_000
    unknown_timeout_ns: int = 30_000_000_000
    keep_partial: bool = True
    amend_supported: bool = False
    resting_tif: TimeInForce = TimeInForce.POST_ONLY
    retain_done: int = 10_000
    first_order_id: int = 1

    def __post_init__(self) -> None:
        if self.tolerance_ticks < 0:
            raise ValidationError(f"tolerance_ticks must be >= 0: {self.tolerance_ticks}")
        if not (math.isfinite(self.tolerance_bps) and self.tolerance_bps >= 0):
            raise ValidationError(f"tolerance_bps must be finite and >= 0: {self.tolerance_bps}")
        if self.min_age_ns < 0:
            raise ValidationError(f"min_age_ns must be >= 0: {self.min_age_ns}")
        if self.ack_timeout_ns <= 0:
            raise ValidationError(f"ack_timeout_ns must be > 0: {self.ack_timeout_ns}")
        if self.unknown_retry_ns <= 0:
            raise ValidationError(f"unknown_retry_ns must be > 0: {self.unknown_retry_ns}")
        if self.unknown_timeout_ns <= self.unknown_retry_ns:
            raise ValidationError(f"unknown_timeout_ns ({self.unknown_timeout_ns}) must exceed "
                                  f"unknown_retry_ns ({self.unknown_retry_ns})")
        if self.retain_done <= 0:
            raise ValidationError(f"retain_done must be > 0: {self.retain_done}")
        if self.resting_tif is TimeInForce.IOC:
            raise ValidationError("resting_tif cannot be IOC: quotes must rest")
        if self.first_order_id <= 0:
            raise ValidationError(f"first_order_id must be > 0: {self.first_order_id}")
