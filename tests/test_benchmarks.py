"""The benchmark scripts (not timed here): every BENCH line names its reference, figures
are interleaved ratios, and a missing peer library stops a bench loudly."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[1] / "benchmarks"
SCRIPTS = sorted(BENCH.glob("bench_*.py"))
sys.path.insert(0, str(BENCH))

from interleave import Figure, Pairs, interleave, report, require  # noqa: E402


def _figures(path: Path) -> dict:
    """The script's FIGURES, read from its source: the dict literal, evaluated with the
    script's own module-level constants (no heavy imports)."""
    tree = ast.parse(path.read_text())
    env: dict = {"Figure": Figure, "round": round}
    for node in tree.body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1 \
                and isinstance(node.targets[0], ast.Name):
            name = node.targets[0].id
            if name == "FIGURES" or isinstance(node.value, ast.Constant):
                env[name] = eval(compile(ast.Expression(node.value), str(path), "eval"), env)
    return env.get("FIGURES", {})


def _report_calls(path: Path) -> list[ast.Call]:
    return [n for n in ast.walk(ast.parse(path.read_text()))
            if isinstance(n, ast.Call) and isinstance(n.func, ast.Name)
            and n.func.id in ("report", "report_pairs")]


def test_every_script_is_found():
    assert {p.stem for p in SCRIPTS} >= {"bench_backtest", "bench_data", "bench_engine",
                                         "bench_estimators", "bench_journal", "bench_live",
                                         "bench_order_path", "bench_quoting",
                                         "bench_scorecard", "bench_sim"}


@pytest.mark.parametrize("path", SCRIPTS, ids=lambda p: p.stem)
def test_every_bench_line_names_its_reference(path):
    """A BENCH line is printed only by interleave.report, for a declared Figure, and every
    Figure names its reference; a ratio is named <what>_vs_<reference>."""
    figures = _figures(path)
    assert figures, f"{path.name} declares no FIGURES"
    for figure in figures.values():
        assert isinstance(figure, Figure) and figure.reference.strip()
        assert figure.unit != "x" or "_vs_" in figure.name
    calls = _report_calls(path)
    assert calls, f"{path.name} prints no figure"
    for call in calls:
        first = call.args[0]
        assert isinstance(first, ast.Subscript) and isinstance(first.value, ast.Name) \
            and first.value.id == "FIGURES", f"{path.name}:{call.lineno}: not a declared figure"
        if isinstance(first.slice, ast.Constant):  # else a key chosen at run time
            assert first.slice.value in figures, f"{path.name}:{call.lineno}: not in FIGURES"


def test_no_script_prints_its_own_bench_lines():
    for path in SCRIPTS:
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                assert not node.value.startswith("BENCH "), path.name


def test_a_figure_without_a_reference_is_refused():
    with pytest.raises(ValueError, match="reference"):
        Figure("x_vs_y", "", "<=", 1.0)
    with pytest.raises(ValueError, match="_vs_"):
        Figure("order_path_rate", "a bare loop", ">=", 1.0)


def test_interleave_alternates_and_takes_the_median_of_pair_ratios():
    calls = []
    ours = iter([0.0, 2.0, 2.0, 30.0, 2.0, 2.0])   # warm-up first, then one slow outlier
    ref = iter([0.0, 1.0, 1.0, 1.0, 1.0, 1.0])

    def a():
        calls.append("A")
        return next(ours)

    def b():
        calls.append("B")
        return next(ref)

    pairs = interleave(a, b)
    assert calls == ["A", "B"] * 6
    assert pairs == Pairs((2.0, 2.0, 30.0, 2.0, 2.0), (1.0, 1.0, 1.0, 1.0, 1.0))
    assert pairs.ratios(speed=True) == [0.5, 0.5, 1 / 30, 0.5, 0.5]
    with pytest.raises(ValueError):
        interleave(a, b, pairs=4)


def test_report_prints_the_line_format_and_its_reference(capsys):
    figure = Figure("a_vs_b", "the plain b", "<=", 2.0)
    assert report(figure, 1.5) and not report(figure, 2.5)
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "BENCH a_vs_b 1.5 x target <= 2 PASS"
    assert out[1].startswith("INFO a_vs_b reference: the plain b")
    assert out[2] == "BENCH a_vs_b 2.5 x target <= 2 MISS"


def test_require_stops_loudly_without_the_peer(capsys):
    with pytest.raises(SystemExit) as stop:
        require("no_such_peer_library", "a figure against it")
    assert stop.value.code == 2
    assert "no_such_peer_library" in capsys.readouterr().err


def _run_hidden(script: str, module: str) -> subprocess.CompletedProcess:
    """Run a bench script with ``module`` hidden (importing it fails)."""
    code = (f"import runpy, sys; sys.modules[{module!r}] = None; "
            f"sys.path.insert(0, {str(BENCH)!r}); sys.argv = [{script!r}]; "
            f"runpy.run_path({str(BENCH / script)!r}, run_name='__main__')")
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=300)


@pytest.mark.parametrize("script,module", [("bench_backtest.py", "hftbacktest"),
                                           ("bench_live.py", "ccxt.pro")])
def test_a_bench_fails_loudly_when_its_peer_library_is_missing(script, module):
    """Exit status 2, a message naming the library and the extra, and no BENCH line."""
    done = _run_hidden(script, module)
    assert done.returncode == 2, done.stderr
    assert module in done.stderr and "bench" in done.stderr
    assert "BENCH" not in done.stdout
