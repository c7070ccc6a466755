"""A token bucket in integer nanoseconds of event time, exact and deterministic."""

from __future__ import annotations

from workbench.core.errors import ValidationError


class TokenBucket:
    """``burst`` tokens, refilled one every ``interval_ns = round(1e9 / rate_per_s)``.

    It starts full. Kept as the time at which the bucket would next be full of all but
    the tokens already spent (the generic cell rate algorithm), so every figure is an
    integer and the same event times give the same answers.

    Parameters
    ----------
    rate_per_s : float
        Sustained rate, tokens per second (> 0, at most 1e9).
    burst : int
        Capacity (>= 1).

    Raises
    ------
    ValidationError
        On a non-positive rate or capacity.
    """

    __slots__ = ("_tat_ns", "_tau_ns", "burst", "interval_ns")

    def __init__(self, rate_per_s: float, burst: int) -> None:
        if not rate_per_s > 0 or burst < 1:
            raise ValidationError(f"token bucket needs rate > 0 and burst >= 1: "
                                  f"{rate_per_s}, {burst}")
        self.interval_ns = round(1e9 / rate_per_s)
        if self.interval_ns < 1:
            raise ValidationError(f"rate {rate_per_s}/s is too high to time in ns")
        self.burst = burst
        self._tau_ns = (burst - 1) * self.interval_ns
        self._tat_ns: int | None = None

    def try_take(self, now_ns: int) -> bool:
        """Take one token at ``now_ns`` if there is one; True if taken."""
        tat = self._tat_ns
        if tat is None or tat < now_ns:
            tat = now_ns
        if tat - now_ns > self._tau_ns:
            return False
        self._tat_ns = tat + self.interval_ns
        return True

    def tokens(self, now_ns: int) -> int:
        """Whole tokens available at ``now_ns``."""
        tat = self._tat_ns
        if tat is None or tat < now_ns:
            return self.burst
        backlog = tat - now_ns
        return 0 if backlog > self._tau_ns else (self._tau_ns - backlog) // self.interval_ns + 1

    def wait_ns(self, now_ns: int) -> int:
        """Nanoseconds from ``now_ns`` until a token is available (0 if one is)."""
        tat = self._tat_ns
        if tat is None:
            return 0
        return max(0, tat - self._tau_ns - now_ns)
