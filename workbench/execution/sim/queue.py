"""Queue models: how the size ahead of a resting order moves when its level shrinks.

Both models share the rules the exchange applies itself: an order joins behind the
visible size at its price; trades at its price (aggressor against it) consume the size
ahead first and fill it with the volume beyond; a level whose visible size falls below
the size ahead clamps it. What differs is a visible decrease that trades do not explain,
i.e. cancellations: where in the queue did they happen?
"""

from __future__ import annotations

import math
from typing import Protocol

from workbench.core.errors import ValidationError


class QueueModel(Protocol):
    """Attributes cancelled size at a level to the part ahead of or behind our order."""

    def cancelled_ahead_lots(self, ahead_lots: int, behind_lots: int, cancelled_lots: int,
                             u: float) -> int:
        """How much of ``cancelled_lots`` left the queue ahead of our order.

        Parameters
        ----------
        ahead_lots, behind_lots : int
            Other participants' size ahead of and behind our order (> 0 ahead).
        cancelled_lots : int
            Size that left the level other than by trades (> 0).
        u : float
            A uniform draw in [0, 1) from the exchange's seeded generator; one draw per
            level change, shared by all our orders at the level so their attributions
            agree.

        Returns
        -------
        int
            Lots to remove from ``ahead_lots``, in ``[0, ahead_lots]``.
        """
        ...


class ConservativeQueue:
    """Cancellations never advance us: the size ahead falls only by trades and clamps."""

    __slots__ = ()

    def cancelled_ahead_lots(self, ahead_lots: int, behind_lots: int, cancelled_lots: int,
                             u: float) -> int:
        """Always 0."""
        return 0

    def __repr__(self) -> str:
        return "ConservativeQueue()"


class ProbabilisticQueue:
    """A cancellation is ahead of us with a probability growing with the size ahead.

    With ``f(x) = x ** power``, the cancelled size comes from ahead of us with probability
    ``p = f(ahead) / (f(ahead) + f(behind))`` (the power-law queue function of the
    queue-position literature, as in hftbacktest's ``PowerProbQueueFunc``): at the back of
    the queue nearly every cancellation is ahead of us, at the front nearly none. The
    whole decrease is treated as one cancellation and drawn once (``u < p``): ahead, it
    removes ``min(cancelled, ahead)`` from the size ahead; behind, only what the size
    behind cannot hold, ``max(cancelled - behind, 0)``.

    Parameters
    ----------
    power : float
        Exponent ``n`` of ``f``; larger values make the position matter more.

    Raises
    ------
    ValidationError
        If ``power`` is not a positive finite number.
    """

    __slots__ = ("power",)

    def __init__(self, power: float = 2.0) -> None:
        if not (math.isfinite(power) and power > 0):
            raise ValidationError(f"power must be positive and finite, got {power!r}")
        self.power = float(power)

    def probability_ahead(self, ahead_lots: int, behind_lots: int) -> float:
        """``f(ahead) / (f(ahead) + f(behind))``; 1 when nothing is behind."""
        if behind_lots <= 0:
            return 1.0
        # Divide by the larger size first so large lot counts cannot overflow the power.
        scale = float(max(ahead_lots, behind_lots))
        fa = (ahead_lots / scale) ** self.power
        fb = (behind_lots / scale) ** self.power
        return fa / (fa + fb)

    def cancelled_ahead_lots(self, ahead_lots: int, behind_lots: int, cancelled_lots: int,
                             u: float) -> int:
        """Lots of the cancellation taken from ahead of us (see the class docstring)."""
        if u < self.probability_ahead(ahead_lots, behind_lots):
            return min(cancelled_lots, ahead_lots)
        return min(max(cancelled_lots - behind_lots, 0), ahead_lots)

    def __repr__(self) -> str:
        return f"ProbabilisticQueue(power={self.power})"
