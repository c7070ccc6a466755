"""Recipes: a notebook, a grid of parameters (markets × dates), output path templates and
an optional cron schedule, in one YAML file::

    notebook: ../notebooks/daily_calibration.ipynb   # relative to the recipe file
    grid:                                            # every combination is one item
      market:                                        # a mapping sets several parameters
        - {venue: binance-usdm, symbol: BTCUSDT}
      date: ["2024-08-08"]                           # or "today" / "yesterday" (UTC)
    parameters: {data_dir: null}                     # the same for every item
    output: ../runs/calibration/{venue}_{symbol}_{date}.yaml
    output_parameter: output_path                    # the notebook parameter it fills
    notebook_output: ../runs/calibration/{venue}_{symbol}_{date}.ipynb
    schedule: "30 0 * * *"                           # optional, cron syntax

An item is finished when its ``output`` exists; relative paths (outside the templates'
fields) resolve against the recipe file's folder.
"""

from __future__ import annotations

import datetime as dt
import itertools
import string
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from workbench.core.errors import ValidationError

_KEYS = {"notebook", "grid", "parameters", "output", "output_parameter", "notebook_output",
         "schedule", "description"}
_RELATIVE_DATES = {"today": 0, "yesterday": 1}


@dataclass(frozen=True)
class RecipeItem:
    """One run of a recipe: its parameters, output and output notebook."""

    name: str
    parameters: dict[str, Any]
    output: Path
    notebook_output: Path

    @property
    def finished(self) -> bool:
        """Whether the item's output exists."""
        return self.output.exists()


@dataclass(frozen=True)
class Recipe:
    """A parsed recipe (see the module docstring)."""

    path: Path
    notebook: Path
    grid: dict[str, list]
    parameters: dict[str, Any]
    output: str
    output_parameter: str
    notebook_output: str
    schedule: str | None = None
    description: str = ""
    fields: tuple[str, ...] = field(default=())

    @property
    def name(self) -> str:
        """The recipe file's stem."""
        return self.path.stem

    def items(self, today: dt.date | None = None) -> list[RecipeItem]:
        """Every item of the grid, in the grid's order (dates ``today``/``yesterday``
        resolved against ``today``, default the UTC date).

        Raises
        ------
        ValidationError
            If a template names a field no item has.
        """
        today = today or dt.datetime.now(dt.UTC).date()
        keys = list(self.grid)
        out = []
        for combo in itertools.product(*(self.grid[k] for k in keys)):
            params = dict(self.parameters)
            for key, value in zip(keys, combo):
                if isinstance(value, dict):
                    params.update(value)
                else:
                    params[key] = _resolve(key, value, today)
            name = "_".join(str(v) for v in _flat(combo, today))
            output = self._path(self.output, params)
            params[self.output_parameter] = str(output)
            out.append(RecipeItem(name, params, output,
                                  self._path(self.notebook_output, params)))
        return out

    def _path(self, template: str, params: dict[str, Any]) -> Path:
        try:
            text = template.format(**params)
        except KeyError as exc:
            raise ValidationError(f"{self.path.name}: template {template!r} names "
                                  f"{exc.args[0]!r}, which no grid entry or parameter "
                                  "sets") from None
        path = Path(text)
        return path if path.is_absolute() else (self.path.parent / path).resolve()


def _resolve(key: str, value: Any, today: dt.date) -> Any:
    if key == "date" and isinstance(value, str) and value in _RELATIVE_DATES:
        return (today - dt.timedelta(days=_RELATIVE_DATES[value])).isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def _flat(combo: tuple, today: dt.date) -> list:
    out: list = []
    for value in combo:
        out += list(value.values()) if isinstance(value, dict) else [_resolve("date", value,
                                                                            today)]
    return out


def load_recipe(path: str | Path) -> Recipe:
    """Read and check a recipe file.

    Raises
    ------
    ValidationError
        If the file is not valid YAML, misses ``notebook``, ``grid`` or ``output``, has
        unknown keys, an empty grid entry, a missing notebook, or a template field no
        grid entry or parameter sets.
    """
    path = Path(path)
    try:
        data = yaml.safe_load(path.read_text())
    except OSError as exc:
        raise ValidationError(f"cannot read recipe {path}: {exc.strerror}") from None
    except yaml.YAMLError as exc:
        raise ValidationError(f"{path}: not valid YAML: {exc}") from None
    if not isinstance(data, dict):
        raise ValidationError(f"{path}: a recipe is a mapping")
    unknown = set(data) - _KEYS
    if unknown:
        raise ValidationError(f"{path.name}: unknown keys {sorted(unknown)}")
    missing = [k for k in ("notebook", "grid", "output") if k not in data]
    if missing:
        raise ValidationError(f"{path.name}: missing {missing}")
    grid = data["grid"]
    if not isinstance(grid, dict) or not grid:
        raise ValidationError(f"{path.name}: 'grid' maps names to lists of values")
    grid = {k: v if isinstance(v, list) else [v] for k, v in grid.items()}
    empty = [k for k, v in grid.items() if not v]
    if empty:
        raise ValidationError(f"{path.name}: grid entries without values: {empty}")
    notebook = (path.parent / data["notebook"]).resolve()
    if not notebook.exists():
        raise ValidationError(f"{path.name}: notebook {notebook} does not exist")
    output = str(data["output"])
    recipe = Recipe(path.resolve(), notebook, grid, dict(data.get("parameters") or {}),
                    output, str(data.get("output_parameter", "output_path")),
                    str(data.get("notebook_output",
                                 str(Path(output).with_suffix(".ipynb")))),
                    data.get("schedule"), str(data.get("description", "")),
                    tuple(_fields(output)))
    items = recipe.items()
    from workbench.jobs.notebook import check_parameters

    check_parameters(notebook, items[0].parameters)
    return recipe


def _fields(template: str) -> list[str]:
    return [f for _, f, _, _ in string.Formatter().parse(template) if f]
