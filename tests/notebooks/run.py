"""Running the project's notebooks under papermill in the tests, and reading what they
recorded."""

from __future__ import annotations

import json
from pathlib import Path

import nbformat
import pytest

papermill = pytest.importorskip("papermill")

NOTEBOOKS = Path(__file__).resolve().parents[2] / "notebooks"


def execute(notebook: Path, out: Path, parameters: dict, cwd: Path | None = None):
    """Run ``notebook`` with ``parameters`` into ``out``; the executed notebook."""
    papermill.execute_notebook(str(notebook), str(out), parameters=parameters,
                               kernel_name="python3", progress_bar=False,
                               cwd=None if cwd is None else str(cwd))
    return nbformat.read(out, as_version=4)


def printed_json(nb, tag: str = "summary") -> dict:
    """The JSON the cell tagged ``tag`` printed last."""
    cell = next(c for c in nb.cells if tag in c.metadata.get("tags", []))
    text = "".join(o.get("text", "") for o in cell.outputs if o.output_type == "stream")
    return json.loads(text.strip().splitlines()[-1])


def has_parameters_cell(notebook: Path) -> bool:
    """Whether ``notebook`` has a cell tagged ``parameters`` (papermill's)."""
    nb = nbformat.read(notebook, as_version=4)
    return any("parameters" in c.metadata.get("tags", []) for c in nb.cells)
