"""Recipes: the grid and templates, runs on a Dask LocalCluster and locally, failures kept
and listed, finished items skipped, cron lines, a scheduler that does not answer."""

from __future__ import annotations

import json
import os
import stat
import textwrap
import time
from pathlib import Path

import nbformat
import pytest

from workbench.cli import main
from workbench.core import ValidationError
from workbench.jobs import load_recipe, run_recipe
from workbench.jobs.schedule import MARKER, cron_line

REPO = Path(__file__).resolve().parents[2]
distributed = pytest.importorskip("distributed")
pytest.importorskip("papermill")


def _tiny_notebook(path: Path) -> Path:
    """A notebook that writes its parameters to output_path, or fails on a bad date."""
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_code_cell('venue = "x"\nsymbol = "y"\ndate = "2024-01-01"\n'
                                  'output_path = "out.json"\nscale = 1.0',
                                  metadata={"tags": ["parameters"]}),
        nbformat.v4.new_code_cell(
            "import json, os\n"
            "if date == '1999-01-01':\n"
            "    raise ValueError(f'no data for {venue} {symbol} on {date}')\n"
            "json.dump({'venue': venue, 'symbol': symbol, 'date': date, 'scale': scale,\n"
            "           'pid': os.getpid()}, open(output_path, 'w'))"),
    ]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                 "language": "python"}
    nbformat.write(nb, path)
    return path


def _recipe(tmp_path: Path, dates: list[str], extra: str = "") -> Path:
    _tiny_notebook(tmp_path / "tiny.ipynb")
    (tmp_path / "recipes").mkdir(exist_ok=True)
    path = tmp_path / "recipes" / "tiny.yaml"
    path.write_text(textwrap.dedent(f"""\
        notebook: ../tiny.ipynb
        grid:
          market:
            - {{venue: binance-usdm, symbol: BTCUSDT}}
            - {{venue: binance-spot, symbol: ETHUSDT}}
          date: {json.dumps(dates)}
        parameters: {{scale: 2.5}}
        output: ../out/{{venue}}_{{symbol}}_{{date}}.json
        notebook_output: ../out/{{venue}}_{{symbol}}_{{date}}.ipynb
        schedule: "15 1 * * *"
        """) + extra)
    return path


def test_grid_expands_markets_by_dates_with_templates(tmp_path):
    import datetime as dt

    recipe = load_recipe(_recipe(tmp_path, ["2024-08-08", "yesterday"]))
    items = recipe.items(today=dt.date(2024, 8, 10))
    assert [i.name for i in items] == [
        "binance-usdm_BTCUSDT_2024-08-08", "binance-usdm_BTCUSDT_2024-08-09",
        "binance-spot_ETHUSDT_2024-08-08", "binance-spot_ETHUSDT_2024-08-09"]
    first = items[0]
    assert first.parameters == {"scale": 2.5, "venue": "binance-usdm", "symbol": "BTCUSDT",
                                "date": "2024-08-08", "output_path": str(first.output)}
    assert first.output == tmp_path / "out" / "binance-usdm_BTCUSDT_2024-08-08.json"


@pytest.mark.parametrize(("extra", "message"), [
    ("bogus: 1\n", r"unknown keys \['bogus'\]"),
    ("", None),
])
def test_bad_recipes_are_refused_naming_the_fault(tmp_path, extra, message):
    path = _recipe(tmp_path, ["2024-08-08"], extra)
    if message is None:
        text = path.read_text().replace("{date}.json", "{day}.json")
        path.write_text(text)
        message = r"names 'day', which no grid entry or parameter sets"
    with pytest.raises(ValidationError, match=message):
        load_recipe(path)


def test_a_mistyped_notebook_parameter_in_a_recipe_is_refused(tmp_path):
    path = _recipe(tmp_path, ["2024-08-08"])
    path.write_text(path.read_text().replace("{scale: 2.5}", "{scal: 2.5}"))
    with pytest.raises(ValidationError, match=r"unknown parameter 'scal' \(did you mean "
                                              r"'scale'"):
        load_recipe(path)


def test_runs_on_a_dask_cluster_keeps_failures_and_skips_finished(tmp_path):
    recipe = load_recipe(_recipe(tmp_path, ["2024-08-08", "1999-01-01"]))
    cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=False,
                                       dashboard_address=None)
    try:
        with distributed.Client(cluster) as client:
            report = run_recipe(recipe, client=client, progress=False)
            assert [i.name for i, _ in report.done] == ["binance-usdm_BTCUSDT_2024-08-08",
                                                        "binance-spot_ETHUSDT_2024-08-08"]
            assert [i.name for i, _ in report.failed] == ["binance-usdm_BTCUSDT_1999-01-01",
                                                          "binance-spot_ETHUSDT_1999-01-01"]
            for item, run in report.failed:
                assert "no data for" in run.error
                assert "no data for" in item.notebook_output.read_text()  # kept, with error
                assert not item.output.exists()
            out = json.loads(report.done[1][0].output.read_text())
            assert out == {**out, "venue": "binance-spot", "symbol": "ETHUSDT", "scale": 2.5}
            assert "FAILED binance-usdm_BTCUSDT_1999-01-01" in report.lines()[1]
            again = run_recipe(recipe, client=client, progress=False)
            assert len(again.skipped) == 2 and len(again.failed) == 2 and not again.done
    finally:
        cluster.close()


def test_cli_runs_locally_lists_and_exits_non_zero_on_failures(tmp_path, capsys):
    path = _recipe(tmp_path, ["2024-08-08"])
    assert main(["recipe", "run", str(path), "--no-progress", "--workers", "2"]) == 0
    assert "2 done, 0 skipped (finished), 0 failed" in capsys.readouterr().out
    assert main(["recipe", "run", str(path), "--no-progress"]) == 0
    assert "0 done, 2 skipped" in capsys.readouterr().out
    assert main(["recipe", "list", str(path.parent)]) == 0
    assert "2 items (2 finished)" in capsys.readouterr().out
    bad = _recipe(tmp_path, ["1999-01-01"])
    assert main(["recipe", "run", str(bad), "--no-progress"]) == 1
    assert "FAILED binance-spot_ETHUSDT_1999-01-01" in capsys.readouterr().out


def test_a_scheduler_that_does_not_answer_is_a_clear_error(tmp_path, capsys):
    path = _recipe(tmp_path, ["2024-08-08"])
    code = main(["recipe", "run", str(path), "--scheduler", "tcp://127.0.0.1:9",
                 "--no-progress"])
    assert code == 2
    err = capsys.readouterr().err
    assert "Dask scheduler at tcp://127.0.0.1:9 did not answer" in err
    assert not (tmp_path / "out").exists()


def test_schedule_prints_and_installs_cron_lines(tmp_path, capsys, monkeypatch):
    path = _recipe(tmp_path, ["yesterday"])
    line = cron_line(load_recipe(path))
    assert line.startswith("15 1 * * * cd ")
    assert f"recipe run {path}" in line and line.endswith(f"{MARKER} {path}")
    # A fake crontab that keeps its table in a file.
    table = tmp_path / "crontab.txt"
    table.write_text("0 5 * * * echo other\n" + line + "\n")
    fake = tmp_path / "bin" / "crontab"
    fake.parent.mkdir()
    fake.write_text(f"#!/bin/sh\nif [ \"$1\" = -l ]; then cat {table}; "
                    f"else cat > {table}; fi\n")
    fake.chmod(fake.stat().st_mode | stat.S_IEXEC)
    monkeypatch.setenv("PATH", f"{fake.parent}{os.pathsep}{os.environ['PATH']}")
    assert main(["recipe", "schedule", str(path), "--install"]) == 0
    assert table.read_text() == "0 5 * * * echo other\n" + line + "\n"  # replaced, not added
    assert main(["recipe", "schedule", str(path)]) == 0
    assert capsys.readouterr().out.strip().endswith(line)


def test_the_ready_recipe_names_the_bundled_sample():
    # Its one item is executed by tests/notebooks/test_daily_calibration.py.
    recipe = load_recipe(REPO / "recipes" / "daily_calibration.yaml")
    (item,) = recipe.items()
    assert item.name == "binance-usdm_BTCUSDT_2024-08-08"
    assert item.parameters["data_dir"] is None          # the bundled sample
    assert recipe.notebook == REPO / "notebooks" / "daily_calibration.ipynb"
    assert item.output == REPO / "runs" / "calibration" / f"{item.name}.yaml"


def _notebook_with(path: Path, source: str) -> Path:
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell("x = 1", metadata={"tags": ["parameters"]}),
                nbformat.v4.new_code_cell(source)]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                 "language": "python"}
    nbformat.write(nb, path)
    return path


def test_a_kernel_that_dies_or_hangs_is_a_failed_run_and_leaves_nothing_running(tmp_path):
    from workbench.jobs.notebook import run_notebook

    dies = run_notebook(_notebook_with(tmp_path / "die.ipynb", "import os\nos._exit(3)"),
                        tmp_path / "die_out.ipynb", {"x": 2})
    assert not dies.ok and "Kernel died" in dies.error
    assert (tmp_path / "die_out.ipynb").exists()
    marker = tmp_path / "pid"
    hang = _notebook_with(tmp_path / "hang.ipynb",
                          f"import os, time\nopen({str(marker)!r}, 'w').write(str(os.getpid()))"
                          "\ntime.sleep(600)")
    start = time.perf_counter()
    hangs = run_notebook(hang, tmp_path / "hang_out.ipynb", {}, timeout_s=8.0)
    assert not hangs.ok and "timed out after 8.0 s" in hangs.error
    assert time.perf_counter() - start < 30
    if marker.exists():  # the kernel started: it was ended with papermill
        pid = int(marker.read_text())
        with pytest.raises(ProcessLookupError):
            for _ in range(50):
                os.kill(pid, 0)
                time.sleep(0.1)
