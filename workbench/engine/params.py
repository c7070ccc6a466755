"""Change one nested parameter of a frozen parameter object, by its dotted path.

A running session is tuned one field at a time (a slider moves ``as_params.gamma``): the
change rebuilds the frozen dataclasses along the path, so every ``__post_init__`` on the
way validates the new value and a bad one raises before anything is applied.
"""

from __future__ import annotations

import dataclasses
from typing import Any, TypeVar

from workbench.core.errors import ValidationError

P = TypeVar("P")


def leaf_params(params: Any, prefix: str = "") -> dict[str, Any]:
    """Every scalar field of a (nested) parameter dataclass by dotted path.

    Examples
    --------
    >>> leaf_params(MakerParams())["as_params.gamma"]  # doctest: +SKIP
    0.1
    """
    out: dict[str, Any] = {}
    for f in dataclasses.fields(params):
        value = getattr(params, f.name)
        path = f"{prefix}{f.name}"
        if dataclasses.is_dataclass(value) and not isinstance(value, type):
            out.update(leaf_params(value, path + "."))
        else:
            out[path] = value
    return out


def replace_path(params: P, path: str, value: Any) -> P:
    """A copy of ``params`` with the field at dotted ``path`` set to ``value``.

    Numbers are converted to the field's current type (an int field takes ``3.0`` as 3;
    a float field takes 3 as 3.0); the dataclasses' own validation runs on the way up.

    Raises
    ------
    ValidationError
        If the path names no field, the value has the wrong type, or validation fails.
    """
    head, _, rest = path.partition(".")
    names = {f.name for f in dataclasses.fields(params)}
    if head not in names:
        raise ValidationError(f"{type(params).__name__} has no parameter {head!r}")
    current = getattr(params, head)
    if rest:
        if not dataclasses.is_dataclass(current):
            raise ValidationError(f"{type(params).__name__}.{head} has no field {rest!r}")
        new = replace_path(current, rest, value)
    else:
        new = _coerce(current, value, f"{type(params).__name__}.{head}")
    try:
        return dataclasses.replace(params, **{head: new})
    except (TypeError, ValueError) as exc:
        raise ValidationError(f"{path}={value!r}: {exc}") from None


def _coerce(current: Any, value: Any, where: str) -> Any:
    if isinstance(current, bool) or isinstance(value, bool):
        if not isinstance(value, bool) or not isinstance(current, bool):
            raise ValidationError(f"{where} takes {type(current).__name__}, got {value!r}")
        return value
    if isinstance(current, int) and isinstance(value, (int, float)):
        if float(value) != int(value):
            raise ValidationError(f"{where} takes an integer, got {value!r}")
        return int(value)
    if isinstance(current, float) and isinstance(value, (int, float)):
        return float(value)
    if current is not None and not isinstance(value, type(current)):
        raise ValidationError(f"{where} takes {type(current).__name__}, got {value!r}")
    return value
