"""Jobs: parameterised notebooks run headless (papermill in a subprocess), recipes that run
them over a grid of markets and dates, locally or on a Dask cluster, and their cron lines.

Nothing here imports a Jupyter package: a notebook's parameters are read from its JSON
and papermill runs as a command (``python -m papermill``) in its own process.

The names below are imported on first use (PEP 562): the command line adds the recipe
commands through :mod:`workbench.jobs.cli` on every start, and ``workbench book-replay``
should not pay for YAML and the runner's imports.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from workbench.jobs.notebook import (
        NotebookRun,
        check_parameters,
        notebook_parameters,
        run_notebook,
    )
    from workbench.jobs.recipe import Recipe, RecipeItem, load_recipe
    from workbench.jobs.runner import RecipeReport, SchedulerUnreachable, connect, run_recipe

_HOMES = {
    "NotebookRun": "notebook", "check_parameters": "notebook",
    "notebook_parameters": "notebook", "run_notebook": "notebook",
    "Recipe": "recipe", "RecipeItem": "recipe", "load_recipe": "recipe",
    "RecipeReport": "runner", "SchedulerUnreachable": "runner", "connect": "runner",
    "run_recipe": "runner",
}

__all__ = [
    "NotebookRun",
    "Recipe",
    "RecipeItem",
    "RecipeReport",
    "SchedulerUnreachable",
    "check_parameters",
    "connect",
    "load_recipe",
    "notebook_parameters",
    "run_notebook",
    "run_recipe",
]


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{home}"), name)
    globals()[name] = value
    return value
