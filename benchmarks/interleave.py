"""Figures a noisy machine cannot flip: ours against a reference, interleaved, in one run.

Every figure of ``benchmarks/`` is measured so: the work of ours (A) and the reference
(B: a peer library, or the plainest version of the same work in the same process) run
alternately, A B A B ..., at least :data:`MIN_PAIRS` pairs, and the figure is the median
of the per-pair ratios, its spread (half the range of the middle half of the ratios)
printed beside it. A neighbour that slows the machine slows both halves of a pair alike,
so the ratio holds where an absolute figure would not; absolute numbers are printed as
``INFO`` lines, targets are set on ratios. The line format stays::

    BENCH <name> <value> <unit> target <op> <value> PASS|MISS
    INFO <name> spread ±<s> over <n> pairs; reference: <what>; ours <a> ref <b> <unit>

A bench whose peer library is missing stops with a message and exit status 2
(:func:`require`): a figure against nothing is not a MISS. ``BENCH_QUICK=1`` (``make
bench-quick``) asks the scripts for smaller inputs; the pairs stay at least five.
"""

from __future__ import annotations

import importlib
import operator
import os
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

MIN_PAIRS = 5
#: Smaller inputs for ``make bench-quick``.
QUICK = os.environ.get("BENCH_QUICK", "") not in ("", "0")

_OPS = {">=": operator.ge, "<=": operator.le}


@dataclass(frozen=True)
class Figure:
    """One BENCH line: what it measures against what, and its target.

    Parameters
    ----------
    name : str
        ``<what>_vs_<reference>`` for a ratio (unit ``x``).
    reference : str
        The reference in words, printed on the figure's INFO line.
    op, target : str, float
        ``">="`` or ``"<="`` and the bound the value must meet.
    unit : str
        ``x`` for a ratio; a figure in other units says so in its name.
    speed : bool
        True: the value is reference cost / our cost (higher is better: how many times
        faster we are); False: our cost / reference cost (how many times the reference
        our work costs, lower is better).
    """

    name: str
    reference: str
    op: str
    target: float
    unit: str = "x"
    speed: bool = False

    def __post_init__(self) -> None:
        if not self.reference:
            raise ValueError(f"{self.name}: a figure names its reference")
        if self.unit == "x" and "_vs_" not in self.name:
            raise ValueError(f"{self.name}: a ratio is named <what>_vs_<reference>")
        if self.op not in _OPS:
            raise ValueError(f"{self.name}: op must be one of {sorted(_OPS)}")


@dataclass(frozen=True)
class Pairs:
    """Costs of ours and of the reference, one entry per pair, in run order."""

    ours: tuple[float, ...]
    reference: tuple[float, ...]

    def ratios(self, speed: bool) -> list[float]:
        """Per-pair ratios: reference / ours when ``speed``, else ours / reference."""
        if speed:
            return [r / o for o, r in zip(self.ours, self.reference, strict=True)]
        return [o / r for o, r in zip(self.ours, self.reference, strict=True)]


def interleave(ours: Callable[[], float], reference: Callable[[], float],
               pairs: int = MIN_PAIRS, warmup: bool = True) -> Pairs:
    """Run ``ours`` and ``reference`` alternately, ``pairs`` times each.

    Each callable runs the work once and returns its cost (seconds, ns per event...; see
    :func:`wall`). ``warmup`` runs each once first, untimed (imports, caches, JIT).
    """
    return interleave_metrics(lambda: (ours(),), lambda: (reference(),), pairs, warmup)[0]


def interleave_metrics(ours: Callable[[], tuple[float, ...]],
                       reference: Callable[[], tuple[float, ...]], pairs: int = MIN_PAIRS,
                       warmup: bool = True) -> tuple[Pairs, ...]:
    """:func:`interleave` for runs that give several costs at once (say a p50 and a p99):
    one :class:`Pairs` per cost, in the order the callables return them."""
    if pairs < MIN_PAIRS:
        raise ValueError(f"at least {MIN_PAIRS} pairs, not {pairs}")
    if warmup:
        ours()
        reference()
    a, b = [], []
    for _ in range(pairs):
        a.append(tuple(float(x) for x in ours()))
        b.append(tuple(float(x) for x in reference()))
    return tuple(Pairs(tuple(x[i] for x in a), tuple(y[i] for y in b))
                 for i in range(len(a[0])))


def wall(fn: Callable[[], object]) -> Callable[[], float]:
    """``fn`` as a callable returning the wall seconds one call took."""
    def timed() -> float:
        t0 = time.perf_counter()
        fn()
        return time.perf_counter() - t0

    return timed


def spread(values: list[float]) -> float:
    """Half the interquartile range of ``values``."""
    if len(values) < 2:
        return 0.0
    q = statistics.quantiles(values, n=4, method="inclusive")
    return (q[2] - q[0]) / 2.0


def report(figure: Figure, value: float, note: str = "") -> bool:
    """Print ``figure``'s BENCH line for ``value`` and its INFO line; True on PASS."""
    ok = bool(_OPS[figure.op](value, figure.target))
    print(f"BENCH {figure.name} {_fmt(value)} {figure.unit} target {figure.op} "
          f"{figure.target:g} {'PASS' if ok else 'MISS'}", flush=True)
    print(f"INFO {figure.name} reference: {figure.reference}{'; ' + note if note else ''}",
          flush=True)
    return ok


def report_pairs(figure: Figure, pairs: Pairs, cost_unit: str = "s", scale: float = 1.0) -> bool:
    """The median of ``pairs``' per-pair ratios as ``figure``'s BENCH line, with its
    spread and the median costs of each side (times ``scale``, in ``cost_unit``)."""
    ratios = pairs.ratios(figure.speed)
    ours = statistics.median(pairs.ours) * scale
    ref = statistics.median(pairs.reference) * scale
    return report(figure, statistics.median(ratios),
                  f"spread ±{spread(ratios):.3g} over {len(ratios)} pairs; "
                  f"ours {_fmt(ours)} ref {_fmt(ref)} {cost_unit} (medians)")


def info(name: str, value: float, unit: str, note: str = "") -> None:
    """Print an absolute number as information: ``INFO <name> <value> <unit> [note]``."""
    print(f"INFO {name} {_fmt(value)} {unit}{' ' + note if note else ''}", flush=True)


def require(module: str, why: str) -> ModuleType:
    """Import the peer library ``module`` or stop loudly (exit status 2).

    Raises
    ------
    SystemExit
        With status 2 and a message on stderr when ``module`` is not importable.
    """
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        script = Path(sys.argv[0]).name if sys.argv and sys.argv[0] else "bench"
        print(f"{script}: cannot measure {why}: the peer library {module!r} is not "
              f"importable ({exc}); install the bench extra: pip install -e '.[bench]'",
              file=sys.stderr, flush=True)
        raise SystemExit(2) from None


def _fmt(value: float) -> str:
    return f"{value:.0f}" if abs(value) >= 1000 else f"{value:.3g}"
