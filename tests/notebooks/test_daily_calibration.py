"""The daily calibration notebook runs headless, records the API's results and writes the
parameter file; bad parameters are refused before a kernel starts."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest

from tests.notebooks.run import execute, printed_json
from workbench import calibrate, read_params_file
from workbench.core import ValidationError
from workbench.jobs import check_parameters, notebook_parameters, run_notebook

REPO = Path(__file__).resolve().parents[2]
NOTEBOOK = REPO / "notebooks" / "daily_calibration.ipynb"


@pytest.fixture(scope="module")
def executed(tmp_path_factory):
    """The ready recipe's item (the bundled sample), its output moved to a temporary folder."""
    from workbench.jobs import load_recipe

    root = tmp_path_factory.mktemp("nb")
    (item,) = load_recipe(REPO / "recipes" / "daily_calibration.yaml").items()
    params = {**item.parameters, "output_path": str(root / "btc.yaml")}
    assert params["gamma_method"] == "limit" and params["sweep_points"] == 5
    return execute(NOTEBOOK, root / "out.ipynb", params), root / "btc.yaml"


def test_recorded_results_equal_the_python_api(executed):
    nb, path = executed
    recorded = printed_json(nb)
    direct = calibrate("binance-usdm", "BTCUSDT", "2024-08-08", gamma_method="limit",
                       sweep_gammas=5)
    assert recorded["params"] == pytest.approx(direct.params, rel=1e-12)
    assert recorded["k_se"] == pytest.approx(direct.intensity.k_se, rel=1e-12)
    assert recorded["orders"] == direct.intensity.n_observed
    written = read_params_file(path)
    assert written.params == pytest.approx(direct.params, rel=1e-12)
    assert len(written.meta["diagnostics"]["gamma_sweep"]) == 5


def test_the_report_renders_its_three_charts_inline(executed):
    nb, _ = executed
    text = nbformat.writes(nb)
    assert "cdn.bokeh.org" not in text
    shown = [c for c in nb.cells if c.cell_type == "code" and "show(" in c.source]
    assert len(shown) == 3
    for cell in shown:
        assert any("application/vnd.bokehjs_exec.v0+json" in o.get("data", {})
                   for o in cell.outputs), cell.source


def test_declared_parameters_are_the_tagged_cell():
    declared = notebook_parameters(NOTEBOOK)
    assert {"venue", "symbol", "date", "data_dir", "output_path"} <= set(declared)
    assert declared["date"] == "2024-08-08" and declared["data_dir"] is None


def test_mistyped_parameters_are_refused_before_a_kernel_starts(tmp_path):
    with pytest.raises(ValidationError, match=r"unknown parameter 'dat' \(did you mean 'date'"):
        check_parameters(NOTEBOOK, {"dat": "2024-08-08"})
    with pytest.raises(ValidationError, match=r"'sweep_points' must be int"):
        check_parameters(NOTEBOOK, {"sweep_points": "five"})
    with pytest.raises(ValidationError, match=r"'half_life_s' must be float"):
        check_parameters(NOTEBOOK, {"half_life_s": "60"})
    check_parameters(NOTEBOOK, {"half_life_s": 60, "data_dir": "/data"})  # int for float ok
    out = tmp_path / "out.ipynb"
    with pytest.raises(ValidationError, match="symbl"):
        run_notebook(NOTEBOOK, out, {"symbl": "BTCUSDT"})
    assert not out.exists()


def test_a_date_without_data_fails_with_the_error_kept_and_no_parameters(tmp_path):
    out = tmp_path / "out.ipynb"
    run = run_notebook(NOTEBOOK, out, {"date": "2024-08-09",
                                       "output_path": str(tmp_path / "p.yaml")})
    assert not run.ok
    assert "no data for binance-usdm BTCUSDT on 2024-08-09" in run.error
    assert "no data for binance-usdm BTCUSDT on 2024-08-09" in out.read_text()
    assert not (tmp_path / "p.yaml").exists()
