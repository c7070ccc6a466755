"""Toxic-flow guard: per side, keep / widen / pull / join, with hysteresis and a cool-down.

Each side has a score, the toxicity of the flow that would trade against it
(``toxicity_bid`` for our bid, ``toxicity_ask`` for our ask), and a directional flow in
[-1, 1] towards that side (selling pressure for the bid, buying pressure for the ask):
``flow_weights`` applied to book imbalance, OFI and trade imbalance, whose signs follow
each signal's measured predictive direction. On the recorded data (the scorecard's flow
rows, quoted mid 1 s and 5 s ahead) book imbalance predicts with the flow (IC +0.28 at
1 s), OFI not at all (|IC| < 0.08, either sign) and trade imbalance *against* it (IC
-0.07 to -0.25: aggressive flow reverts), so the default is ``(0.5, 0, -0.5)``: buying
pressure is a heavy bid or recent selling that is about to revert. Levels by severity:

* ``widen`` when the score reaches ``widen_on``, held while above ``widen_off``;
* ``pull`` when it reaches ``pull_on``, held while above ``pull_off``;
* ``join`` when it reaches ``join_on`` *and* the flow is at least ``join_flow``: pull the
  side and send a marketable order in the flow's direction (buy when our ask is being
  lifted), at most once per ``join_cooldown_ns``.

Escalation is immediate; stepping down to a milder level waits until ``cooldown_ns`` of
event time have passed since the side last changed level, so the guard does not flap.
The default is no cool-down: chosen by :func:`~workbench.estimators.toxicity_calibration.
choose_cooldown` on the recorded BTC day the toxicity defaults come from (the touch a
thin queue leaves lives for milliseconds; held 2 s, the guard stayed on for most of the
day), so only the ``*_off`` hysteresis keeps it from flapping.
:func:`classify` is the pure rule; :class:`ToxicGuard` is the small state machine around it.
"""

from __future__ import annotations

import dataclasses
from enum import IntEnum
from typing import NamedTuple

from workbench.core import ValidationError
from workbench.estimators.signals import Signals
from workbench.quoting.params import ParamsIO, check_non_negative, check_positive


class GuardAction(IntEnum):
    """A side's treatment, by increasing severity."""

    KEEP = 0
    WIDEN = 1
    PULL = 2
    JOIN = 3


@dataclasses.dataclass(frozen=True)
class GuardParams(ParamsIO):
    """Thresholds of the guard (scores in [0, 1]) and its timing.

    Each ``*_off`` must be below its ``*_on``; ``widen_on <= pull_on <= join_on``.
    ``widen_ticks`` is how far a widened side moves away; ``join_max_lots`` caps the size of
    a join order (the strategy also caps it by its inventory limits). ``flow_weights``
    weigh (book imbalance, OFI, trade imbalance) into the directional flow; their
    absolute values sum to at most 1.
    """

    widen_on: float = 0.5
    widen_off: float = 0.4
    pull_on: float = 0.75
    pull_off: float = 0.6
    join_on: float = 0.9
    join_off: float = 0.8
    join_flow: float = 0.5
    cooldown_ns: int = 0
    join_cooldown_ns: int = 5_000_000_000
    widen_ticks: int = 2
    join_max_lots: int = 1
    flow_weights: tuple[float, float, float] = (0.5, 0.0, -0.5)

    def __post_init__(self) -> None:
        # a tuple whatever it was read as (JSON and YAML give lists)
        object.__setattr__(self, "flow_weights", tuple(float(w) for w in self.flow_weights))
        names = ("widen_on", "widen_off", "pull_on", "pull_off", "join_on", "join_off")
        check_non_negative(self, *names, "join_flow", "cooldown_ns", "join_cooldown_ns")
        check_positive(self, "widen_ticks", "join_max_lots")
        for on, off in (
            ("widen_on", "widen_off"),
            ("pull_on", "pull_off"),
            ("join_on", "join_off"),
        ):
            if not getattr(self, off) < getattr(self, on) <= 1:
                raise ValidationError(f"GuardParams needs {off} < {on} <= 1")
        if not self.widen_on <= self.pull_on <= self.join_on:
            raise ValidationError("GuardParams needs widen_on <= pull_on <= join_on")
        if self.join_flow > 1:
            raise ValidationError("GuardParams.join_flow must be <= 1")
        if len(self.flow_weights) != 3 or sum(abs(w) for w in self.flow_weights) > 1 + 1e-12:
            raise ValidationError("GuardParams.flow_weights needs three weights, sum |w| <= 1")


class GuardDecision(NamedTuple):
    """One side's decision: the action, whether a join order may be sent now, and why."""

    action: GuardAction
    take: bool
    reason: str


class GuardDecisions(NamedTuple):
    """Both sides' decisions."""

    bid: GuardDecision
    ask: GuardDecision


_KEEP, _WIDEN, _PULL, _JOIN = GuardAction
_CAUSES = ("toxicity", "held", "cooldown", "nan")
#: Every possible decision, built once: ``_DECISIONS[side][action][cause][take]``.
_DECISIONS = tuple(
    tuple(
        tuple(
            tuple(
                GuardDecision(a, take, f"{side}:{a.name.lower()}:{cause}") for take in (False, True)
            )
            for cause in _CAUSES
        )
        for a in GuardAction
    )
    for side in ("bid", "ask")
)


def side_inputs(signals: Signals, flow_weights: tuple[float, float, float] = (0.5, 0.0, -0.5)
                ) -> tuple[float, float, float, float]:
    """``(score_bid, flow_bid, score_ask, flow_ask)`` from a Signals snapshot."""
    wb, wo, wt = flow_weights
    buy_flow = wb * signals.book_imbalance + wo * signals.ofi + wt * signals.trade_imbalance
    return signals.toxicity_bid, -buy_flow, signals.toxicity_ask, buy_flow


def classify(
    score: float, flow: float, current: GuardAction, p: GuardParams
) -> tuple[GuardAction, bool]:
    """The level a side should be at, with hysteresis but no cool-down.

    A level is entered when the score reaches its ``*_on`` threshold and kept while the
    score stays at or above its ``*_off`` threshold. Returns ``(action, held)``, ``held``
    telling whether an off threshold (rather than an on threshold) decided. A NaN score
    or flow counts as ``PULL``: stop quoting the side, but never trade on it.
    """
    if score != score or flow != flow:
        return _PULL, False
    if flow >= p.join_flow and score >= (p.join_off if current == _JOIN else p.join_on):
        return _JOIN, current == _JOIN
    if score >= (p.pull_off if current >= _PULL else p.pull_on):
        return _PULL, current >= _PULL
    if score >= (p.widen_off if current >= _WIDEN else p.widen_on):
        return _WIDEN, current >= _WIDEN
    return _KEEP, current == _KEEP


def _cause(score: float, flow: float, held: bool) -> int:
    if score != score or flow != flow:
        return 3
    return 1 if held else 0


def stateless_decisions(signals: Signals, p: GuardParams) -> GuardDecisions:
    """Decisions from a single snapshot with no history (no hysteresis, no cool-down)."""
    sb, fb, sa, fa = side_inputs(signals, p.flow_weights)
    ab, _ = classify(sb, fb, _KEEP, p)
    aa, _ = classify(sa, fa, _KEEP, p)
    return GuardDecisions(
        _DECISIONS[0][ab][_cause(sb, fb, False)][ab == _JOIN],
        _DECISIONS[1][aa][_cause(sa, fa, False)][aa == _JOIN],
    )


#: Both sides keeping, held: what :meth:`ToxicGuard.update` answers in a quiet market
#: (both sides keep and every score is below ``widen_on``), leaving its state as it was.
#: That answer reads the snapshot's scores and flows, never its time.
QUIET = GuardDecisions(_DECISIONS[0][_KEEP][1][False], _DECISIONS[1][_KEEP][1][False])
_QUIET = QUIET


class ToxicGuard:
    """Per-side state machine over :func:`classify`, adding the cool-downs.

    Parameters
    ----------
    params : GuardParams
        Thresholds and timing.
    """

    __slots__ = ("_action", "_changed_ns", "_joined_ns", "params")

    def __init__(self, params: GuardParams) -> None:
        self.params = params
        self._action = [GuardAction.KEEP, GuardAction.KEEP]
        self._changed_ns = [None, None]
        self._joined_ns = [None, None]

    @property
    def actions(self) -> tuple[GuardAction, GuardAction]:
        """Current ``(bid, ask)`` levels."""
        return self._action[0], self._action[1]

    def update(self, signals: Signals) -> GuardDecisions:
        """Advance on one snapshot (``signals.ts_ns`` is the event time) and decide."""
        sb, fb, sa, fa = side_inputs(signals, self.params.flow_weights)
        action = self._action
        widen_on = self.params.widen_on
        # The quiet market: both sides keep and stay below every threshold (widen_on is
        # the lowest; NaN fails the comparisons): nothing changes, the answer is fixed.
        if (action[0] is _KEEP and action[1] is _KEEP and sb < widen_on and sa < widen_on
                and fb == fb and fa == fa):
            return _QUIET
        ts = signals.ts_ns
        return GuardDecisions(self._side(0, sb, fb, ts), self._side(1, sa, fa, ts))

    def _side(self, i: int, score: float, flow: float, ts_ns: int) -> GuardDecision:
        p = self.params
        current = self._action[i]
        target, held = classify(score, flow, current, p)
        cause = _cause(score, flow, held)
        changed = self._changed_ns[i]
        if target < current and changed is not None and ts_ns - changed < p.cooldown_ns:
            target, cause = current, 2
        if target != current:
            self._action[i] = target
            self._changed_ns[i] = ts_ns
        take = False
        if target == _JOIN:
            joined = self._joined_ns[i]
            take = joined is None or ts_ns - joined >= p.join_cooldown_ns
            if take:
                self._joined_ns[i] = ts_ns
        return _DECISIONS[i][target][cause][take]
