"""A parameterised notebook: its declared parameters, a check of the values given, a run.

The parameters are the assignments of the cell tagged ``parameters`` (papermill's
convention), read from the notebook's JSON without starting a kernel. A value given for
a name the cell does not declare, or of another type than its default (``None``
defaults take anything; an int is accepted for a float), is refused before the kernel
starts, naming the parameter. The run is ``python -m papermill`` in a subprocess: its
output notebook keeps every cell's output, and the traceback where a cell failed.
"""

from __future__ import annotations

import ast
import contextlib
import difflib
import json
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from workbench.core.errors import ValidationError


def notebook_parameters(path: str | Path) -> dict[str, Any]:
    """Name -> default of the notebook's ``parameters`` cell.

    Raises
    ------
    ValidationError
        If the file is not a notebook or has no cell tagged ``parameters``, or a default
        is not a literal.
    """
    path = Path(path)
    try:
        nb = json.loads(path.read_text())
    except (OSError, ValueError) as exc:
        raise ValidationError(f"cannot read notebook {path}: {exc}") from None
    cells = [c for c in nb.get("cells", [])
             if "parameters" in c.get("metadata", {}).get("tags", [])]
    if not cells:
        raise ValidationError(f"{path}: no cell tagged 'parameters'")
    source = cells[0]["source"]
    source = "".join(source) if isinstance(source, list) else source
    out: dict[str, Any] = {}
    for node in ast.parse(source).body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1 \
                and isinstance(node.targets[0], ast.Name):
            try:
                out[node.targets[0].id] = ast.literal_eval(node.value)
            except ValueError:
                raise ValidationError(f"{path}: parameter {node.targets[0].id!r} has no "
                                      "literal default") from None
    return out


def check_parameters(path: str | Path, values: dict[str, Any]) -> None:
    """Refuse values the notebook does not declare or whose type differs from the default.

    Raises
    ------
    ValidationError
        Naming the first unknown or mistyped parameter (with the closest declared name).
    """
    declared = notebook_parameters(path)
    for name, value in values.items():
        if name not in declared:
            close = difflib.get_close_matches(name, declared, n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            raise ValidationError(f"{Path(path).name}: unknown parameter {name!r}{hint}; "
                                  f"it declares {sorted(declared)}")
        default = declared[name]
        if default is None or value is None:
            continue
        want = type(default)
        ok = isinstance(value, want) and not (want is not bool and isinstance(value, bool))
        if want is float and isinstance(value, int) and not isinstance(value, bool):
            ok = True
        if not ok:
            raise ValidationError(f"{Path(path).name}: parameter {name!r} must be "
                                  f"{want.__name__} like its default {default!r}, got "
                                  f"{value!r} ({type(value).__name__})")


@dataclass(frozen=True)
class NotebookRun:
    """Outcome of one notebook run."""

    output: Path
    ok: bool
    seconds: float
    error: str = ""


def run_notebook(notebook: str | Path, output: str | Path, parameters: dict[str, Any], *,
                 cwd: str | Path | None = None, kernel: str = "python3",
                 timeout_s: float | None = None) -> NotebookRun:
    """Check the parameters, then execute the notebook headless into ``output``.

    Parameters
    ----------
    notebook, output : path
        The notebook and where the executed copy goes (kept when a cell fails).
    parameters : dict
        Values for the ``parameters`` cell.
    cwd : path, optional
        Working directory of the kernel.
    kernel : str
        Kernel name.
    timeout_s : float, optional
        Whole-run limit.

    Returns
    -------
    NotebookRun
        ``ok`` false with the error's last lines when a cell raised.

    Raises
    ------
    ValidationError
        On an unknown or mistyped parameter (before any kernel starts).
    """
    check_parameters(notebook, parameters)
    output = Path(output)
    output.parent.mkdir(parents=True, exist_ok=True)
    cmd = [sys.executable, "-m", "papermill", str(notebook), str(output), "-k", kernel,
           "--no-progress-bar", "-y", yaml.safe_dump(parameters)]
    if cwd is not None:
        cmd += ["--cwd", str(cwd)]
    start = time.perf_counter()
    # Its own process group: a timeout ends papermill and the kernel it started.
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            start_new_session=True)
    try:
        _, stderr = proc.communicate(timeout=timeout_s)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()
        return NotebookRun(output, False, time.perf_counter() - start,
                           f"timed out after {timeout_s} s")
    seconds = time.perf_counter() - start
    if proc.returncode == 0:
        return NotebookRun(output, True, seconds)
    return NotebookRun(output, False, seconds, _last_error(stderr))


def _last_error(stderr: str) -> str:
    lines = [ln for ln in stderr.strip().splitlines() if ln.strip()]
    errors = [ln for ln in lines if "Error" in ln or "Exception" in ln]
    return (errors[-1] if errors else (lines[-1] if lines else "failed")).strip()
