"""Run a recipe's items: local processes by default, or a Dask cluster's workers.

Every item is one notebook run (:func:`~workbench.jobs.notebook.run_notebook`, papermill
in its own process). Finished items are skipped unless ``force``; a failed item keeps its
output notebook with the traceback, and the report lists it.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field

from workbench.core.errors import WorkbenchError
from workbench.jobs.notebook import NotebookRun, run_notebook
from workbench.jobs.recipe import Recipe, RecipeItem

#: Seconds to wait for a Dask scheduler to answer.
CONNECT_TIMEOUT_S = 5.0


class SchedulerUnreachable(WorkbenchError):
    """The Dask scheduler at the given address did not answer."""


@dataclass
class RecipeReport:
    """What a recipe run did."""

    done: list[tuple[RecipeItem, NotebookRun]] = field(default_factory=list)
    failed: list[tuple[RecipeItem, NotebookRun]] = field(default_factory=list)
    skipped: list[RecipeItem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """No item failed."""
        return not self.failed

    def lines(self) -> list[str]:
        """A short account: counts, then each failure with its output notebook."""
        out = [f"{len(self.done)} done, {len(self.skipped)} skipped (finished), "
               f"{len(self.failed)} failed"]
        out += [f"FAILED {item.name}: {run.error} (notebook: {run.output})"
                for item, run in self.failed]
        return out


def _run_item(notebook: str, item: RecipeItem, cwd: str | None) -> NotebookRun:
    return run_notebook(notebook, item.notebook_output, item.parameters, cwd=cwd)


def connect(address: str, timeout_s: float = CONNECT_TIMEOUT_S):
    """A ``distributed.Client`` on ``address``.

    Raises
    ------
    SchedulerUnreachable
        If nothing answers there within ``timeout_s``.
    """
    from distributed import Client

    try:
        return Client(address, timeout=f"{timeout_s}s")
    except (OSError, TimeoutError) as exc:
        raise SchedulerUnreachable(f"the Dask scheduler at {address} did not answer within "
                                   f"{timeout_s:g} s ({type(exc).__name__}); is it running "
                                   "and reachable?") from None


def run_recipe(recipe: Recipe, *, workers: int = 2, scheduler: str | None = None,
               client=None, force: bool = False, progress: bool = True,
               cwd: str | None = None) -> RecipeReport:
    """Run every unfinished item of ``recipe`` in parallel.

    Parameters
    ----------
    recipe : Recipe
    workers : int
        Local parallel runs (ignored on Dask).
    scheduler : str, optional
        ``tcp://HOST:8786``: run on that Dask cluster.
    client : distributed.Client, optional
        An existing client (instead of ``scheduler``).
    force : bool
        Run finished items again.
    progress : bool
        Show a progress bar (stderr).
    cwd : str, optional
        Working directory of the kernels (default: the recipe's folder's parent).

    Raises
    ------
    SchedulerUnreachable
        If ``scheduler`` does not answer.
    """
    from tqdm import tqdm

    report = RecipeReport()
    items = recipe.items()
    todo = [i for i in items if force or not i.finished]
    report.skipped = [i for i in items if i not in todo]
    cwd = cwd or str(recipe.path.parent.parent)
    nb = str(recipe.notebook)
    own = None
    if scheduler is not None and client is None:
        client = own = connect(scheduler)
    bar = tqdm(total=len(todo), desc=recipe.name, disable=not progress or not todo,
               unit="run")
    try:
        if client is not None:
            from distributed import as_completed as dask_completed

            futures = {client.submit(_run_item, nb, item, cwd, pure=False): item
                       for item in todo}
            done = ((futures[f], f.result()) for f in dask_completed(futures))
            _collect(done, report, bar)
        else:
            with ThreadPoolExecutor(max(1, workers)) as pool:
                futures = {pool.submit(_run_item, nb, item, cwd): item for item in todo}
                _collect(((futures[f], f.result()) for f in as_completed(futures)),
                         report, bar)
    finally:
        bar.close()
        if own is not None:
            own.close()
    order = {i.name: n for n, i in enumerate(items)}
    report.done.sort(key=lambda x: order[x[0].name])
    report.failed.sort(key=lambda x: order[x[0].name])
    return report


def _collect(results, report: RecipeReport, bar) -> None:
    for item, run in results:
        (report.done if run.ok else report.failed).append((item, run))
        bar.update(1)
