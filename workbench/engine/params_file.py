"""Parameter files: maker parameters by dotted path, with their units and provenance.

One format is read by everything that takes parameters (``workbench paper --params``, a
running session's parameter panel, the calibration that writes them)::

    format: workbench.params/1
    strategy: glft                      # optional: the quoting model
    params:                             # dotted MakerParams paths, in MakerParams units
      glft_params.gamma: 0.05
      glft_params.k_per_price: 0.74
    units:                              # optional, informational
      glft_params.k_per_price: 1/USD
    meta:                               # optional: data window, fit diagnostics, code version
      code_version: 0.1.0

Two simpler shapes are read as well: a flat mapping of dotted paths (the ``params`` part
alone), and the nested mapping :meth:`MakerParams.save` writes. YAML unless the file name
ends in ``.json``. Values are checked by the parameter dataclasses themselves: a file whose
values they refuse is refused on reading and never written.
"""

from __future__ import annotations

import dataclasses
import json
import math
import os
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from workbench.core.errors import ValidationError
from workbench.engine.params import replace_path

#: The format tag of the documents this module writes.
FORMAT = "workbench.params/1"
_SCALARS = (bool, int, float, str)


@dataclasses.dataclass(frozen=True)
class ParamsFile:
    """The content of one parameter file.

    Attributes
    ----------
    params : dict
        Dotted :class:`~workbench.strategies.maker.MakerParams` path -> value.
    strategy : str or None
        The quoting model the parameters are for (``"as"``, ``"glft"``), if named.
    units : dict
        Dotted path -> unit, where the writer gave one.
    meta : dict
        Provenance: data window, fit diagnostics, code version (free-form).
    """

    params: dict[str, Any]
    strategy: str | None = None
    units: dict[str, str] = dataclasses.field(default_factory=dict)
    meta: dict[str, Any] = dataclasses.field(default_factory=dict)

    def apply(self, base: Any = None) -> Any:
        """``base`` (default ``MakerParams()``) with the file's model and values set.

        Raises
        ------
        ValidationError
            If a path names no parameter or a value is refused.
        """
        if base is None:
            from workbench.strategies.maker import MakerParams

            base = MakerParams()
        params = base
        if self.strategy is not None:
            params = replace_path(params, "model", self.strategy)
        for path, value in self.params.items():
            params = replace_path(params, path, value)
        return params


def read_params_file(path: str | Path) -> ParamsFile:
    """Read and check a parameter file.

    Raises
    ------
    ValidationError
        If the file cannot be parsed, has another format, or holds values the parameter
        dataclasses refuse.
    """
    path = Path(path)
    try:
        text = path.read_text()
    except OSError as exc:
        raise ValidationError(f"cannot read parameter file {path}: {exc.strerror}") from None
    if path.suffix == ".json":
        try:
            data = json.loads(text)
        except ValueError as exc:
            raise ValidationError(f"{path}: not valid JSON: {exc}") from None
    else:
        import yaml

        try:
            data = yaml.safe_load(text)
        except yaml.YAMLError as exc:
            raise ValidationError(f"{path}: not valid YAML: {exc}") from None
    try:
        parsed = _parse(data)
        parsed.apply()
    except ValidationError as exc:
        raise ValidationError(f"{path}: {exc}") from None
    return parsed


def write_params_file(path: str | Path, params: Mapping[str, Any], *,
                      strategy: str | None = None, units: Mapping[str, str] | None = None,
                      meta: Mapping[str, Any] | None = None) -> Path:
    """Write a parameter file atomically (a reader never sees half of it).

    Parameters
    ----------
    path : str or Path
        Destination; JSON if it ends in ``.json``, YAML otherwise.
    params : mapping
        Dotted MakerParams path -> value.
    strategy, units, meta :
        As in :class:`ParamsFile`; ``meta`` gets ``code_version`` when it has none.

    Returns
    -------
    Path
        ``path``.

    Raises
    ------
    ValidationError
        If the values would not be read back (nothing is written then).
    """
    from workbench import __version__

    values = {k: tuple(v) if isinstance(v, list) else v for k, v in params.items()}
    content = ParamsFile(params=values, strategy=strategy, units=dict(units or {}),
                         meta={"code_version": __version__, **dict(meta or {})})
    _check_params(content.params)
    content.apply()
    doc: dict[str, Any] = {"format": FORMAT}
    if strategy is not None:
        doc["strategy"] = strategy
    doc["params"] = content.params
    if content.units:
        doc["units"] = content.units
    doc["meta"] = content.meta
    path = Path(path)
    if path.suffix == ".json":
        text = json.dumps(doc, indent=2, default=str) + "\n"
    else:
        import yaml

        text = yaml.safe_dump(json.loads(json.dumps(doc, default=str)), sort_keys=False)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "w") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def _parse(data: Any) -> ParamsFile:
    if data is None:
        return ParamsFile(params={})
    if not isinstance(data, dict):
        raise ValidationError(f"expected a mapping, got {type(data).__name__}")
    if "format" in data:
        if data["format"] != FORMAT:
            raise ValidationError(f"format {data['format']!r} is not {FORMAT!r}")
        unknown = set(data) - {"format", "strategy", "params", "units", "meta"}
        if unknown:
            raise ValidationError(f"unknown keys {sorted(unknown)}")
        params = data.get("params") or {}
        if not isinstance(params, dict):
            raise ValidationError("'params' must be a mapping of dotted paths to values")
        strategy = data.get("strategy")
        if strategy is not None and not isinstance(strategy, str):
            raise ValidationError(f"'strategy' must be a name, got {strategy!r}")
        units, meta = data.get("units") or {}, data.get("meta") or {}
        if not isinstance(units, dict) or not isinstance(meta, dict):
            raise ValidationError("'units' and 'meta' must be mappings")
        params = _flatten(params)
        _check_params(params)
        return ParamsFile(params=params, strategy=strategy,
                          units={str(k): str(v) for k, v in units.items()}, meta=dict(meta))
    params = _flatten(data)
    strategy = params.pop("model", None)
    _check_params(params)
    return ParamsFile(params=params, strategy=strategy)


def _flatten(data: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in data.items():
        if not isinstance(key, str):
            raise ValidationError(f"parameter names are strings, got {key!r}")
        if isinstance(value, dict):
            out.update(_flatten(value, f"{prefix}{key}."))
        elif isinstance(value, list):
            out[f"{prefix}{key}"] = tuple(value)  # the dataclasses hold sequences as tuples
        else:
            out[f"{prefix}{key}"] = value
    return out


def _check_params(params: Mapping[str, Any]) -> None:
    for key, value in params.items():
        for item in value if isinstance(value, tuple) else (value,):
            if not isinstance(item, _SCALARS):
                raise ValidationError(f"{key}: expected a number, string or boolean (or a "
                                      f"list of them), got {value!r}")
            if isinstance(item, float) and not math.isfinite(item):
                raise ValidationError(f"{key}: {item} is not a finite number")
