"""The post-trade notebook runs headless under papermill (with no journal given it runs
the demo first) and records the report the Python API gives for the demo's journal."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest

from tests.notebooks.run import execute, has_parameters_cell, printed_json

NOTEBOOK = Path(__file__).resolve().parents[2] / "notebooks" / "post_trade.ipynb"


@pytest.fixture(scope="module")
def executed(tmp_path_factory):
    return execute(NOTEBOOK, tmp_path_factory.mktemp("nb") / "out.ipynb", {"grid_s": 2.0})


def test_notebook_has_a_tagged_parameters_cell():
    assert has_parameters_cell(NOTEBOOK)


def test_recorded_summary_is_the_report_of_the_demo_journal_it_wrote(executed):
    """With no journal given the notebook runs the demo; its summary is the Python API's
    report of the journal that run wrote (whose total is the engine's equity: see
    tests/post_trade/test_backtest_attribution.py)."""
    import workbench
    from workbench.data.sample import sample_paths

    cell = next(c for c in executed.cells if "run_demo_once(journal)" in c.source)
    text = "".join(o.get("text", "") for o in cell.outputs if o.output_type == "stream")
    journal = Path(text.split()[1].rstrip(":"))
    assert journal.name == "journal.sqlite" and journal.exists()
    direct = workbench.post_trade(journal, sample_paths(), grid_s=2.0).summary()
    recorded = printed_json(executed)
    assert recorded["fills"] == direct["fills"] > 100
    for key in ("total_pnl_quote", "spread_capture_quote", "inventory_quote", "fees_quote",
                "markout_fair_1s_bps", "markout_mid_60s_bps", "order_to_trade",
                "inventory_half_life_s", "sharpe_annualised", "max_drawdown_quote"):
        assert recorded[key] == pytest.approx(direct[key], rel=1e-12), key


def test_the_report_plot_is_rendered_inline(executed):
    text = nbformat.writes(executed)
    assert "cdn.bokeh.org" not in text
    plot_cell = next(c for c in executed.cells if "show(report.plot())" in c.source)
    assert any("application/vnd.bokehjs_exec.v0+json" in o.get("data", {})
               or "text/html" in o.get("data", {}) for o in plot_cell.outputs)
