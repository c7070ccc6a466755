"""The quickstart notebook runs headless under papermill and records the API's results."""

from __future__ import annotations

import itertools
from pathlib import Path

import nbformat
import pytest

from tests.notebooks.run import execute, has_parameters_cell, printed_json

NOTEBOOK = Path(__file__).resolve().parents[2] / "notebooks" / "backtest_quickstart.ipynb"
PARAMS = {"max_events": 15_000, "gamma": 0.1, "levels": 1, "seed": 11}


@pytest.fixture(scope="module")
def executed(tmp_path_factory):
    return execute(NOTEBOOK, tmp_path_factory.mktemp("nb") / "out.ipynb", PARAMS)


def test_notebook_has_a_tagged_parameters_cell():
    assert has_parameters_cell(NOTEBOOK)


def test_recorded_summary_equals_the_python_api(executed):
    from workbench import backtest
    from workbench.data.binance.feed import group_streams, replay_streams
    from workbench.data.binance.instruments import binance_instrument
    from workbench.data.sample import sample_paths
    from workbench.engine.demo import DEMO_FEES, DEMO_ORDERS
    from workbench.execution.sim import ConservativeQueue, ConstantLatency
    from workbench.quoting import ASParams, GLFTParams, InventoryParams, LadderParams
    from workbench.strategies import MakerParams

    files = sample_paths()
    maker = MakerParams(
        model="glft",
        glft_params=GLFTParams(gamma=0.1, k_per_price=2.0, a_per_s=1.0),
        as_params=ASParams(gamma=0.1, k_per_price=2.0, a_per_s=1.0),
        ladder=LadderParams(levels=1, spacing_ticks=2, size_lots=2),
        inventory=InventoryParams(max_long_lots=20, max_short_lots=20, hard_limit_lots=40,
                                  skew_mode="capped"),
    )
    result = backtest(itertools.islice(replay_streams(files), 15_000),
                      ("binance-usdm", "BTCUSDT"), maker,
                      instruments=[binance_instrument(*k) for k in group_streams(files)],
                      fees=DEMO_FEES, latency=ConstantLatency(5_000_000, 5_000_000),
                      queue=ConservativeQueue(), orders=DEMO_ORDERS, seed=11)
    recorded = printed_json(executed)
    direct = result.summary()
    assert recorded["events"] == 15_000
    for key in ("orders_placed", "cancels", "fills", "volume_quote", "fees_quote",
                "equity_quote", "inventory_base"):
        assert recorded[key] == pytest.approx(direct[key], rel=1e-12, abs=1e-12), key


def test_bokeh_is_loaded_inline_and_the_plot_rendered(executed):
    text = nbformat.writes(executed)
    assert "cdn.bokeh.org" not in text
    assert "application/vnd.bokehjs_load.v0+json" in text or "BokehJS" in text
    plot_cell = next(c for c in executed.cells if "show(result.plot())" in c.source)
    assert any("application/vnd.bokehjs_exec.v0+json" in o.get("data", {})
               or "text/html" in o.get("data", {}) for o in plot_cell.outputs)


def test_notebook_uses_the_public_api_only():
    nb = nbformat.read(NOTEBOOK, as_version=4)
    imports = [line for c in nb.cells if c.cell_type == "code"
               for line in c.source.splitlines() if line.startswith(("import ", "from "))]
    assert "import workbench" in imports
    assert not [line for line in imports if "workbench." in line]
