"""Exact sums for PnL attribution: floats and integers added as rationals, without rounding.

A float is a rational number (an integer mantissa times a power of two); adding many of
them in floating point rounds at every step. These helpers add them exactly, vectorised
where it matters: :func:`exact_dot` multiplies integer weights by floats and sums the
products as Python integers scaled to the smallest exponent, :func:`exact_ratio_sum` adds
integer ratios grouped by denominator, then the distinct ones pairwise.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from fractions import Fraction

import numpy as np

from workbench.core.errors import ValidationError

_MANTISSA_BITS = 53


def _check_finite(values: np.ndarray, what: str) -> None:
    if not np.isfinite(values).all():
        raise ValidationError(f"{what} must be finite to be summed exactly")


def exact_dot(weights: np.ndarray, values: np.ndarray, what: str = "values") -> Fraction:
    """``Σ weights[i] * values[i]`` exactly.

    Parameters
    ----------
    weights : array of int
        Integer weights (lots, signed sizes, ones).
    values : array of float
        Finite floats (prices, fees).
    what : str
        Name of ``values`` in the error message.

    Raises
    ------
    ValidationError
        If a value is NaN or infinite, or the arrays differ in length.
    """
    w = np.asarray(weights)
    x = np.asarray(values, dtype=np.float64)
    if w.shape != x.shape:
        raise ValidationError(f"{what}: {len(w)} weights for {len(x)} values")
    if len(x) == 0:
        return Fraction(0)
    _check_finite(x, what)
    mant, exp = np.frexp(x)  # x = mant * 2**exp, 0.5 <= |mant| < 1 (or 0)
    k = np.ldexp(mant, _MANTISSA_BITS).astype(np.int64)  # exact: 53 bits
    e = exp.astype(np.int64) - _MANTISSA_BITS
    e0 = int(e.min())
    shift = (e - e0).astype(object)
    terms = w.astype(object) * k.astype(object) * (2 ** shift)
    total = int(terms.sum())
    return Fraction(total) * (Fraction(2) ** e0)


def exact_sum(values: np.ndarray, what: str = "values") -> Fraction:
    """``Σ values`` of finite floats, exactly."""
    x = np.asarray(values, dtype=np.float64)
    return exact_dot(np.ones(len(x), dtype=np.int64), x, what)


def pairwise_sum(fractions: Iterable[Fraction]) -> Fraction:
    """Sum of rationals added in a balanced tree (denominators grow slowly that way)."""
    items = list(fractions)
    if not items:
        return Fraction(0)
    while len(items) > 1:
        paired = [items[i] + items[i + 1] for i in range(0, len(items) - 1, 2)]
        if len(items) % 2:
            paired.append(items[-1])
        items = paired
    return items[0]


def exact_ratio_sum(numerators: Iterable[int], denominators: Iterable[int]) -> Fraction:
    """``Σ numerators[i] / denominators[i]`` of integers, exactly (denominators non-zero).

    Terms with the same denominator are added as integers first, so the cost grows with
    the number of distinct denominators (prices), not of terms.

    Raises
    ------
    ValidationError
        On a zero denominator.
    """
    groups: defaultdict[int, int] = defaultdict(int)
    for n, d in zip(numerators, denominators):
        if d == 0:
            raise ValidationError("zero denominator in an exact sum")
        groups[d] += n
    return pairwise_sum(Fraction(n, d) for d, n in groups.items() if n)


def float_ratios(values: np.ndarray, what: str = "values") -> tuple[list[int], list[int]]:
    """Numerators and denominators of ``1 / values[i]`` exactly, for finite non-zero floats.

    Raises
    ------
    ValidationError
        If a value is zero, NaN or infinite.
    """
    x = np.asarray(values, dtype=np.float64)
    _check_finite(x, what)
    if (x == 0).any():
        raise ValidationError(f"{what} must be non-zero")
    nums, dens = [], []
    for v in x.tolist():
        n, d = v.as_integer_ratio()  # v = n / d, so 1 / v = d / n
        nums.append(d)
        dens.append(n)
    return nums, dens
