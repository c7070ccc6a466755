"""Jobs: parameterised notebooks run headless (papermill in a subprocess), recipes that run
them over a grid of markets and dates, locally or on a Dask cluster, and their cron lines.

Nothing here imports a Jupyter package: a notebook's parameters are read from its JSON
and papermill runs as a command (``python -m papermill``) in its own process.
"""

from workbench.jobs.notebook import NotebookRun, check_parameters, notebook_parameters, run_notebook
from workbench.jobs.recipe import Recipe, RecipeItem, load_recipe
from workbench.jobs.runner import RecipeReport, SchedulerUnreachable, connect, run_recipe

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
