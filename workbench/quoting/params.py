"""Typed, validated model parameters with YAML and JSON round trips.

Every parameter object is a frozen dataclass that checks its fields in ``__post_init__``
and raises :class:`~workbench.core.ValidationError` on a bad value (zero, negative or NaN
where a positive number is needed). :class:`ParamsIO` gives them ``to_dict``/``from_dict``,
``to_json``/``from_json``, ``to_yaml``/``from_yaml`` and ``save``/``load`` by file suffix;
nested parameter objects are written as nested mappings.

Conventions: inventory ``q`` in the models is counted in *quote units* (one quote unit is
``MakerParams.unit_lots`` lots, one order of the maker's base size); ``gamma`` is the CARA
risk aversion per quote currency of wealth per quote unit; ``k_per_price`` is the decay of
the fill intensity ``A·exp(-k·δ)`` per unit of price distance ``δ``; ``a_per_s`` is its
level, fills of a whole unit per second and per side.

Defaults are real units for Binance USD-M BTCUSDT (lots of 0.001 BTC, one lot a unit),
from :mod:`workbench.quoting.calibration` on the recorded data (2024-07-18/19 and
2024-08-08, 823 s, 1,285 aggressive orders one tick or more beyond the touch):
``A = 0.896 /s`` per side, ``k = 0.708 /USD``, ``σ = 8.80e-5 /√s`` (49% a year, 5.54
USD/√s at the 63,000 USD mean mid), and ``γ`` such that at the default 100-lot position
limit the skew equals the half-spread. The quotes are then about 1.42 USD either side of
the mid (a spread of 0.45 bps) and one lot moves them by 1% of the half-spread. On another
instrument or unit size, calibrate: ``γ`` per unit grows with ``unit_lots`` (linearly for
a fixed risk per unit of base asset; see :mod:`workbench.quoting.calibration` for the skew
rule's scaling), ``A`` falls with it (fewer orders fill a whole unit).
"""

from __future__ import annotations

import dataclasses
import json
import math
import typing
from pathlib import Path
from typing import Any, ClassVar, TypeVar

from workbench.core import ValidationError

P = TypeVar("P", bound="ParamsIO")


def check_positive(owner: object, *names: str) -> None:
    """Raise :class:`ValidationError` unless every named field is a finite number > 0."""
    for name in names:
        value = getattr(owner, name)
        if not isinstance(value, (int, float)) or not math.isfinite(value) or value <= 0:
            raise ValidationError(
                f"{type(owner).__name__}.{name} must be finite and > 0, got {value!r}"
            )


def check_non_negative(owner: object, *names: str) -> None:
    """Raise :class:`ValidationError` unless every named field is a finite number >= 0."""
    for name in names:
        value = getattr(owner, name)
        if not isinstance(value, (int, float)) or not math.isfinite(value) or value < 0:
            raise ValidationError(
                f"{type(owner).__name__}.{name} must be finite and >= 0, got {value!r}"
            )


def check_finite(owner: object, *names: str) -> None:
    """Raise :class:`ValidationError` unless every named field is a finite number."""
    for name in names:
        value = getattr(owner, name)
        if not isinstance(value, (int, float)) or not math.isfinite(value):
            raise ValidationError(f"{type(owner).__name__}.{name} must be finite, got {value!r}")


def check_choice(owner: object, name: str, choices: tuple[str, ...]) -> None:
    """Raise :class:`ValidationError` unless the named field is one of ``choices``."""
    value = getattr(owner, name)
    if value not in choices:
        raise ValidationError(f"{type(owner).__name__}.{name} must be one of {choices}: {value!r}")


class ParamsIO:
    """Mixin: dict, JSON and YAML round trips for frozen parameter dataclasses."""

    #: Suffixes understood by :meth:`save` and :meth:`load`.
    SUFFIXES: ClassVar[tuple[str, ...]] = (".json", ".yaml", ".yml")

    def to_dict(self) -> dict[str, Any]:
        """The parameters as plain nested dicts of numbers, strings and booleans."""
        out: dict[str, Any] = {}
        for f in dataclasses.fields(self):  # type: ignore[arg-type]
            value = getattr(self, f.name)
            out[f.name] = value.to_dict() if isinstance(value, ParamsIO) else value
        return out

    @classmethod
    def from_dict(cls: type[P], data: dict[str, Any]) -> P:
        """Build (and validate) from a mapping; nested mappings become nested params.

        Raises
        ------
        ValidationError
            On unknown keys or invalid values.
        """
        if not isinstance(data, dict):
            raise ValidationError(f"{cls.__name__}: expected a mapping, got {type(data).__name__}")
        hints = typing.get_type_hints(cls)
        names = {f.name for f in dataclasses.fields(cls)}  # type: ignore[arg-type]
        unknown = set(data) - names
        if unknown:
            raise ValidationError(f"{cls.__name__}: unknown parameters {sorted(unknown)}")
        kwargs = {}
        for key, value in data.items():
            hint = hints.get(key)
            if isinstance(hint, type) and issubclass(hint, ParamsIO) and isinstance(value, dict):
                value = hint.from_dict(value)
            kwargs[key] = value
        try:
            return cls(**kwargs)
        except TypeError as exc:
            raise ValidationError(f"{cls.__name__}: {exc}") from None

    def to_json(self) -> str:
        """JSON text of :meth:`to_dict`."""
        return json.dumps(self.to_dict(), indent=2, sort_keys=True)

    @classmethod
    def from_json(cls: type[P], text: str) -> P:
        """Parse JSON text produced by :meth:`to_json` (or written by hand)."""
        return cls.from_dict(json.loads(text))

    def to_yaml(self) -> str:
        """YAML text of :meth:`to_dict`."""
        import yaml

        return yaml.safe_dump(self.to_dict(), sort_keys=True)

    @classmethod
    def from_yaml(cls: type[P], text: str) -> P:
        """Parse YAML text produced by :meth:`to_yaml` (or written by hand)."""
        import yaml

        return cls.from_dict(yaml.safe_load(text))

    def save(self, path: str | Path) -> None:
        """Write to ``path``; the suffix (.json, .yaml, .yml) picks the format."""
        path = Path(path)
        path.write_text(self.to_json() if _suffix(path) == ".json" else self.to_yaml())

    @classmethod
    def load(cls: type[P], path: str | Path) -> P:
        """Read from ``path``; the suffix (.json, .yaml, .yml) picks the format."""
        path = Path(path)
        is_json = _suffix(path) == ".json"
        text = path.read_text()
        return cls.from_json(text) if is_json else cls.from_yaml(text)


def _suffix(path: Path) -> str:
    suffix = path.suffix.lower()
    if suffix not in ParamsIO.SUFFIXES:
        raise ValidationError(f"{path}: unknown parameter file type {suffix!r}")
    return suffix


@dataclasses.dataclass(frozen=True)
class ASParams(ParamsIO):
    """Avellaneda–Stoikov model parameters.

    Parameters
    ----------
    gamma : float
        Risk aversion, per quote currency per quote unit; > 0. Default: the skew
        ``q·γσ²τ`` equals the half-spread at 100 units (σ = 5.54 USD/√s, τ = 60 s).
    k_per_price : float
        Decay of the fill intensity with distance from the mid, per unit of price; > 0.
        Default: Poisson fit of BTCUSDT order depths, 0.708 ± 0.025 per USD.
    a_per_s : float
        Fill intensity at zero distance, fills per second per side; > 0. Default: the
        same fit, 0.896 ± 0.025 /s.
    horizon_s : float
        Time to the horizon. ``mode="stationary"``: the rolling window used for ``T - t``
        at every instant (24/7 markets). ``mode="finite"``: the session length; > 0.
    mode : {"stationary", "finite"}
        Rolling-window or fixed-horizon variant.
    """

    gamma: float = 7.71e-6
    k_per_price: float = 0.708
    a_per_s: float = 0.896
    horizon_s: float = 60.0
    mode: str = "stationary"

    def __post_init__(self) -> None:
        check_positive(self, "gamma", "k_per_price", "a_per_s", "horizon_s")
        check_choice(self, "mode", ("stationary", "finite"))


@dataclasses.dataclass(frozen=True)
class GLFTParams(ParamsIO):
    """Guéant–Lehalle–Fernandez-Tapia model parameters.

    Parameters
    ----------
    gamma : float
        Risk aversion, per quote currency per quote unit; > 0. Default: Guéant's skew
        step ``ξ`` times 100 units equals the half-spread.
    k_per_price : float
        Fill-intensity decay per unit of price; > 0. Default as :class:`ASParams`.
    a_per_s : float
        Fill intensity at zero distance, per second per side; > 0. Default as
        :class:`ASParams`.
    sigma_price_per_sqrt_s : float
        Volatility of the mid in price units per square root of a second; > 0 (the
        exact table's; the maker takes it live from the Signals). Default: realised
        1-second variance of the recorded BTCUSDT mid, 5.54 USD/√s.
    max_inventory_units : int
        Inventory bound ``Q`` in quote units: ``|q| <= Q``; >= 1. Default: the default
        position limit of 100 lots.
    horizon_s : float
        Horizon ``T`` of the finite-horizon problem, seconds; > 0.
    drift_price_per_s : float
        Drift ``μ`` of the mid, price units per second (0 for the driftless model).
    """

    gamma: float = 3.06e-6
    k_per_price: float = 0.708
    a_per_s: float = 0.896
    sigma_price_per_sqrt_s: float = 5.54
    max_inventory_units: int = 100
    horizon_s: float = 86_400.0
    drift_price_per_s: float = 0.0

    def __post_init__(self) -> None:
        check_positive(self, "gamma", "k_per_price", "a_per_s", "sigma_price_per_sqrt_s")
        check_positive(self, "horizon_s")
        check_finite(self, "drift_price_per_s")
        q_max = self.max_inventory_units
        if isinstance(q_max, bool) or not isinstance(q_max, int) or q_max < 1:
            raise ValidationError(f"GLFTParams.max_inventory_units must be an int >= 1: {q_max!r}")


@dataclasses.dataclass(frozen=True)
class PaperSimParams(ParamsIO):
    """The Avellaneda–Stoikov (2008) simulation setup (section 4 of the paper).

    Parameters
    ----------
    s0_price : float
        Initial mid price.
    sigma_price_per_sqrt_s : float
        Volatility of the arithmetic Brownian mid, price per square root of a time unit.
    horizon_s : float
        Terminal time ``T`` in model time units.
    dt_s : float
        Time step.
    a_per_s : float
        Fill intensity ``A`` at zero distance.
    k_per_price : float
        Fill intensity decay ``k``.
    q0_units : int
        Initial inventory.
    """

    s0_price: float = 100.0
    sigma_price_per_sqrt_s: float = 2.0
    horizon_s: float = 1.0
    dt_s: float = 0.005
    a_per_s: float = 140.0
    k_per_price: float = 1.5
    q0_units: int = 0

    def __post_init__(self) -> None:
        check_positive(self, "s0_price", "sigma_price_per_sqrt_s", "horizon_s", "dt_s")
        check_positive(self, "a_per_s", "k_per_price")
        check_finite(self, "q0_units")
        if self.dt_s > self.horizon_s:
            raise ValidationError("PaperSimParams.dt_s must not exceed horizon_s")

    @property
    def n_steps(self) -> int:
        """Number of time steps ``round(T / dt)``."""
        return round(self.horizon_s / self.dt_s)
