"""The import direction of DESIGN.md, checked on every module's imports."""

from __future__ import annotations

import ast
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]

# Layer of each package; a module may import only from layers at or below its own.
LAYERS = {
    "workbench.core": 0,
    "workbench.book": 1,
    "workbench.data": 2,
    "workbench.estimators": 3, "workbench.quoting": 3, "workbench.options": 3,
    "workbench.analytics": 3,
    "workbench.strategies": 4, "workbench.execution": 4, "workbench.engine": 4,
    # The daily calibration sweeps γ on the fast backtest and writes parameter files.
    "workbench.calibration": 4,
    "workbench.connectors": 5, "workbench.testing": 5,
    # Paper trading assembles the engine around live feeds: it sits with the jobs.
    "workbench.connectors.paper": 6,
    "workbench.jobs": 6, "workbench.cli": 6,
    "workbench.sessions": 6,
    "widgets": 7,
}
# DESIGN.md narrows one layer further: connectors see core, book and execution only.
FORBIDDEN = {
    "workbench.connectors": ("workbench.estimators", "workbench.quoting", "workbench.options",
                             "workbench.strategies", "workbench.engine", "workbench.jobs"),
    # The local exchange sees core, book, data and execution only.
    "workbench.testing": ("workbench.estimators", "workbench.quoting", "workbench.options",
                          "workbench.calibration", "workbench.analytics",
                          "workbench.strategies", "workbench.engine", "workbench.connectors",
                          "workbench.jobs"),
}
# Imported by nothing in workbench but the command line (and itself).
TEST_ONLY = ("workbench.testing", ("workbench.testing", "workbench.cli"))
JUPYTER = ("ipywidgets", "IPython", "ipykernel", "bokeh", "jupyter", "notebook", "papermill")


def _layer(module: str) -> tuple[str, int] | None:
    for prefix, layer in sorted(LAYERS.items(), key=lambda kv: -len(kv[0])):
        if module == prefix or module.startswith(prefix + "."):
            return prefix, layer
    return None


def _modules():
    paths = sorted((REPO / "workbench").rglob("*.py")) + sorted((REPO / "widgets").rglob("*.py"))
    for path in paths:
        rel = path.relative_to(REPO).with_suffix("")
        name = ".".join(rel.parts).removesuffix(".__init__")
        yield name, path


def _imports(path: Path):
    tree = ast.parse(path.read_text())
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, node
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            yield node.module, node


def test_imports_point_down_only():
    problems = []
    for name, path in _modules():
        if name in ("workbench", "widgets"):  # the roots import nothing at import time
            assert not [n for n in ast.parse(path.read_text()).body
                        if isinstance(n, (ast.Import, ast.ImportFrom))], name
            continue
        own = _layer(name)
        if own is None:
            problems.append(f"{name}: not in any layer of DESIGN.md")
            continue
        for target, _ in _imports(path):
            other = _layer(target)
            if other is None:
                continue
            if other[1] > own[1]:
                problems.append(f"{name} imports {target} (layer {other[0]} is above {own[0]})")
            if target.startswith(FORBIDDEN.get(own[0], ())):
                problems.append(f"{name} imports {target}, which DESIGN.md forbids")
    assert not problems, "\n".join(problems)


def test_nothing_but_the_cli_imports_the_local_exchange():
    package, allowed = TEST_ONLY
    problems = [f"{name} imports {target}" for name, path in _modules()
                if not name.startswith(allowed)
                for target, _ in _imports(path) if target.startswith(package)]
    assert not problems, "\n".join(problems)


def test_engine_has_no_jupyter_imports_at_module_level():
    """bokeh may be imported lazily inside analytics functions, never at import time."""
    problems = []
    for name, path in _modules():
        if not name.startswith("workbench"):
            continue
        tree = ast.parse(path.read_text())
        for node in tree.body:
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            problems += [f"{name} imports {n}" for n in names if n.split(".")[0] in JUPYTER]
        if not name.startswith("workbench.analytics"):
            for target, _ in _imports(path):
                if target.split(".")[0] in JUPYTER:
                    problems.append(f"{name} imports {target}")
    assert not problems, "\n".join(problems)


def test_the_layer_map_orders_the_packages():
    assert _layer("workbench.engine.demo")[1] > _layer("workbench.core.events")[1]
    assert _layer("workbench.cli")[0] == "workbench.cli"
    assert _layer("pandas") is None


def test_research_math_uses_only_numpy_scipy_pandas():
    """DESIGN.md: estimators, quoting, options, calibration, analytics import core and
    numpy/scipy/pandas (plus the standard library); bokeh only inside analytics functions."""
    import sys

    allowed = {"numpy", "scipy", "pandas", "yaml", "workbench"} | set(sys.stdlib_module_names)
    problems = []
    for name, path in _modules():
        layer = _layer(name)
        if layer is None or layer[1] != 3:
            continue
        tree = ast.parse(path.read_text())
        top = set(tree.body)
        for target, node in _imports(path):
            root = target.split(".")[0]
            if root == "bokeh" and name.startswith("workbench.analytics") and node not in top:
                continue
            if root not in allowed:
                problems.append(f"{name} imports {target}")
    assert not problems, "\n".join(problems)
