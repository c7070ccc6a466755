"""Cron lines for scheduled recipes, printed or installed in the user's crontab.

Each line runs ``workbench recipe run <recipe>`` from the repository at the recipe's
``schedule``, with its output appended to ``runs/recipes/<name>.log``. Installed lines
carry a ``# workbench recipe <path>`` marker, so installing again replaces them.
"""

from __future__ import annotations

import shlex
import shutil
import subprocess
import sys
from pathlib import Path

from workbench.core.errors import ValidationError
from workbench.jobs.recipe import Recipe

MARKER = "# workbench recipe"


def cron_line(recipe: Recipe) -> str:
    """The crontab line of a scheduled recipe.

    Raises
    ------
    ValidationError
        If the recipe has no schedule, or it is not five cron fields.
    """
    if not recipe.schedule:
        raise ValidationError(f"{recipe.path.name} has no schedule")
    if len(str(recipe.schedule).split()) != 5:
        raise ValidationError(f"{recipe.path.name}: schedule {recipe.schedule!r} is not "
                              "five cron fields")
    root = recipe.path.parent.parent
    exe = Path(sys.executable).parent / "workbench"
    log = root / "runs" / "recipes" / f"{recipe.name}.log"
    cmd = (f"cd {shlex.quote(str(root))} && mkdir -p {shlex.quote(str(log.parent))} && "
           f"{shlex.quote(str(exe))} recipe run {shlex.quote(str(recipe.path))} --no-progress "
           f">> {shlex.quote(str(log))} 2>&1")
    return f"{recipe.schedule} {cmd} {MARKER} {recipe.path}"


def install(lines: list[str], recipes: list[Recipe]) -> str:
    """Put ``lines`` in the user's crontab, replacing earlier lines of the same recipes.

    Returns
    -------
    str
        The new crontab.

    Raises
    ------
    ValidationError
        If there is no ``crontab`` command or it refuses the table.
    """
    crontab = shutil.which("crontab")
    if crontab is None:
        raise ValidationError("no crontab command on this machine: add the lines by hand")
    old = subprocess.run([crontab, "-l"], capture_output=True, text=True, check=False)
    current = old.stdout.splitlines() if old.returncode == 0 else []
    marks = {f"{MARKER} {r.path}" for r in recipes}
    kept = [ln for ln in current if not any(ln.endswith(m) for m in marks)]
    table = "\n".join([*kept, *lines]) + "\n"
    new = subprocess.run([crontab, "-"], input=table, capture_output=True, text=True,
                         check=False)
    if new.returncode != 0:
        raise ValidationError(f"crontab refused the table: {new.stderr.strip()}")
    return table
